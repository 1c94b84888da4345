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
- "morning"/"am" and "afternoon"/"pm" next to a day make it a half day. A range
  can only start in the afternoon and end in the morning; a morning start or an
  afternoon end of a multi-day range is the whole day. "half day" alone is a
  full day: the bot should ask which half.
- Christmas Eve/Day, Boxing Day and New Year's Eve/Day are fixed dates. A written
  year is read only between 1900 and 2100.
- "in two weeks", "from 3 to 7" (no month anywhere) and a bare month ("in May")
  are not read: the bot asks instead of guessing.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from typing import Literal

__all__ = [
    "MAX_INPUT_CHARS",
    "MONTH_NAMES",
    "WEEKDAY_NAMES",
    "DateRange",
    "DayPart",
    "describe_range",
    "parse_date_range",
]


class DayPart(StrEnum):
    """Which part of a day a leave covers: the whole day, or half of it (read from what people write)."""

    FULL = "full"
    MORNING = "morning"
    AFTERNOON = "afternoon"


MAX_INPUT_CHARS = 500  # a request is a sentence or two; the rest is ignored to bound the work

MONTH_NAMES = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


@dataclass(frozen=True)
class DateRange:
    """The days a request covers, both ends included.

    A multi-day range may start in the AFTERNOON (start_part) and end in the
    MORNING (end_part); otherwise both parts are FULL. A single half day has
    start == end and the same part on both sides (start_part == end_part ==
    MORNING or AFTERNOON), so that "which half" never depends on which field one reads.
    """

    start: date
    end: date
    start_part: DayPart = DayPart.FULL
    end_part: DayPart = DayPart.FULL


# -- tokens ----------------------------------------------------------------------------

_TOKEN_RE = re.compile(
    r"(?P<iso>(?<![0-9])[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?![0-9]))"
    r"|(?P<dmy>(?<![0-9])[0-9]{1,2}(?P<sep>[-/.])[0-9]{1,2}(?P=sep)(?:[0-9]{4}|[0-9]{2})(?![0-9]))"
    r"|(?P<dm>(?<![0-9])[0-9]{1,2}/[0-9]{1,2}(?![0-9/]))"
    # 22.12. / 26.01: day.month, always day-first; without the final dot only with a two-digit month
    # ("1.5 days" is a number).
    r"|(?P<dotted>(?<![0-9.])(?:[0-9]{1,2}\.[0-9]{1,2}\.(?![0-9])|(?:0?[1-9]|[12][0-9]|3[01])\.(?:0[1-9]|1[0-2])(?![0-9.])))"
    r"|(?P<num>[0-9]+)(?P<suffix>st|nd|rd|th)?"
    r"|(?P<word>[a-z]+)"
    r"|(?P<dash>[-–—~])"
    r"|(?P<punct>[.:;?!/+])"
)

_TokKind = Literal["word", "month", "weekday", "num", "date", "dash", "punct"]


@dataclass(frozen=True)
class _Token:
    """One normalised piece of the text: a keyword, a month, a weekday, a number or a date."""

    kind: _TokKind
    word: str = ""  # canonical keyword for words; the spelled word for spelled numbers
    value: int = 0  # month 1-12, weekday 0-6 or the number
    ordinal: bool = False  # 3rd, third
    day: int = 0  # for dates written with digits
    month: int = 0
    year: int = 0  # 0 when not written
    as_written: bool = False  # a slash/dash date whose order is not settled yet: day=first, month=second


