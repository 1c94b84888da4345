"""What the assistant may ask the HR system.

Every method that reads or changes an employee's records takes the *identified*
employee id (from the channel, never from what was typed) and raises `NotFound`
for a record that is not theirs, exactly as for one that does not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from backoffice.hr_domain import DayPart, Employee, LeaveBalance, LeaveQuote, LeaveRequest, LeaveType, PublicHoliday


class HRPort(Protocol):
    # -- who ------------------------------------------------------------------------------
    def get_employee(self, employee_id: int) -> Employee:
        """Raises NotFound."""
        ...

    def employee_by_email(self, email: str) -> Employee | None:
        """For the demo web login (case-insensitive)."""
        ...

    def employee_by_slack_user(self, slack_user_id: str) -> Employee | None: ...

    def list_employees(self) -> list[Employee]:
        """Everyone on the staff list (to tell when a message asks about a colleague rather than oneself)."""
        ...

    def employee_by_telegram_user(self, telegram_user_id: str) -> Employee | None: ...

    def issue_telegram_link_code(self, employee_id: int) -> str:
        """A fresh one-time code (6 digits) for linking a Telegram account, valid for 10 minutes.
        Issuing a new code invalidates the employee's earlier unused ones."""
        ...

    def redeem_telegram_link_code(self, code: str, telegram_user_id: str) -> Employee:
        """Links the Telegram user to the code's employee. Raises NotAllowed(reason) with
        `invalid_code` (unknown or malformed), `expired_code`, `used_code`, or `too_many_attempts`
        after 5 refused codes from one Telegram account within an hour."""
        ...

    # -- leave ----------------------------------------------------------------------------
    def leave_balances(self, employee_id: int, year: int) -> list[LeaveBalance]:
        """One balance per leave type, in LeaveType order."""
        ...

    def list_leave_requests(self, employee_id: int, limit: int = 10) -> list[LeaveRequest]:
        """Newest first."""
        ...

    def get_leave_request(self, number: str, employee_id: int) -> LeaveRequest:
        """Raises NotFound when it does not exist or is not the employee's."""
        ...

    def quote_leave(
        self,
        employee_id: int,
        leave_type: LeaveType,
        start: date,
        end: date,
        start_part: DayPart = DayPart.FULL,
        end_part: DayPart = DayPart.FULL,
    ) -> LeaveQuote:
        """Checks a request without making it. Raises NotAllowed(reason) with `end_before_start`,
        `in_the_past` (start before today), `no_working_days` (only weekends/holidays),
        `overlaps` (with a pending or approved request; the fact `request` is its number),
        `insufficient_balance` (the fact `available`: the days left in the year that runs short),
        `too_long` (more than `max_days`, 60 working days)."""
        ...

    def request_leave(
        self,
        employee_id: int,
        leave_type: LeaveType,
        start: date,
        end: date,
        start_part: DayPart = DayPart.FULL,
        end_part: DayPart = DayPart.FULL,
    ) -> LeaveRequest:
        """The same checks as quote_leave, then a pending request addressed to the employee's manager."""
        ...

    def cancel_leave_request(self, number: str, employee_id: int) -> LeaveRequest:
        """Only pending requests. Raises NotFound, or NotAllowed(`not_pending`)."""
        ...

    def pending_requests_for_approver(self, manager_id: int) -> list[LeaveRequest]:
        """Pending requests addressed to this approver, oldest first."""
        ...

    def decide_leave_request(self, number: str, manager_id: int, approve: bool, note: str) -> LeaveRequest:
        """The approver decides. Raises NotFound (no such request), NotAllowed(`not_approver`)
        or NotAllowed(`not_pending`). Approval moves the days from pending to used."""
        ...

    # -- calendar -------------------------------------------------------------------------
    def public_holidays(self, year: int) -> list[PublicHoliday]: ...

    def next_payday(self, today: date) -> date:
        """The first pay date on or after `today` in the payroll calendar."""
        ...
