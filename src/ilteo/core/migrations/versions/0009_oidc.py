"""identity room: external identities (OpenID Connect) and login states

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_external_ids",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("subject", sa.String(length=255), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_external_ids_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_external_ids")),
        sa.UniqueConstraint("issuer", "subject", name=op.f("uq_identity_external_ids_issuer")),
    )
    with op.batch_alter_table("identity_external_ids", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_external_ids_account_id"), ["account_id"], unique=False
        )

    op.create_table(
        "identity_oidc_states",
        sa.Column("state_hash", sa.String(length=64), nullable=False),
        sa.Column("nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("code_verifier", sa.String(length=200), nullable=False),
        sa.Column("issuer", sa.String(length=255), nullable=False),
        sa.Column("next_path", sa.String(length=2000), nullable=False),
        sa.Column("link_account_id", sa.String(length=32), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["link_account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_oidc_states_link_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("state_hash", name=op.f("pk_identity_oidc_states")),
    )
    with op.batch_alter_table("identity_oidc_states", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_oidc_states_expires_at"), ["expires_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_oidc_states", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_oidc_states_expires_at"))
    op.drop_table("identity_oidc_states")
    with op.batch_alter_table("identity_external_ids", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_external_ids_account_id"))
    op.drop_table("identity_external_ids")
