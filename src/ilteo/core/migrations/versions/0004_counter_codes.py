"""identity room: counter-issued one-time code sheets and codes

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21 07:55:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_code_sheets",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("issued_by", sa.String(length=32), nullable=False),
        sa.Column("method", sa.String(length=32), nullable=False),
        sa.Column("evidence_note", sa.Text(), nullable=False),
        sa.Column("voucher_name", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_code_sheets_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["issued_by"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_code_sheets_issued_by_identity_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_code_sheets")),
    )
    with op.batch_alter_table("identity_code_sheets", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_code_sheets_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "identity_one_time_codes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("sheet_id", sa.String(length=32), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["sheet_id"],
            ["identity_code_sheets.id"],
            name=op.f("fk_identity_one_time_codes_sheet_id_identity_code_sheets"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_one_time_codes")),
        sa.UniqueConstraint("digest", name=op.f("uq_identity_one_time_codes_digest")),
    )
    with op.batch_alter_table("identity_one_time_codes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_one_time_codes_sheet_id"), ["sheet_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_one_time_codes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_one_time_codes_sheet_id"))
    op.drop_table("identity_one_time_codes")
    with op.batch_alter_table("identity_code_sheets", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_code_sheets_account_id"))
    op.drop_table("identity_code_sheets")
