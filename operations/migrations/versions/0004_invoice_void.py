"""Invoices can be voided when their order is cancelled before any payment.

Revision ID: 0004_invoice_void
Revises: 0003_hr
Create Date: 2026-11-27
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backoffice.sql.models import UtcDateTime

revision: str = "0004_invoice_void"
down_revision: str | None = "0003_hr"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.add_column(sa.Column("voided_at", UtcDateTime(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("invoices") as batch:
        batch.drop_column("voided_at")
