"""A deterministic synthetic history as store frames (``frames.py`` columns)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from qa_pipeline.reports.model import ItemInfo, RubricInfo
from qa_pipeline.store.frames import ITEM_COLUMNS, SCORE_COLUMNS

ITEMS = (
    ItemInfo("greeting", "开场问候", "script", 10, False, "开场报工号并问候。"),
    ItemInfo("restate", "复述诉求", "script", 10, False, "复述来电人的诉求并确认。"),
    ItemInfo(
        "deed_tax_rate", "契税税率", "policy", 15, True, "按现行契税政策答复并说明140平方米界限。"
    ),
    ItemInfo(
        "residence_permit_conditions",
        "居住证申领条件",
        "policy",
        10,
        False,
        "居住半年以上并满足条件之一。",
    ),
    ItemInfo("one_time_notice", "一次性告知", "policy", 15, False, "一次性告知全部材料。"),
    ItemInfo("empathy", "安抚共情", "emotion", 20, False, "先共情再处理。"),
    ItemInfo("closing", "结束语", "script", 20, False, "询问是否还有其他问题并道别。"),
)
RUBRIC = RubricInfo(
    id="hotline_12345",
    version="2026.2",
    language="zh",
    name="12345政务服务热线通话质检标准",
    items=ITEMS,
    pass_mark=80.0,
    grades=(("优秀", 90.0), ("合格", 80.0), ("不合格", 0.0)),
    dimensions={"script": "服务规范", "policy": "业务准确", "emotion": "情绪处理"},
)
RUBRIC_EN = RubricInfo(
    id="hotline_12345",
    version="2026.2",
    language="en",
    name="12345 hotline",
    items=ITEMS,
    pass_mark=80.0,
    grades=(("excellent", 90.0), ("pass", 80.0), ("fail", 0.0)),
)
TEAMS = {"一组": ["A1001", "A1002", "A1003", "A1004"], "二组": ["A2001", "A2002", "A2003"]}
CALL_TYPES = ["咨询", "求助", "投诉", "建议"]
#: Base fail probability per item; A1001 fails empathy a lot, everybody fails one_time_notice.
BASE = {
    "greeting": 0.05,
    "restate": 0.1,
    "deed_tax_rate": 0.15,
    "residence_permit_conditions": 0.2,
    "one_time_notice": 0.45,
    "empathy": 0.1,
    "closing": 0.05,
}
APPLIES = {"deed_tax_rate": 0.3, "residence_permit_conditions": 0.25, "empathy": 0.4}


def make_history(
    start: str = "2026-09-01",
    days: int = 91,
    calls_per_day: int = 12,
    seed: int = 7,
    agents: dict[str, list[str]] | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Scores and items frames for ``days`` days from ``start`` (Asia/Shanghai)."""
    rng = np.random.default_rng(seed)
    teams = agents or TEAMS
    roster = [(a, t) for t, ids in teams.items() for a in ids]
    t0 = pd.Timestamp(start, tz="Asia/Shanghai")
    srows, irows = [], []
    n = days * calls_per_day
    day = np.repeat(np.arange(days), calls_per_day)
    second = rng.integers(8 * 3600, 20 * 3600, size=n)
    who = rng.integers(0, len(roster), size=n)
    for k in range(n):
        agent, team = roster[who[k]]
        started = t0 + pd.Timedelta(days=int(day[k]), seconds=int(second[k]))
        cid = f"C{k:06d}"
        path = f"/srv/recordings/{started:%Y%m%d}/{cid}.wav"
        ctype = CALL_TYPES[k % len(CALL_TYPES)]
        total, got, crit = 0.0, 0.0, False
        for it in ITEMS:
            if rng.random() > APPLIES.get(it.id, 1.0):
                status = "na"
            else:
                p = BASE[it.id] + (0.5 if (agent == "A1001" and it.id == "empathy") else 0.0)
                p -= 0.004 * max(0, int(day[k]) - 60) if it.id == "one_time_notice" else 0.0
                status = (
                    "fail" if rng.random() < p else ("review" if rng.random() < 0.01 else "pass")
                )
            awarded = {"pass": it.points, "fail": 0.0}.get(status, np.nan)
            critical = bool(it.critical and status == "fail")
            crit = crit or critical
            if status in ("pass", "fail"):
                total += it.points
                got += awarded
            ev = (
                [
                    {
                        "speaker": "agent",
                        "start": 12.0 + 3 * ITEMS.index(it),
                        "end": 15.0,
                        "text": f"{it.name}相关原话{k % 97}",
                    }
                ]
                if status == "fail"
                else []
            )
            irows.append(
                (
                    cid,
                    agent,
                    team,
                    started,
                    ctype,
                    RUBRIC.id,
                    RUBRIC.version,
                    it.id,
                    it.name,
                    it.dimension,
                    status,
                    it.points,
                    awarded,
                    critical,
                    f"{it.name}不达标" if status == "fail" else "",
                    ev,
                    path,
                )
            )
        score = 0.0 if crit else (100 * got / total if total else np.nan)
        grade = "优秀" if score >= 90 else "合格" if score >= 80 else "不合格"
        srows.append(
            (
                cid,
                1,
                agent,
                team,
                started,
                ctype,
                180.0,
                None,
                path,
                RUBRIC.id,
                RUBRIC.version,
                "sha",
                "small",
                score,
                grade,
                crit,
                started + pd.Timedelta(hours=12),
            )
        )
    items = pd.DataFrame(irows, columns=[c for c in ITEM_COLUMNS if c != "confidence"])
    # no verdict confidence in these synthetic months (NaN: reports leave its figure out)
    return pd.DataFrame(srows, columns=list(SCORE_COLUMNS)), items.reindex(
        columns=list(ITEM_COLUMNS)
    )


