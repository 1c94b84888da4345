"""Corrections of a date range already given: "only the morning", "monday afternoon then",
"just the first two days", "make it start on Monday 4 January". They mean something only next
to the range they correct, so they are read here, against it, before the text is parsed as a
range of its own.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from assistant.dates import MONTH_NAMES, WEEKDAY_NAMES, DateRange, DayPart, parse_date_range

_PART = re.compile(r"\b(morning|afternoon|am|pm)\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(w[:3].lower() for w in WEEKDAY_NAMES) + r")[a-z]*\b")
_MONTH = re.compile(r"\b(" + "|".join(m[:3].lower() for m in MONTH_NAMES) + r")[a-z]*\b")
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_EDGE = re.compile(
    r"\b(?:the )?(first|last) (?:(\d{1,2}|one|two|three|four|five|six|seven) )?days?\b"
    r"|\b(?:the )?(first|last) (?:one|day)\b"
)
# Words that say which end of the range a single day moves: its first day, or (group `end`) its last.
_MOVED_EDGE = re.compile(
    r"\b(?:start|starts|starting|begin|begins|beginning)\b|\b(?P<end>end|ends|ending|finish|finishes)\b"
)
MOVE_MAX_DAYS = 7
# "until", "till", "through" before a day, with no first day of their own: the range's last day moves there
# ("could it run until the Friday too, so the 29th?"); alone they mean from today, which is not the correction.
_UNTIL = re.compile(r"\b(?:until|till|til|through|thru|up to|extend(?:ed)? (?:it )?to)\b")
EXTEND_MAX_DAYS = 14
_RELATIVE = re.compile(r"\b(today|tomorrow|next|this|week|month|from|to|until|till|through)\b")


def _part(word: str) -> DayPart:
    return DayPart.MORNING if word in ("morning", "am") else DayPart.AFTERNOON


def _days(r: DateRange) -> list[date]:
    return [r.start + timedelta(days=i) for i in range((r.end - r.start).days + 1)]


def _moved_edge(text: str, previous: DateRange, today: date, day_first: bool) -> DateRange | None:
    """`previous` with one end moved to the one day `text` names, when it says which end: "make it start on
    the Monday before, 4 January" keeps the last day; "end on the 8th instead" keeps the first. A correction
    shifts an end by days, so the day is read from a week before that end ("start on Monday" is the Monday
    nearest the range, not the next one from today), and a day more than `MOVE_MAX_DAYS` from it, or on the
    wrong side of the other end, is no such correction (the text is then read as a new request)."""
    edge = _MOVED_EDGE.search(text)
    if edge is None:
        return None
    moving_end = edge.group("end") is not None
    old = previous.end if moving_end else previous.start
    day = parse_date_range(text, max(today, old - timedelta(days=MOVE_MAX_DAYS)), day_first=day_first)
    if day is None or day.start != day.end or abs((day.start - old).days) > MOVE_MAX_DAYS:
        return None
    if moving_end:
        return (
            DateRange(previous.start, day.end, previous.start_part, day.end_part) if day.end >= previous.start else None
        )
    return DateRange(day.start, previous.end, day.start_part, previous.end_part) if day.start <= previous.end else None


def _new_end(text: str, previous: DateRange, day_first: bool) -> DateRange | None:
    """`previous` running until the day `text` names after "until" (`_UNTIL`), read forward from its first day
    ("until friday" for a Thursday is the next day), when nothing before that word names a first day and the new
    last day is not before the first nor more than `EXTEND_MAX_DAYS` from the old last day."""
    until = _UNTIL.search(text)
    if until is None or parse_date_range(text[: until.start()], previous.start, day_first=day_first) is not None:
        return None
    day = parse_date_range(text[until.end() :], previous.start, day_first=day_first)
    if day is None or day.end < previous.start or abs((day.end - previous.end).days) > EXTEND_MAX_DAYS:
        return None
    return DateRange(previous.start, day.end, previous.start_part, day.end_part)


def _same_week(previous: DateRange, weekday: int, today: date) -> list[date]:
    """For one day asked for, the day of `weekday` in its week ("actually make it friday instead" for Thursday 14
    January is Friday 15 January, not this week's Friday), unless that day is past; none for a longer range."""
    if previous.start != previous.end:
        return []
    day = previous.start + timedelta(days=weekday - previous.start.weekday())
    return [day] if day >= today else []


def refine_range(text: str, previous: DateRange, today: date, *, day_first: bool = True) -> DateRange | None:
    """`previous` narrowed or moved as `text` says, or None when `text` is not such a correction.
    `day_first` is the company's order of numeric dates, as for `parse_date_range`."""
    lowered = (text or "").lower()[:200]
    moved = _moved_edge(lowered, previous, today, day_first)
    if moved is not None:
        return moved
    extended = _new_end(lowered, previous, day_first)
    if extended is not None:
        return extended
    if re.search(r"\d", lowered) or _MONTH.search(lowered) or _RELATIVE.search(lowered):
        return None
    part = _PART.search(lowered)
    weekday = _WEEKDAY.search(lowered)
    edge = _EDGE.search(lowered)
    days = _days(previous)
    if edge:
        which = edge.group(1) or edge.group(3)
        count_word = edge.group(2)
        count = int(count_word) if count_word and count_word.isdigit() else _COUNTS.get(count_word or "", 1)
        if not 0 < count < len(days):
            return None
        chosen = days[:count] if which == "first" else days[-count:]
        return DateRange(chosen[0], chosen[-1])
    if weekday:
        index = [w[:3].lower() for w in WEEKDAY_NAMES].index(weekday.group(1))
        matching = [d for d in days if d.weekday() == index] or _same_week(previous, index, today)
        if not matching:
            return None
        day_part = _part(part.group(1)) if part else DayPart.FULL
        return DateRange(matching[0], matching[0], day_part, day_part)
    if part and previous.start == previous.end:
        day_part = _part(part.group(1))
        return DateRange(previous.start, previous.end, day_part, day_part)
    return None
