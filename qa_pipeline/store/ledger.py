"""Tables of the trust ledger (migration 0007), on the store's metadata.

``ledger_modes`` holds, per rubric version and item, who decides it now — the machine
alone (``machine``) or people, with the machine's verdict as a pre-filled suggestion
(``people``) — and the item's floor. ``ledger_switches`` is append-only: every change of
a mode or a floor, with who, when, why and the ledger's figures at that moment.
"""

from __future__ import annotations

from sqlalchemy import Column, Float, Index, Integer, PrimaryKeyConstraint, String, Table, Text

from qa_pipeline.store.schema import UTCDateTime, metadata

__all__ = ["ledger_modes", "ledger_switches"]


def _item_key() -> list[Column]:  # type: ignore[type-arg]
    return [
        Column("rubric_id", String(128), nullable=False),
        Column("rubric_version", String(64), nullable=False),
        Column("item_id", String(128), nullable=False),
    ]


#: The current mode and floor of an item (no row: machine-decided, the site's floor).
ledger_modes = Table(
    "ledger_modes",
    metadata,
    *_item_key(),
    Column("mode", String(16), nullable=False),  # machine / people
    Column("floor", Float, nullable=True),  # NULL: the site's default floor
    Column("changed_by", Integer, nullable=False),
    Column("changed_at", UTCDateTime, nullable=False),
    PrimaryKeyConstraint("rubric_id", "rubric_version", "item_id"),
    Index("ix_ledger_modes_mode", "mode"),
)

#: Append-only: one row per switch of a mode or change of a floor.
ledger_switches = Table(
    "ledger_switches",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    *_item_key(),
    Column("user_id", Integer, nullable=False),
    Column("user_name", String(128), nullable=False),
    Column("switched_at", UTCDateTime, nullable=False),
    Column("old_mode", String(16), nullable=False),
    Column("new_mode", String(16), nullable=False),
    Column("old_floor", Float, nullable=False),
    Column("new_floor", Float, nullable=False),
    Column("checks", Integer, nullable=False),  # the figures at that moment
    Column("agreed", Integer, nullable=False),
    Column("lower", Float, nullable=True),
    Column("upper", Float, nullable=True),
    Column("fail_precision", Float, nullable=True),
    Column("window_days", Float, nullable=False),
    Column("reason", Text, nullable=False),  # PII redacted
    Index("ix_ledger_switches_item", "rubric_id", "rubric_version", "item_id"),
)
