"""Places the date expressions of a message on the calendar and makes the range it asks for.

The rules of assistant.dates's docstring that concern which day is meant live here: the
next occurrence within the coming year, ends that follow starts, weeks from Monday,
working days counted for "for 3 days", "and the day after", "between".
"""

from __future__ import annotations

import itertools
from dataclasses import replace
from datetime import date, timedelta

from assistant.date_mentions import Mention, Tokens, link_between
from assistant.date_range import DateRange, DayPart


def _safe_date(year: int, month: int, day: int) -> date | None:
    """The date, or None when it does not exist (31 April, 29 February 2026)."""
    if not (1 <= year <= 9999 and 1 <= month <= 12 and 1 <= day <= 31):
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _month_shift(year: int, month: int, by: int) -> tuple[int, int]:
    index = year * 12 + month - 1 + by
    return index // 12, index % 12 + 1


def _next_day_of_month(day: int, ref: date) -> date | None:
    """The next `day` of a month on or after ref ('the 31st' skips months without one)."""
    for by in range(13):
        year, month = _month_shift(ref.year, ref.month, by)
        found = _safe_date(year, month, day)
        if found is not None and found >= ref:
            return found
    return None


def _previous_day_of_month(day: int, today: date) -> date | None:
    """The latest `day` of a month before today."""
    for by in range(13):
        year, month = _month_shift(today.year, today.month, -by)
        found = _safe_date(year, month, day)
        if found is not None and found < today:
            return found
    return None


_COMING_YEAR = timedelta(days=366)


def _next_day_month(day: int, month: int, ref: date) -> date | None:
    """The next day/month on or after ref within the coming year, or None.

    Bounded by 366 days rather than by "this year or next": on 1 January 2027 the
    29 February of 2028 is next year's but 14 months away, not what "29 February"
    means to someone asking for time off (see the module docstring).
    """
    for year in (ref.year, ref.year + 1):
        found = _safe_date(year, month, day)
        if found is not None and ref <= found <= ref + _COMING_YEAR:
            return found
    return None


def _previous_day_month(day: int, month: int, today: date) -> date | None:
    for year in (today.year, today.year - 1):
        found = _safe_date(year, month, day)
        if found is not None and found < today:
            return found
    return None


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())


def _resolve_weekday(mention: Mention, today: date, ref: date) -> date:
    """last X: before today; X in a given week; otherwise the next X on or after ref."""
    if mention.past:
        return today - timedelta(days=(today.weekday() - mention.weekday - 1) % 7 + 1)
    if mention.week_shift is not None:
        return _monday(today) + timedelta(days=7 * mention.week_shift + mention.weekday)
    return ref + timedelta(days=(mention.weekday - ref.weekday()) % 7)


def _resolve_start(mention: Mention, today: date) -> date | None:
    """A single day, or the first day of a range, read from today."""
    if mention.kind == "offset":
        return today + timedelta(days=mention.offset)
    if mention.kind == "weekday":
        return _resolve_weekday(mention, today, today)
    if mention.year:
        return _safe_date(mention.year, mention.month, mention.day)
    if mention.month:
        return _next_day_month(mention.day, mention.month, today)
    return _next_day_of_month(mention.day, today)


def _previous_start(mention: Mention, today: date) -> date | None:
    """The latest past occurrence of a start written without a year (None if it has one)."""
    if mention.kind != "date" or mention.year:
        return None
    if mention.month:
        return _previous_day_month(mention.day, mention.month, today)
    return _previous_day_of_month(mention.day, today)


def _resolve_end(mention: Mention, start: date, today: date) -> date | None:
    """The last day of a range: read after the start unless it names its own week or year."""
    if mention.kind == "offset" or (mention.kind == "weekday" and (mention.past or mention.week_shift is not None)):
        return _resolve_start(mention, today)
    if mention.kind == "weekday":
        return _resolve_weekday(mention, today, start)
    if mention.year:
        return _safe_date(mention.year, mention.month, mention.day)
    if mention.month:
        # An earlier month is next year's ("28 Dec to 3 Jan"); the same month is kept as written.
        year = start.year + 1 if mention.month < start.month else start.year
        return _safe_date(year, mention.month, mention.day)
    return _end_day_only(mention.day, start)


def _end_day_only(day: int, start: date) -> date | None:
    """'the 7th' after a start: in the start's month, else the next; else as written.

    None when the start's month has no such day ('the 27th to the 29th' in a
    February without one): the next month's would silently make a month of it.
    """
    same = _safe_date(start.year, start.month, day)
    if same is None:
        return None
    if same >= start:
        return same
    year, month = _month_shift(start.year, start.month, 1)
    following = _safe_date(year, month, day)
    if following is not None:
        return following
    return same


