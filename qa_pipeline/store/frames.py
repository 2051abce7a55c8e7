"""Column contracts of the DataFrames the store returns and ``aggregate``/``reports`` read.

DataFrames exist only at the boundary between the store and the reports; these lists
are the contract both sides test against.
"""

from __future__ import annotations

#: One row per scored call (latest result per call and rubric version).
SCORE_COLUMNS: tuple[str, ...] = (
    "call_id",
    "run_id",
    "agent_id",
    "team",
    "started_at",  # tz-aware pandas Timestamp
    "call_type",
    "duration_s",
    "satisfaction",
    "recording_path",
    "rubric_id",
    "rubric_version",
    "rubric_sha256",
    "asr_model",
    "score",  # 0..100 or NaN when nothing was decided
    "grade",
    "critical_failed",  # bool
    "scored_at",
)

#: One row per item verdict of a scored call.
ITEM_COLUMNS: tuple[str, ...] = (
    "call_id",
    "agent_id",
    "team",
    "started_at",
    "call_type",
    "rubric_id",
    "rubric_version",
    "item_id",
    "item_name",
    "dimension",
    "status",  # pass / fail / na / review
    "points",  # the item's weight
    "awarded",  # points earned; NaN for na / review
    "critical_failed",  # this item zeroed the call
    "reason",
    "evidence",  # list of {"speaker","start","end","text"} dicts, PII redacted
    "confidence",  # probability the machine verdict is right; NaN for review / no model
    "recording_path",
)

#: One row per call received (recording), scored or not: what the hotline report counts.
CALL_COLUMNS: tuple[str, ...] = (
    "call_id",
    "agent_id",
    "team",
    "started_at",
    "call_type",  # 求助 / 咨询 / 投诉 / 建议 … as the manifest says
    "satisfaction",  # the 回访 rating, NaN when not surveyed
    "topic",  # the manifest's own topic tag, if any
    "caller_key",  # HMAC of the caller's number, None without one
    "caller_text",  # the caller's turns of the latest transcript (redacted), "" if none
)

#: One row per recorded failure of one call in one stage.
ERROR_COLUMNS: tuple[str, ...] = (
    "run_id",
    "call_id",
    "stage",  # manifest / decode / transcribe / score / store / report
    "kind",  # QAPipelineError.kind
    "message",
    "created_at",
)
