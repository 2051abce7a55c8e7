"""Initial schema: runs, recordings, transcripts, scores, item results, errors, reviews.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def _run_fk() -> sa.Column:
    return sa.Column("run_id", sa.Integer, sa.ForeignKey("runs.id", ondelete="SET NULL"))


def _call_fk() -> sa.Column:
    return sa.Column(
        "call_id",
        sa.String(128),
        sa.ForeignKey("recordings.call_id", ondelete="CASCADE"),
        nullable=False,
    )


def upgrade() -> None:
    """Create the first schema: runs, recordings, transcripts, scores and their details."""
    op.create_table(
        "runs",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("params", JSON, nullable=False),
        sa.Column("summary", JSON),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
    )
    op.create_table(
        "recordings",
        sa.Column("call_id", sa.String(128), primary_key=True),
        sa.Column("path", sa.Text),
        sa.Column("content_hash", sa.String(128)),
        sa.Column("is_transcript", sa.Boolean, nullable=False),
        sa.Column("agent_id", sa.String(64)),
        sa.Column("team", sa.String(128)),
        sa.Column("started_at", TS),
        sa.Column("call_type", sa.String(64)),
        sa.Column("duration_s", sa.Float),
        sa.Column("satisfaction", sa.Float),
        sa.Column("topic", sa.String(256)),
        sa.Column("extra", JSON),
        _run_fk(),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_recordings_started_at", "recordings", ["started_at"])
    op.create_index("ix_recordings_agent_id", "recordings", ["agent_id"])
    op.create_index("ix_recordings_team", "recordings", ["team"])
    op.create_table(
        "transcripts",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _call_fk(),
        sa.Column("model", sa.String(256), nullable=False),
        sa.Column("options", JSON, nullable=False),
        sa.Column("content_hash", sa.String(128)),
        sa.Column("language", sa.String(16), nullable=False),
        sa.Column("duration_s", sa.Float),
        sa.Column("segments", JSON, nullable=False),
        sa.Column("metrics", JSON),
        sa.Column("flags", JSON, nullable=False),
        _run_fk(),
        sa.Column("created_at", TS, nullable=False),
        sa.UniqueConstraint("call_id", "model", name="uq_transcripts_call_model"),
    )
    op.create_table(
        "call_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _call_fk(),
        sa.Column("rubric_id", sa.String(128), nullable=False),
        sa.Column("rubric_version", sa.String(64), nullable=False),
        sa.Column("rubric_sha256", sa.String(64), nullable=False),
        sa.Column("asr_model", sa.String(256)),
        sa.Column("score", sa.Float),
        sa.Column("grade", sa.String(32)),
        sa.Column("critical_failed", sa.Boolean, nullable=False),
        sa.Column("errors", JSON, nullable=False),
        _run_fk(),
        sa.Column("scored_at", TS, nullable=False),
        sa.UniqueConstraint(
            "call_id", "rubric_id", "rubric_version", name="uq_call_scores_call_rubric"
        ),
    )
    op.create_index("ix_call_scores_rubric", "call_scores", ["rubric_id", "rubric_version"])
    op.create_table(
        "item_results",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "score_id",
            sa.Integer,
            sa.ForeignKey("call_scores.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("item_name", sa.String(256)),
        sa.Column("dimension", sa.String(128)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("points", sa.Float, nullable=False),
        sa.Column("awarded", sa.Float),
        sa.Column("critical_failed", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.UniqueConstraint("score_id", "item_id", name="uq_item_results_score_item"),
    )
    op.create_table(
        "call_errors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_fk(),
        sa.Column("call_id", sa.String(128)),
        sa.Column("stage", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_index("ix_call_errors_run", "call_errors", ["run_id"])
    op.create_table(
        "review_decisions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.Column("rubric_id", sa.String(128), nullable=False),
        sa.Column("rubric_version", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("reviewer", sa.String(128), nullable=False),
        sa.Column("new_status", sa.String(16), nullable=False),
        sa.Column("note", sa.Text, nullable=False),
        sa.Column("decided_at", TS, nullable=False),
    )
    op.create_index(
        "ix_review_decisions_call", "review_decisions", ["call_id", "rubric_id", "rubric_version"]
    )


def downgrade() -> None:
    """Drop every table of the first schema."""
    for table in (
        "review_decisions",
        "call_errors",
        "item_results",
        "call_scores",
        "transcripts",
        "recordings",
        "runs",
    ):
        op.drop_table(table)
