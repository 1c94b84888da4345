"""Cuts a chat message into the tokens the date reader knows (assistant.dates reads the rest).

Keywords, months and weekdays by their spellings, abbreviations and slips (a typo within
one or two edits of a full name, first letter right), numbers spelled or written ("3rd",
"twenty first"), and numeric dates in one order for the whole message: the company's
(day-first by default) unless only the other order makes dates of them all.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Literal

from rapidfuzz.distance import OSA

from assistant.date_range import MONTH_NAMES, WEEKDAY_NAMES

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
class Token:
    """One normalised piece of the text: a keyword, a month, a weekday, a number or a date."""

    kind: _TokKind
    word: str = ""  # canonical keyword for words; the spelled word for spelled numbers
    value: int = 0  # month 1-12, weekday 0-6 or the number
    ordinal: bool = False  # 3rd, third
    day: int = 0  # for dates written with digits
    month: int = 0
    year: int = 0  # 0 when not written
    as_written: bool = False  # a slash/dash date whose order is not settled yet: day=first, month=second


def _alias_table() -> dict[str, Token]:
    """Exact spellings (full names, abbreviations, frequent slips) of what the parser knows."""
    table: dict[str, Token] = {}
    months = {m.lower(): i + 1 for i, m in enumerate(MONTH_NAMES)}
    months.update({"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8})
    months.update({"sep": 9, "sept": 9, "oct": 10, "nov": 11, "dec": 12})
    for name, month in months.items():
        table[name] = Token("month", value=month)
    weekdays = {w.lower(): i for i, w in enumerate(WEEKDAY_NAMES)}
    weekdays.update({"mon": 0, "tue": 1, "tues": 1, "wed": 2, "weds": 2, "thu": 3, "thur": 3, "thurs": 3})
    weekdays.update({"fri": 4, "sat": 5, "sun": 6})
    for name, weekday in weekdays.items():
        table[name] = Token("weekday", value=weekday)
    for i, name in enumerate(_NUMBER_WORDS, start=1):
        table[name] = Token("num", word=name, value=i)
    table["twenty"] = Token("num", word="twenty", value=20)
    table["thirty"] = Token("num", word="thirty", value=30)
    for i, name in enumerate(_ORDINAL_WORDS, start=1):
        table[name] = Token("num", word=name, value=i, ordinal=True)
    table["twentieth"] = Token("num", word="twentieth", value=20, ordinal=True)
    table["thirtieth"] = Token("num", word="thirtieth", value=30, ordinal=True)
    for canonical, spellings in _KEYWORD_SPELLINGS.items():
        for spelling in spellings:
            table[spelling] = Token("word", word=canonical)
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
_FUZZY_TARGETS: tuple[tuple[str, Token], ...] = tuple(
    [(m.lower(), Token("month", value=i + 1)) for i, m in enumerate(MONTH_NAMES)]
    + [(w.lower(), Token("weekday", value=i)) for i, w in enumerate(WEEKDAY_NAMES)]
    + [(k, Token("word", word=k)) for k in ("tomorrow", "yesterday", "morning", "afternoon", "between")]
)


def _fuzzy_match(word: str) -> Token | None:
    """The closest known name within the typo budget, or None for an ordinary word."""
    if not 5 <= len(word) <= 12:
        return None
    best: Token | None = None
    best_distance = 3
    for target, token in _FUZZY_TARGETS:
        if target[0] != word[0]:
            continue
        limit = 2 if len(target) >= 8 and len(word) >= 6 else 1
        # Optimal string alignment: a swap of two neighbouring letters ("wendesday") is one edit.
        distance = OSA.distance(word, target, score_cutoff=limit)
        if distance <= limit and distance < best_distance:
            best, best_distance = token, distance
    return best


@lru_cache(maxsize=4096)
def _word_token(word: str) -> Token:
    """A word as the parser sees it: a known name, a keyword, or itself."""
    return _ALIASES.get(word) or _fuzzy_match(word) or Token("word", word=word)


def _numeric_date_token(text: str, with_year: bool) -> Token:
    """12/03, 12-03-2026 as written (the order is settled for the whole message), 12.03.2026 day-first."""
    parts = [int(p) for p in re.split(r"[-/.]", text.rstrip("."))]
    first, second = parts[0], parts[1]
    year = 0
    if with_year:
        year = parts[2] + 2000 if parts[2] < 100 else parts[2]
    return Token("date", day=first, month=second, year=year, as_written="." not in text)


def _fits(token: Token, day_first: bool) -> bool:
    day, month = (token.day, token.month) if day_first else (token.month, token.day)
    return 1 <= month <= 12 and 1 <= day <= 31


def _settle_numeric_order(tokens: list[Token], day_first: bool) -> list[Token] | None:
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


def _token_from_match(match: re.Match[str]) -> Token:
    """Turn one regex match into a token."""
    group = match.lastgroup
    text = match.group(0)
    if group == "iso":
        year, month, day = (int(p) for p in text.split("-"))
        return Token("date", day=day, month=month, year=year)
    if group in ("dmy", "dm", "dotted"):
        return _numeric_date_token(text, with_year=group == "dmy")
    if group == "suffix" or match.group("num") is not None:
        digits = match.group("num")
        value = int(digits) if len(digits) <= 6 else -1
        return Token("num", value=value, ordinal=match.group("suffix") is not None)
    if group == "word":
        return _word_token(text)
    if group == "dash":
        return Token("dash", word="-")
    return Token("punct", word=text)


def _merge_compound_ordinals(tokens: list[Token]) -> list[Token]:
    """'twenty first' / 'twenty-first' become the ordinal 21."""
    merged: list[Token] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.kind == "num" and token.word in ("twenty", "thirty"):
            j = i + 1 + (i + 1 < len(tokens) and tokens[i + 1].kind == "dash")
            unit = tokens[j] if j < len(tokens) else None
            if unit is not None and unit.kind == "num" and unit.ordinal and unit.word and unit.value <= 9:
                merged.append(Token("num", word="compound", value=token.value + unit.value, ordinal=True))
                i = j + 1
                continue
        merged.append(token)
        i += 1
    return merged


# "Jan 28 & 29", "fri + mon", "thurs n fri": the sign, or the texting "n", is the word "and" (a plus only between two
# words or numbers: "+31 …" is a phone number; an "n" only as a word of its own between two others).
_AMPERSAND_OR_PLUS = re.compile(r"&|(?<=\w)\s*\+\s*(?=\w)|(?<=\w)\s+n\s+(?=\w)")


def tokenize(text: str, day_first: bool = True) -> list[Token] | None:
    """Lower-case, drop apostrophes and commas, and split into tokens (None: numeric dates ambiguous)."""
    cleaned = _AMPERSAND_OR_PLUS.sub(" and ", text.lower().replace("'", "").replace("’", ""))
    tokens = _settle_numeric_order([_token_from_match(m) for m in _TOKEN_RE.finditer(cleaned)], day_first)
    return _merge_compound_ordinals(tokens) if tokens is not None else None
