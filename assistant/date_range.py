"""The value a reading of dates produces: the days of a request and which half of a day, with calendar names.

Its own module so that the reader's parts (tokens, mentions, calendar) and the back office
(backoffice.hr_domain reads DayPart) share one definition without importing the reader.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum


class DayPart(StrEnum):
    """Which part of a day a leave covers: the whole day, or half of it (read from what people write)."""

    FULL = "full"
    MORNING = "morning"
    AFTERNOON = "afternoon"


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
