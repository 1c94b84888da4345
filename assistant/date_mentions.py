"""Finds the date expressions in a message's tokens, before any is placed on the calendar.

"next Friday afternoon", "the 3rd", "3 to 7 March", "the week of 9 March", "tomorrow":
each becomes a Mention (what was said, and where in the tokens), left to right without
overlaps; how two of them are joined ("to", "and") is read here too. Which dates they
mean is assistant.date_calendar's job.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Literal

from assistant.date_range import DayPart
from assistant.date_tokens import Token

_MentionKind = Literal["date", "weekday", "offset", "week", "weekof"]


@dataclass(frozen=True)
class Mention:
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
    offset: int = 0  # days from today ("offset"), weeks from this one ("week"), the week of a month ("weekof": 1-4, -1)
    part: DayPart = DayPart.FULL


_FILLERS = frozenset({"the", "on", "of", "off", "up", "including", "inclusive", "incl"})
_CONNECTORS = frozenset({"to", "until", "through", "-"})
_UNITS_AFTER_NUMBER = frozenset(
    {"day", "week", "year", "hour", "hours", "hr", "hrs", "h", "am", "pm", "min", "mins", "minutes", "month"}
    | {"months", "working", "business", "work", "percent", "people", "times", "x"}
)
_COLON = Token("punct", word=":")  # "the 10:30 meeting" is a time, not the 10th
_PART_WORDS = {"morning": DayPart.MORNING, "afternoon": DayPart.AFTERNOON}
_SHORT_PART_WORDS = {"am": DayPart.MORNING, "pm": DayPart.AFTERNOON}
_WEEK_QUALIFIERS = {"this": 0, "next": 1, "following": 1, "last": -1}


def _month_qualifier(tokens: list[Token]) -> int | None:
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


class Tokens:
    """Tokens with safe look-ups past either end, so that patterns need no bounds checks."""

    def __init__(self, tokens: list[Token]) -> None:
        self.items = tokens
        self.month_shift = _month_qualifier(tokens)

    def __len__(self) -> int:
        return len(self.items)

    def at(self, i: int) -> Token | None:
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


def _day_number(toks: Tokens, i: int, *, bare: bool) -> int:
    """The day of month at i (0 if none). A plain number counts only when `bare` allows it."""
    token = toks.at(i)
    if token is None or token.kind != "num" or not 1 <= token.value <= 31:
        return 0
    if not token.ordinal and not bare:
        return 0
    if toks.word(i + 1) in _UNITS_AFTER_NUMBER or toks.at(i + 1) == _COLON:
        return 0
    return token.value


def _year_at(toks: Tokens, i: int) -> int:
    """A four-digit year right after a day and month (0 if none)."""
    token = toks.at(i)
    if token is not None and token.kind == "num" and not token.ordinal and 1900 <= token.value <= 2100:
        return token.value
    return 0


def _scan_relative_day(toks: Tokens, i: int) -> Mention | None:
    """today, tomorrow, yesterday, the day after tomorrow, this morning/afternoon."""
    word = toks.word(i)
    offsets = {"today": 0, "tomorrow": 1, "yesterday": -1}
    if word in offsets:
        return Mention(i, i + 1, "offset", offset=offsets[word])
    if word == "day" and toks.word(i + 1) == "after" and toks.word(i + 2) == "tomorrow":
        return Mention(i, i + 3, "offset", offset=2)
    if word == "day" and toks.word(i + 1) == "before" and toks.word(i + 2) == "yesterday":
        return Mention(i, i + 3, "offset", offset=-2)
    if word == "this" and toks.word(i + 1) in _PART_WORDS:
        return Mention(i, i + 2, "offset", part=_PART_WORDS[toks.word(i + 1)])
    return None


def _scan_holiday(toks: Tokens, i: int) -> Mention | None:
    """Christmas Eve and Day, Boxing Day, New Year's Eve and Day: fixed days of the year."""
    word, following = toks.word(i), toks.word(i + 1)
    if word == "christmas":
        if following == "eve":
            return Mention(i, i + 2, "date", day=24, month=12)
        return Mention(i, i + 1 + (following == "day"), "date", day=25, month=12)
    if word == "boxing" and following == "day":
        return Mention(i, i + 2, "date", day=26, month=12)
    if word == "new" and following == "year":
        if toks.word(i + 2) == "eve":
            return Mention(i, i + 3, "date", day=31, month=12)
        return Mention(i, i + 2 + (toks.word(i + 2) == "day"), "date", day=1, month=1)
    return None


