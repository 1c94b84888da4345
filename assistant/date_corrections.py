"""Corrections of a date range already given: "only the morning", "monday afternoon then",
"just the first two days". They mean something only next to the range they correct, so
they are read here, against it, before the text is parsed as a range of its own.
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from assistant.dates import MONTH_NAMES, WEEKDAY_NAMES, DateRange, DayPart

_PART = re.compile(r"\b(morning|afternoon|am|pm)\b")
_WEEKDAY = re.compile(r"\b(" + "|".join(w[:3].lower() for w in WEEKDAY_NAMES) + r")[a-z]*\b")
_MONTH = re.compile(r"\b(" + "|".join(m[:3].lower() for m in MONTH_NAMES) + r")[a-z]*\b")
_COUNTS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7}
_EDGE = re.compile(
    r"\b(?:the )?(first|last) (?:(\d{1,2}|one|two|three|four|five|six|seven) )?days?\b"
    r"|\b(?:the )?(first|last) (?:one|day)\b"
)
_RELATIVE = re.compile(r"\b(today|tomorrow|next|this|week|month|from|to|until|till|through)\b")


def _part(word: str) -> DayPart:
    return DayPart.MORNING if word in ("morning", "am") else DayPart.AFTERNOON


def _days(r: DateRange) -> list[date]:
    return [r.start + timedelta(days=i) for i in range((r.end - r.start).days + 1)]


def refine_range(text: str, previous: DateRange, today: date) -> DateRange | None:
    """`previous` narrowed as `text` says, or None when `text` is not such a correction."""
    lowered = (text or "").lower()[:200]
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
        matching = [d for d in days if d.weekday() == index]
        if not matching:
            return None
        day_part = _part(part.group(1)) if part else DayPart.FULL
        return DateRange(matching[0], matching[0], day_part, day_part)
    if part and previous.start == previous.end:
        day_part = _part(part.group(1))
        return DateRange(previous.start, previous.end, day_part, day_part)
    return None
