"""`HRPort` on the embedded SQL back office.

Who the employee is (look-ups, Telegram link codes) is backoffice.sql.hr_employees's
`SqlEmployees`, which `SqlHR` extends with leave and pay days.

Every rule (working days, overlaps, entitlements, pay days) comes from
`backoffice.leave_rules`; this module only reads and writes rows around them.
Leave is charged to the calendar year it is taken in: a request across New Year
counts its December days against one year and its January days against the next.

An employee without a manager (the CEO) has their requests approved by the HR
director, employee `E1002`.
"""

from __future__ import annotations

import secrets
from datetime import date, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice import leave_rules
from backoffice.errors import NotAllowed, NotFound
from backoffice.hr_domain import (
    DayPart,
    LeaveBalance,
    LeaveQuote,
    LeaveRequest,
    LeaveStatus,
    LeaveType,
    PublicHoliday,
    normalise_leave_request_number,
)
from backoffice.sql.hr_employees import SqlEmployees
from backoffice.sql.hr_models import (
    MAX_NOTE_LENGTH,
    EmployeeRow,
    LeaveEntitlementRow,
    LeaveRequestRow,
    PayDateRow,
    PublicHolidayRow,
)

HR_DIRECTOR_NUMBER = "E1002"
# 60 working days never span a year: a longer range is refused before its days are counted.
LONGEST_RANGE = timedelta(days=366)
PAYDAY_HORIZON = timedelta(days=31)
ACTIVE_STATUSES = (LeaveStatus.PENDING.value, LeaveStatus.APPROVED.value)
REQUEST_NOT_FOUND = "no such leave request for this employee"

Holidays = dict[date, str]


def leave_request_from_row(row: LeaveRequestRow) -> LeaveRequest:
    return LeaveRequest(
        number=row.number,
        employee_id=row.employee_id,
        leave_type=LeaveType(row.leave_type),
        start=row.start_date,
        end=row.end_date,
        start_part=DayPart(row.start_part),
        end_part=DayPart(row.end_part),
        days=row.days,
        status=LeaveStatus(row.status),
        approver_id=row.approver_id,
        created_at=row.created_at,
        decided_at=row.decided_at,
        decision_note=row.decision_note,
    )


def leave_request_number(row_id: int) -> str:
    return f"LR-{row_id:05d}"


def too_long() -> NotAllowed:
    """The refusal of a request over the limit, with the limit as a number (the reply words it)."""
    return NotAllowed("too_long", max_days=leave_rules.MAX_REQUEST_DAYS)


def charged_days(row: LeaveRequestRow, year: int, holidays: Holidays) -> Decimal:
    """The part of a request's days charged to `year` (the stored days when it lies inside it)."""
    if row.start_date.year == row.end_date.year:
        return row.days if row.start_date.year == year else leave_rules.ZERO
    split = leave_rules.days_by_year(
        row.start_date, row.end_date, holidays.keys(), DayPart(row.start_part), DayPart(row.end_part)
    )
    return split.get(year, leave_rules.ZERO)


