"""Review loop: reopenings of final evaluations (audited) and agents' notifications.

``evaluation_reopenings`` is append-only: who reopened which final evaluation, when and
why. ``notifications`` tells an agent (by agent id) in the workbench that something
changed about one of their evaluations (an appeal resolved, an evaluation reopened).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
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
    """Add ``evaluation_reopenings`` and ``notifications``."""
    op.create_table(
        "evaluation_reopenings",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_call_key(),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("old_state", sa.String(16), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("reopened_at", TS, nullable=False),
    )
    op.create_index(
        "ix_evaluation_reopenings_call",
        "evaluation_reopenings",
        ["call_id", "rubric_id", "rubric_version"],
    )
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("agent_id", sa.String(64), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        *_call_key(),
        sa.Column("item_id", sa.String(128)),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("created_at", TS, nullable=False),
        sa.Column("read_at", TS),
    )
    op.create_index("ix_notifications_agent", "notifications", ["agent_id", "read_at"])


def downgrade() -> None:
    """Drop the reopenings and notifications."""
    op.drop_index("ix_notifications_agent", "notifications")
    op.drop_table("notifications")
    op.drop_index("ix_evaluation_reopenings_call", "evaluation_reopenings")
    op.drop_table("evaluation_reopenings")
