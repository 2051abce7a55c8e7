"""Callers: a caller key per recording, for repeat calls (重复来电).

``recordings`` gains ``caller_key``: HMAC-SHA256 of the caller's normalised number with
the site's secret (``QA_CALLER_KEY_SECRET``); the number itself is never stored. Indexed
with ``started_at`` for the repeat-call queries.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Add the caller key to ``recordings``."""
    with op.batch_alter_table("recordings") as batch:
        batch.add_column(sa.Column("caller_key", sa.String(64)))
    op.create_index("ix_recordings_caller_key", "recordings", ["caller_key", "started_at"])


def downgrade() -> None:
    """Drop the caller key."""
    op.drop_index("ix_recordings_caller_key", table_name="recordings")
    with op.batch_alter_table("recordings") as batch:
        batch.drop_column("caller_key")