class SqlHR(SqlEmployees):
    """Employees (SqlEmployees), leave and the payroll calendar against the back-office tables."""

    # -- leave ----------------------------------------------------------------------------

    def leave_balances(self, employee_id: int, year: int) -> list[LeaveBalance]:
        with self.transaction() as session:
            self._employee(session, employee_id)
            balances = self._balances(session, employee_id, year)
            return [balances[leave_type] for leave_type in LeaveType]

    def list_leave_requests(self, employee_id: int, limit: int = 10) -> list[LeaveRequest]:
        query = (
            select(LeaveRequestRow)
            .where(LeaveRequestRow.employee_id == employee_id)
            .order_by(LeaveRequestRow.created_at.desc(), LeaveRequestRow.id.desc())
            .limit(max(limit, 0))
        )
        with self.transaction() as session:
            return [leave_request_from_row(row) for row in session.scalars(query)]

    def get_leave_request(self, number: str, employee_id: int) -> LeaveRequest:
        with self.transaction() as session:
            return leave_request_from_row(self._request(session, number, employee_id))

    def quote_leave(
        self,
        employee_id: int,
        leave_type: LeaveType,
        start: date,
        end: date,
        start_part: DayPart = DayPart.FULL,
        end_part: DayPart = DayPart.FULL,
    ) -> LeaveQuote:
        with self.transaction() as session:
            self._employee(session, employee_id)
            return self._quote(session, employee_id, leave_type, start, end, start_part, end_part)

    def request_leave(
        self,
        employee_id: int,
        leave_type: LeaveType,
        start: date,
        end: date,
        start_part: DayPart = DayPart.FULL,
        end_part: DayPart = DayPart.FULL,
    ) -> LeaveRequest:
        # The employee's row is locked first: their requests are checked and added one at a time,
        # so two at once can never both spend the same days.
        with self.transaction(lock=True) as session:
            employee = self._employee(session, employee_id, for_update=True)
            quote = self._quote(session, employee_id, leave_type, start, end, start_part, end_part)
            row = LeaveRequestRow(
                number=f"LR-new-{secrets.token_hex(4)}",  # the real number follows from the id
                employee_id=employee_id,
                leave_type=leave_type.value,
                start_date=start,
                end_date=end,
                start_part=start_part.value,
                end_part=end_part.value,
                days=quote.days,
                status=LeaveStatus.PENDING.value,
                approver_id=self._approver_id(session, employee),
                created_at=self.now(),
            )
            session.add(row)
            session.flush()
            row.number = leave_request_number(row.id)
            session.flush()
            return leave_request_from_row(row)

    def cancel_leave_request(self, number: str, employee_id: int) -> LeaveRequest:
        with self.transaction(lock=True) as session:
            row = self._request(session, number, employee_id, for_update=True)
            return self._decide(row, LeaveStatus.CANCELLED, None)

    def pending_requests_for_approver(self, manager_id: int) -> list[LeaveRequest]:
        query = (
            select(LeaveRequestRow)
            .where(LeaveRequestRow.approver_id == manager_id, LeaveRequestRow.status == LeaveStatus.PENDING.value)
            .order_by(LeaveRequestRow.created_at, LeaveRequestRow.id)
        )
        with self.transaction() as session:
            return [leave_request_from_row(row) for row in session.scalars(query)]

    def decide_leave_request(self, number: str, manager_id: int, approve: bool, note: str) -> LeaveRequest:
        note = (note or "").strip()
        if len(note) > MAX_NOTE_LENGTH:
            raise ValueError(f"a decision note has at most {MAX_NOTE_LENGTH} characters")
        with self.transaction(lock=True) as session:
            row = self._request(session, number, for_update=True)
            if row.approver_id is None or row.approver_id != manager_id:
                raise NotAllowed("not_approver")
            return self._decide(row, LeaveStatus.APPROVED if approve else LeaveStatus.REJECTED, note or None)

    # -- calendar -------------------------------------------------------------------------

    def public_holidays(self, year: int) -> list[PublicHoliday]:
        """The days off in calendar `year` (New Year's Day observed on 31 December counts there)."""
        with self.transaction() as session:
            holidays = self._holidays(session, date(year, 1, 1), date(year, 12, 31))
        return [PublicHoliday(day, name) for day, name in sorted(holidays.items())]

    def next_payday(self, today: date) -> date:
        with self.transaction() as session:
            stored = session.scalar(select(func.min(PayDateRow.day)).where(PayDateRow.day >= today))
            # Pay days are never a month apart; a later stored one means `today` lies outside the
            # payroll calendar, where the company's rule gives the answer the calendar would.
            if stored is not None and stored - today <= PAYDAY_HORIZON:
                return stored
            holidays = self._holidays(session, today, date(today.year + 1, 12, 31))
        return leave_rules.next_payday(today, holidays.keys())

    # -- helpers --------------------------------------------------------------------------

    @staticmethod
    def _request(
        session: Session, number: str, employee_id: int | None = None, for_update: bool = False
    ) -> LeaveRequestRow:
        """A request by number (any spelling), optionally only the employee's own: else NotFound."""
        normalised = normalise_leave_request_number(number)
        if normalised is None:
            raise NotFound(REQUEST_NOT_FOUND)
        query = select(LeaveRequestRow).where(LeaveRequestRow.number == normalised)
        if employee_id is not None:
            query = query.where(LeaveRequestRow.employee_id == employee_id)
        row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
        if row is None:
            raise NotFound(REQUEST_NOT_FOUND)
        return row

    def _decide(self, row: LeaveRequestRow, status: LeaveStatus, note: str | None) -> LeaveRequest:
        """Move a pending request to `status`; approving turns its reserved days into used ones."""
        if row.status != LeaveStatus.PENDING:
            raise NotAllowed("not_pending")
        row.status = status.value
        row.decided_at = self.now()
        row.decision_note = note
        return leave_request_from_row(row)

    @staticmethod
    def _approver_id(session: Session, employee: EmployeeRow) -> int | None:
        """The manager; for the one without a manager (the CEO), the HR director."""
        if employee.manager_id is not None:
            return employee.manager_id
        query = select(EmployeeRow.id).where(EmployeeRow.number == HR_DIRECTOR_NUMBER, EmployeeRow.id != employee.id)
        return session.scalar(query)

    @staticmethod
    def _holidays(session: Session, start: date, end: date) -> Holidays:
        """Public holidays in [start, end] from the company calendar; a year the calendar has no
        holidays for at all (beyond the seeded years) falls back to the company's rule."""
        rows = session.scalars(
            select(PublicHolidayRow).where(
                PublicHolidayRow.day >= date(start.year, 1, 1), PublicHolidayRow.day <= date(end.year, 12, 31)
            )
        )
        holidays = {row.day: row.name for row in rows}
        stored_years = {day.year for day in holidays}
        for year in range(start.year, end.year + 1):
            if year not in stored_years:
                ruled = leave_rules.holidays_between(date(year, 1, 1), date(year, 12, 31))
                holidays.update({holiday.day: holiday.name for holiday in ruled})
        return {day: name for day, name in holidays.items() if start <= day <= end}

    def _balances(self, session: Session, employee_id: int, year: int) -> dict[LeaveType, LeaveBalance]:
        """Every leave type's balance in `year`; a year without entitlement rows gets the policy's days."""
        entitlements = {
            LeaveType(row.leave_type): row
            for row in session.scalars(
                select(LeaveEntitlementRow).where(
                    LeaveEntitlementRow.employee_id == employee_id, LeaveEntitlementRow.year == year
                )
            )
        }
        requests = list(
            session.scalars(
                select(LeaveRequestRow).where(
                    LeaveRequestRow.employee_id == employee_id,
                    LeaveRequestRow.status.in_(ACTIVE_STATUSES),
                    LeaveRequestRow.start_date <= date(year, 12, 31),
                    LeaveRequestRow.end_date >= date(year, 1, 1),
                )
            )
        )
        spanning = [row for row in requests if row.start_date.year != row.end_date.year]
        holidays: Holidays = {}
        if spanning:
            first = min(row.start_date for row in spanning)
            holidays = self._holidays(session, first, max(row.end_date for row in spanning))
        used = dict.fromkeys(LeaveType, leave_rules.ZERO)
        pending = dict.fromkeys(LeaveType, leave_rules.ZERO)
        for row in requests:
            bucket = used if row.status == LeaveStatus.APPROVED else pending
            bucket[LeaveType(row.leave_type)] += charged_days(row, year, holidays)
        balances = {}
        for leave_type in LeaveType:
            granted = entitlements.get(leave_type)
            balances[leave_type] = LeaveBalance(
                leave_type=leave_type,
                year=year,
                entitlement=granted.entitlement if granted else leave_rules.ENTITLEMENTS[leave_type],
                carried_over=granted.carried_over if granted else leave_rules.ZERO,
                used=used[leave_type],
                pending=pending[leave_type],
            )
        return balances

    def _overlapping(
        self, session: Session, employee_id: int, start: date, end: date, start_part: DayPart, end_part: DayPart
    ) -> LeaveRequestRow | None:
        """The employee's first pending or approved request sharing a half day with the range."""
        candidates = session.scalars(
            select(LeaveRequestRow)
            .where(
                LeaveRequestRow.employee_id == employee_id,
                LeaveRequestRow.status.in_(ACTIVE_STATUSES),
                LeaveRequestRow.start_date <= end,
                LeaveRequestRow.end_date >= start,
            )
            .order_by(LeaveRequestRow.start_date, LeaveRequestRow.id)
        )
        for row in candidates:
            if leave_rules.overlaps(
                start,
                end,
                row.start_date,
                row.end_date,
                a_start_part=start_part,
                a_end_part=end_part,
                b_start_part=DayPart(row.start_part),
                b_end_part=DayPart(row.end_part),
            ):
                return row
        return None

    def _quote(
        self,
        session: Session,
        employee_id: int,
        leave_type: LeaveType,
        start: date,
        end: date,
        start_part: DayPart,
        end_part: DayPart,
    ) -> LeaveQuote:
        """Every check of a request, in the contract's order; the quote when all pass."""
        if leave_rules.is_empty_range(start, end, start_part, end_part):
            raise NotAllowed("end_before_start")
        if start < self.today():
            raise NotAllowed("in_the_past")
        if end - start > LONGEST_RANGE:
            raise too_long()
        holidays = self._holidays(session, start, end)
        split = leave_rules.days_by_year(start, end, holidays.keys(), start_part, end_part)
        days = sum(split.values(), leave_rules.ZERO)
        if days > leave_rules.MAX_REQUEST_DAYS:
            raise too_long()
        if days == 0:
            raise NotAllowed("no_working_days")
        clash = self._overlapping(session, employee_id, start, end, start_part, end_part)
        if clash is not None:
            raise NotAllowed("overlaps", request=clash.number)
        available = {year: self._balances(session, employee_id, year)[leave_type].available for year in split}
        for year, charged in split.items():
            if charged > available[year]:
                raise NotAllowed("insufficient_balance", available=available[year])
        return LeaveQuote(
            leave_type=leave_type,
            start=start,
            end=end,
            start_part=start_part,
            end_part=end_part,
            days=days,
            holidays=tuple(sorted(holidays.items())),
            available_after=available[start.year] - split[start.year],
        )
