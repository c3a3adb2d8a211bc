"""identity room: per-key rate limits and daily quotas, and usage per key per day

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-21 12:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_api_keys", schema=None) as batch_op:
        batch_op.add_column(sa.Column("rate_per_minute", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("daily_quota", sa.Integer(), nullable=True))
    op.create_table(
        "identity_api_key_usage",
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("requests", sa.Integer(), nullable=False),
        sa.Column("rejected", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["identity_api_keys.id"],
            name=op.f("fk_identity_api_key_usage_key_id_identity_api_keys"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("key_id", "day", name=op.f("pk_identity_api_key_usage")),
    )


def downgrade() -> None:
    op.drop_table("identity_api_key_usage")
    with op.batch_alter_table("identity_api_keys", schema=None) as batch_op:
        batch_op.drop_column("daily_quota")
        batch_op.drop_column("rate_per_minute")
