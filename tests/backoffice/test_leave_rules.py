"""The HR rules as properties (hypothesis) and as the examples people would check by hand."""

from __future__ import annotations

import calendar
from datetime import date, timedelta
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from backoffice.hr_domain import DayPart
from backoffice.leave_rules import (
    ENTITLEMENTS,
    HALF,
    carry_over,
    days_by_year,
    holidays_between,
    is_working_day,
    next_payday,
    overlaps,
    payday_dates,
    us_public_holidays,
    working_days,
)

FIRST, LAST = date(2000, 1, 1), date(2100, 12, 31)
days = st.dates(min_value=FIRST, max_value=LAST)
spans = st.integers(min_value=0, max_value=400)
parts = st.sampled_from(DayPart)
start_parts = st.sampled_from((DayPart.FULL, DayPart.AFTERNOON))
end_parts = st.sampled_from((DayPart.FULL, DayPart.MORNING))
years = st.integers(min_value=FIRST.year, max_value=LAST.year - 1)
random_holidays = st.frozensets(days, max_size=40)


def company_holidays(start: date, end: date) -> frozenset[date]:
    return frozenset(holiday.day for holiday in holidays_between(start, end))


@st.composite
def ranges(draw: st.DrawFn) -> tuple[date, date]:
    start = draw(days)
    return start, start + timedelta(days=draw(spans))


@st.composite
def holiday_sets(draw: st.DrawFn, start: date, end: date) -> frozenset[date]:
    """Either the company's calendar around the range or an arbitrary set of days off."""
    if draw(st.booleans()):
        return company_holidays(start - timedelta(days=400), end + timedelta(days=400))
    return draw(random_holidays)


# -- working days ----------------------------------------------------------------------------


@given(ranges(), parts, parts, st.data())
def test_working_days_never_negative_nor_more_than_calendar_days(
    span: tuple[date, date], start_part: DayPart, end_part: DayPart, data: st.DataObject
) -> None:
    start, end = span
    holidays = data.draw(holiday_sets(start, end))
    counted = working_days(start, end, holidays, start_part, end_part)
    assert Decimal(0) <= counted <= (end - start).days + 1
    assert counted % HALF == 0
    assert working_days(end + timedelta(days=1), start, holidays) == 0  # end before start


@given(ranges(), start_parts, end_parts, st.data())
def test_working_days_add_up_over_adjacent_ranges(
    span: tuple[date, date], start_part: DayPart, end_part: DayPart, data: st.DataObject
) -> None:
    start, end = span
    if start == end:
        end += timedelta(days=1)
    holidays = data.draw(holiday_sets(start, end))
    cut = start + timedelta(days=data.draw(st.integers(0, (end - start).days - 1)))
    whole = working_days(start, end, holidays, start_part, end_part)
    left = working_days(start, cut, holidays, start_part, DayPart.FULL)
    right = working_days(cut + timedelta(days=1), end, holidays, DayPart.FULL, end_part)
    assert whole == left + right
    assert sum(days_by_year(start, end, holidays, start_part, end_part).values()) == whole


@given(ranges(), st.integers(0, 2), st.integers(0, 2), st.data())
def test_weekend_days_at_the_ends_change_nothing(
    span: tuple[date, date], before: int, after: int, data: st.DataObject
) -> None:
    start, end = span
    holidays = data.draw(holiday_sets(start, end))
    counted = working_days(start, end, holidays)
    wider_start, wider_end = start, end
    for _ in range(before):
        if (wider_start - timedelta(days=1)).weekday() >= 5:
            wider_start -= timedelta(days=1)
    for _ in range(after):
        if (wider_end + timedelta(days=1)).weekday() >= 5:
            wider_end += timedelta(days=1)
    assert working_days(wider_start, wider_end, holidays) == counted


@given(ranges(), st.data())
def test_a_half_day_part_takes_off_exactly_half_a_working_day(span: tuple[date, date], data: st.DataObject) -> None:
    start, end = span
    holidays = data.draw(holiday_sets(start, end))
    whole = working_days(start, end, holidays)
    first_half = HALF if is_working_day(start, holidays) else 0
    last_half = HALF if is_working_day(end, holidays) else 0
    assert working_days(start, end, holidays, DayPart.AFTERNOON) == whole - first_half
    assert working_days(start, end, holidays, end_part=DayPart.MORNING) == whole - last_half
    if start != end:
        both = working_days(start, end, holidays, DayPart.AFTERNOON, DayPart.MORNING)
        assert both == whole - first_half - last_half


