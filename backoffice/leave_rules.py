"""The company's HR rules as pure functions: working days, overlaps, entitlements, payroll, holidays.

Both the SQL adapter and the demo seeder call these, so the data they write and the
answers the assistant gives can never follow two different rule books. Nothing here
touches a database or the clock.

Half days are modelled as half-day *slots*: every date has a morning and an
afternoon. A request covers the slots from its first to its last, inclusive:
`start_part=AFTERNOON` starts at noon, `end_part=MORNING` ends at noon. On a one-day
request a single half part names the half taken, whichever side it was given on.
"""

from __future__ import annotations

import calendar
from collections.abc import Set
from datetime import date, timedelta
from decimal import Decimal

from backoffice.hr_domain import DayPart, LeaveType, PublicHoliday

ZERO = Decimal("0.0")
HALF = Decimal("0.5")
ONE = Decimal("1.0")

ENTITLEMENTS: dict[LeaveType, Decimal] = {
    LeaveType.VACATION: Decimal("20.0"),
    LeaveType.SICK: Decimal("10.0"),
    LeaveType.PERSONAL: Decimal("3.0"),
    LeaveType.PARENTAL: Decimal("60.0"),
}
# Unused days that move into the next year, at most; only vacation carries over.
CARRY_OVER_CAPS: dict[LeaveType, Decimal] = {
    LeaveType.VACATION: Decimal("5.0"),
    LeaveType.SICK: ZERO,
    LeaveType.PERSONAL: ZERO,
    LeaveType.PARENTAL: ZERO,
}
MAX_REQUEST_DAYS = Decimal("60.0")
PAYDAY_MID_MONTH = 15


# -- working days ---------------------------------------------------------------------------


def is_working_day(day: date, holidays: Set[date]) -> bool:
    """Monday to Friday, and not a public holiday."""
    return day.weekday() < 5 and day not in holidays


def half_day_slots(start: date, end: date, start_part: DayPart, end_part: DayPart) -> tuple[int, int]:
    """First and last half-day slot a request covers (slot = 2 × ordinal, +1 for the afternoon).

    The last slot is before the first when the range is empty (the end before the start,
    or a one-day request from the afternoon to the morning).
    """
    if start == end:
        # "Monday morning" may arrive as (MORNING, FULL) and "Monday afternoon" as (FULL, AFTERNOON).
        if start_part is DayPart.MORNING and end_part is DayPart.FULL:
            end_part = DayPart.MORNING
        elif start_part is DayPart.FULL and end_part is DayPart.AFTERNOON:
            start_part = DayPart.AFTERNOON
    first = 2 * start.toordinal() + (1 if start_part is DayPart.AFTERNOON else 0)
    last = 2 * end.toordinal() + (0 if end_part is DayPart.MORNING else 1)
    return first, last


def is_empty_range(start: date, end: date, start_part: DayPart, end_part: DayPart) -> bool:
    """True when the request covers no time at all (its end comes before its start)."""
    first, last = half_day_slots(start, end, start_part, end_part)
    return last < first


