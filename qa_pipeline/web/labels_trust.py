"""Labels of the trust ledger and blind calibration pages (merged into :mod:`labels`)."""

from __future__ import annotations

ZH = {
    "ledger": "信任台账",
    "reason_suggestion": "需人工（机器建议）",
    "reason_appeal": "申诉裁定",
    "mode": "判定方式",
    "mode_machine": "机器自主判定",
    "mode_people": "需人工判定",
    "checks": "核查次数",
    "agreed_of": "一致",
    "interval": "95% 区间（Wilson）",
    "floor": "下限",
    "below_floor": "低于下限",
    "above_floor": "达到下限",
    "too_few": "核查仅 {n} 次（少于 {min}），数字参考价值有限",
    "confusion": "混淆矩阵（行：机器，列：人工）",
    "calls_behind": "查看依据通话",
    "advice_to_people": "建议：改为需人工",
    "advice_to_machine": "可考虑：改为机器自主",
    "switch": "切换",
    "set_floor": "设置下限",
    "switch_reason": "理由（必填，记入审计）",
    "ledger_audit": "切换记录（只增不改）",
    "ledger_summary": "{machine} 项机器自主判定，{people} 项需人工",
    "ledger_intro": (
        "按评分项与评分表版本，统计最近 {days} 天内人工复核（含申诉裁定）与机器判定的一致情况。"
        "下限是对 Wilson 95% 区间下界的要求：低于下限的评分项应改为需人工——"
        "夜间评分后，这些评分项的机器结论只作为预填建议进入复核队列，由人工定稿。"
    ),
    "who": "操作人",
    "when": "时间",
    "old_new": "原 → 新",
    "figures_then": "当时数据",
    "window_days": "统计窗口（天）",
    "msg_switched": "已切换并记入审计",
    "err_ledger_below_floor": "评分项 {item} 低于下限，不能改为机器自主判定。",
    "err_ledger_no_change": "没有变化：判定方式和下限都与现在相同。",
    "err_ledger_bad_mode": "判定方式无效。",
    "err_ledger_bad_floor": "下限须在 0 到 1 之间。",
    "blind_call": "盲评通话",
    "blind_note": "盲评：评完之前不显示机器结论和他人评分。",
    "listen": "收听与转写",
    "per_rater": "评分员分歧表",
    "rater": "评分员",
    "vs_consensus": "与共识一致",
    "vs_machine": "与机器一致",
    "kappa_hidden": "评分通话少于 {min} 通，不计算 κ",
    "kappa_words": (
        "一致率 {agree}，但按各结论的占比，随机也会有 {chance} 的一致"
        "（最常见的结论“{top}”占 {share}）。"
        "κ = {kappa}：{verdict}"
    ),
    "kappa_good": "一致程度明显高于随机。",
    "kappa_fair": "一致程度只比随机略高。",
    "kappa_none": "一致程度不高于随机——高一致率主要来自同一结论占绝大多数。",
}

EN = {
    "ledger": "Trust ledger",
    "reason_suggestion": "needs people (machine suggests)",
    "reason_appeal": "appeal resolved",
    "mode": "Mode",
    "mode_machine": "machine decides",
    "mode_people": "needs people",
    "checks": "Checks",
    "agreed_of": "agreed",
    "interval": "95% interval (Wilson)",
    "floor": "Floor",
    "below_floor": "below floor",
    "above_floor": "at or above floor",
    "too_few": "only {n} checks (fewer than {min}): the figures say little",
    "confusion": "Confusion matrix (rows: machine, columns: people)",
    "calls_behind": "calls behind the figures",
    "advice_to_people": "advice: switch to needs people",
    "advice_to_machine": "may switch to machine decides",
    "switch": "Switch",
    "set_floor": "Set floor",
    "switch_reason": "reason (required, audited)",
    "ledger_audit": "Switches (append-only)",
    "ledger_summary": "{machine} items machine-decided, {people} need people",
    "ledger_intro": (
        "Per item and rubric version: agreement of the machine with people's decisions "
        "(reviews and resolved appeals) over the last {days} days. The floor applies to "
        "the lower bound of the Wilson 95% interval: an item below it should need people — "
        "after the night, its machine verdicts enter the review queue as pre-filled "
        "suggestions and people decide."
    ),
    "who": "By",
    "when": "When",
    "old_new": "old → new",
    "figures_then": "figures then",
    "window_days": "window (days)",
    "msg_switched": "Switched; the change is audited",
    "err_ledger_below_floor": "Item {item} is below its floor: the machine may not decide alone.",
    "err_ledger_no_change": "Nothing to change: mode and floor are as they are.",
    "err_ledger_bad_mode": "Unknown mode.",
    "err_ledger_bad_floor": "A floor lies between 0 and 1.",
    "blind_call": "Blind call",
    "blind_note": "Blind: no machine verdict and no other rater's verdicts until you have scored.",
    "listen": "Recording and transcript",
    "per_rater": "Disagreement by rater",
    "rater": "Rater",
    "vs_consensus": "agrees with consensus",
    "vs_machine": "agrees with machine",
    "kappa_hidden": "fewer than {min} calls rated: κ not shown",
    "kappa_words": (
        "Agreement {agree}, but from the share of each verdict chance alone gives {chance} "
        "(the commonest verdict, “{top}”, is {share} of all). κ = {kappa}: {verdict}"
    ),
    "kappa_good": "clearly better than chance.",
    "kappa_fair": "only a little better than chance.",
    "kappa_none": "no better than chance — the high agreement comes from one verdict dominating.",
}