# Every way a single half day may be spelled: on its own side, on the other side, on both.
MORNING_ONLY = ((DayPart.FULL, DayPart.MORNING), (DayPart.MORNING, DayPart.FULL), (DayPart.MORNING, DayPart.MORNING))
AFTERNOON_ONLY = (
    (DayPart.AFTERNOON, DayPart.FULL),
    (DayPart.FULL, DayPart.AFTERNOON),
    (DayPart.AFTERNOON, DayPart.AFTERNOON),
)


@given(days, st.sampled_from(MORNING_ONLY + AFTERNOON_ONLY))
def test_a_one_day_request_with_a_half_part_is_half_a_day(day: date, halves: tuple[DayPart, DayPart]) -> None:
    expected = HALF if is_working_day(day, frozenset()) else 0
    assert working_days(day, day, frozenset(), *halves) == expected


@given(days, st.sampled_from(MORNING_ONLY), st.sampled_from(AFTERNOON_ONLY))
def test_a_morning_and_an_afternoon_never_overlap(
    day: date, morning: tuple[DayPart, DayPart], afternoon: tuple[DayPart, DayPart]
) -> None:
    assert not overlaps(
        day,
        day,
        day,
        day,
        a_start_part=morning[0],
        a_end_part=morning[1],
        b_start_part=afternoon[0],
        b_end_part=afternoon[1],
    )
    assert overlaps(day, day, day, day, a_start_part=morning[0], a_end_part=morning[1])


def test_working_days_examples() -> None:
    holidays = company_holidays(date(2025, 1, 1), date(2026, 12, 31))
    # Monday 30 June to Monday 7 July 2025; Friday 4 July is Independence Day.
    assert working_days(date(2025, 6, 30), date(2025, 7, 7), holidays) == Decimal(5)
    assert working_days(date(2025, 6, 28), date(2025, 6, 29), holidays) == 0  # a weekend
    assert working_days(date(2025, 11, 27), date(2025, 11, 28), holidays) == 0  # Thanksgiving and the day after
    assert working_days(date(2025, 6, 30), date(2025, 7, 1), holidays, DayPart.AFTERNOON, DayPart.MORNING) == 1
    assert working_days(date(2025, 6, 30), date(2025, 6, 30), holidays, DayPart.AFTERNOON, DayPart.MORNING) == 0
    assert days_by_year(date(2025, 12, 29), date(2026, 1, 2), holidays) == {2025: 3, 2026: 1}


# -- overlaps -------------------------------------------------------------------------------


@given(ranges(), ranges(), parts, parts, parts, parts)
def test_overlaps_is_symmetric(
    a: tuple[date, date],
    b: tuple[date, date],
    a_start_part: DayPart,
    a_end_part: DayPart,
    b_start_part: DayPart,
    b_end_part: DayPart,
) -> None:
    forward = overlaps(
        *a, *b, a_start_part=a_start_part, a_end_part=a_end_part, b_start_part=b_start_part, b_end_part=b_end_part
    )
    backward = overlaps(
        *b, *a, a_start_part=b_start_part, a_end_part=b_end_part, b_start_part=a_start_part, b_end_part=a_end_part
    )
    assert forward == backward


@given(ranges(), ranges())
def test_whole_days_overlap_exactly_when_they_share_a_date(a: tuple[date, date], b: tuple[date, date]) -> None:
    shared = max(a[0], b[0]) <= min(a[1], b[1])
    assert overlaps(*a, *b) == shared
    assert overlaps(*a, *a)


def test_half_days_overlap_precisely() -> None:
    monday, tuesday, wednesday = date(2025, 7, 7), date(2025, 7, 8), date(2025, 7, 9)
    # Leave ending Tuesday noon, and leave from Tuesday noon: not the same time.
    assert not overlaps(monday, tuesday, tuesday, wednesday, a_end_part=DayPart.MORNING, b_start_part=DayPart.AFTERNOON)
    assert overlaps(monday, tuesday, tuesday, wednesday, a_end_part=DayPart.MORNING)
    assert overlaps(monday, tuesday, tuesday, wednesday, b_start_part=DayPart.AFTERNOON)


# -- entitlements ---------------------------------------------------------------------------


@given(st.decimals(min_value=-30, max_value=60, places=1), st.decimals(min_value=0, max_value=10, places=1))
def test_carry_over_is_capped_and_never_negative(unused: Decimal, cap: Decimal) -> None:
    carried = carry_over(unused, cap)
    if unused <= 0:
        assert carried == 0
    elif unused >= cap:
        assert carried == cap
    else:
        assert carried == unused


