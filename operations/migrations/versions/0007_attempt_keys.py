"""Failed identity checks keyed by reference, e-mail hash and client, not only by reference.

The `reference` column of `verification_failures` now holds any attempt key
(`ORD-10001`, `email:<sha256>`, `client:<ip>`, `telegram-link:<user id>`), so it is widened
from 16 to 128 characters (PostgreSQL enforces the length; SQLite needs a batch copy).

Revision ID: 0007_attempt_keys
Revises: 0006_analytics
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_attempt_keys"
down_revision: str | None = "0006_analytics"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("verification_failures") as batch:
        batch.alter_column("reference", existing_type=sa.String(16), type_=sa.String(128), existing_nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("verification_failures") as batch:
        batch.alter_column("reference", existing_type=sa.String(128), type_=sa.String(16), existing_nullable=False)