def _share_fields(first: Mention, second: Mention) -> tuple[Mention, Mention]:
    """What one end of a range says for both: '3 to 7 March', '28 Dec to 3 Jan 2027', 'Mon to Wed next week'."""
    if first.kind == "date" and second.kind == "date" and second.month:
        if not first.month:
            year, month = second.year, second.month
            if first.day > second.day:
                year, month = _month_shift(year, month, -1) if year else (0, (month - 2) % 12 + 1)
            first = replace(first, month=month, year=year)
        elif not first.year and second.year:
            before = (first.month, first.day) <= (second.month, second.day)
            first = replace(first, year=second.year if before else second.year - 1)
    if first.kind == "weekday" and second.from_week_suffix and first.week_shift is None and not first.past:
        first = replace(first, week_shift=second.week_shift)
    return first, second


def _finish(start: date, end: date, start_part: DayPart, end_part: DayPart) -> DateRange:
    """Apply the day-part convention of DateRange."""
    if start == end:
        halves = {p for p in (start_part, end_part) if p is not DayPart.FULL}
        if len(halves) == 1:
            half = halves.pop()
            return DateRange(start, end, half, half)
        return DateRange(start, end, start_part, end_part)
    if start_part is DayPart.MORNING:
        start_part = DayPart.FULL
    if end_part is DayPart.AFTERNOON:
        end_part = DayPart.FULL
    return DateRange(start, end, start_part, end_part)


def _resolve_pair(first: Mention, second: Mention, today: date) -> DateRange | None:
    """A 'from X to Y' range, kept in the current period when it is still running."""
    first, second = _share_fields(first, second)
    start = _resolve_start(first, today)
    end = _resolve_end(second, start, today) if start is not None else None
    # The running range is looked for even without a next occurrence: "29 Feb to 3
    # March" said on 2 March 2028 has no next 29 February within a year, but is running.
    earlier = _previous_start(first, today)
    if earlier is not None:
        earlier_end = _resolve_end(second, earlier, today)
        if earlier_end is not None and earlier <= earlier_end and earlier_end >= today:
            start, end = earlier, earlier_end
    if start is None or end is None:
        return None
    return _finish(start, end, first.part, second.part)


def _is_consecutive(r: DateRange) -> bool:
    """Two working days in a row ('Thursday and Friday', 'Friday and Monday')."""
    gap = (r.end - r.start).days
    return gap == 1 or (gap == 3 and r.start.weekday() == 4)


def _week_range(mention: Mention, today: date) -> DateRange | None:
    """Monday to Friday of the week meant; 'this week' starts today."""
    if mention.kind == "weekof" and mention.offset:
        monday = _week_of_month(mention, today)
        return DateRange(monday, monday + timedelta(days=4))
    if mention.kind == "weekof":
        day = _resolve_start(replace(mention, kind="date"), today)
        if day is None:
            return None
        return DateRange(_monday(day), _monday(day) + timedelta(days=4))
    monday = _monday(today) + timedelta(days=7 * mention.offset)
    start = monday
    if mention.offset == 0:
        if today.weekday() >= 5:
            monday += timedelta(days=7)
            start = monday
        else:
            start = today
    return DateRange(start, monday + timedelta(days=4))


def _week_of_month(mention: Mention, today: date) -> date:
    """The Monday of "the first (..., last) week of <month> [year]": without a year, this year's when that week
    has not ended yet (it may be running: "the first week of December" said on its Monday), else next year's."""
    if mention.year:
        return _nth_monday(date(mention.year, mention.month, 1), mention.offset)
    monday = _nth_monday(date(today.year, mention.month, 1), mention.offset)
    if monday + timedelta(days=4) >= today:
        return monday
    return _nth_monday(date(today.year + 1, mention.month, 1), mention.offset)


def _nth_monday(first_of_month: date, nth: int) -> date:
    """The month's `nth` Monday (1-4), or its last (-1): where its first, ..., last whole working week begins."""
    first = first_of_month + timedelta(days=(7 - first_of_month.weekday()) % 7)
    if nth > 0:
        return first + timedelta(days=7 * (nth - 1))
    monday = first
    while (monday + timedelta(days=7)).month == first_of_month.month:
        monday += timedelta(days=7)
    return monday


def _count_at(toks: Tokens, i: int) -> int:
    """A count before 'days'/'weeks': a number, a spelled number, or 'a'."""
    token = toks.at(i)
    if token is None:
        return 0
    if token.kind == "num" and not token.ordinal and token.value > 0:
        return token.value
    return 1 if token.kind == "word" and token.word in ("a", "an") else 0


