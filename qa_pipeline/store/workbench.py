"""Tables of the human-decision layer (migrations 0002, 0003), on the store's metadata."""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from qa_pipeline.store.schema import UTCDateTime, metadata, review_decisions

__all__ = [
    "appeals",
    "calibration_calls",
    "calibration_scores",
    "calibration_sessions",
    "evaluation_reopenings",
    "evaluations",
    "inspector_teams",
    "notifications",
    "review_decisions",
    "review_queue",
    "users",
    "web_sessions",
]


def _call_key() -> list[Column]:  # type: ignore[type-arg]
    return [
        Column("call_id", String(128), nullable=False),
        Column("rubric_id", String(128), nullable=False),
        Column("rubric_version", String(64), nullable=False),
    ]


users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(128), nullable=False, unique=True),
    Column("password_hash", String(256), nullable=False),
    Column("role", String(16), nullable=False),
    Column("agent_id", String(64), nullable=True),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("email", String(256), nullable=True),  # migration 0006, for the e-mail hook
)

web_sessions = Table(
    "web_sessions",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("user_id", Integer, ForeignKey("users.id", ondelete="CASCADE"), nullable=False),
    Column("csrf", String(64), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("expires_at", UTCDateTime, nullable=False),
)

#: One row per evaluation (call × rubric version) that people touched: its state
#: (machine → reviewed → appealed → final) and the score recomputed from final verdicts.
evaluations = Table(
    "evaluations",
    metadata,
    *_call_key(),
    Column("state", String(16), nullable=False),
    Column("score", Float, nullable=True),
    Column("grade", String(32), nullable=True),
    Column("critical_failed", Boolean, nullable=False),
    Column("human_items", Integer, nullable=False),
    Column("acknowledged_by", Integer, nullable=True),
    Column("acknowledged_at", UTCDateTime, nullable=True),
    Column("updated_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("call_id", "rubric_id", "rubric_version"),
    Index("ix_evaluations_state", "state"),
)

appeals = Table(
    "appeals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_call_key(),
    Column("item_id", String(128), nullable=False),
    Column("agent_id", String(64), nullable=True),
    Column("filed_by", Integer, nullable=False),
    Column("reason", Text, nullable=False),  # PII redacted
    Column("state", String(16), nullable=False),  # open / upheld / overturned
    Column("filed_at", UTCDateTime, nullable=False),
    Column("resolved_by", Integer, nullable=True),
    Column("resolved_at", UTCDateTime, nullable=True),
    Column("resolution", Text, nullable=True),  # PII redacted
    Index("ix_appeals_call", "call_id", "rubric_id", "rubric_version"),
    Index("ix_appeals_state", "state"),
)

review_queue = Table(
    "review_queue",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_call_key(),
    Column("item_id", String(128), nullable=False),
    Column("reason", String(16), nullable=False),  # review / sample / suggestion
    Column("machine_status", String(16), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
    Column("done", Boolean, nullable=False),
    Column("assigned_to", Integer, nullable=True),  # a user id (migration 0006)
    Column("due_at", UTCDateTime, nullable=True),
    # the machine failed the item as critical (copied from item_results, for the order)
    Column("critical_failed", Boolean, nullable=True),
    # the machine's confidence in its verdict (copied from item_results, for the order;
    # migration 0008); none for items scored before verdicts carried one
    Column("confidence", Float, nullable=True),
    UniqueConstraint(
        "call_id", "rubric_id", "rubric_version", "item_id", name="uq_review_queue_item"
    ),
    Index("ix_review_queue_done", "done", "id"),
    Index("ix_review_queue_assigned", "assigned_to", "done", "due_at"),
)

calibration_sessions = Table(
    "calibration_sessions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(256), nullable=False),
    Column("rubric_id", String(128), nullable=False),
    Column("rubric_version", String(64), nullable=False),
    Column("created_by", Integer, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

calibration_calls = Table(
    "calibration_calls",
    metadata,
    Column(
        "session_id",
        Integer,
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("call_id", String(128), nullable=False),
    PrimaryKeyConstraint("session_id", "call_id"),
)

calibration_scores = Table(
    "calibration_scores",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column(
        "session_id",
        Integer,
        ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("call_id", String(128), nullable=False),
    Column("item_id", String(128), nullable=False),
    Column("user_id", Integer, nullable=False),
    Column("status", String(16), nullable=False),
    Column("scored_at", UTCDateTime, nullable=False),
    UniqueConstraint("session_id", "call_id", "item_id", "user_id", name="uq_calibration_scores"),
)


#: Append-only (migration 0003): who reopened a final evaluation, when and why.
evaluation_reopenings = Table(
    "evaluation_reopenings",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_call_key(),
    Column("user_id", Integer, nullable=False),
    Column("user_name", String(128), nullable=False),
    Column("old_state", String(16), nullable=False),
    Column("reason", Text, nullable=False),  # PII redacted
    Column("reopened_at", UTCDateTime, nullable=False),
    Index("ix_evaluation_reopenings_call", "call_id", "rubric_id", "rubric_version"),
)

#: What a user is told in the workbench (migration 0004; ``user_id`` 0005): an agent (by
#: agent id) that an appeal was resolved or an evaluation reopened; an inspector (by user
#: id) that items were assigned, an appeal waits, items are due soon. ``read_at`` is set
#: when they open the notifications page.
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("agent_id", String(64), nullable=True),
    Column("user_id", Integer, nullable=True),
    Column("kind", String(32), nullable=False),  # appeal_upheld / reopened / assigned / …
    Column("call_id", String(128), nullable=True),
    Column("rubric_id", String(128), nullable=True),
    Column("rubric_version", String(64), nullable=True),
    Column("item_id", String(128), nullable=True),
    Column("text", Text, nullable=False),  # PII redacted
    Column("created_at", UTCDateTime, nullable=False),
    Column("read_at", UTCDateTime, nullable=True),
    Index("ix_notifications_agent", "agent_id", "read_at"),
    Index("ix_notifications_user", "user_id", "read_at"),
)

#: Which teams' calls an inspector reviews (migration 0006): queue items of a call whose
#: team has inspectors here go to them in turn; other items to every inspector in turn.
inspector_teams = Table(
    "inspector_teams",
    metadata,
    Column("user_id", Integer, nullable=False),
    Column("team", String(128), nullable=False),
    PrimaryKeyConstraint("user_id", "team"),
    Index("ix_inspector_teams_team", "team"),
)
