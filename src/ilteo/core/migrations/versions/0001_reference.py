"""reference room: the reference_events table (fetches and first-time loads).

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "reference_events",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("dataset_id", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=200), nullable=False),
        sa.Column("action", sa.String(length=8), nullable=False),
        sa.Column("table_name", sa.String(length=200), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source_url", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_events")),
    )
    op.create_index(op.f("ix_reference_events_dataset_id"), "reference_events", ["dataset_id"])
    op.create_index(op.f("ix_reference_events_at"), "reference_events", ["at"])


def downgrade() -> None:
    op.drop_index(op.f("ix_reference_events_at"), table_name="reference_events")
    op.drop_index(op.f("ix_reference_events_dataset_id"), table_name="reference_events")
    op.drop_table("reference_events")
