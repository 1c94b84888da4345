"""Tables of the HR side of the embedded back office: employees, leave, payroll calendar.

A leave balance is not stored: it is the entitlement row minus the requests that
reserve or use days, so it can never drift from the requests it summarises.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.hr_domain import DayPart, LeaveStatus, LeaveType
from backoffice.sql.base import Base, UtcDateTime

Days = Numeric(5, 1)
LEAVE_TYPE_VALUES = tuple(kind.value for kind in LeaveType)
LEAVE_STATUS_VALUES = tuple(status.value for status in LeaveStatus)
DAY_PART_VALUES = tuple(part.value for part in DayPart)
MAX_NOTE_LENGTH = 500


class EmployeeRow(Base):
    __tablename__ = "employees"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(8), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    department: Mapped[str] = mapped_column(String(40))
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    slack_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    telegram_user_id: Mapped[str | None] = mapped_column(String(32), unique=True)
    hired_on: Mapped[date] = mapped_column(Date)


class LeaveEntitlementRow(Base):
    """Days granted for one leave type and year, and those carried over from the year before."""

    __tablename__ = "leave_entitlements"
    __table_args__ = (
        UniqueConstraint("employee_id", "leave_type", "year"),
        CheckConstraint(f"leave_type IN {LEAVE_TYPE_VALUES!r}", name="leave_type"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"))
    leave_type: Mapped[str] = mapped_column(String(16))
    year: Mapped[int]
    entitlement: Mapped[Decimal] = mapped_column(Days)
    carried_over: Mapped[Decimal] = mapped_column(Days)


class LeaveRequestRow(Base):
    __tablename__ = "leave_requests"
    __table_args__ = (
        CheckConstraint(f"leave_type IN {LEAVE_TYPE_VALUES!r}", name="leave_type"),
        CheckConstraint(f"status IN {LEAVE_STATUS_VALUES!r}", name="status"),
        CheckConstraint(f"start_part IN {DAY_PART_VALUES!r}", name="start_part"),
        CheckConstraint(f"end_part IN {DAY_PART_VALUES!r}", name="end_part"),
        CheckConstraint("end_date >= start_date", name="dates_in_order"),
        CheckConstraint("days >= 0", name="days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    leave_type: Mapped[str] = mapped_column(String(16))
    # `start`/`end` would be reserved words in SQL.
    start_date: Mapped[date] = mapped_column(Date)
    end_date: Mapped[date] = mapped_column(Date)
    start_part: Mapped[str] = mapped_column(String(16))
    end_part: Mapped[str] = mapped_column(String(16))
    days: Mapped[Decimal] = mapped_column(Days)
    status: Mapped[str] = mapped_column(String(16))
    approver_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    # When it stopped being pending: approved, rejected or cancelled.
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    decision_note: Mapped[str | None] = mapped_column(String(MAX_NOTE_LENGTH))


class PublicHolidayRow(Base):
    __tablename__ = "public_holidays"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)
    name: Mapped[str] = mapped_column(String(80))


class PayDateRow(Base):
    __tablename__ = "pay_dates"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)


class TelegramLinkCodeRow(Base):
    """A one-time code for linking a Telegram account; only its SHA-256 is kept."""

    __tablename__ = "telegram_link_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    employee_id: Mapped[int] = mapped_column(ForeignKey("employees.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
