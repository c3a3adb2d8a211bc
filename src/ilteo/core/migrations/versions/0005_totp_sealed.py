"""identity room: TOTP seeds are stored sealed (AES-GCM), so the column is wider

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21 09:00:00

A seed stored in clear before this revision no longer opens (it is not a sealed value): the
account's TOTP is switched off and its holder enrols again. No seed is sealed here, because the
migration does not hold the secret key.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("identity_accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=64),
            type_=sa.String(length=160),
            existing_nullable=True,
        )
    op.execute(
        "UPDATE identity_accounts SET totp_secret = NULL, totp_active = false "
        "WHERE totp_secret IS NOT NULL AND totp_secret NOT LIKE 'v1.%'"
    )


def downgrade() -> None:
    op.execute("UPDATE identity_accounts SET totp_secret = NULL, totp_active = false")
    with op.batch_alter_table("identity_accounts", schema=None) as batch_op:
        batch_op.alter_column(
            "totp_secret",
            existing_type=sa.String(length=160),
            type_=sa.String(length=64),
            existing_nullable=True,
        )
