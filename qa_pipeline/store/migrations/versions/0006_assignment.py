"""Assignment of the review queue to inspectors; inspectors' notifications; e-mail.

(Issue 19 items 1 and 4.)

``review_queue`` gains ``assigned_to`` (a user id), ``due_at`` and ``critical_failed``
(the machine failed the item as critical: copied from ``item_results`` so the queue is
ordered without a join); ``inspector_teams``
maps an inspector to the teams whose calls they review (assignment by team when a team
has inspectors, round robin otherwise). ``notifications`` gains ``user_id`` so a notice
can go to one account (an inspector) rather than to an agent id; its agent and call
columns become optional (a summary such as "5 items assigned" names no call).
``users`` gains ``email`` for the optional e-mail hook.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    """Add assignment, inspectors' teams, notifications to users, and users' e-mail."""
    with op.batch_alter_table("review_queue") as batch:
        batch.add_column(sa.Column("assigned_to", sa.Integer))
        batch.add_column(sa.Column("due_at", TS))
        batch.add_column(sa.Column("critical_failed", sa.Boolean))
    op.create_index("ix_review_queue_assigned", "review_queue", ["assigned_to", "done", "due_at"])
    op.execute(
        "UPDATE review_queue SET critical_failed = COALESCE(("
        " SELECT ir.critical_failed FROM item_results ir"
        " JOIN call_scores cs ON ir.score_id = cs.id"
        " WHERE cs.call_id = review_queue.call_id AND cs.rubric_id = review_queue.rubric_id"
        " AND cs.rubric_version = review_queue.rubric_version"
        " AND ir.item_id = review_queue.item_id), false)"
    )
    with op.batch_alter_table("notifications") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer))
        batch.alter_column("agent_id", existing_type=sa.String(64), nullable=True)
        batch.alter_column("call_id", existing_type=sa.String(128), nullable=True)
        batch.alter_column("rubric_id", existing_type=sa.String(128), nullable=True)
        batch.alter_column("rubric_version", existing_type=sa.String(64), nullable=True)
    op.create_index("ix_notifications_user", "notifications", ["user_id", "read_at"])
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("email", sa.String(256)))
    op.create_table(
        "inspector_teams",
        sa.Column("user_id", sa.Integer, nullable=False),
        sa.Column("team", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("user_id", "team"),
    )
    op.create_index("ix_inspector_teams_team", "inspector_teams", ["team"])


def downgrade() -> None:
    """Drop them again (inspectors' notifications are deleted)."""
    op.drop_index("ix_inspector_teams_team", "inspector_teams")
    op.drop_table("inspector_teams")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email")
    op.drop_index("ix_notifications_user", "notifications")
    op.execute("DELETE FROM notifications WHERE agent_id IS NULL OR call_id IS NULL")
    with op.batch_alter_table("notifications") as batch:
        batch.alter_column("rubric_version", existing_type=sa.String(64), nullable=False)
        batch.alter_column("rubric_id", existing_type=sa.String(128), nullable=False)
        batch.alter_column("call_id", existing_type=sa.String(128), nullable=False)
        batch.alter_column("agent_id", existing_type=sa.String(64), nullable=False)
        batch.drop_column("user_id")
    op.drop_index("ix_review_queue_assigned", "review_queue")
    with op.batch_alter_table("review_queue") as batch:
        batch.drop_column("critical_failed")
        batch.drop_column("due_at")
        batch.drop_column("assigned_to")
