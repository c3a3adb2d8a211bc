"""identity room: delegations and acting-for sessions

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-21 09:00:00
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_delegations",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("grantor_id", sa.String(length=32), nullable=False),
        sa.Column("delegate_id", sa.String(length=32), nullable=False),
        sa.Column("relation", sa.String(length=16), nullable=False),
        sa.Column("scopes", sa.JSON(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by", sa.String(length=32), nullable=True),
        sa.ForeignKeyConstraint(
            ["grantor_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_delegations_grantor_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["delegate_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_delegations_delegate_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_delegations")),
    )
    with op.batch_alter_table("identity_delegations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_delegations_grantor_id"), ["grantor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_identity_delegations_delegate_id"), ["delegate_id"], unique=False
        )
    with op.batch_alter_table("identity_sessions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("acting_for", sa.String(length=32), nullable=True))
    with op.batch_alter_table("identity_audit", schema=None) as batch_op:
        batch_op.add_column(sa.Column("on_behalf_of", sa.String(length=32), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_identity_audit_on_behalf_of"), ["on_behalf_of"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_audit_on_behalf_of"))
        batch_op.drop_column("on_behalf_of")
    with op.batch_alter_table("identity_sessions", schema=None) as batch_op:
        batch_op.drop_column("acting_for")
    with op.batch_alter_table("identity_delegations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_delegations_delegate_id"))
        batch_op.drop_index(batch_op.f("ix_identity_delegations_grantor_id"))
    op.drop_table("identity_delegations")
