"""Deterministic demo HR data for Northwind Goods: staff, leave, holidays and pay dates.

Drawn from its own `random.Random` (derived from the seed), so adding or changing the
HR data never changes the customer side for the same seed. Dates are relative to
`today`: last year is all decided, this year has taken and upcoming leave. Every
request respects the rules in `leave_rules` (working days, no overlaps, balances).

The first three employees who manage nobody are the demo employees: each has at
least 5 vacation days left this year, an approved request this year and a pending
one in the future (this year while it has working days left), and a manager who can be reached on Slack.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from backoffice import leave_rules
from backoffice.hr_domain import DayPart, LeaveStatus, LeaveType
from backoffice.sql.hr import HR_DIRECTOR_NUMBER, leave_request_number
from backoffice.sql.hr_models import (
    EmployeeRow,
    LeaveEntitlementRow,
    LeaveRequestRow,
    PayDateRow,
    PublicHolidayRow,
)
from demo.emails import email_part

EMAIL_DOMAIN = "northwind.example"
FIRST_EMPLOYEE_NUMBER = 1001
DEMO_EMPLOYEES = 3
DEMO_VACATION_RESERVE = Decimal("5.0")
FUTURE_DAYS = 120  # how far ahead upcoming leave is planned
CEO_DEPARTMENT = "Executive"
# Heads are numbered in this order after the CEO, so the head of HR is E1002, the HR director.
DEPARTMENTS = ("HR", "Sales", "Support", "Warehouse", "Finance", "Engineering", "Marketing")
# Staff per department, numbered round-robin in this order: the demo employees come from
# different teams.
STAFF = {"Sales": 4, "Support": 4, "Engineering": 3, "Warehouse": 4, "Finance": 2, "Marketing": 2, "HR": 1}

# fmt: off
FIRST_NAMES = (
    "Grace", "Daniel", "Maya", "Ethan", "Olivia", "Marcus", "Leah", "Carlos", "Nora", "Isaac",
    "Ruth", "Andre", "Hazel", "Victor", "Julia", "Theo", "Alice", "Simon", "Irene", "Felix",
    "Naomi", "Peter", "Rosa", "Adrian", "Vera", "Gabriel", "Lena", "Martin", "Sara", "Owen",
)
LAST_NAMES = (
    "Harper", "Brooks", "Lindgren", "Alvarez", "Chen", "Doyle", "Ferreira", "Grant", "Ishikawa",
    "Keller", "Lambert", "Morales", "Nielsen", "Osei", "Patel", "Quinn", "Reyes", "Sato", "Thornton",
    "Ueda", "Vasquez", "Whitfield", "Young", "Zimmermann", "Bianchi", "Castillo", "Ekström", "Mbeki",
)
# fmt: on
REJECTION_NOTES = (
    "Too many people are off that week; could you pick other dates?",
    "That's our quarter-end close. Happy to approve the week after.",
    "The warehouse stock-take is on those days, sorry.",
    "We're short-staffed on support then. Let's find another slot.",
    "Product launch week: please move it if you can.",
)
APPROVAL_NOTES = (None, None, None, "Enjoy!", "Have a good break.", "Approved, thanks for planning ahead.")
GET_WELL_NOTES = (None, None, "Get well soon!", "Take care and rest up.")
# (leave type, working days low/high, how many last year low/high) for the everyday requests.
PATTERNS = (
    (LeaveType.VACATION, (1, 8), (3, 5)),
    (LeaveType.SICK, (1, 3), (0, 2)),
    (LeaveType.PERSONAL, (1, 1), (0, 2)),
)
DECIDED = (LeaveStatus.APPROVED, LeaveStatus.REJECTED, LeaveStatus.CANCELLED)
DECIDED_WEIGHTS = (75, 15, 10)


@dataclass
class _Leave:
    employee: EmployeeRow
    leave_type: LeaveType
    start: date
    end: date
    start_part: DayPart
    end_part: DayPart
    split: dict[int, Decimal]  # working days by year
    status: LeaveStatus
    created_at: datetime
    decided_at: datetime | None = None
    note: str | None = None

    @property
    def days(self) -> Decimal:
        return sum(self.split.values(), leave_rules.ZERO)


class _Staff:
    """One employee's leave while it is being planned: placed requests and what is left."""

    def __init__(self, employee: EmployeeRow, this_year: int, carried_last_year: Decimal) -> None:
        self.employee = employee
        self.leaves: list[_Leave] = []
        self.carried = {(LeaveType.VACATION, this_year - 1): carried_last_year}
        self.available = {
            (leave_type, year): leave_rules.ENTITLEMENTS[leave_type]
            for leave_type in LeaveType
            for year in (this_year - 1, this_year, this_year + 1)
        }
        self.available[(LeaveType.VACATION, this_year - 1)] += carried_last_year

    def carry_into(self, year: int) -> None:
        """Move last year's unused vacation (capped) into `year`, once last year is settled."""
        carried = leave_rules.carry_over(
            self.available[(LeaveType.VACATION, year - 1)], leave_rules.CARRY_OVER_CAPS[LeaveType.VACATION]
        )
        self.carried[(LeaveType.VACATION, year)] = carried
        self.available[(LeaveType.VACATION, year)] += carried

    def fits(self, leave: _Leave, reserve: Decimal) -> bool:
        """No overlap with any of their requests, and (if it counts) enough days left in each year."""
        if any(
            leave_rules.overlaps(
                leave.start,
                leave.end,
                other.start,
                other.end,
                a_start_part=leave.start_part,
                a_end_part=leave.end_part,
                b_start_part=other.start_part,
                b_end_part=other.end_part,
            )
            for other in self.leaves
        ):
            return False
        if leave.status not in (LeaveStatus.APPROVED, LeaveStatus.PENDING):
            return True
        return all(days <= self.available[(leave.leave_type, year)] - reserve for year, days in leave.split.items())

    def add(self, leave: _Leave) -> None:
        self.leaves.append(leave)
        if leave.status in (LeaveStatus.APPROVED, LeaveStatus.PENDING):
            for year, days in leave.split.items():
                self.available[(leave.leave_type, year)] -= days


