"""What the reports take from the human-decision layer.

Final verdicts (a person's decision wins over the machine's), links to the workbench,
and a section saying how far people checked the machine.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import quote

import pandas as pd
from sqlalchemy import select

from qa_pipeline.reports.model import Section, Table, fmt_pct, rows
from qa_pipeline.review.ledger import Ledger, LedgerSwitch
from qa_pipeline.review.verdicts import (
    Grading,
    apply_final_verdicts,
    latest_decisions,
    with_pending,
)
from qa_pipeline.review.views import AgreementRow
from qa_pipeline.review.workbench import Workbench
from qa_pipeline.store.schema import recordings


def call_url(base_url: str, call_id: str) -> str:
    """The workbench page of a call (``base_url`` is where ``qa web`` is served)."""
    return f"{base_url.rstrip('/')}/calls/{quote(call_id, safe='')}"


class FinalView:
    """A read-only view of a store whose frames carry final verdicts.

    ``scores_frame``/``items_frame`` return what the store returns, with human decisions
    applied (:func:`apply_final_verdicts`); ``recording_path`` becomes the workbench's
    call page when ``web_base_url`` is set, and is blanked for vendor transcripts
    otherwise (a report never links to a raw transcript file).
    """

    def __init__(self, store: Any, rubric: Any, web_base_url: str | None = None) -> None:
        """Read the latest human decisions on the rubric and which calls are transcripts.

        Args:
            store: An open :class:`~qa_pipeline.store.Store`.
            rubric: The rubric (loaded or :class:`~qa_pipeline.reports.model.RubricInfo`)
                whose decisions apply; ``None`` for the decisions on every rubric.
            web_base_url: Where the workbench is served; call links then open its pages.
        """
        self.store = store
        self.rubric = rubric
        self.web_base_url = web_base_url
        self.grading = Grading.from_rubric(rubric) if rubric is not None else None
        with store._read("read human decisions") as conn:
            rid = str(rubric.id) if rubric else None
            # a suggestion the ledger sent to people is ``review`` until someone decides
            self.decisions = with_pending(conn, latest_decisions(conn, rid), rid)
            self._transcripts = {
                r.call_id
                for r in conn.execute(
                    select(recordings.c.call_id).where(recordings.c.is_transcript.is_(True))
                )
            }

    def __getattr__(self, name: str) -> Any:
        """Anything else is the store's own (``runs_frame``, ``_read``, ...)."""
        return getattr(self.store, name)

    def machine_agreement(self, rubric_id: str) -> list[AgreementRow]:
        """Per item: the machine's agreement with final human verdicts (see Workbench)."""
        return Workbench(self.store).machine_agreement(rubric_id)

    def ledger_lines(self, period: Any, zh: bool) -> tuple[tuple[str, ...], bool]:
        """The trust ledger's modes for the rubric and the switches of ``period``.

        Args:
            period: The report's period (``start``, ``end``: tz-aware).
            zh: Chinese text.

        Returns:
            The lines (see :func:`ledger_lines`), and whether the ledger is in use (an
            item needs people, or one was switched in the period).
        """
        ledger = Ledger(self.store)
        rid, ver = str(self.rubric.id), str(self.rubric.version)
        summary = ledger.summary(rid, ver, [str(i.id) for i in self.rubric.items])
        switches = [
            s
            for s in ledger.switches()
            if s.rubric_id == rid and period.start <= s.switched_at < period.end
        ]
        return ledger_lines(summary, switches, zh), bool(summary["people"] or switches)

    def _links(self, df: pd.DataFrame) -> pd.DataFrame:
        if df.empty or "recording_path" not in df:
            return df
        if self.web_base_url:
            base = self.web_base_url
            df["recording_path"] = [call_url(base, str(c)) for c in df["call_id"]]
        elif self._transcripts:
            vendor = df["call_id"].isin(self._transcripts)
            df.loc[vendor, "recording_path"] = ""
        return df

    def _both(self, *args: Any, **kw: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        item_kw = {k: v for k, v in kw.items() if k != "item_id"}
        scores = self.store.scores_frame(*args, **{k: v for k, v in item_kw.items()})
        items = self.store.items_frame(*args, **item_kw)
        scores, items = apply_final_verdicts(scores, items, self.decisions, self.grading)
        return self._links(scores), self._links(items)

    def frames(self, *args: Any, **kw: Any) -> tuple[pd.DataFrame, pd.DataFrame]:
        """Scores and item verdicts together (one read of each), final and linked."""
        return self._both(*args, **kw)

    def scores_frame(self, *args: Any, **kw: Any) -> pd.DataFrame:
        """The store's ``scores_frame`` with final verdicts and report links."""
        return self._both(*args, **kw)[0]

    def items_frame(self, *args: Any, **kw: Any) -> pd.DataFrame:
        """The store's ``items_frame`` with final verdicts and report links."""
        item_id = kw.get("item_id")
        items = self._both(*args, **kw)[1]
        return items[items["item_id"] == item_id] if item_id is not None else items


def _agreement_table(agreement: list[AgreementRow], zh: bool) -> Table:
    """Per item and rubric version: the machine's agreement with people."""
    cols = (
        ("评分项", "版本", "人工核查", "机器一致率", "扣分准确率", "随机抽检")
        if zh
        else ("Item", "Version", "Checked", "Agreement", "Precision of fails", "Sampled")
    )
    data = [
        (
            a.name,
            a.rubric_version,
            a.n,
            fmt_pct(a.agreement),
            fmt_pct(a.fail_precision),
            a.sampled,
        )
        for a in agreement
    ]
    return Table(cols, rows(data), "machine_agreement")


def ledger_lines(
    summary: Mapping[str, int], switches: Sequence[LedgerSwitch], zh: bool
) -> tuple[str, ...]:
    """The bulletin's lines on the trust ledger: modes, and the period's switches.

    Args:
        summary: ``{"machine": n, "people": m}`` items of the rubric version.
        switches: The switches of the period (audited), newest first.
        zh: Chinese text.

    Returns:
        One line of modes, then one per switch.
    """
    if zh:
        head = f"信任台账：{summary['machine']} 项机器自主判定，{summary['people']} 项需人工判定。"
        mode = {"machine": "机器自主", "people": "需人工"}
    else:
        head = (
            f"Trust ledger: {summary['machine']} items machine-decided, "
            f"{summary['people']} need people."
        )
        mode = {"machine": "machine-decided", "people": "needs people"}
    lines = [head]
    for s in switches:
        what = f"{s.item_id} (v{s.rubric_version}) {mode[s.old_mode]} → {mode[s.new_mode]}"
        figures = f"{s.agreed}/{s.checks}"
        lines.append(
            f"{s.switched_at:%Y-%m-%d} {s.user_name}：{what}（当时一致 {figures}）：{s.reason}"
            if zh
            else f"{s.switched_at:%Y-%m-%d} {s.user_name}: {what} (agreed {figures}): {s.reason}"
        )
    return tuple(lines)


def human_section(
    items: pd.DataFrame,
    language: str,
    agreement: list[AgreementRow] | None,
    ledger: tuple[str, ...] = (),
    ledger_in_use: bool = False,
) -> Section | None:
    """A report section saying how many items people checked.

    Args:
        items: The report's item verdicts (``human`` marks those a person decided).
        language: The rubric's language (``zh…`` → Chinese).
        agreement: The machine's agreement with people per item (the bulletin), or
            ``None``.
        ledger: The trust ledger's lines (the bulletin; see :func:`ledger_lines`).
        ledger_in_use: An item needs people or was switched: the section is shown even
            when nobody checked anything.

    Returns:
        The section, or ``None`` when nobody checked anything and the ledger is unused.
    """
    zh = language.startswith("zh")
    human = items[items["human"].astype(bool)] if "human" in items else items.iloc[0:0]
    if human.empty and not agreement and not ledger_in_use:
        return None
    n, calls = len(human), human["call_id"].nunique()
    if zh:
        text = (
            f"本期 {n} 个评分项（{calls} 通电话）经人工复核或申诉改判，"
            "得分与统计均按人工最终结论计算。"
        )
    else:
        text = (
            f"People checked {n} item verdicts on {calls} calls this period; scores and "
            "figures use their final verdicts."
        )
    tables = (_agreement_table(agreement, zh),) if agreement else ()
    title = "人工复核与机器一致性" if zh else "Checked by people"
    return Section(title, paragraphs=(text, *ledger), tables=tables)
