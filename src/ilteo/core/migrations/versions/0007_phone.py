"""identity room: phone numbers, phone sign-in codes and the message outbox

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_phone_numbers",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("number_sealed", sa.String(length=200), nullable=False),
        sa.Column("number_digest", sa.String(length=64), nullable=False),
        sa.Column("masked", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("verified_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_phone_numbers_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_phone_numbers")),
    )
    with op.batch_alter_table("identity_phone_numbers", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_phone_numbers_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_identity_phone_numbers_number_digest"), ["number_digest"], unique=False
        )

    op.create_table(
        "identity_phone_challenges",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("phone_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_phone_challenges_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["phone_id"],
            ["identity_phone_numbers.id"],
            name=op.f("fk_identity_phone_challenges_phone_id_identity_phone_numbers"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_phone_challenges")),
    )
    with op.batch_alter_table("identity_phone_challenges", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_phone_challenges_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_identity_phone_challenges_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_identity_phone_challenges_phone_id"), ["phone_id"], unique=False
        )

    op.create_table(
        "identity_outbox",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("recipient_masked", sa.String(length=32), nullable=False),
        sa.Column("recipient_sealed", sa.String(length=200), nullable=False),
        sa.Column("text_sealed", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_outbox")),
    )
    with op.batch_alter_table("identity_outbox", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_outbox_created_at"), ["created_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_outbox", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_outbox_created_at"))
    op.drop_table("identity_outbox")
    with op.batch_alter_table("identity_phone_challenges", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_phone_challenges_phone_id"))
        batch_op.drop_index(batch_op.f("ix_identity_phone_challenges_created_at"))
        batch_op.drop_index(batch_op.f("ix_identity_phone_challenges_account_id"))
    op.drop_table("identity_phone_challenges")
    with op.batch_alter_table("identity_phone_numbers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_phone_numbers_number_digest"))
        batch_op.drop_index(batch_op.f("ix_identity_phone_numbers_account_id"))
    op.drop_table("identity_phone_numbers")