class _HRGenerator:
    """All randomness of the HR data, from one `random.Random` derived from the seed."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(f"northwind-hr-{seed}")
        self.today = today
        self.year = today.year
        self.calendar = leave_rules.holidays_between(date(self.year - 1, 1, 1), date(self.year + 1, 12, 31))
        self.holidays = frozenset(holiday.day for holiday in self.calendar)

    def moment(self, day: date) -> datetime:
        """A time during office hours (08:00-17:59 UTC) on `day`."""
        return datetime.combine(day, time(self.rng.randint(8, 17), self.rng.randint(0, 59)), tzinfo=UTC)

    # -- people ---------------------------------------------------------------------------

    def employees(self) -> list[tuple[EmployeeRow, str | None]]:
        """(row, department whose head manages them; None for the CEO), in number order."""
        roles: list[tuple[str, str | None]] = [(CEO_DEPARTMENT, None)]
        roles += [(department, CEO_DEPARTMENT) for department in DEPARTMENTS]
        remaining = dict(STAFF)
        while any(remaining.values()):
            for department in STAFF:
                if remaining[department]:
                    remaining[department] -= 1
                    roles.append((department, department))
        pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
        people = []
        for index, ((first, last), (department, reports_to)) in enumerate(
            zip(self.rng.sample(pairs, len(roles)), roles, strict=True)
        ):
            hired_on = date(self.year - 1, 1, 1) - timedelta(days=self.rng.randint(30, 4000))
            row = EmployeeRow(
                number=f"E{FIRST_EMPLOYEE_NUMBER + index}",
                name=f"{first} {last}",
                email=f"{email_part(first)}.{email_part(last)}@{EMAIL_DOMAIN}",
                department=department,
                slack_user_id=f"U0NW{index + 1:04d}",
                hired_on=hired_on,
            )
            people.append((row, reports_to))
        return people

    # -- leave ----------------------------------------------------------------------------

    def working_day_on_or_after(self, day: date) -> date:
        while not leave_rules.is_working_day(day, self.holidays):
            day += timedelta(days=1)
        return day

    def end_after(self, start: date, working_days: int) -> date:
        """The day on which `working_days` working days from `start` (a working day) end."""
        end = start
        for _ in range(working_days - 1):
            end = self.working_day_on_or_after(end + timedelta(days=1))
        return end

    def leave(
        self,
        staff: _Staff,
        leave_type: LeaveType,
        window: tuple[date, date],
        length: tuple[int, int],
        status: LeaveStatus,
    ) -> _Leave | None:
        """A request inside `window` (both ends included), or None when the window has no room."""
        first, last = window
        if last < first:
            return None
        start = self.working_day_on_or_after(first + timedelta(days=self.rng.randint(0, (last - first).days)))
        end = self.end_after(start, self.rng.randint(*length))
        if end > last:
            return None
        start_part = end_part = DayPart.FULL
        half_day = leave_type is LeaveType.PERSONAL and self.rng.random() < 0.4
        if half_day or (leave_type is LeaveType.VACATION and self.rng.random() < 0.1):
            if self.rng.random() < 0.5:
                start_part = DayPart.AFTERNOON
            else:
                end_part = DayPart.MORNING
        split = leave_rules.days_by_year(start, end, self.holidays, start_part, end_part)
        leave = _Leave(staff.employee, leave_type, start, end, start_part, end_part, split, status, self.asked(start))
        if status is not LeaveStatus.PENDING:
            self.decide(leave)
        return leave

    def asked(self, start: date) -> datetime:
        """When a request was made: days to weeks ahead, and always a few days before today."""
        ahead = start - timedelta(days=self.rng.randint(5, 40))
        return self.moment(min(ahead, self.today - timedelta(days=self.rng.randint(4, 14))))

    def decide(self, leave: _Leave) -> None:
        """A sick day is reported that morning and confirmed within hours; the rest within days."""
        hours = self.rng.randint(2, 60)
        if leave.leave_type is LeaveType.SICK and leave.start < self.today:
            leave.created_at = datetime.combine(leave.start, time(7, self.rng.randint(0, 59)), tzinfo=UTC)
            hours = self.rng.randint(1, 8)
        leave.decided_at = leave.created_at + timedelta(hours=hours)
        if leave.status is LeaveStatus.REJECTED:
            leave.note = self.rng.choice(REJECTION_NOTES)
        elif leave.status is LeaveStatus.APPROVED:
            leave.note = self.rng.choice(GET_WELL_NOTES if leave.leave_type is LeaveType.SICK else APPROVAL_NOTES)

    def place(
        self,
        staff: _Staff,
        leave_type: LeaveType,
        window: tuple[date, date],
        length: tuple[int, int],
        status: LeaveStatus,
        reserve: Decimal = leave_rules.ZERO,
        tries: int = 25,
    ) -> bool:
        """Add one request that fits the employee's calendar and balance; False if none was found."""
        for _ in range(tries):
            leave = self.leave(staff, leave_type, window, length, status)
            if leave is not None and staff.fits(
                leave, reserve if leave_type is LeaveType.VACATION else leave_rules.ZERO
            ):
                staff.add(leave)
                return True
        return False

    def decided(self, leave_type: LeaveType) -> LeaveStatus:
        """How a past request ended; sick leave is never refused."""
        if leave_type is LeaveType.SICK:
            return LeaveStatus.APPROVED
        return self.rng.choices(DECIDED, weights=DECIDED_WEIGHTS)[0]

    def plan(self, staff: _Staff, demo: bool) -> None:
        """Last year (all decided), then this year so far, then what is coming up."""
        today, year = self.today, self.year
        last_year = (date(year - 1, 1, 1), date(year - 1, 12, 31))
        so_far = (date(year, 1, 1), today - timedelta(days=1))
        upcoming = (today + timedelta(days=1), today + timedelta(days=FUTURE_DAYS))
        reserve = DEMO_VACATION_RESERVE if demo else leave_rules.ZERO
        for leave_type, length, count in PATTERNS:
            for _ in range(self.rng.randint(*count)):
                self.place(staff, leave_type, last_year, length, self.decided(leave_type))
        if self.rng.random() < 0.1:
            self.place(staff, LeaveType.PARENTAL, last_year, (20, 40), LeaveStatus.APPROVED)
        staff.carry_into(year)
        if demo:  # the guarantees first, while the calendar is still empty
            this_year_ahead = (upcoming[0], date(year, 12, 31))
            if not self.place(staff, LeaveType.VACATION, so_far, (1, 3), LeaveStatus.APPROVED, reserve):
                self.place(staff, LeaveType.VACATION, this_year_ahead, (1, 3), LeaveStatus.APPROVED, reserve)
            # pending this year while the year has working days left, so the balance shows it
            if not self.place(
                staff, LeaveType.VACATION, this_year_ahead, (1, 3), LeaveStatus.PENDING, reserve, tries=200
            ):
                self.place(staff, LeaveType.VACATION, upcoming, (1, 3), LeaveStatus.PENDING, reserve, tries=200)
        share_of_year = (so_far[1] - so_far[0]).days / 365
        for leave_type, length, count in PATTERNS:
            for _ in range(round(self.rng.randint(*count) * share_of_year)):
                self.place(staff, leave_type, so_far, length, self.decided(leave_type), reserve)
        for _ in range(self.rng.randint(0, 2)):
            status = self.rng.choices((LeaveStatus.PENDING, *DECIDED), weights=(60, 25, 10, 5))[0]
            self.place(staff, LeaveType.VACATION, upcoming, (1, 8), status, reserve)


