"""Verdict confidence: ``item_results.confidence`` (issue 18).

The probability, from the verdict-confidence model (``scoring/confidence.py``), that the
machine's verdict on the item is right; ``NULL`` for review verdicts, results stored
before this migration, or scoring without a model.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the nullable ``confidence`` column to ``item_results`` and ``review_queue``.

    The queue keeps its own copy so its order (lowest confidence first within a risk
    group) needs no join.
    """
    with op.batch_alter_table("item_results") as batch:
        batch.add_column(sa.Column("confidence", sa.Float, nullable=True))
    with op.batch_alter_table("review_queue") as batch:
        batch.add_column(sa.Column("confidence", sa.Float, nullable=True))


def downgrade() -> None:
    """Drop ``item_results.confidence`` and ``review_queue.confidence``."""
    with op.batch_alter_table("review_queue") as batch:
        batch.drop_column("confidence")
    with op.batch_alter_table("item_results") as batch:
        batch.drop_column("confidence")
