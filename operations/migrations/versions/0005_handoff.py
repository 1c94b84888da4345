"""Handoff tickets: conversations waiting for, or answered by, a person (`handoff/`).

Revision ID: 0005_handoff
Revises: 0004_invoice_void
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backoffice.sql.models import UtcDateTime

revision: str = "0005_handoff"
down_revision: str | None = "0004_invoice_void"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "handoff_tickets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("sender_id", sa.String(128), nullable=False),
        sa.Column("identity_kind", sa.String(16), nullable=False),
        sa.Column("customer_id", sa.Integer(), nullable=True),
        sa.Column("employee_id", sa.Integer(), nullable=True),
        sa.Column("identity_name", sa.String(120), nullable=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("summary", sa.JSON(), nullable=False),
        sa.Column("transcript", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("agent", sa.String(64), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("taken_at", UtcDateTime(), nullable=True),
        sa.Column("closed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_handoff_tickets"),
    )
    op.create_index("ix_handoff_tickets_sender_id", "handoff_tickets", ["sender_id"])
    op.create_index("ix_handoff_tickets_status", "handoff_tickets", ["status"])


def downgrade() -> None:
    op.drop_table("handoff_tickets")
