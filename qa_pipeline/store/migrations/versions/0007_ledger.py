"""Trust ledger: item modes and floors, audited switches.

``ledger_modes`` says per rubric version and item whether the machine decides it alone
or people decide it with the machine's verdict pre-filled, and the item's floor (the
Wilson lower bound of agreement it must reach). ``ledger_switches`` is append-only: who
changed a mode or floor, when, why, and the figures at that moment.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def _item_key() -> list[sa.Column]:
    return [
        sa.Column("rubric_id", sa.String(128), nullable=False),
        sa.Column("rubric_version", sa.String(64), nullable=False),
        sa.Column("item_id", sa.String(128), nullable=False),
    ]


def upgrade() -> None:
    """Add ``ledger_modes`` and ``ledger_switches``."""
    op.create_table(
        "ledger_modes",
        *_item_key(),
        sa.Column("mode", sa.String(16), nullable=False),
        sa.Column("floor", sa.Float),
        sa.Column("changed_by", sa.Integer, nullable=False),
        sa.Column("changed_at", TS, nullable=False),
        sa.PrimaryKeyConstraint("rubric_id", "rubric_version", "item_id"),
    )
    op.create_index("ix_ledger_modes_mode", "ledger_modes", ["mode"])
    op.create_table(
        "ledger_switches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        *_item_key(),
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("user_name", sa.String(128), nullable=False),
        sa.Column("switched_at", TS, nullable=False),
        sa.Column("old_mode", sa.String(16), nullable=False),
        sa.Column("new_mode", sa.String(16), nullable=False),
        sa.Column("old_floor", sa.Float, nullable=False),
        sa.Column("new_floor", sa.Float, nullable=False),
        sa.Column("checks", sa.Integer, nullable=False),
        sa.Column("agreed", sa.Integer, nullable=False),
        sa.Column("lower", sa.Float),
        sa.Column("upper", sa.Float),
        sa.Column("fail_precision", sa.Float),
        sa.Column("window_days", sa.Float, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index(
        "ix_ledger_switches_item",
        "ledger_switches",
        ["rubric_id", "rubric_version", "item_id"],
    )


def downgrade() -> None:
    """Drop the ledger's tables."""
    op.drop_index("ix_ledger_switches_item", "ledger_switches")
    op.drop_table("ledger_switches")
    op.drop_index("ix_ledger_modes_mode", "ledger_modes")
    op.drop_table("ledger_modes")
