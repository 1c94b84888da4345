"""Read the dates of a time-off request written in chat, and say them back.

Employees write "next Friday", "from 3 to 7 March", "tomorrow afternoon" or
"12/03 to 14/03", with typos and words around them. `parse_date_range` turns such
text into a `DateRange` that the back office can quote; `describe_range` writes
the range back for the confirmation summary, so a wrong reading is caught by the
employee before anything is booked.

The rules for ambiguous phrasings, chosen once so that every reply is predictable:

- Numeric dates with a slash or a dash follow the company's order (`day_first`,
  the DATE_ORDER setting; day-first by default): 12/03 is 12 March. Only when that
  order cannot be a date and the other can is the other used (12/21, 01/26), and
  then for every numeric date of the message alike ("12/21-01/05" is 21 December
  to 5 January); a message whose numeric dates fit neither order alike
  ("21/12 to 12/23") is not read. Dates with dots are always day-first, with or
  without the trailing dot ("22.12.", "26.01", "22.12.2026"). ISO 2026-03-12 is
  also read.
- "next month" / "this month" anywhere in the message puts the days written
  without a month in that month: "the 3rd to the 7th of next month", "next month
  from the 4th to the 8th".
- "X and the day after" is X and the following day.
- A date without a year is its next occurrence on or after today, within the
  coming year (at most 366 days ahead); "on the 21st" is the next 21st on or after
  today, skipping months without one ("the 29th" said on 10 February 2027 is 29
  March; said on 29 February 2028 it is that day). 29 February is the only day
  and month that can be further away: on 1 January 2027 the next one is 14 months
  off (2028), and a user who writes it in a year without one has most likely
  slipped, so it is not read and the bot asks rather than booking a day in
  another year. On a leap day itself, or from 1 March of the year before, it is
  read as usual. In a range the end follows the start, so
  "28 Dec to 3 Jan" crosses into the next year. A range whose start has no year
  (or no month) and that is still running today is kept where it is: "3 to 7
  March" said on 4 March is this March (the back office then refuses the past
  start with a clear message) rather than silently next year's.
- An end without a month that falls before the start rolls into the next month
  ("the 30th to the 2nd"); an impossible range is returned as written ("7 March
  to 3 March") because the back office refuses it with a clear message. An end
  day that the start's month does not have ("the 27th to the 29th" in a February
  without a 29th, "25 to 31 April") does not exist, so only the start is read and
  the confirmation shows the single day: rolling it into the next month would
  quietly turn three days into a month. A range from 29 February that is still
  running on 2 March is that leap day's, like any other running range.
- "Friday" and "this Friday" are the next Friday on or after today (today when
  today is a Friday). "next Friday" and "Friday next week" are the Friday of the
  following calendar week (weeks start on Monday). "last Friday" is the latest
  one before today. In a range of weekdays the end is the first such day on or
  after the start: "Monday to Wednesday" said on a Tuesday is next week's.
  "Monday to Wednesday next week" puts both days in next week.
- "next week" / "the whole of next week" is Monday to Friday of next week; "this
  week" / "the rest of the week" is today to Friday (next week's on a weekend);
  "the week after next" and "the week of 9 March" likewise give Monday to Friday.
- "for 3 days from Monday" counts weekdays only: Monday to Wednesday, and from a
  Thursday it ends on the Monday after. Public holidays are not known here; the
  back office leaves them out when it counts the days.
- "until Friday" with no start means from today.
- "Monday and Tuesday" is a range only after "between" or when the two days are
  consecutive working days; otherwise the first day is taken.
- "morning"/"am" and "afternoon"/"pm" next to a day make it a half day; so does a
  half named apart from the one day asked for, when the words say it limits the day
  ("Wednesday 6 January … just the afternoon", "only the morning", "after lunch",
  "before lunch"): a lone "morning" elsewhere ("good morning") changes nothing. A range
  can only start in the afternoon and end in the morning; a morning start or an
  afternoon end of a multi-day range is the whole day. "half day" alone is a
  full day: the bot should ask which half.
- Christmas Eve/Day, Boxing Day and New Year's Eve/Day are fixed dates. A written
  year is read only between 1900 and 2100.
- "in two weeks", "from 3 to 7" (no month anywhere) and a bare month ("in May")
  are not read: the bot asks instead of guessing.

The reading is in three steps, each its own module: assistant.date_tokens cuts the text
into tokens, assistant.date_mentions finds the date expressions among them, and
assistant.date_calendar places them on the calendar; assistant.date_range holds the value.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from assistant import catalog, formatting
from assistant.date_calendar import in_named_month, place_range
from assistant.date_mentions import Tokens, scan_all
from assistant.date_range import MONTH_NAMES, WEEKDAY_NAMES, DateRange, DayPart
from assistant.date_tokens import tokenize

__all__ = [
    "MAX_INPUT_CHARS",
    "MONTH_NAMES",
    "WEEKDAY_NAMES",
    "DateRange",
    "DayPart",
    "describe_range",
    "parse_date_range",
]

MAX_INPUT_CHARS = 500  # a request is a sentence or two; the rest is ignored to bound the work


def parse_date_range(text: str, today: date, *, day_first: bool = True) -> DateRange | None:
    """The days a time-off message asks for, or None when it names none.

    Never raises: chat text is untrusted, and a failure here must become a
    question from the bot, not an error. Only the first MAX_INPUT_CHARS
    characters are read. `day_first` is the company's order of numeric dates
    (settings.date_order). See the module docstring for the rules.
    """
    if not isinstance(text, str) or not isinstance(today, date):
        return None
    if isinstance(today, datetime):
        today = today.date()
    try:
        tokens = tokenize(text[:MAX_INPUT_CHARS], day_first)
        if tokens is None:
            return None
        toks = Tokens(tokens)
        found = place_range(toks, in_named_month(toks, scan_all(toks), today), today)
    except (OverflowError, ValueError):  # dates past year 9999 or before year 1
        return None
    return _with_limiting_half(found, text[:MAX_INPUT_CHARS])


# A half of the day named apart from the date, with a word that limits the day to it.
_LIMITING_HALF = re.compile(
    r"\b(?:just|only)\s+(?:(?:for|in)\s+)?(?:the\s+)?(?P<part>morning|afternoon)\b"
    r"|\b(?P<lunch>after|before)\s+lunch\b"
    r"|\bhalf[- ]day\b[^.?!]{0,30}?\b(?P<half_part>morning|afternoon)\b"
    r"|\b(?P<part_half>morning|afternoon)\s+half\b",
    re.IGNORECASE,
)


def _with_limiting_half(found: DateRange | None, text: str) -> DateRange | None:
    """A one-day, whole-day reading narrowed to the half the message limits it to elsewhere."""
    if found is None or found.start != found.end or found.start_part is not DayPart.FULL:
        return found
    if found.end_part is not DayPart.FULL:
        return found
    match = _LIMITING_HALF.search(text)
    if match is None:
        return found
    word = match.group("part") or match.group("half_part") or match.group("part_half")
    if word is None:
        word = "afternoon" if match.group("lunch").lower() == "after" else "morning"
    half = DayPart.MORNING if word.lower() == "morning" else DayPart.AFTERNOON
    return DateRange(found.start, found.end, half, half)


# -- saying it back ---------------------------------------------------------------------
# The words are the reply catalog's (utter_date_range, utter_date_part, utter_day_part_<part>),
# the day and month names Babel's for COMPANY_LOCALE (assistant.formatting): nothing English here.


def _day_label(day: date, *, month: bool = True, year: bool = False, part: DayPart = DayPart.FULL) -> str:
    label = formatting.weekday_date(day, month=month, year=year)
    if part is DayPart.FULL:
        return label
    return catalog.text("utter_date_part", date=label, part=catalog.text(f"utter_day_part_{part.value}"))


def _single_day(r: DateRange, *, year: bool) -> str:
    """One day, with the half taken; both halves when a one-day range runs from one to the other."""
    label = formatting.weekday_date(r.start, year=year)
    halves = [p for p in (r.start_part, r.end_part) if p is not DayPart.FULL]
    if not halves:
        return label
    if len(halves) == 2 and halves[0] != halves[1]:
        first, last = (catalog.text(f"utter_day_part_{p.value}") for p in halves)
        return catalog.text("utter_date_parts", date=label, first=first, last=last)
    return _day_label(r.start, year=year, part=halves[0])


def describe_range(r: DateRange, *, today: date | None = None) -> str:
    """The range as the employee will read it in the confirmation summary.

    'Friday 6 March', 'Tuesday 3 March (afternoon)', 'Tuesday 3 – Friday 6 March',
    'Monday 28 December – Friday 1 January 2027'. The year is written when the
    range crosses years, and, if `today` is given, when it is not today's year: a
    request that landed in next year must not look like this year's.
    """
    crosses = r.start.year != r.end.year
    other_year = today is not None and (r.start.year != today.year or r.end.year != today.year)
    if r.start == r.end:
        return _single_day(r, year=other_year)
    halves = r.start_part is not DayPart.FULL or r.end_part is not DayPart.FULL
    if not crosses and not halves and r.start.month == r.end.month and r.start < r.end:
        start, end = _day_label(r.start, month=False), _day_label(r.end, year=other_year)
        return catalog.text("utter_date_range", start=start, end=end)
    start_year = crosses and (r.end < r.start or (today is not None and r.start.year != today.year))
    start = _day_label(r.start, year=start_year, part=r.start_part)
    end = _day_label(r.end, year=crosses or other_year, part=r.end_part)
    return catalog.text("utter_date_range", start=start, end=end)
