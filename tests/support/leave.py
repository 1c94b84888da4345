"""Leave ranges the HR back office accepts or refuses, and a signed-in employee's chat metadata, for the action tests.

The ranges are found by asking the back office's own quote, so the tests hold on any day
and whatever the seeded requests are.
"""

from __future__ import annotations

from datetime import date, timedelta

from assistant.dates import DateRange
from assistant.identity import issue_channel_token
from assistant.settings import Settings
from backoffice.errors import NotAllowed
from backoffice.hr_domain import LeaveType
from backoffice.sql.hr import SqlHR
from demo.employees import DemoEmployee


def token_of(employee: DemoEmployee, settings: Settings) -> dict[str, str]:
    """Message metadata the intranet chat sends for a signed-in employee."""
    return {"auth_token": issue_channel_token("employee", str(employee.employee_id), settings.identity_secret)}


def free_range(hr: SqlHR, employee_id: int, leave_type: LeaveType = LeaveType.VACATION, length: int = 0) -> DateRange:
    """The first future range (`length` extra calendar days) HR would accept for this employee."""
    start = date.today() + timedelta(days=1)
    for _ in range(400):
        try:
            hr.quote_leave(employee_id, leave_type, start, start + timedelta(days=length))
        except NotAllowed:
            start += timedelta(days=1)
            continue
        return DateRange(start, start + timedelta(days=length))
    raise AssertionError("no free range found")


def range_refused_for(hr: SqlHR, employee_id: int, leave_type: LeaveType, length: int, reason: str) -> DateRange:
    """A future range HR refuses for exactly `reason` (skipping ranges that clash with others)."""
    start = date.today() + timedelta(days=1)
    for _ in range(400):
        try:
            hr.quote_leave(employee_id, leave_type, start, start + timedelta(days=length))
        except NotAllowed as refusal:
            if refusal.reason == reason:
                return DateRange(start, start + timedelta(days=length))
        start += timedelta(days=1)
    raise AssertionError(f"no range refused for {reason}")


def own_request(hr: SqlHR, employee_id: int) -> str:
    """A pending request of the employee's, made for the test."""
    wanted = free_range(hr, employee_id)
    return hr.request_leave(employee_id, LeaveType.VACATION, wanted.start, wanted.end).number
