"""Corrections of a range already given, as employees type them at the leave confirmation."""

from __future__ import annotations

from datetime import date

import pytest

from assistant.date_corrections import refine_range
from assistant.dates import DateRange, DayPart

TODAY = date(2026, 12, 6)  # a Sunday
TUE_5_TO_THU_7_JANUARY = DateRange(date(2027, 1, 5), date(2027, 1, 7))


def days(start: str, end: str) -> DateRange:
    return DateRange(date.fromisoformat(start), date.fromisoformat(end))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # one end moved, the other kept
        ("no sorry, make it start on the monday before, 04 January", days("2027-01-04", "2027-01-07")),
        ("start on monday", days("2027-01-04", "2027-01-07")),  # the Monday by the range, not tomorrow
        ("it should start on friday", days("2027-01-01", "2027-01-07")),
        ("can it begin on the 6th", days("2027-01-06", "2027-01-07")),
        ("end on the 8th instead", days("2027-01-05", "2027-01-08")),
        ("let it finish on 06 January", days("2027-01-05", "2027-01-06")),
        # too far from the end it would move, or past the other end: a new request, not a correction
        ("can it start on the 10th", None),
        ("start on the 20th of january", None),
        ("start on 20 December", None),
        ("end on 2 January", None),
        # "until" a day with no first day of its own: the last day moves there, read from the range's first day
        # (alone, "until the friday" would run from today)
        ("ooh actually, could it run until the Friday too, so the 8th?", days("2027-01-05", "2027-01-08")),
        ("till monday", days("2027-01-05", "2027-01-11")),
        ("only until wednesday", days("2027-01-05", "2027-01-06")),
        ("extend it to the 12th", days("2027-01-05", "2027-01-12")),
        ("until the 30th of january", None),  # too far from the last day: a new request
        ("from 20 until 22 January", None),  # a first day of its own: a new range
        # narrowed
        ("just the first two days", days("2027-01-05", "2027-01-06")),
        ("only wednesday then", days("2027-01-06", "2027-01-06")),
        # no correction at all
        ("yes", None),
        ("from 11 to 13 January", None),
    ],
)
def test_a_correction_is_read_against_the_range_it_corrects(text: str, expected: DateRange | None) -> None:
    assert refine_range(text, TUE_5_TO_THU_7_JANUARY, TODAY) == expected


def test_a_moved_start_keeps_the_half_day_of_the_end() -> None:
    afternoon_end = DateRange(date(2027, 1, 5), date(2027, 1, 7), DayPart.FULL, DayPart.MORNING)
    moved = refine_range("start on monday 4 january", afternoon_end, TODAY)
    assert moved == DateRange(date(2027, 1, 4), date(2027, 1, 7), DayPart.FULL, DayPart.MORNING)


def test_numeric_dates_follow_the_company_order() -> None:
    assert refine_range("start on 01/04", TUE_5_TO_THU_7_JANUARY, TODAY, day_first=False) == days(
        "2027-01-04", "2027-01-07"
    )
    assert refine_range("start on 04/01", TUE_5_TO_THU_7_JANUARY, TODAY, day_first=True) == days(
        "2027-01-04", "2027-01-07"
    )


def test_a_weekday_for_one_day_asked_for_is_that_weekday_of_its_week() -> None:
    """ "actually make it friday instead" for Thursday 14 January: Friday 15 January (it was read as this week's
    Friday, a month early); a weekday already past, or one for a longer range it is not in, is no such correction."""
    thursday = DateRange(date(2027, 1, 14), date(2027, 1, 14))
    assert refine_range("actually make it friday instead", thursday, TODAY) == days("2027-01-15", "2027-01-15")
    assert refine_range("monday afternoon then", thursday, TODAY) == DateRange(
        date(2027, 1, 11), date(2027, 1, 11), DayPart.AFTERNOON, DayPart.AFTERNOON
    )
    monday_7th = DateRange(date(2026, 12, 7), date(2026, 12, 7))
    assert refine_range("friday instead", monday_7th, date(2026, 12, 8)) == days("2026-12-11", "2026-12-11")
    assert refine_range("sunday instead", monday_7th, date(2026, 12, 8)) == days("2026-12-13", "2026-12-13")
    assert refine_range("make it friday", TUE_5_TO_THU_7_JANUARY, TODAY) is None
    wednesday_9th = DateRange(date(2026, 12, 9), date(2026, 12, 9))
    assert refine_range("monday instead", wednesday_9th, date(2026, 12, 8)) is None  # that Monday is past
