"""When people are there to take a conversation: the team's business hours.

Written as the team would say it: "mon-fri 08:00-18:00" (several ranges separated
by commas: "mon-fri 08:00-18:00, sat 10:00-14:00"), in the team's time zone.
"always" means around the clock, "never" that nobody takes chats live (every
handoff becomes a message).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, time
from zoneinfo import ZoneInfo

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_RANGE_RE = re.compile(
    r"^(?P<first>[a-z]{3})(?:-(?P<last>[a-z]{3}))?\s+(?P<opens>\d{1,2}:\d{2})-(?P<closes>\d{1,2}:\d{2})$"
)


class InvalidHours(ValueError):
    """The business hours setting cannot be read."""


@dataclass(frozen=True)
class OpeningSpan:
    days: frozenset[int]  # 0 = Monday
    opens: time
    closes: time

    def covers(self, moment: datetime) -> bool:
        return moment.weekday() in self.days and self.opens <= moment.time() < self.closes


@dataclass(frozen=True)
class BusinessHours:
    spans: tuple[OpeningSpan, ...]
    timezone: ZoneInfo
    text: str

    def is_open(self, moment: datetime) -> bool:
        """Whether someone is there at `moment` (an aware datetime)."""
        local = moment.astimezone(self.timezone)
        return any(span.covers(local) for span in self.spans)


def _time(text: str) -> time:
    hours, minutes = (int(part) for part in text.split(":"))
    if hours == 24 and minutes == 0:
        return time.max
    if not (0 <= hours < 24 and 0 <= minutes < 60):
        raise InvalidHours(f"{text} is not a time of day")
    return time(hours, minutes)


def parse_hours(text: str, timezone: str) -> BusinessHours:
    """Read a business-hours setting; raises InvalidHours with the reason."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError) as error:
        raise InvalidHours(f"unknown time zone {timezone!r}") from error
    spec = " ".join(text.lower().split())
    if spec == "always":
        return BusinessHours((OpeningSpan(frozenset(range(7)), time.min, time.max),), zone, text)
    if spec == "never":
        return BusinessHours((), zone, text)
    spans = []
    for part in spec.split(","):
        match = _RANGE_RE.match(part.strip())
        if not match or match["first"] not in DAYS or (match["last"] and match["last"] not in DAYS):
            raise InvalidHours(f"cannot read {part.strip()!r}: write it like 'mon-fri 08:00-18:00'")
        first = DAYS.index(match["first"])
        last = DAYS.index(match["last"]) if match["last"] else first
        if last < first:
            raise InvalidHours(f"{part.strip()!r}: the days run backwards")
        opens, closes = _time(match["opens"]), _time(match["closes"])
        if closes <= opens:
            raise InvalidHours(f"{part.strip()!r}: it closes before it opens")
        spans.append(OpeningSpan(frozenset(range(first, last + 1)), opens, closes))
    return BusinessHours(tuple(spans), zone, text)