def _weekday_after_week(toks: Tokens, i: int, j: int, shift: int) -> Mention | None:
    """'next week Friday', 'this week on Friday'."""
    k = toks.skip(j, {"on", "the"}, 2)
    token = toks.at(k)
    if token is not None and token.kind == "weekday":
        return Mention(i, k + 1, "weekday", weekday=token.value, week_shift=shift)
    return None


def _scan_week(toks: Tokens, i: int) -> Mention | None:
    """Whole working weeks: next week, this week, the rest of the week, the week after next, the week of X."""
    word = toks.word(i)
    if word in ("next", "this", "following") and toks.word(i + 1) == "week":
        shift = _WEEK_QUALIFIERS[word]
        return _weekday_after_week(toks, i, i + 2, shift) or Mention(i, i + 2, "week", offset=shift)
    if word == "rest" and toks.word(i + 1) == "of":
        j = toks.skip(i + 2, {"the", "this"}, 1)
        if toks.word(j) == "week":
            return Mention(i, j + 1, "week", offset=0)
    if word == "week" and toks.word(i + 1) == "after" and toks.word(i + 2) == "next":
        return Mention(i, i + 3, "week", offset=2)
    nth = _nth_week(toks, i)
    if nth and toks.word(i + 1) == "week" and toks.word(i + 2) == "of":
        # "the first week of January": its month's first (second, ..., last) week that starts on a Monday
        j = toks.skip(i + 3, {"the"}, 1)
        month = toks.at(j)
        if month is not None and month.kind == "month":
            year = _year_at(toks, j + 1)
            return Mention(i, j + 1 + bool(year), "weekof", day=1, month=month.value, year=year, offset=nth)
    if word == "week" and toks.word(i + 1) in ("of", "commencing", "beginning", "starting"):
        inner = _scan_point(toks, toks.skip(i + 2, {"the", "on"}, 1))
        if inner is not None and inner.kind == "date":
            return replace(inner, first=i, kind="weekof")
    return None


def _nth_week(toks: Tokens, i: int) -> int:
    """Which week of a month the word at i names: 1-4 ("first", "2nd"), -1 for "last", 0 for none."""
    token = toks.at(i)
    if token is not None and token.kind == "num" and token.ordinal and 1 <= token.value <= 4:
        return token.value
    return -1 if toks.word(i) == "last" else 0


def _weekday_suffix(toks: Tokens, j: int) -> tuple[int, int] | None:
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


def _scan_weekday(toks: Tokens, i: int) -> Mention | None:
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
    mention = Mention(i, j + 1, "weekday", weekday=token.value)
    if qualifier in ("next", "following"):
        return replace(mention, week_shift=1)
    if qualifier == "last":
        return replace(mention, past=True)
    if qualifier == "":
        return _with_week_suffix(toks, mention)
    return mention


def _with_week_suffix(toks: Tokens, mention: Mention) -> Mention:
    """Attach a trailing 'next week' to a bare weekday."""
    if mention.kind != "weekday" or mention.week_shift is not None or mention.past:
        return mention
    suffix = _weekday_suffix(toks, mention.last)
    if suffix is None:
        return mention
    shift, end = suffix
    return replace(mention, last=end, week_shift=shift, from_week_suffix=True)


def _scan_day_month(toks: Tokens, i: int) -> Mention | None:
    """3 March, 3rd of March 2026."""
    token = toks.at(i)
    if token is None or token.kind != "num" or not 1 <= token.value <= 31:
        return None
    j = toks.skip(i + 1, {"of"}, 1)
    month = toks.at(j)
    if month is None or month.kind != "month":
        return None
    year = _year_at(toks, j + 1)
    return Mention(i, j + 1 + (year > 0), "date", day=token.value, month=month.value, year=year)


def _scan_month_day(toks: Tokens, i: int) -> Mention | None:
    """March 3, March the 3rd, Dec 24 2026."""
    month = toks.at(i)
    if month is None or month.kind != "month":
        return None
    j = toks.skip(i + 1, {"the"}, 1)
    day = _day_number(toks, j, bare=True)
    if not day:
        return None
    year = _year_at(toks, j + 1)
    return Mention(i, j + 1 + (year > 0), "date", day=day, month=month.value, year=year)


