"""Dates in time-off requests: what employees write, and what the back office will be asked for."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from hypothesis import assume, example, given
from hypothesis import strategies as st

from assistant.dates import MAX_INPUT_CHARS, MONTH_NAMES, DateRange, describe_range, parse_date_range
from backoffice.hr_domain import DayPart

FULL, MORNING, AFTERNOON = DayPart.FULL, DayPart.MORNING, DayPart.AFTERNOON

WEDNESDAY = date(2026, 3, 4)  # Mon 2, Fri 6, Mon 9, Fri 13 March 2026
YEAR_END = date(2026, 12, 28)  # a Monday; 1 January 2027 is a Friday


def d(iso: str) -> date:
    return date.fromisoformat(iso)


def days(start: str, end: str | None = None, start_part: DayPart = FULL, end_part: DayPart = FULL) -> DateRange:
    return DateRange(d(start), d(end or start), start_part, end_part)


def half(day: str, part: DayPart) -> DateRange:
    return DateRange(d(day), d(day), part, part)


ON_WEDNESDAY_4_MARCH: list[tuple[str, DateRange | None]] = [
    # single days, relative
    ("today", days("2026-03-04")),
    ("tomorrow", days("2026-03-05")),
    ("day after tomorrow", days("2026-03-06")),
    ("the day after tomorrow please", days("2026-03-06")),
    ("I was sick yesterday", days("2026-03-03")),
    # weekdays: "X"/"this X" = next on or after today, "next X" = in the following calendar week
    ("I want next Friday off", days("2026-03-13")),
    ("FRIDAY", days("2026-03-06")),
    ("this Thursday", days("2026-03-05")),
    ("Wednesday", days("2026-03-04")),
    ("next Wednesday", days("2026-03-11")),
    ("next Monday", days("2026-03-09")),
    ("Friday next week", days("2026-03-13")),
    ("thursday of next week", days("2026-03-12")),
    ("friday week after next", days("2026-03-20")),
    ("last friday", days("2026-02-27")),
    # typos and abbreviations
    ("wensday", days("2026-03-04")),
    ("thrusday", days("2026-03-05")),
    ("teusday", days("2026-03-10")),
    ("tmrw", days("2026-03-05")),
    ("tomorow", days("2026-03-05")),
    ("febuary 3", days("2027-02-03")),
    ("augest 3rd", days("2026-08-03")),
    ("wedensday to fridy", days("2026-03-04", "2026-03-06")),
    # calendar dates: the next occurrence on or after today
    ("on the 21st", days("2026-03-21")),
    ("on the 3rd", days("2026-04-03")),
    ("the 4th", days("2026-03-04")),
    ("Dec 24", days("2026-12-24")),
    ("christmas eve", days("2026-12-24")),
    ("christmas", days("2026-12-25")),
    ("on 3rd march", days("2027-03-03")),
    ("twenty-first of March", days("2026-03-21")),
    ("Friday, 6 March", days("2026-03-06")),
    ("Friday the 13th", days("2026-03-13")),
    ("march 3 2027", days("2027-03-03")),
    ("2026-03-12", days("2026-03-12")),
    ("12/03", days("2026-03-12")),  # day first
    ("3/13", days("2026-03-13")),  # month first only because day first is impossible
    ("12.03.2027", days("2027-03-12")),
    ("12/03/26", days("2026-03-12")),
    # ranges
    ("I'd like to take vacation from 3 to 7 March please", days("2026-03-03", "2026-03-07")),  # still running
    ("from 10 to 13 March", days("2026-03-10", "2026-03-13")),
    ("3-7 March", days("2026-03-03", "2026-03-07")),
    ("March 3rd till the 7th", days("2026-03-03", "2026-03-07")),
    ("March 10 to 12", days("2026-03-10", "2026-03-12")),
    ("12/03 to 14/03", days("2026-03-12", "2026-03-14")),
    ("2026-03-12 - 2026-03-14", days("2026-03-12", "2026-03-14")),
    ("between 10 and 12 March", days("2026-03-10", "2026-03-12")),
    ("Tuesday 10 – Friday 13 March", days("2026-03-10", "2026-03-13")),
    ("3rd-5th April", days("2026-04-03", "2026-04-05")),
    ("from the 3rd till the 5th of April", days("2026-04-03", "2026-04-05")),
    ("march 31 to april 2", days("2026-03-31", "2026-04-02")),
    ("the 30th to the 2nd", days("2026-03-30", "2026-04-02")),  # end rolls into the next month
    ("from 7 March to 3 March", days("2026-03-07", "2026-03-03")),  # impossible: kept as written
    ("Monday to Wednesday", days("2026-03-09", "2026-03-11")),
    ("Mon-Wed", days("2026-03-09", "2026-03-11")),
    ("next thursday to monday", days("2026-03-12", "2026-03-16")),
    ("from tomorrow till friday", days("2026-03-05", "2026-03-06")),
    ("until Friday", days("2026-03-04", "2026-03-06")),
    ("Thursday and Friday", days("2026-03-05", "2026-03-06")),
    ("March 10 & 11", days("2026-03-10", "2026-03-11")),
    ("thu+fri", days("2026-03-05", "2026-03-06")),
    ("10 & 11 March", days("2026-03-10", "2026-03-11")),
    ("thurs n fri next week", days("2026-03-12", "2026-03-13")),  # texting "n" for "and"
    ("Monday and Friday", days("2026-03-09")),  # not consecutive: the first day only
    ("xmas to new years day", days("2026-12-25", "2027-01-01")),
    # whole weeks
    ("next week", days("2026-03-09", "2026-03-13")),
    ("the whole of next week", days("2026-03-09", "2026-03-13")),
    ("the rest of the week", days("2026-03-04", "2026-03-06")),
    ("the week after next", days("2026-03-16", "2026-03-20")),
    ("the week of 16 March", days("2026-03-16", "2026-03-20")),
    # a month's first (second, ..., last) week: the one that starts on its first (..., last) Monday
    ("the first week of April", days("2026-04-06", "2026-04-10")),
    ("2nd week of april", days("2026-04-13", "2026-04-17")),
    ("the last week of March", days("2026-03-30", "2026-04-03")),
    ("the first week of March", days("2026-03-02", "2026-03-06")),  # still running: this year's
    ("the first week of February", days("2027-02-01", "2027-02-05")),  # over: next year's
    ("first week of jan 2027", days("2027-01-04", "2027-01-08")),
    # two weekdays side by side, as texted
    ("mon tue next week", days("2026-03-09", "2026-03-10")),
    ("2 days next week mon tue", days("2026-03-09", "2026-03-10")),
    ("thu, fri", days("2026-03-05", "2026-03-06")),
    # durations count weekdays
    ("for 3 days from Monday", days("2026-03-09", "2026-03-11")),
    ("for 3 days from Thursday", days("2026-03-05", "2026-03-09")),
    ("I need 2 days off starting Thursday", days("2026-03-05", "2026-03-06")),
    ("for a week from Wednesday", days("2026-03-04", "2026-03-10")),
    # half days
    ("tomorrow morning", half("2026-03-05", MORNING)),
    ("tomorrow afternoon", half("2026-03-05", AFTERNOON)),
    ("Friday afternoon", half("2026-03-06", AFTERNOON)),
    ("friday pm", half("2026-03-06", AFTERNOON)),
    ("tomorrow am", half("2026-03-05", MORNING)),
    ("this afternoon", half("2026-03-04", AFTERNOON)),
    ("the morning of the 10th", half("2026-03-10", MORNING)),
    ("can I take the afternoon off on Friday", half("2026-03-06", AFTERNOON)),
    ("Friday afternoon next week", half("2026-03-13", AFTERNOON)),
    ("from Monday afternoon to Wednesday", days("2026-03-09", "2026-03-11", AFTERNOON, FULL)),
    ("from the 10th to the 12th morning", days("2026-03-10", "2026-03-12", FULL, MORNING)),
    ("from the 3rd to the 5th morning", days("2026-03-03", "2026-03-05", FULL, MORNING)),
    ("Monday morning to Wednesday afternoon", days("2026-03-09", "2026-03-11")),  # whole days
    ("from friday afternoon to friday", half("2026-03-06", AFTERNOON)),
    # a half named apart from the day, with a word that limits the day to it
    ("at the passport office on Friday after lunch, a personal day, just the afternoon", half("2026-03-06", AFTERNOON)),
    ("friday please, only the morning", half("2026-03-06", MORNING)),
    ("a half day on Friday, the morning", half("2026-03-06", MORNING)),
    ("Friday before lunch", half("2026-03-06", MORNING)),
    ("good morning! can I take Friday off", days("2026-03-06")),  # a greeting limits nothing
    ("Friday off, I'm having lunch with my mum", days("2026-03-06")),
    ("from 9 to 11 March, just the afternoon", days("2026-03-09", "2026-03-11")),  # only one day can be halved
    ("half day on friday", days("2026-03-06")),  # which half is for the bot to ask
    # a weekday said again with its date, words between: the date ("the Monday after, 16 March" is not the 9th)
    ("the Monday after, 16 March", days("2026-03-16")),
    ("make it start on the monday before, 16 March", days("2026-03-16")),
    ("Monday, or Tuesday 17 March", days("2026-03-09")),  # another weekday: the first mention, as before
    # ... with its half of the day, which goes to the date; beside it after a comma too
    ("hmm no wait, monday afternoon then, 16 Mar", half("2026-03-16", AFTERNOON)),
    ("monday morning, 16 march", half("2026-03-16", MORNING)),
    ("monday afternoon then, 16 March morning", half("2026-03-16", MORNING)),  # the date's own half stands
    # words that are not dates
    ("Good morning, can I have Friday off?", days("2026-03-06")),
    ("Christian here, can I take Friday off", days("2026-03-06")),
    ("May I take Friday off", days("2026-03-06")),
    ("I have a meeting at 3 on Friday", days("2026-03-06")),
    ("from 10am to 3pm tomorrow", days("2026-03-05")),
    ("Hi I'm Jan, 3 days from Monday", days("2026-03-09", "2026-03-11")),
    # nothing to go on
    ("hello there", None),
    ("", None),
    ("I have 3 days left", None),
    ("from 3 to 7", None),
    ("in two weeks", None),
    ("for 3 days", None),
    ("the 10:30 meeting", None),
    ("29 feb", None),  # no 29 February within the coming year
    ("31 april", None),
    ("2026-02-30", None),
]

ON_MONDAY_28_DECEMBER: list[tuple[str, DateRange | None]] = [
    ("Monday", days("2026-12-28")),
    ("next Monday", days("2027-01-04")),
    ("Monday to Wednesday", days("2026-12-28", "2026-12-30")),
    ("Monday to Wednesday next week", days("2027-01-04", "2027-01-06")),
    ("Tuesday to Monday", days("2026-12-29", "2027-01-04")),
    ("Dec 24", days("2027-12-24")),
    ("christmas eve", days("2027-12-24")),
    ("3 Jan", days("2027-01-03")),
    ("12/01", days("2027-01-12")),
    ("the 2nd", days("2027-01-02")),
    ("new year's day", days("2027-01-01")),
    ("tomorrow", days("2026-12-29")),
    ("next week", days("2027-01-04", "2027-01-08")),
    ("this week", days("2026-12-28", "2027-01-01")),
    ("from 28 Dec to 3 Jan", days("2026-12-28", "2027-01-03")),
    ("28 Dec - 3 Jan 2027", days("2026-12-28", "2027-01-03")),
    ("from 28 Dec 2026 to 3 Jan 2027", days("2026-12-28", "2027-01-03")),
    ("from 30 Dec to 2 Jan", days("2026-12-30", "2027-01-02")),
    ("from the 30th to the 4th", days("2026-12-30", "2027-01-04")),
    ("Tuesday 29 December to Monday 4 January", days("2026-12-29", "2027-01-04")),
    ("1 to 5 January 2027", days("2027-01-01", "2027-01-05")),
    ("for 3 days from Wednesday", days("2026-12-30", "2027-01-01")),
    ("Thursday afternoon", half("2026-12-31", AFTERNOON)),
]


@pytest.mark.parametrize(("text", "expected"), ON_WEDNESDAY_4_MARCH)
def test_phrasings_on_a_wednesday(text: str, expected: DateRange | None) -> None:
    assert parse_date_range(text, WEDNESDAY) == expected


@pytest.mark.parametrize(("text", "expected"), ON_MONDAY_28_DECEMBER)
def test_phrasings_at_the_turn_of_the_year(text: str, expected: DateRange | None) -> None:
    assert parse_date_range(text, YEAR_END) == expected


def test_weekdays_on_a_weekend_follow_the_calendar_week() -> None:
    saturday = date(2026, 3, 7)
    assert parse_date_range("this week", saturday) == days("2026-03-09", "2026-03-13")
    assert parse_date_range("this Sunday", saturday) == days("2026-03-08")
    assert parse_date_range("next Sunday", saturday) == days("2026-03-15")
    # On a Sunday the following calendar week starts tomorrow.
    assert parse_date_range("next Friday", date(2026, 3, 8)) == days("2026-03-13")


def test_monday_to_wednesday_said_on_a_tuesday_is_next_weeks() -> None:
    assert parse_date_range("Monday to Wednesday", date(2026, 3, 3)) == days("2026-03-09", "2026-03-11")


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        ("29 February", date(2027, 1, 1), None),  # the next one (2028) is 14 months away: ask
        ("29 feb", date(2027, 2, 28), days("2028-02-29")),  # 366 days: within the coming year
        ("29/02", date(2027, 3, 1), days("2028-02-29")),
        ("29 February", date(2028, 2, 29), days("2028-02-29")),  # said on the leap day: that day
        ("29 February", date(2028, 3, 1), None),
        ("the 29th", date(2028, 2, 29), days("2028-02-29")),
        ("the 29th", date(2027, 2, 10), days("2027-03-29")),  # February 2027 has none
        ("from the 27th to the 29th", date(2028, 2, 1), days("2028-02-27", "2028-02-29")),
        ("from the 27th to the 29th", date(2027, 2, 1), days("2027-02-27")),  # not 27 Feb – 29 March
        ("from 29 Feb to 3 March", date(2028, 3, 2), days("2028-02-29", "2028-03-03")),  # still running
        ("from 29 Feb to 3 March", date(2028, 2, 1), days("2028-02-29", "2028-03-03")),
        ("from 29 Feb to 3 March", date(2027, 1, 1), None),
        ("from 28 Dec to 29 Feb", date(2027, 12, 1), days("2027-12-28", "2028-02-29")),
    ],
)
def test_leap_days(text: str, today: date, expected: DateRange | None) -> None:
    assert parse_date_range(text, today) == expected


def test_a_range_that_has_ended_is_next_years() -> None:
    assert parse_date_range("from 1 to 3 March", WEDNESDAY) == days("2027-03-01", "2027-03-03")


def test_text_past_the_limit_is_not_read() -> None:
    assert parse_date_range("x" * MAX_INPUT_CHARS + " tomorrow", WEDNESDAY) is None
    assert parse_date_range("x" * (MAX_INPUT_CHARS - 9) + " tomorrow", WEDNESDAY) == days("2026-03-05")


@pytest.mark.parametrize("text", ["1-" * 5000, "the " * 3000, "a" * 10000, "3 to " * 2000, "/1" * 5000])
def test_pathological_text_is_quick(text: str) -> None:
    began = time.perf_counter()
    parse_date_range(text, WEDNESDAY)
    assert time.perf_counter() - began < 2


def test_bad_arguments_give_none() -> None:
    assert parse_date_range(None, WEDNESDAY) is None  # type: ignore[arg-type]
    assert parse_date_range("tomorrow", None) is None  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("r", "text"),
    [
        (days("2026-03-06"), "Friday 6 March"),
        (half("2026-03-03", AFTERNOON), "Tuesday 3 March (afternoon)"),
        (half("2026-03-03", MORNING), "Tuesday 3 March (morning)"),
        (days("2026-03-03", "2026-03-06"), "Tuesday 3 – Friday 6 March"),
        (days("2026-12-28", "2027-01-01"), "Monday 28 December – Friday 1 January 2027"),
        (days("2026-03-30", "2026-04-02"), "Monday 30 March – Thursday 2 April"),
        (
            days("2026-03-09", "2026-03-11", AFTERNOON, MORNING),
            "Monday 9 March (afternoon) – Wednesday 11 March (morning)",
        ),
        (days("2026-03-07", "2026-03-03"), "Saturday 7 March – Tuesday 3 March"),
        (days("2027-01-03", "2026-12-28"), "Sunday 3 January 2027 – Monday 28 December 2026"),
    ],
)
def test_describe_range(r: DateRange, text: str) -> None:
    assert describe_range(r) == text


def test_describe_range_names_another_year_when_today_is_given() -> None:
    assert describe_range(days("2027-03-03"), today=WEDNESDAY) == "Wednesday 3 March 2027"
    assert describe_range(days("2027-03-03", "2027-03-05"), today=WEDNESDAY) == "Wednesday 3 – Friday 5 March 2027"
    assert describe_range(days("2026-03-03"), today=WEDNESDAY) == "Tuesday 3 March"


def test_day_part_is_the_back_office_one() -> None:
    import assistant.dates

    assert assistant.dates.DayPart is DayPart


# -- properties -------------------------------------------------------------------------

VOCABULARY = [
    "from", "to", "till", "until", "-", "and", "between", "the", "of", "on", "for", "next", "this", "last",
    "week", "weeks", "days", "day", "after", "tomorrow", "today", "yesterday", "morning", "afternoon", "am",
    "pm", "monday", "fri", "wensday", "march", "dec", "febuary", "3", "7", "21st", "31", "29", "12/03",
    "2026-03-12", "2027", "christmas", "eve", "new", "years", "a", "three", "twenty", "first", "half", ":",
    "starting", "rest", "whole", "off", "13/13", "00/00", "9999-12-31", "0001-01-01",
]  # fmt: skip
phrases = st.lists(st.sampled_from(VOCABULARY), max_size=14).map(" ".join)
any_today = st.dates()
plain_today = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))
leap_year_day = st.dates(min_value=date(2024, 1, 1), max_value=date(2024, 12, 31))


@given(st.text(max_size=700) | phrases, any_today)
def test_never_raises(text: str, today: date) -> None:
    result = parse_date_range(text, today)
    assert result is None or isinstance(result, DateRange)


@given(phrases, plain_today)
def test_results_follow_the_day_part_convention(text: str, today: date) -> None:
    result = parse_date_range(text, today)
    if result is None:
        return
    if result.start != result.end:
        assert result.start_part in (FULL, AFTERNOON)
        assert result.end_part in (FULL, MORNING)
    elif FULL in (result.start_part, result.end_part):
        assert result.start_part == result.end_part


@given(st.dates(max_value=date.max - timedelta(days=1)))
def test_tomorrow_is_the_day_after_today(today: date) -> None:
    assert parse_date_range("tomorrow", today) == DateRange(today + timedelta(days=1), today + timedelta(days=1))


def _spellings(day: date) -> list[str]:
    month = MONTH_NAMES[day.month - 1]
    suffix = {1: "st", 2: "nd", 3: "rd", 21: "st", 22: "nd", 23: "rd", 31: "st"}.get(day.day, "th")
    return [
        f"{day.day} {month}",
        f"{month} {day.day}",
        f"I'd like the {day.day}{suffix} of {month.lower()} off please",
        f"{month[:3]} {day.day}{suffix}",
        f"{day.day}/{day.month:02d}",
        f"on {day.day:02d}/{day.month}",
    ]


@given(leap_year_day, plain_today, st.integers(min_value=0, max_value=5))
@example(day=date(2024, 2, 29), today=date(1999, 1, 1), spelling=0)  # 29 Feb 2000 is 424 days away
@example(day=date(2024, 2, 29), today=date(2027, 2, 28), spelling=4)  # 29 Feb 2028 is 366 days away
def test_a_day_and_month_is_the_next_one_within_a_year(day: date, today: date, spelling: int) -> None:
    result = parse_date_range(_spellings(day)[spelling], today)
    if (day.month, day.day) == (2, 29) and result is None:
        return  # no 29 February in the coming year
    assert result is not None
    assert result.start == result.end
    assert (result.start.month, result.start.day) == (day.month, day.day)
    assert 0 <= (result.start - today).days <= 366


written_years = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))  # what reads as a year


@given(written_years, written_years, plain_today)
def test_a_range_with_years_is_taken_literally(start: date, end: date, today: date) -> None:
    text = f"from {start.day} {MONTH_NAMES[start.month - 1]} {start.year} to {end.day} {MONTH_NAMES[end.month - 1]}"
    assert parse_date_range(f"{text} {end.year}", today) == DateRange(start, end)
    assert parse_date_range(f"from {start.isoformat()} to {end.isoformat()}", today) == DateRange(start, end)


@given(leap_year_day, leap_year_day, plain_today)
def test_a_range_without_years_is_in_order_or_literal(first: date, last: date, today: date) -> None:
    assume((2, 29) not in ((first.month, first.day), (last.month, last.day)))
    text = f"from {first.day} {MONTH_NAMES[first.month - 1]} to {last.day} {MONTH_NAMES[last.month - 1]}"
    result = parse_date_range(text, today)
    assert result is not None
    assert (result.start.month, result.start.day) == (first.month, first.day)
    assert (result.end.month, result.end.day) == (last.month, last.day)
    literal = first.month == last.month and last.day < first.day
    assert result.start <= result.end or literal
    assert result.start > result.end or result.end >= today
    assert (result.end - result.start).days <= 366


@given(
    st.dates(),
    st.dates(),
    st.sampled_from(list(DayPart)),
    st.sampled_from(list(DayPart)),
    st.none() | st.dates(),
)
def test_describe_range_never_raises(start: date, end: date, first: DayPart, last: DayPart, today: date | None) -> None:
    text = describe_range(DateRange(start, end, first, last), today=today)
    assert MONTH_NAMES[end.month - 1] in text
    assert str(end.day) in text


# -- issue 21 item 7: dates as people type them ------------------------------------------------

SATURDAY_5_DECEMBER = date(2026, 12, 5)

TYPED_ON_5_DECEMBER: list[tuple[str, DateRange | None]] = [
    # days of next month, the month said once for both
    ("the 3rd to the 7th of next month", days("2027-01-03", "2027-01-07")),
    ("next month from the 4th to the 8th", days("2027-01-04", "2027-01-08")),
    ("from 4 to 8 next month", days("2027-01-04", "2027-01-08")),
    ("the 4th of next month", days("2027-01-04")),
    ("the 28th of this month", days("2026-12-28")),
    ("the 2nd of the month after next", days("2027-02-02")),
    # numeric dates: the company's order (day first), the other one when only it can be a date
    ("12/21", days("2026-12-21")),
    ("vacation 12/21-12/23", days("2026-12-21", "2026-12-23")),
    ("01/26-01/28", days("2027-01-26", "2027-01-28")),
    ("12/21-01/05", days("2026-12-21", "2027-01-05")),  # both month first, like the one that must be
    ("21/12", days("2026-12-21")),
    ("10/12", days("2026-12-10")),  # day first: 10 December, not 12 October
    # dots: day first, with or without the last dot
    ("22.12.", days("2026-12-22")),
    ("26.01.", days("2027-01-26")),
    ("22.12.-23.12.", days("2026-12-22", "2026-12-23")),
    ("22.12 - 23.12", days("2026-12-22", "2026-12-23")),
    ("22.12.2026", days("2026-12-22")),
    ("off for 1.5 days", None),  # a number, not 1 May
    # ranges: through, till, an en dash, and the day after
    ("3 through 7 January", days("2027-01-03", "2027-01-07")),
    ("from 12/21 through 12/23", days("2026-12-21", "2026-12-23")),
    ("21 Dec till 23 Dec", days("2026-12-21", "2026-12-23")),
    ("3–7 January", days("2027-01-03", "2027-01-07")),
    ("Jan 3 – Jan 7", days("2027-01-03", "2027-01-07")),
    ("3 January and the day after", days("2027-01-03", "2027-01-04")),
    ("Monday and the day after", days("2026-12-07", "2026-12-08")),
    ("Monday and the day after tomorrow", days("2026-12-07")),  # "the day after tomorrow" is a day of its own
    # refused: numeric dates that fit neither order alike, impossible ones
    ("21/12 to 12/23", None),
    ("13/13", None),
]


@pytest.mark.parametrize(("text", "expected"), TYPED_ON_5_DECEMBER)
def test_dates_as_people_type_them(text: str, expected: DateRange | None) -> None:
    assert parse_date_range(text, SATURDAY_5_DECEMBER) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("05/06", days("2027-05-06")),  # month first: 6 May
        ("12/21", days("2026-12-21")),
        ("21/12", days("2026-12-21")),  # the other order, the only one that can be a date
        ("22.12.", days("2026-12-22")),  # dots stay day first
        ("21/12 to 12/23", None),
    ],
)
def test_month_first_company(text: str, expected: DateRange | None) -> None:
    assert parse_date_range(text, SATURDAY_5_DECEMBER, day_first=False) == expected
