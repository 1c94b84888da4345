"""Plain records of the HR side of the back office: employees, leave, payroll."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from assistant.dates import DayPart

LEAVE_REQUEST_NUMBER_RE = re.compile(r"(?i)(?<![\w-])lr\s*[#:\-]?\s*(\d{1,7})(?!\d)")
BARE_NUMBER_RE = re.compile(r"\s*#?\s*(\d{1,7})\s*")


def normalise_leave_request_number(text: str) -> str | None:
    """`lr 42`, `LR42`, `#00042`, `42`, `LR-00042` -> `LR-00042`; None if none.

    A bare number is only accepted when it is all there is, so that other numbers in a
    sentence (dates, order numbers) are never taken for a leave request.
    """
    match = LEAVE_REQUEST_NUMBER_RE.search(text or "") or BARE_NUMBER_RE.fullmatch(text or "")
    if match is None or int(match.group(1)) == 0:
        return None
    return f"LR-{int(match.group(1)):05d}"


class LeaveType(StrEnum):
    VACATION = "vacation"
    SICK = "sick"
    PERSONAL = "personal"
    PARENTAL = "parental"


class LeaveStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


@dataclass(frozen=True)
class Employee:
    id: int
    number: str  # E1001
    name: str
    email: str
    department: str
    manager_id: int | None
    slack_user_id: str | None = None
    telegram_user_id: str | None = None


@dataclass(frozen=True)
class LeaveBalance:
    """One leave type for one year, in working days."""

    leave_type: LeaveType
    year: int
    entitlement: Decimal
    carried_over: Decimal
    used: Decimal  # approved leave in that year
    pending: Decimal  # requested, not yet decided

    @property
    def available(self) -> Decimal:
        """What can still be requested: pending requests already reserve their days."""
        return self.entitlement + self.carried_over - self.used - self.pending


@dataclass(frozen=True)
class LeaveRequest:
    number: str  # LR-00042
    employee_id: int
    leave_type: LeaveType
    start: date
    end: date
    start_part: DayPart  # FULL or AFTERNOON (leave starts at noon)
    end_part: DayPart  # FULL or MORNING (leave ends at noon)
    days: Decimal  # working days, holidays and weekends excluded, halves counted as 0.5
    status: LeaveStatus
    approver_id: int | None
    created_at: datetime
    decided_at: datetime | None = None
    decision_note: str | None = None


@dataclass(frozen=True)
class LeaveQuote:
    """What a request would cost, before it is made: the summary the employee confirms."""

    leave_type: LeaveType
    start: date
    end: date
    start_part: DayPart
    end_part: DayPart
    days: Decimal
    holidays: tuple[tuple[date, str], ...]  # public holidays inside the range, not counted
    available_after: Decimal


@dataclass(frozen=True)
class PublicHoliday:
    day: date
    name: str
