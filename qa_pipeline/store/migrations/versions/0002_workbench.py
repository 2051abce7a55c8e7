"""Workbench: users, sessions, audits, appeals, evaluations, review queue, calibration.

``review_decisions`` (from 0001) becomes the append-only audit of every human decision:
it gains who (``user_id``), why the item was looked at (``kind``), the machine's verdict
and the verdict it replaced.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-05
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _call_key() -> list[sa.Column]:
    return [
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.Column("rubric_id", sa.String(128), nullable=False),
        sa.Column("rubric_version", sa.String(64), nullable=False),
    ]


def upgrade() -> None:
    """Add the workbench tables: users, sessions, evaluations, appeals, queue, calibration."""
    op.create_table(
        "users",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(128), nullable=False, unique=True),
        sa.Column("password_hash", sa.String(256), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("agent_id", sa.String(64)),
        sa.Column("disabled", sa.Boolean, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(64), primary_key=True),
        sa.Column(
            "user_id", sa.Integer, sa.ForeignKey("users.id", ondelete="CASCADE"), nullable=False
        ),
        sa.Column("csrf", sa.String(64), nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("expires_at", TS, nullable=False),
    )
    with op.batch_alter_table("review_decisions") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer))
        batch.add_column(sa.Column("kind", sa.String(16)))
        batch.add_column(sa.Column("machine_status", sa.String(16)))
        batch.add_column(sa.Column("old_status", sa.String(16)))
        batch.add_column(sa.Column("appeal_id", sa.Integer))
    op.create_index(
        "ix_review_decisions_item",
        "review_decisions",
        ["call_id", "rubric_id", "rubric_version", "item_id", "id"],
    )
    op.create_table(
        "evaluations",
        *_call_key(),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("score", sa.Float),
        sa.Column("grade", sa.String(32)),
        sa.Column("critical_failed", sa.Boolean, nullable=False),
        sa.Column("human_items", sa.Integer, nullable=False),
        sa.Column("acknowledged_by", sa.Integer),
        sa.Column("acknowledged_at", TS),
        sa.Column("updated_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("call_id", "rubric_id", "rubric_version"),
    )
    op.create_index("ix_evaluations_state", "evaluations", ["state"])
    op.create_table(
        "appeals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_call_key(),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("agent_id", sa.String(64)),
        sa.Column("filed_by", sa.Integer, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("filed_at", TS, nullable=False),
        sa.Column("resolved_by", sa.Integer),
        sa.Column("resolved_at", TS),
        sa.Column("resolution", sa.Text),
    )
    op.create_index("ix_appeals_call", "appeals", ["call_id", "rubric_id", "rubric_version"])
    op.create_index("ix_appeals_state", "appeals", ["state"])
    op.create_table(
        "review_queue",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_call_key(),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("reason", sa.String(16), nullable=False),
        sa.Column("machine_status", sa.String(16), nullable=False),
        sa.Column("added_at", TS, nullable=False),
        sa.Column("done", sa.Boolean, nullable=False),
        sa.UniqueConstraint(
            "call_id", "rubric_id", "rubric_version", "item_id", name="uq_review_queue_item"
        ),
    )
    op.create_index("ix_review_queue_done", "review_queue", ["done", "id"])
    op.create_table(
        "calibration_sessions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("name", sa.String(256), nullable=False),
        sa.Column("rubric_id", sa.String(128), nullable=False),
        sa.Column("rubric_version", sa.String(64), nullable=False),
        sa.Column("created_by", sa.Integer, nullable=False),
        sa.Column("created_at", TS, nullable=False),
    )
    op.create_table(
        "calibration_calls",
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("session_id", "call_id"),
    )
    op.create_table(
        "calibration_scores",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "session_id",
            sa.Integer,
            sa.ForeignKey("calibration_sessions.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("call_id", sa.String(128), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("scored_at", TS, nullable=False),
        sa.UniqueConstraint(
            "session_id", "call_id", "item_id", "user_id", name="uq_calibration_scores"
        ),
    )


def downgrade() -> None:
    """Drop the workbench tables."""
    for table in (
        "calibration_scores",
        "calibration_calls",
        "calibration_sessions",
        "review_queue",
        "appeals",
        "evaluations",
        "web_sessions",
        "users",
    ):
        op.drop_table(table)
    op.drop_index("ix_review_decisions_item", "review_decisions")
    with op.batch_alter_table("review_decisions") as batch:
        for col in ("appeal_id", "old_status", "machine_status", "kind", "user_id"):
            batch.drop_column(col)
