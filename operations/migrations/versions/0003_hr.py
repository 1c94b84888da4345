"""HR: employees, leave entitlements and requests, public holidays, pay dates, Telegram link codes.

Revision ID: 0003_hr
Revises: 0002_verification_failures
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backoffice.sql.base import UtcDateTime

revision: str = "0003_hr"
down_revision: str | None = "0002_verification_failures"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DAYS = sa.Numeric(5, 1)
LEAVE_TYPES = ("vacation", "sick", "personal", "parental")
LEAVE_STATUSES = ("pending", "approved", "rejected", "cancelled")
DAY_PARTS = ("full", "morning", "afternoon")


def upgrade() -> None:
    op.create_table(
        "employees",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(8), nullable=False),
        sa.Column("name", sa.String(120), nullable=False),
        sa.Column("email", sa.String(254), nullable=False),
        sa.Column("department", sa.String(40), nullable=False),
        sa.Column("manager_id", sa.Integer(), nullable=True),
        sa.Column("slack_user_id", sa.String(32), nullable=True),
        sa.Column("telegram_user_id", sa.String(32), nullable=True),
        sa.Column("hired_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["manager_id"], ["employees.id"], name="fk_employees_manager_id_employees"),
        sa.PrimaryKeyConstraint("id", name="pk_employees"),
        sa.UniqueConstraint("number", name="uq_employees_number"),
        sa.UniqueConstraint("email", name="uq_employees_email"),
        sa.UniqueConstraint("slack_user_id", name="uq_employees_slack_user_id"),
        sa.UniqueConstraint("telegram_user_id", name="uq_employees_telegram_user_id"),
    )
    op.create_index("ix_employees_manager_id", "employees", ["manager_id"])
    op.create_table(
        "leave_entitlements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("leave_type", sa.String(16), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("entitlement", DAYS, nullable=False),
        sa.Column("carried_over", DAYS, nullable=False),
        sa.CheckConstraint(f"leave_type IN {LEAVE_TYPES!r}", name="ck_leave_entitlements_leave_type"),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name="fk_leave_entitlements_employee_id_employees"),
        sa.PrimaryKeyConstraint("id", name="pk_leave_entitlements"),
        sa.UniqueConstraint("employee_id", "leave_type", "year", name="uq_leave_entitlements_employee_id"),
    )
    op.create_table(
        "leave_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("number", sa.String(16), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("leave_type", sa.String(16), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=False),
        sa.Column("start_part", sa.String(16), nullable=False),
        sa.Column("end_part", sa.String(16), nullable=False),
        sa.Column("days", DAYS, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("approver_id", sa.Integer(), nullable=True),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("decided_at", UtcDateTime(), nullable=True),
        sa.Column("decision_note", sa.String(500), nullable=True),
        sa.CheckConstraint(f"leave_type IN {LEAVE_TYPES!r}", name="ck_leave_requests_leave_type"),
        sa.CheckConstraint(f"status IN {LEAVE_STATUSES!r}", name="ck_leave_requests_status"),
        sa.CheckConstraint(f"start_part IN {DAY_PARTS!r}", name="ck_leave_requests_start_part"),
        sa.CheckConstraint(f"end_part IN {DAY_PARTS!r}", name="ck_leave_requests_end_part"),
        sa.CheckConstraint("end_date >= start_date", name="ck_leave_requests_dates_in_order"),
        sa.CheckConstraint("days >= 0", name="ck_leave_requests_days_not_negative"),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name="fk_leave_requests_employee_id_employees"),
        sa.ForeignKeyConstraint(["approver_id"], ["employees.id"], name="fk_leave_requests_approver_id_employees"),
        sa.PrimaryKeyConstraint("id", name="pk_leave_requests"),
        sa.UniqueConstraint("number", name="uq_leave_requests_number"),
    )
    op.create_index("ix_leave_requests_employee_id", "leave_requests", ["employee_id"])
    op.create_index("ix_leave_requests_approver_id", "leave_requests", ["approver_id"])
    op.create_table(
        "public_holidays",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("name", sa.String(80), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_public_holidays"),
        sa.UniqueConstraint("day", name="uq_public_holidays_day"),
    )
    op.create_table(
        "pay_dates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_pay_dates"),
        sa.UniqueConstraint("day", name="uq_pay_dates_day"),
    )
    op.create_table(
        "telegram_link_codes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("employee_id", sa.Integer(), nullable=False),
        sa.Column("code_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("expires_at", UtcDateTime(), nullable=False),
        sa.Column("used_at", UtcDateTime(), nullable=True),
        sa.ForeignKeyConstraint(["employee_id"], ["employees.id"], name="fk_telegram_link_codes_employee_id_employees"),
        sa.PrimaryKeyConstraint("id", name="pk_telegram_link_codes"),
    )
    op.create_index("ix_telegram_link_codes_employee_id", "telegram_link_codes", ["employee_id"])
    op.create_index("ix_telegram_link_codes_code_hash", "telegram_link_codes", ["code_hash"])


def downgrade() -> None:
    for table in (
        "telegram_link_codes",
        "pay_dates",
        "public_holidays",
        "leave_requests",
        "leave_entitlements",
        "employees",
    ):
        op.drop_table(table)