def test_entitlements_and_carry_over() -> None:
    assert {kind.value: int(days) for kind, days in ENTITLEMENTS.items()} == {
        "vacation": 20,
        "sick": 10,
        "personal": 3,
        "parental": 60,
    }
    assert carry_over(Decimal("7.5"), Decimal(5)) == 5
    assert carry_over(Decimal("2.5"), Decimal(5)) == Decimal("2.5")
    assert carry_over(Decimal(-1), Decimal(5)) == 0


# -- public holidays ------------------------------------------------------------------------


@given(years)
def test_ten_holidays_a_year_all_on_weekdays(year: int) -> None:
    holidays = us_public_holidays(year)
    assert len(holidays) == 10
    assert len({holiday.day for holiday in holidays}) == 10
    assert all(holiday.day.weekday() < 5 for holiday in holidays)
    assert all(holiday.day.year == year or holiday.day == date(year - 1, 12, 31) for holiday in holidays)


def test_holiday_examples() -> None:
    by_name = {holiday.name: holiday.day for holiday in us_public_holidays(2026)}
    assert by_name["Thanksgiving Day"] == date(2026, 11, 26)
    assert by_name["Day after Thanksgiving"] == date(2026, 11, 27)
    assert by_name["Independence Day (observed)"] == date(2026, 7, 3)  # 4 July 2026 is a Saturday
    assert by_name["Martin Luther King Jr. Day"] == date(2026, 1, 19)
    assert by_name["Presidents' Day"] == date(2026, 2, 16)
    assert by_name["Memorial Day"] == date(2026, 5, 25)
    assert by_name["Labor Day"] == date(2026, 9, 7)
    assert {h.name: h.day for h in us_public_holidays(2022)}["Christmas Day (observed)"] == date(2022, 12, 26)
    # 1 January 2022 was a Saturday: observed on Friday 31 December 2021, a day off in 2021.
    assert us_public_holidays(2022)[0].day == date(2021, 12, 31)
    assert date(2021, 12, 31) in {h.day for h in holidays_between(date(2021, 1, 1), date(2021, 12, 31))}


# -- payroll --------------------------------------------------------------------------------


@given(years)
def test_every_month_has_two_pay_days(year: int) -> None:
    holidays = company_holidays(date(year, 1, 1), date(year, 12, 31))
    paydays = payday_dates(year, holidays)
    assert paydays == sorted(paydays)
    for month in range(1, 13):
        in_month = [day for day in paydays if day.month == month and day.year == year]
        assert len(in_month) == 2
        middle, last = in_month
        assert all(is_working_day(day, holidays) for day in in_month)
        assert middle.day <= 15
        assert all(not is_working_day(date(year, month, d), holidays) for d in range(middle.day + 1, 16))
        month_end = calendar.monthrange(year, month)[1]
        assert all(not is_working_day(date(year, month, d), holidays) for d in range(last.day + 1, month_end + 1))


@given(st.dates(min_value=FIRST, max_value=date(2099, 12, 31)))
def test_next_payday_is_the_first_pay_day_from_today(today: date) -> None:
    holidays = company_holidays(today - timedelta(days=31), today + timedelta(days=400))
    payday = next_payday(today, holidays)
    assert payday >= today
    assert is_working_day(payday, holidays)
    assert payday in payday_dates(payday.year, holidays)
    earlier = [day for day in payday_dates(today.year, holidays) if today <= day < payday]
    assert earlier == []


@pytest.mark.parametrize(
    ("today", "payday"),
    [
        (date(2025, 11, 10), date(2025, 11, 14)),  # 15 November 2025 is a Saturday
        (date(2026, 3, 2), date(2026, 3, 13)),  # 15 March 2026 is a Sunday
        (date(2027, 2, 1), date(2027, 2, 12)),  # 15 February 2027 is Presidents' Day
        (date(2027, 12, 16), date(2027, 12, 30)),  # 31 December 2027 is New Year's Day observed
        (date(2025, 6, 15), date(2025, 6, 30)),  # a Sunday 15th, already past on the day
        (date(2025, 6, 13), date(2025, 6, 13)),  # pay day itself
        (date(2025, 12, 31), date(2025, 12, 31)),
        (date(2026, 1, 1), date(2026, 1, 15)),
    ],
)
def test_pay_day_examples(today: date, payday: date) -> None:
    holidays = company_holidays(date(2025, 1, 1), date(2028, 12, 31))
    assert next_payday(today, holidays) == payday
