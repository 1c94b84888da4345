"""Failed identity checks per order/invoice reference, to stop guessing across conversations.

Revision ID: 0002_verification_failures
Revises: 0001_initial
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backoffice.sql.models import UtcDateTime

revision: str = "0002_verification_failures"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "verification_failures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(16), nullable=False),
        sa.Column("failed_at", UtcDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_verification_failures"),
    )
    op.create_index("ix_verification_failures_reference", "verification_failures", ["reference", "failed_at"])


def downgrade() -> None:
    op.drop_table("verification_failures")
