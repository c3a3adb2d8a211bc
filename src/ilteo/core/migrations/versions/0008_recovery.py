"""identity room: account recovery and counter proofing records

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_recovery_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_recovery_codes_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_recovery_codes")),
        sa.UniqueConstraint("digest", name=op.f("uq_identity_recovery_codes_digest")),
    )
    with op.batch_alter_table("identity_recovery_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_recovery_codes_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_recovery_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_recovery_codes_account_id"))
    op.drop_table("identity_recovery_codes")