def working_days(
    start: date,
    end: date,
    holidays: Set[date],
    start_part: DayPart = DayPart.FULL,
    end_part: DayPart = DayPart.FULL,
) -> Decimal:
    """Leave days a request costs: working days in [start, end], halves counted as 0.5.

    Weekends and holidays cost nothing, half of one included. An empty range costs 0.
    """
    first, last = half_day_slots(start, end, start_part, end_part)
    if last < first:
        return ZERO
    total = ZERO
    for ordinal in range(first // 2, last // 2 + 1):
        if is_working_day(date.fromordinal(ordinal), holidays):
            halves = min(last, 2 * ordinal + 1) - max(first, 2 * ordinal) + 1
            total += HALF * halves
    return total


def days_by_year(
    start: date,
    end: date,
    holidays: Set[date],
    start_part: DayPart = DayPart.FULL,
    end_part: DayPart = DayPart.FULL,
) -> dict[int, Decimal]:
    """`working_days` split by calendar year: leave is charged to the year it is taken in."""
    split: dict[int, Decimal] = {}
    for year in range(start.year, end.year + 1):
        first_day, last_day = max(start, date(year, 1, 1)), min(end, date(year, 12, 31))
        split[year] = working_days(
            first_day,
            last_day,
            holidays,
            start_part if first_day == start else DayPart.FULL,
            end_part if last_day == end else DayPart.FULL,
        )
    return split


def overlaps(
    a_start: date,
    a_end: date,
    b_start: date,
    b_end: date,
    *,
    a_start_part: DayPart = DayPart.FULL,
    a_end_part: DayPart = DayPart.FULL,
    b_start_part: DayPart = DayPart.FULL,
    b_end_part: DayPart = DayPart.FULL,
) -> bool:
    """Whether two requests share any half day (dates inclusive): a morning off and an
    afternoon off on the same date do not overlap."""
    a_first, a_last = half_day_slots(a_start, a_end, a_start_part, a_end_part)
    b_first, b_last = half_day_slots(b_start, b_end, b_start_part, b_end_part)
    return a_first <= a_last and b_first <= b_last and a_first <= b_last and b_first <= a_last


# -- entitlements ---------------------------------------------------------------------------


def carry_over(unused_previous_year: Decimal, cap: Decimal) -> Decimal:
    """Days moved into the new year: what was left, never negative, at most `cap`."""
    return max(ZERO, min(Decimal(unused_previous_year), Decimal(cap)))


# -- public holidays ------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    """The n-th `weekday` (0 = Monday) of a month; n = -1 for the last one."""
    if n > 0:
        first = date(year, month, 1)
        return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    last = date(year, month, calendar.monthrange(year, month)[1])
    return last - timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: date, name: str) -> PublicHoliday:
    """A fixed-date holiday on a Saturday is taken on the Friday before, on a Sunday the Monday after."""
    if day.weekday() == 5:
        return PublicHoliday(day - timedelta(days=1), f"{name} (observed)")
    if day.weekday() == 6:
        return PublicHoliday(day + timedelta(days=1), f"{name} (observed)")
    return PublicHoliday(day, name)


def us_public_holidays(year: int) -> list[PublicHoliday]:
    """The ten holidays the company observes for `year`, by observed date.

    New Year's Day on a Saturday is observed on 31 December of the year before, so
    that one entry can fall outside `year`; `holidays_between` sorts days into years.
    """
    thanksgiving = _nth_weekday(year, 11, 3, 4)
    holidays = [
        _observed(date(year, 1, 1), "New Year's Day"),
        PublicHoliday(_nth_weekday(year, 1, 0, 3), "Martin Luther King Jr. Day"),
        PublicHoliday(_nth_weekday(year, 2, 0, 3), "Presidents' Day"),
        PublicHoliday(_nth_weekday(year, 5, 0, -1), "Memorial Day"),
        _observed(date(year, 6, 19), "Juneteenth"),
        _observed(date(year, 7, 4), "Independence Day"),
        PublicHoliday(_nth_weekday(year, 9, 0, 1), "Labor Day"),
        PublicHoliday(thanksgiving, "Thanksgiving Day"),
        PublicHoliday(thanksgiving + timedelta(days=1), "Day after Thanksgiving"),
        _observed(date(year, 12, 25), "Christmas Day"),
    ]
    return sorted(holidays, key=lambda holiday: holiday.day)


def holidays_between(start: date, end: date) -> list[PublicHoliday]:
    """Every holiday observed on a day in [start, end], whichever year it belongs to."""
    candidates = (h for year in range(start.year, end.year + 2) for h in us_public_holidays(year))
    return sorted((h for h in candidates if start <= h.day <= end), key=lambda holiday: holiday.day)


# -- payroll --------------------------------------------------------------------------------


def _working_day_on_or_before(day: date, holidays: Set[date]) -> date:
    while not is_working_day(day, holidays):
        day -= timedelta(days=1)
    return day


def payday_dates(year: int, holidays: Set[date]) -> list[date]:
    """Pay days of `year`: the 15th and the last working day of every month; a 15th that is
    not a working day is paid on the working day before it."""
    days = []
    for month in range(1, 13):
        month_end = date(year, month, calendar.monthrange(year, month)[1])
        days.append(_working_day_on_or_before(date(year, month, PAYDAY_MID_MONTH), holidays))
        days.append(_working_day_on_or_before(month_end, holidays))
    return days


def next_payday(today: date, holidays: Set[date]) -> date:
    """The first pay day on or after `today`."""
    for year in (today.year, today.year + 1):
        for day in payday_dates(year, holidays):
            if day >= today:
                return day
    raise AssertionError("every month has a pay day")  # pragma: no cover