def between(frame: pd.DataFrame, start: object, end: object) -> pd.DataFrame:
    """Rows with ``start <= started_at < end``."""
    return frame[(frame["started_at"] >= start) & (frame["started_at"] < end)]


def write_to_store(store: object, scores: pd.DataFrame, items: pd.DataFrame) -> None:
    """Write the synthetic frames through the real store (recordings, then scores)."""
    from pathlib import Path

    from qa_pipeline.models import CallMeta, CallScore, Evidence, ItemResult, Recording, Status

    by_call = {cid: g for cid, g in items.groupby("call_id", sort=False)}
    for row in scores.itertuples(index=False):
        meta = CallMeta(
            call_id=row.call_id,
            agent_id=row.agent_id,
            team=row.team,
            started_at=row.started_at.to_pydatetime(),
            call_type=row.call_type,
            duration_s=row.duration_s,
            satisfaction=None,
        )
        rec = Recording(
            path=Path(row.recording_path), meta=meta, content_hash="sha256:" + row.call_id
        )
        store.upsert_recording(rec, None)  # type: ignore[attr-defined]
        results = tuple(
            ItemResult(
                item_id=i.item_id,
                status=Status(i.status),
                points=float(i.points),
                reason=i.reason,
                critical_failed=bool(i.critical_failed),
                name=i.item_name,
                dimension=i.dimension,
                evidence=tuple(
                    Evidence(e["speaker"], e["start"], e["end"], e["text"]) for e in i.evidence
                ),
            )
            for i in by_call[row.call_id].itertuples(index=False)
        )
        score = CallScore(
            call_id=row.call_id,
            rubric_id=row.rubric_id,
            rubric_version=row.rubric_version,
            rubric_sha256="ab" * 32,
            score=None if row.score != row.score else float(row.score),
            grade=row.grade,
            critical_failed=bool(row.critical_failed),
            items=results,
            agent_id=row.agent_id,
            asr_model="small",
        )
        store.save_score(score, None)  # type: ignore[attr-defined]
