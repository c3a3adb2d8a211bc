"""identity room: accounts, roles, sessions, throttles, audit

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21 07:37:38.938535
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "identity_accounts",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("login", sa.String(length=120), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("rrn_hash", sa.String(length=64), nullable=True),
        sa.Column("master_person_id", sa.String(length=32), nullable=True),
        sa.Column("password_hash", sa.Text(), nullable=True),
        sa.Column("totp_secret", sa.String(length=64), nullable=True),
        sa.Column("totp_active", sa.Boolean(), nullable=False),
        sa.Column("totp_last_step", sa.Integer(), nullable=True),
        sa.Column("failed_attempts", sa.Integer(), nullable=False),
        sa.Column("lock_count", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_accounts")),
        sa.UniqueConstraint("login", name=op.f("uq_identity_accounts_login")),
        sa.UniqueConstraint("rrn_hash", name=op.f("uq_identity_accounts_rrn_hash")),
    )
    with op.batch_alter_table("identity_accounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_accounts_master_person_id"), ["master_person_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_identity_accounts_status"), ["status"], unique=False)

    op.create_table(
        "identity_audit",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=True),
        sa.Column("client", sa.String(length=128), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_audit")),
    )
    with op.batch_alter_table("identity_audit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_audit_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_identity_audit_at"), ["at"], unique=False)
        batch_op.create_index(batch_op.f("ix_identity_audit_event"), ["event"], unique=False)

    op.create_table(
        "identity_client_throttles",
        sa.Column("client", sa.String(length=128), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("client", name=op.f("pk_identity_client_throttles")),
    )
    op.create_table(
        "identity_person_reads",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("staff_account_id", sa.String(length=32), nullable=False),
        sa.Column("master_person_id", sa.String(length=32), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["staff_account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_person_reads_staff_account_id_identity_accounts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_identity_person_reads")),
    )
    with op.batch_alter_table("identity_person_reads", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identity_person_reads_at"), ["at"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_identity_person_reads_master_person_id"),
            ["master_person_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_identity_person_reads_staff_account_id"),
            ["staff_account_id"],
            unique=False,
        )

    op.create_table(
        "identity_roles",
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("role", sa.String(length=24), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_roles_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("account_id", "role", name=op.f("pk_identity_roles")),
    )
    op.create_table(
        "identity_sessions",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.String(length=32), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["identity_accounts.id"],
            name=op.f("fk_identity_sessions_account_id_identity_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_identity_sessions")),
    )
    with op.batch_alter_table("identity_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_identity_sessions_account_id"), ["account_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("identity_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_sessions_account_id"))

    op.drop_table("identity_sessions")
    op.drop_table("identity_roles")
    with op.batch_alter_table("identity_person_reads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_person_reads_staff_account_id"))
        batch_op.drop_index(batch_op.f("ix_identity_person_reads_master_person_id"))
        batch_op.drop_index(batch_op.f("ix_identity_person_reads_at"))

    op.drop_table("identity_person_reads")
    op.drop_table("identity_client_throttles")
    with op.batch_alter_table("identity_audit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_audit_event"))
        batch_op.drop_index(batch_op.f("ix_identity_audit_at"))
        batch_op.drop_index(batch_op.f("ix_identity_audit_account_id"))

    op.drop_table("identity_audit")
    with op.batch_alter_table("identity_accounts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identity_accounts_status"))
        batch_op.drop_index(batch_op.f("ix_identity_accounts_master_person_id"))

    op.drop_table("identity_accounts")