def _duration_days(toks: Tokens) -> int:
    """Working days asked for by 'for 3 days', '3 days from', 'a week starting' (0 if none)."""
    for i in range(len(toks)):
        count = _count_at(toks, i)
        if not count or toks.word(i - 1) in ("in", "half") or toks.kind(i - 1) == "punct":
            continue
        j = toks.skip(i + 1, {"working", "business", "work"}, 1)
        unit = toks.word(j)
        if unit not in ("day", "week"):
            continue
        before = toks.word(i - 1) == "for" or toks.word(i - 2) == "for"
        after = toks.word(toks.skip(j + 1, {"off", "of", "leave", "holiday", "vacation"}, 2))
        if before or after in ("from", "starting", "beginning", "as"):
            days = count * (5 if unit == "week" else 1)
            if 1 <= days <= 260:
                return days
    return 0


def _add_working_days(start: date, count: int) -> date:
    """The day on which `count` weekdays from `start` (itself included if a weekday) are reached."""
    day, counted = start, 0
    while True:
        if day.weekday() < 5:
            counted += 1
            if counted >= count:
                return day
        day += timedelta(days=1)


def _resolve_alone(toks: Tokens, mention: Mention, today: date) -> DateRange | None:
    """One mention: a week, 'until X', 'N days from X', or a single day."""
    if mention.kind in ("week", "weekof"):
        return _week_range(mention, today)
    start = _resolve_start(mention, today)
    if start is None:
        return None
    k = mention.first - 1 - (toks.word(mention.first - 1) == "the")
    if toks.word(k) in ("until", "through") and "from" not in {toks.word(x) for x in range(k - 3, k)}:
        return _finish(today, start, DayPart.FULL, mention.part)
    days = _duration_days(toks)
    if days:
        return _finish(start, _add_working_days(start, days), mention.part, DayPart.FULL)
    if _day_after_follows(toks, mention.last):
        return _finish(start, start + timedelta(days=1), mention.part, DayPart.FULL)
    return _finish(start, start, mention.part, mention.part)


def _day_after_follows(toks: Tokens, i: int) -> bool:
    """'... and the day after' (not 'the day after tomorrow', which is a day of its own)."""
    if toks.word(i) != "and":
        return False
    j = toks.skip(i + 1, {"the"}, 1)
    return toks.word(j) == "day" and toks.word(j + 1) == "after" and toks.word(j + 2) != "tomorrow"


def _between_before(toks: Tokens, i: int) -> bool:
    return any(toks.word(k) == "between" for k in range(i - 3, i))


def _without_restated_weekdays(toks: Tokens, mentions: list[Mention], today: date) -> list[Mention]:
    """A weekday followed, without a link or right beside it, by a date with its month that falls on that weekday
    names that date: "the Monday before, 4 January" is 4 January, not the next Monday; "monday afternoon then, 11
    Jan" is the afternoon of 11 January (the weekday's half of the day goes to the date). ("Monday 4 January" is
    read as one mention already; a date on another weekday leaves both as they are.)"""
    kept: list[Mention] = []
    half: DayPart | None = None
    for mention, after in itertools.zip_longest(mentions, mentions[1:]):
        if half is not None and mention.part is DayPart.FULL:
            mention = replace(mention, part=half)
        half = None
        if (
            mention.kind == "weekday"
            and mention.week_shift is None
            and not mention.past
            and after is not None
            and after.kind == "date"
            and after.month
            and (link_between(toks, mention.last, after.first) is None or mention.last == after.first)
        ):
            day = _resolve_start(after, today)
            if day is not None and day.weekday() == mention.weekday:
                half = mention.part if mention.part is not DayPart.FULL else None
                continue
        kept.append(mention)
    return kept


def place_range(toks: Tokens, mentions: list[Mention], today: date) -> DateRange | None:
    """The first linked pair of mentions makes the range; else the first mention alone."""
    mentions = _without_restated_weekdays(toks, mentions, today)
    for first, second in itertools.pairwise(mentions):
        link = link_between(toks, first.last, second.first)
        if link is None or "week" in (first.kind, second.kind) or "weekof" in (first.kind, second.kind):
            continue
        found = _resolve_pair(first, second, today)
        if found is None:
            continue
        if link == "and" and not (_between_before(toks, first.first) or _is_consecutive(found)):
            continue
        return found
    return _resolve_alone(toks, mentions[0], today) if mentions else None


def in_named_month(toks: Tokens, mentions: list[Mention], today: date) -> list[Mention]:
    """Days written without a month go into the month that 'next month' / 'this month' names."""
    if toks.month_shift is None:
        return mentions
    year, month = _month_shift(today.year, today.month, toks.month_shift)
    return [
        replace(m, month=month, year=year) if m.kind == "date" and not m.month and not m.year else m for m in mentions
    ]