def has_employees(session: Session) -> bool:
    return bool(session.scalar(select(func.count()).select_from(EmployeeRow)))


def add_hr(session: Session, seed: int, today: date) -> dict[str, int]:
    """Add the demo company's staff, leave, holidays and pay dates; returns row counts (flushed only)."""
    generator = _HRGenerator(seed, today)
    year = today.year
    people = generator.employees()
    heads: dict[str, EmployeeRow] = {}
    for row, reports_to in people:  # number order: the CEO, then the heads, then their staff
        if reports_to is not None:
            row.manager_id = heads[reports_to].id
        session.add(row)
        session.flush()
        heads.setdefault(row.department, row)
    employees = [row for row, _ in people]
    managers = {row.manager_id for row in employees}
    demo_ids = [row.id for row in employees if row.id not in managers][:DEMO_EMPLOYEES]

    staff = []
    for row in employees:
        plan = _Staff(row, year, Decimal(generator.rng.randint(0, 5)))
        generator.plan(plan, demo=row.id in demo_ids)
        staff.append(plan)
    for plan in staff:
        for leave_type in LeaveType:
            for entitled_year in (year - 1, year):
                session.add(
                    LeaveEntitlementRow(
                        employee_id=plan.employee.id,
                        leave_type=leave_type.value,
                        year=entitled_year,
                        entitlement=leave_rules.ENTITLEMENTS[leave_type],
                        carried_over=plan.carried.get((leave_type, entitled_year), leave_rules.ZERO),
                    )
                )

    hr_director = next(row.id for row in employees if row.number == HR_DIRECTOR_NUMBER)
    leaves = sorted((leave for plan in staff for leave in plan.leaves), key=lambda leave: leave.created_at)
    requests = [
        LeaveRequestRow(
            number=f"LR-new-{index}",
            employee_id=leave.employee.id,
            leave_type=leave.leave_type.value,
            start_date=leave.start,
            end_date=leave.end,
            start_part=leave.start_part.value,
            end_part=leave.end_part.value,
            days=leave.days,
            status=leave.status.value,
            approver_id=leave.employee.manager_id or hr_director,
            created_at=leave.created_at,
            decided_at=leave.decided_at,
            decision_note=leave.note,
        )
        for index, leave in enumerate(leaves)
    ]
    session.add_all(requests)
    session.flush()
    for request in requests:  # numbered from the ids, exactly as new requests are
        request.number = leave_request_number(request.id)

    session.add_all(PublicHolidayRow(day=holiday.day, name=holiday.name) for holiday in generator.calendar)
    pay_days = [day for y in (year - 1, year, year + 1) for day in leave_rules.payday_dates(y, generator.holidays)]
    session.add_all(PayDateRow(day=day) for day in pay_days)
    session.flush()
    return {
        "employees": len(employees),
        "leave_requests": len(requests),
        "public_holidays": len(generator.calendar),
        "pay_dates": len(pay_days),
    }