def _alias_table() -> dict[str, _Token]:
    """Exact spellings (full names, abbreviations, frequent slips) of what the parser knows."""
    table: dict[str, _Token] = {}
    months = {m.lower(): i + 1 for i, m in enumerate(MONTH_NAMES)}
    months.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8})
    months.update({"sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12})
    for name, month in months.items():
        table[name] = _Token("month", value=month)
    weekdays = {w.lower(): i for i, w in enumerate(WEEKDAY_NAMES)}
    weekdays.update({"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3})
    weekdays.update({"fri": 4, "sat": 5, "sun": 6})
    for name, weekday in weekdays.items():
        table[name] = _Token("weekday", value=weekday)
    for i, name in enumerate(_NUMBER_WORDS, start=1):
        table[name] = _Token("num", word=name, value=i)
    table["twenty"] = _Token("num", word="twenty", value=20)
    table["thirty"] = _Token("num", word="thirty", value=30)
    for i, name in enumerate(_ORDINAL_WORDS, start=1):
        table[name] = _Token("num", word=name, value=i, ordinal=True)
    table["twentieth"] = _Token("num", word="twentieth", value=20, ordinal=True)
    table["thirtieth"] = _Token("num", word="thirtieth", value=30, ordinal=True)
    for canonical, spellings in _KEYWORD_SPELLINGS.items():
        for spelling in spellings:
            table[spelling] = _Token("word", word=canonical)
    return table


_NUMBER_WORDS = ("one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve")
_ORDINAL_WORDS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
)
_KEYWORD_SPELLINGS: dict[str, tuple[str, ...]] = {
    "today": ("today", "tday", "tdy", "toady", "todya"),
    "tomorrow": ("tomorrow", "tmrw", "tmr", "tmw", "tmrow", "tmro", "tomo", "tomoz", "tomorow", "tommorow"),
    "yesterday": ("yesterday", "yday", "yest"),
    "morning": ("morning", "morn", "mornin"),
    "afternoon": ("afternoon", "arvo", "afternon"),
    "until": ("until", "till", "til", "untill", "untl", "unitl"),
    "through": ("through", "thru", "thro", "throught", "thorugh"),
    "between": ("between", "btwn"),
    # Not fuzzy: "Christian" is two letters away from "christmas".
    "christmas": ("christmas", "xmas", "chrismas", "christmass", "christams", "chistmas", "crimbo"),
    "next": ("next", "nxt"),
    "coming": ("coming", "upcoming"),
    "week": ("week", "weeks", "wk", "wks"),
    "day": ("day", "days"),
    "year": ("year", "years", "yr"),
}
_ALIASES = _alias_table()

# Typos are matched against full names only, and only when the first letter is right:
# one edit for short words, two for long names ("wensday", "tommorow"). "morning" keeps
# to one edit because "meaning" is two away.
_FUZZY_TARGETS: tuple[tuple[str, _Token], ...] = tuple(
    [(m.lower(), _Token("month", value=i + 1)) for i, m in enumerate(MONTH_NAMES)]
    + [(w.lower(), _Token("weekday", value=i)) for i, w in enumerate(WEEKDAY_NAMES)]
    + [(k, _Token("word", word=k)) for k in ("tomorrow", "yesterday", "morning", "afternoon", "between")]
)


def _edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal-string-alignment distance (a swap of two letters is one edit), capped above `limit`."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        current = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _fuzzy_match(word: str) -> _Token | None:
    """The closest known name within the typo budget, or None for an ordinary word."""
    if not 5 <= len(word) <= 12:
        return None
    best: _Token | None = None
    best_distance = 3
    for target, token in _FUZZY_TARGETS:
        if target[0] != word[0]:
            continue
        limit = 2 if len(target) >= 8 and len(word) >= 6 else 1
        distance = _edit_distance(word, target, limit)
        if distance <= limit and distance < best_distance:
            best, best_distance = token, distance
    return best


@lru_cache(maxsize=4096)
def _word_token(word: str) -> _Token:
    """A word as the parser sees it: a known name, a keyword, or itself."""
    return _ALIASES.get(word) or _fuzzy_match(word) or _Token("word", word=word)


def _numeric_date_token(text: str, with_year: bool) -> _Token:
    """12/03, 12-03-2026 as written (the order is settled for the whole message), 12.03.2026 day-first."""
    parts = [int(p) for p in re.split(r"[-/.]", text.rstrip("."))]
    first, second = parts[0], parts[1]
    year = 0
    if with_year:
        year = parts[2] + 2000 if parts[2] < 100 else parts[2]
    return _Token("date", day=first, month=second, year=year, as_written="." not in text)


def _fits(token: _Token, day_first: bool) -> bool:
    day, month = (token.day, token.month) if day_first else (token.month, token.day)
    return 1 <= month <= 12 and 1 <= day <= 31


def _settle_numeric_order(tokens: list[_Token], day_first: bool) -> list[_Token] | None:
    """The company's order for every slash/dash date, else the other order for all, else None (ambiguous)."""
    written = [t for t in tokens if t.as_written]
    if not written:
        return tokens
    for order in (day_first, not day_first):
        if all(_fits(t, order) for t in written):
            return [
                (replace(t, as_written=False) if order else replace(t, day=t.month, month=t.day, as_written=False))
                if t.as_written
                else t
                for t in tokens
            ]
    return None


def _token_from_match(match: re.Match[str]) -> _Token:
    """Turn one regex match into a token."""
    group = match.lastgroup
    text = match.group(0)
    if group == "iso":
        year, month, day = (int(p) for p in text.split("-"))
        return _Token("date", day=day, month=month, year=year)
    if group in ("dmy", "dm", "dotted"):
        return _numeric_date_token(text, with_year=group == "dmy")
    if group == "suffix" or match.group("num") is not None:
        digits = match.group("num")
        value = int(digits) if len(digits) <= 6 else -1
        return _Token("num", value=value, ordinal=match.group("suffix") is not None)
    if group == "word":
        return _word_token(text)
    if group == "dash":
        return _Token("dash", word="-")
    return _Token("punct", word=text)


def _merge_compound_ordinals(tokens: list[_Token]) -> list[_Token]:
    """'twenty first' / 'twenty-first' become the ordinal 21."""
    merged: list[_Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "num" and token.word in ("twenty", "thirty"):
            j = i + 1 + (i + 1 < len(tokens) and tokens[i + 1].kind == "dash")
            unit = tokens[j] if j < len(tokens) else None
            if unit is not None and unit.kind == "num" and unit.ordinal and unit.word and unit.value <= 9:
                merged.append(_Token("num", word="compound", value=token.value + unit.value, ordinal=True))
                i = j + 1
                continue
        merged.append(token)
        i += 1
    return merged


def _tokenize(text: str, day_first: bool = True) -> list[_Token] | None:
    """Lower-case, drop apostrophes and commas, and split into tokens (None: numeric dates ambiguous)."""
    cleaned = text[:MAX_INPUT_CHARS].lower().replace("'", "").replace("’", "")
    tokens = _settle_numeric_order([_token_from_match(m) for m in _TOKEN_RE.finditer(cleaned)], day_first)
    return _merge_compound_ordinals(tokens) if tokens is not None else None


# -- mentions: the date expressions found in the tokens ---------------------------------

_MentionKind = Literal["date", "weekday", "offset", "week", "weekof"]


@dataclass(frozen=True)
class _Mention:
    """A date expression before it is placed on the calendar."""

    first: int  # index of its first token
    last: int  # index after its last token (an attached day part included)
    kind: _MentionKind
    day: int = 0
    month: int = 0  # 0: not said
    year: int = 0  # 0: not said
    weekday: int = 0
    week_shift: int | None = None  # weekday in a given calendar week: 0 this, 1 next...
    from_week_suffix: bool = False  # the shift came from "... next week" after the day
    past: bool = False  # "last Friday"
    offset: int = 0  # days from today ("offset"), or weeks from this one ("week")
    part: DayPart = DayPart.FULL


_FILLERS = frozenset({"the", "on", "of", "off", "up", "including", "inclusive", "incl"})
_CONNECTORS = frozenset({"to", "until", "through", "-"})
_UNITS_AFTER_NUMBER = frozenset(
    {"day", "week", "year", "hour", "hours", "hr", "hrs", "h", "am", "pm", "min", "mins", "minutes", "month"}
    | {"months", "working", "business", "work", "percent", "people", "times", "x"}
)
_COLON = _Token("punct", word=":")  # "the 10:30 meeting" is a time, not the 10th
_PART_WORDS = {"morning": DayPart.MORNING, "afternoon": DayPart.AFTERNOON}
_SHORT_PART_WORDS = {"am": DayPart.MORNING, "pm": DayPart.AFTERNOON}
_WEEK_QUALIFIERS = {"this": 0, "next": 1, "following": 1, "last": -1}


def _month_qualifier(tokens: list[_Token]) -> int | None:
    """'next month' (1), 'this month' (0), 'the month after next' (2) anywhere in the message, else None."""
    words = [t.word if t.kind == "word" else "" for t in tokens]
    for i, word in enumerate(words):
        if word != "month":
            continue
        before = words[i - 1] if i > 0 else ""
        if before in ("next", "following", "coming"):
            return 1
        if before == "this":
            return 0
        if words[i + 1 : i + 3] == ["after", "next"]:
            return 2
    return None


class _Tokens:
    """Tokens with safe look-ups past either end, so that patterns need no bounds checks."""

    def __init__(self, tokens: list[_Token]) -> None:
        self.items = tokens
        self.month_shift = _month_qualifier(tokens)

    def __len__(self) -> int:
        return len(self.items)

    def at(self, i: int) -> _Token | None:
        return self.items[i] if 0 <= i < len(self.items) else None

    def word(self, i: int) -> str:
        token = self.at(i)
        return token.word if token is not None and token.kind in ("word", "dash") else ""

    def kind(self, i: int) -> str:
        token = self.at(i)
        return token.kind if token is not None else ""

    def skip(self, i: int, words: frozenset[str] | set[str], most: int = 3) -> int:
        """The index after at most `most` tokens from `words`."""
        for _ in range(most):
            if self.word(i) not in words:
                break
            i += 1
        return i


def _day_number(toks: _Tokens, i: int, *, bare: bool) -> int:
    """The day of month at i (0 if none). A plain number counts only when `bare` allows it."""
    token = toks.at(i)
    if token is None or token.kind != "num" or not 1 <= token.value <= 31:
        return 0
    if not token.ordinal and not bare:
        return 0
    if toks.word(i + 1) in _UNITS_AFTER_NUMBER or toks.at(i + 1) == _COLON:
        return 0
    return token.value


def _year_at(toks: _Tokens, i: int) -> int:
    """A four-digit year right after a day and month (0 if none)."""
    token = toks.at(i)
    if token is not None and token.kind == "num" and not token.ordinal and 1900 <= token.value <= 2100:
        return token.value
    return 0


def _scan_relative_day(toks: _Tokens, i: int) -> _Mention | None:
    """today, tomorrow, yesterday, the day after tomorrow, this morning/afternoon."""
    word = toks.word(i)
    offsets = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if word in offsets:
        return _Mention(i, i + 1, "offset", offset=offsets[word])
    if word == "day" and toks.word(i + 1) == "after" and toks.word(i + 2) == "tomorrow":
        return _Mention(i, i + 3, "offset", offset=2)
    if word == "day" and toks.word(i + 1) == "before" and toks.word(i + 2) == "yesterday":
        return _Mention(i, i + 3, "offset", offset=-2)
    if word == "this" and toks.word(i + 1) in _PART_WORDS:
        return _Mention(i, i + 2, "offset", part=_PART_WORDS[toks.word(i + 1)])
    return None


def _scan_holiday(toks: _Tokens, i: int) -> _Mention | None:
    """Christmas Eve and Day, Boxing Day, New Year's Eve and Day: fixed days of the year."""
    word, following = toks.word(i), toks.word(i + 1)
    if word == "christmas":
        if following == "eve":
            return _Mention(i, i + 2, "date", day=24, month=12)
        return _Mention(i, i + 1 + (following == "day"), "date", day=25, month=12)
    if word == "boxing" and following == "day":
        return _Mention(i, i + 2, "date", day=26, month=12)
    if word == "new" and following == "year":
        if toks.word(i + 2) == "eve":
            return _Mention(i, i + 3, "date", day=31, month=12)
        return _Mention(i, i + 2 + (toks.word(i + 2) == "day"), "date", day=1, month=1)
    return None


def _weekday_after_week(toks: _Tokens, i: int, j: int, shift: int) -> _Mention | None:
    """'next week Friday', 'this week on Friday'."""
    k = toks.skip(j, {"on", "the"}, 2)
    token = toks.at(k)
    if token is not None and token.kind == "weekday":
        return _Mention(i, k + 1, "weekday", weekday=token.value, week_shift=shift)
    return None


def _scan_week(toks: _Tokens, i: int) -> _Mention | None:
    """Whole working weeks: next week, this week, the rest of the week, the week after next, the week of X."""
    word = toks.word(i)
    if word in ("next", "this", "following") and toks.word(i + 1) == "week":
        shift = _WEEK_QUALIFIERS[word]
        return _weekday_after_week(toks, i, i + 2, shift) or _Mention(i, i + 2, "week", offset=shift)
    if word == "rest" and toks.word(i + 1) == "of":
        j = toks.skip(i + 2, {"the", "this"}, 1)
        if toks.word(j) == "week":
            return _Mention(i, j + 1, "week", offset=0)
    if word == "week" and toks.word(i + 1) == "after" and toks.word(i + 2) == "next":
        return _Mention(i, i + 3, "week", offset=2)
    if word == "week" and toks.word(i + 1) in ("of", "commencing", "beginning", "starting"):
        inner = _scan_point(toks, toks.skip(i + 2, {"the", "on"}, 1))
        if inner is not None and inner.kind == "date":
            return replace(inner, first=i, kind="weekof")
    return None


def _weekday_suffix(toks: _Tokens, j: int) -> tuple[int, int] | None:
    """'... next week', '... of this week', '... after next' after a weekday: (week shift, end index)."""
    k = toks.skip(j, {"of", "in"}, 1)
    word = toks.word(k)
    if word in _WEEK_QUALIFIERS and toks.word(k + 1) == "week":
        return _WEEK_QUALIFIERS[word], k + 2
    if word == "after" and toks.word(k + 1) == "next":
        return 2, k + 2
    k = toks.skip(j, {"the"}, 1)
    if toks.word(k) == "week" and toks.word(k + 1) == "after" and toks.word(k + 2) == "next":
        return 2, k + 3
    return None


def _scan_weekday(toks: _Tokens, i: int) -> _Mention | None:
    """[this|coming|next|last] Friday [next week]; 'Tuesday 3 March' is the date, the weekday is redundant."""
    qualifier = toks.word(i)
    j = i
    if qualifier in ("this", "coming", "next", "last", "following"):
        j = i + 1 + (qualifier == "this" and toks.word(i + 1) == "coming")
    else:
        qualifier = ""
    token = toks.at(j)
    if token is None or token.kind != "weekday":
        return None
    dated = _scan_dated(toks, toks.skip(j + 1, {"the"}, 1), bare=True)
    if dated is not None:
        return replace(dated, first=i)
    mention = _Mention(i, j + 1, "weekday", weekday=token.value)
    if qualifier in ("next", "following"):
        return replace(mention, week_shift=1)
    if qualifier == "last":
        return replace(mention, past=True)
    if qualifier == "":
        return _with_week_suffix(toks, mention)
    return mention


def _with_week_suffix(toks: _Tokens, mention: _Mention) -> _Mention:
    """Attach a trailing 'next week' to a bare weekday."""
    if mention.kind != "weekday" or mention.week_shift is not None or mention.past:
        return mention
    suffix = _weekday_suffix(toks, mention.last)
    if suffix is None:
        return mention
    shift, end = suffix
    return replace(mention, last=end, week_shift=shift, from_week_suffix=True)


def _scan_day_month(toks: _Tokens, i: int) -> _Mention | None:
    """3 March, 3rd of March 2026."""
    token = toks.at(i)
    if token is None or token.kind != "num" or not 1 <= token.value <= 31:
        return None
    j = toks.skip(i + 1, {"of"}, 1)
    month = toks.at(j)
    if month is None or month.kind != "month":
        return None
    year = _year_at(toks, j + 1)
    return _Mention(i, j + 1 + (year > 0), "date", day=token.value, month=month.value, year=year)


def _scan_month_day(toks: _Tokens, i: int) -> _Mention | None:
    """March 3, March the 3rd, Dec 24 2026."""
    month = toks.at(i)
    if month is None or month.kind != "month":
        return None
    j = toks.skip(i + 1, {"the"}, 1)
    day = _day_number(toks, j, bare=True)
    if not day:
        return None
    year = _year_at(toks, j + 1)
    return _Mention(i, j + 1 + (year > 0), "date", day=day, month=month.value, year=year)


def _scan_dated(toks: _Tokens, i: int, *, bare: bool) -> _Mention | None:
    """A calendar date at i: written with digits, day and month in either order, or a day alone."""
    token = toks.at(i)
    if token is not None and token.kind == "date":
        return _Mention(i, i + 1, "date", day=token.day, month=token.month, year=token.year)
    found = _scan_day_month(toks, i) or _scan_month_day(toks, i)
    if found is not None:
        return found
    if toks.word(i) == "the":
        found = _scan_day_month(toks, i + 1)
        if found is not None:
            return replace(found, first=i)
        day = _day_number(toks, i + 1, bare=True)
        return _Mention(i, i + 2, "date", day=day) if day else None
    token = toks.at(i)
    # A digit ordinal ("21st") is a day; a spelled one ("second") needs "the" or a month.
    if token is not None and token.kind == "num" and (bare or (token.ordinal and not token.word)):
        day = _day_number(toks, i, bare=bare)
        return _Mention(i, i + 1, "date", day=day) if day else None
    return None


def _scan_point(toks: _Tokens, i: int) -> _Mention | None:
    """Any date expression starting at token i, without its day part."""
    return (
        _scan_relative_day(toks, i)
        or _scan_holiday(toks, i)
        or _scan_week(toks, i)
        or _scan_weekday(toks, i)
        or _scan_dated(toks, i, bare=False)
    )


def _part_after(toks: _Tokens, j: int) -> tuple[DayPart, int] | None:
    """'morning', 'in the afternoon', 'am' right after a day."""
    if toks.word(j) in _SHORT_PART_WORDS:
        return _SHORT_PART_WORDS[toks.word(j)], j + 1
    k = toks.skip(j, {"in", "the", "off"}, 3)
    if toks.word(k) in _PART_WORDS:
        return _PART_WORDS[toks.word(k)], k + 1
    return None


def _with_part(toks: _Tokens, mention: _Mention) -> _Mention:
    """Attach a following day part, then a 'next week' that may come after it."""
    if mention.part is DayPart.FULL and mention.kind not in ("week", "weekof"):
        after = _part_after(toks, mention.last)
        if after is not None:
            mention = replace(mention, part=after[0], last=after[1])
    return _with_week_suffix(toks, mention)


def _scan_mention(toks: _Tokens, i: int) -> _Mention | None:
    """A date expression with its day part: 'Friday afternoon', 'the morning of the 5th'."""
    word = toks.word(i)
    if word in _PART_WORDS and toks.word(i - 1) != "good":
        inner = _scan_point(toks, toks.skip(i + 1, {"off", "of", "on", "the"}, 3))
        if inner is not None and inner.kind not in ("week", "weekof") and inner.part is DayPart.FULL:
            return _with_week_suffix(toks, replace(inner, first=i, part=_PART_WORDS[word]))
    mention = _scan_point(toks, i)
    return _with_part(toks, mention) if mention is not None else None


def _link(toks: _Tokens, start: int, end: int) -> str | None:
    """How two mentions are joined: 'to' (to, till, through, a dash), 'and', or None."""
    if not 0 < end - start <= 5:
        return None
    words = [toks.word(k) for k in range(start, end)]
    if any(w not in _CONNECTORS and w not in _FILLERS and w != "and" for w in words):
        return None
    if any(w in _CONNECTORS for w in words):
        return "to"
    return "and" if "and" in words else None


def _connector_end(toks: _Tokens, i: int) -> int | None:
    """The index after a connector group starting at i, if there is one."""
    end = i
    while end - i < 5 and (toks.word(end) in _CONNECTORS or toks.word(end) in _FILLERS or toks.word(end) == "and"):
        end += 1
    return end if _link(toks, i, end) else None


def _has_month(mention: _Mention | None) -> bool:
    return mention is not None and mention.kind == "date" and mention.month > 0


def _scan_range_day(toks: _Tokens, i: int, previous: _Mention | None) -> _Mention | None:
    """A plain number is a day only next to a month across a connector: '3 to 7 March', 'March 3 - 7'."""
    day = _day_number(toks, i, bare=True)
    if not day:
        return None
    mention = _with_part(toks, _Mention(i, i + 1, "date", day=day))
    if _has_month(previous) and previous is not None and _link(toks, previous.last, i):
        return mention
    after = _connector_end(toks, mention.last)
    if after is not None and _has_month(_scan_mention(toks, after)):
        return mention
    if toks.month_shift is not None:  # 'from 4 to 8 next month': the month is said once for both
        if previous is not None and previous.kind == "date" and _link(toks, previous.last, i):
            return mention
        if after is not None and _day_number(toks, after, bare=True):
            return mention
    return None


def _in_named_month(toks: _Tokens, mentions: list[_Mention], today: date) -> list[_Mention]:
    """Days written without a month go into the month that 'next month' / 'this month' names."""
    if toks.month_shift is None:
        return mentions
    year, month = _month_shift(today.year, today.month, toks.month_shift)
    return [
        replace(m, month=month, year=year) if m.kind == "date" and not m.month and not m.year else m for m in mentions
    ]


def _scan_all(toks: _Tokens) -> list[_Mention]:
    """Every date expression, left to right, without overlaps."""
    mentions: list[_Mention] = []
    i = 0
    while i < len(toks):
        previous = mentions[-1] if mentions else None
        mention = _scan_mention(toks, i) or _scan_range_day(toks, i, previous)
        if mention is None:
            i += 1
            continue
        mentions.append(mention)
        i = max(mention.last, i + 1)
    return mentions


# -- placing mentions on the calendar ----------------------------------------------------


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


def _resolve_weekday(mention: _Mention, today: date, ref: date) -> date:
    """last X: before today; X in a given week; otherwise the next X on or after ref."""
    if mention.past:
        return today - timedelta(days=(today.weekday() - mention.weekday - 1) % 7 + 1)
    if mention.week_shift is not None:
        return _monday(today) + timedelta(days=7 * mention.week_shift + mention.weekday)
    return ref + timedelta(days=(mention.weekday - ref.weekday()) % 7)


def _resolve_start(mention: _Mention, today: date) -> date | None:
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


def _previous_start(mention: _Mention, today: date) -> date | None:
    """The latest past occurrence of a start written without a year (None if it has one)."""
    if mention.kind != "date" or mention.year:
        return None
    if mention.month:
        return _previous_day_month(mention.day, mention.month, today)
    return _previous_day_of_month(mention.day, today)


def _resolve_end(mention: _Mention, start: date, today: date) -> date | None:
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


def _share_fields(first: _Mention, second: _Mention) -> tuple[_Mention, _Mention]:
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


def _resolve_pair(first: _Mention, second: _Mention, today: date) -> DateRange | None:
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


def _week_range(mention: _Mention, today: date) -> DateRange | None:
    """Monday to Friday of the week meant; 'this week' starts today."""
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


def _count_at(toks: _Tokens, i: int) -> int:
    """A count before 'days'/'weeks': a number, a spelled number, or 'a'."""
    token = toks.at(i)
    if token is None:
        return 0
    if token.kind == "num" and not token.ordinal and token.value > 0:
        return token.value
    return 1 if token.kind == "word" and token.word in ("a", "an") else 0


def _duration_days(toks: _Tokens) -> int:
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


def _resolve_alone(toks: _Tokens, mention: _Mention, today: date) -> DateRange | None:
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


def _day_after_follows(toks: _Tokens, i: int) -> bool:
    """'... and the day after' (not 'the day after tomorrow', which is a day of its own)."""
    if toks.word(i) != "and":
        return False
    j = toks.skip(i + 1, {"the"}, 1)
    return toks.word(j) == "day" and toks.word(j + 1) == "after" and toks.word(j + 2) != "tomorrow"


def _between_before(toks: _Tokens, i: int) -> bool:
    return any(toks.word(k) == "between" for k in range(i - 3, i))


def _build(toks: _Tokens, mentions: list[_Mention], today: date) -> DateRange | None:
    """The first linked pair of mentions makes the range; else the first mention alone."""
    for first, second in itertools.pairwise(mentions):
        link = _link(toks, first.last, second.first)
        if link is None or "week" in (first.kind, second.kind) or "weekof" in (first.kind, second.kind):
            continue
        found = _resolve_pair(first, second, today)
        if found is None:
            continue
        if link == "and" and not (_between_before(toks, first.first) or _is_consecutive(found)):
            continue
        return found
    return _resolve_alone(toks, mentions[0], today) if mentions else None


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
        tokens = _tokenize(text, day_first)
        if tokens is None:
            return None
        toks = _Tokens(tokens)
        return _build(toks, _in_named_month(toks, _scan_all(toks), today), today)
    except (OverflowError, ValueError):  # dates past year 9999 or before year 1
        return None


# -- saying it back ---------------------------------------------------------------------


def _day_label(day: date, *, month: bool = True, year: bool = False) -> str:
    label = f"{WEEKDAY_NAMES[day.weekday()]} {day.day}"
    if month:
        label += f" {MONTH_NAMES[day.month - 1]}"
    return f"{label} {day.year}" if year else label


def _part_suffix(part: DayPart) -> str:
    return "" if part is DayPart.FULL else f" ({part.value})"


def _single_day_suffix(r: DateRange) -> str:
    halves = [p.value for p in (r.start_part, r.end_part) if p is not DayPart.FULL]
    if not halves:
        return ""
    if len(halves) == 2 and halves[0] != halves[1]:
        return f" ({halves[0]} to {halves[1]})"
    return f" ({halves[0]})"


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
        return _day_label(r.start, year=other_year) + _single_day_suffix(r)
    halves = r.start_part is not DayPart.FULL or r.end_part is not DayPart.FULL
    if not crosses and not halves and r.start.month == r.end.month and r.start < r.end:
        return f"{_day_label(r.start, month=False)} – {_day_label(r.end, year=other_year)}"
    start_year = crosses and (r.end < r.start or (today is not None and r.start.year != today.year))
    start = _day_label(r.start, year=start_year) + _part_suffix(r.start_part)
    end = _day_label(r.end, year=crosses or other_year) + _part_suffix(r.end_part)
    return f"{start} – {end}"