def _scan_dated(toks: Tokens, i: int, *, bare: bool) -> Mention | None:
    """A calendar date at i: written with digits, day and month in either order, or a day alone."""
    token = toks.at(i)
    if token is not None and token.kind == "date":
        return Mention(i, i + 1, "date", day=token.day, month=token.month, year=token.year)
    found = _scan_day_month(toks, i) or _scan_month_day(toks, i)
    if found is not None:
        return found
    if toks.word(i) == "the":
        found = _scan_day_month(toks, i + 1)
        if found is not None:
            return replace(found, first=i)
        day = _day_number(toks, i + 1, bare=True)
        return Mention(i, i + 2, "date", day=day) if day else None
    token = toks.at(i)
    # A digit ordinal ("21st") is a day; a spelled one ("second") needs "the" or a month.
    if token is not None and token.kind == "num" and (bare or (token.ordinal and not token.word)):
        day = _day_number(toks, i, bare=bare)
        return Mention(i, i + 1, "date", day=day) if day else None
    return None


def _scan_point(toks: Tokens, i: int) -> Mention | None:
    """Any date expression starting at token i, without its day part."""
    return (
        _scan_relative_day(toks, i)
        or _scan_holiday(toks, i)
        or _scan_week(toks, i)
        or _scan_weekday(toks, i)
        or _scan_dated(toks, i, bare=False)
    )


def _part_after(toks: Tokens, j: int) -> tuple[DayPart, int] | None:
    """'morning', 'in the afternoon', 'am' right after a day."""
    if toks.word(j) in _SHORT_PART_WORDS:
        return _SHORT_PART_WORDS[toks.word(j)], j + 1
    k = toks.skip(j, {"in", "the", "off"}, 3)
    if toks.word(k) in _PART_WORDS:
        return _PART_WORDS[toks.word(k)], k + 1
    return None


def _with_part(toks: Tokens, mention: Mention) -> Mention:
    """Attach a following day part, then a 'next week' that may come after it."""
    if mention.part is DayPart.FULL and mention.kind not in ("week", "weekof"):
        after = _part_after(toks, mention.last)
        if after is not None:
            mention = replace(mention, part=after[0], last=after[1])
    return _with_week_suffix(toks, mention)


def _scan_mention(toks: Tokens, i: int) -> Mention | None:
    """A date expression with its day part: 'Friday afternoon', 'the morning of the 5th'."""
    word = toks.word(i)
    if word in _PART_WORDS and toks.word(i - 1) != "good":
        inner = _scan_point(toks, toks.skip(i + 1, {"off", "of", "on", "the"}, 3))
        if inner is not None and inner.kind not in ("week", "weekof") and inner.part is DayPart.FULL:
            return _with_week_suffix(toks, replace(inner, first=i, part=_PART_WORDS[word]))
    mention = _scan_point(toks, i)
    return _with_part(toks, mention) if mention is not None else None


def link_between(toks: Tokens, start: int, end: int) -> str | None:
    """How two mentions are joined: 'to' (to, till, through, a dash), 'and' (also side by side, as in "mon
    tue"), or None."""
    if end == start:
        return "and"
    if not 0 < end - start <= 5:
        return None
    words = [toks.word(k) for k in range(start, end)]
    if any(w not in _CONNECTORS and w not in _FILLERS and w != "and" for w in words):
        return None
    if any(w in _CONNECTORS for w in words):
        return "to"
    return "and" if "and" in words else None


def _connector_end(toks: Tokens, i: int) -> int | None:
    """The index after a connector group starting at i, if there is one."""
    end = i
    while end - i < 5 and (toks.word(end) in _CONNECTORS or toks.word(end) in _FILLERS or toks.word(end) == "and"):
        end += 1
    return end if link_between(toks, i, end) else None


def _has_month(mention: Mention | None) -> bool:
    return mention is not None and mention.kind == "date" and mention.month > 0


def _scan_range_day(toks: Tokens, i: int, previous: Mention | None) -> Mention | None:
    """A plain number is a day only next to a month across a connector: '3 to 7 March', 'March 3 - 7'."""
    day = _day_number(toks, i, bare=True)
    if not day:
        return None
    mention = _with_part(toks, Mention(i, i + 1, "date", day=day))
    if _has_month(previous) and previous is not None and link_between(toks, previous.last, i):
        return mention
    after = _connector_end(toks, mention.last)
    if after is not None and _has_month(_scan_mention(toks, after)):
        return mention
    if toks.month_shift is not None:  # 'from 4 to 8 next month': the month is said once for both
        if previous is not None and previous.kind == "date" and link_between(toks, previous.last, i):
            return mention
        if after is not None and _day_number(toks, after, bare=True):
            return mention
    return None


def scan_all(toks: Tokens) -> list[Mention]:
    """Every date expression, left to right, without overlaps."""
    mentions: list[Mention] = []
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
