"""identity room: passkeys (WebAuthn credentials and ceremonies)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_passkeys",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("credential_id", sa.String(length=1400), nullable=False),
        sa.Column("public_key", sa.LargeBinary(), nullable=False),
        sa.Column("sign_count", sa.Integer(), nullable=False),
        sa.Column("transports", sa.JSON(), nullable=False),
        sa.Column("name", sa.String(length=60), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_passkeys_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_passkeys")),
        sa.UniqueConstraint("credential_id", name=op.f("uq_identity_passkeys_credential_id")),
    )
    with op.batch_alter_table("identity_passkeys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_passkeys_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "identity_passkey_ceremonies",
        sa.Column("challenge_digest", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_passkey_ceremonies_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("challenge_digest", name=op.f("pk_identity_passkey_ceremonies")),
    )
    with op.batch_alter_table("identity_passkey_ceremonies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_passkey_ceremonies_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_passkey_ceremonies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_passkey_ceremonies_expires_at"))
    op.drop_table("identity_passkey_ceremonies")
    with op.batch_alter_table("identity_passkeys", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_passkeys_account_id"))
    op.drop_table("identity_passkeys")
