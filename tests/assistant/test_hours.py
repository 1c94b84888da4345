"""Business hours as the team writes them, in its time zone."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from assistant.formatting import opening_hours
from assistant.hours import InvalidHours, parse_hours

FRIDAY_0900_UTC = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)  # 10:00 in Amsterdam
FRIDAY_1730_UTC = datetime(2026, 11, 27, 17, 30, tzinfo=UTC)  # 18:30 in Amsterdam
SATURDAY_1100_UTC = datetime(2026, 11, 28, 11, 0, tzinfo=UTC)


def test_weekday_hours_in_the_teams_time_zone() -> None:
    hours = parse_hours("mon-fri 08:00-18:00", "Europe/Amsterdam")
    assert hours.is_open(FRIDAY_0900_UTC)
    assert not hours.is_open(FRIDAY_1730_UTC)  # 17:30 UTC is after six in Amsterdam
    assert not hours.is_open(SATURDAY_1100_UTC)
    assert opening_hours(hours) == "Mon–Fri 08:00–18:00 (Europe/Amsterdam time)"


def test_several_ranges_always_and_never() -> None:
    hours = parse_hours("Mon-Fri 08:00-18:00, sat 10:00-14:00", "UTC")
    assert hours.is_open(SATURDAY_1100_UTC)
    assert parse_hours("always", "UTC").is_open(SATURDAY_1100_UTC)
    assert not parse_hours("never", "UTC").is_open(FRIDAY_0900_UTC)
    assert opening_hours(parse_hours("never", "UTC")) == "not available for live chat"
    assert parse_hours("mon 00:00-24:00", "UTC").is_open(datetime(2026, 11, 23, 23, 59, tzinfo=UTC))


@pytest.mark.parametrize(
    ("text", "zone", "reason"),
    [
        ("mon-fri 9-5", "UTC", "write it like"),
        ("fri-mon 08:00-18:00", "UTC", "backwards"),
        ("mon-fri 18:00-08:00", "UTC", "closes before it opens"),
        ("mon-fri 08:00-25:00", "UTC", "not a time of day"),
        ("funday 08:00-18:00", "UTC", "write it like"),
        ("mon-fri 08:00-18:00", "Mars/Olympus", "unknown time zone"),
    ],
)
def test_unreadable_hours_say_why(text: str, zone: str, reason: str) -> None:
    with pytest.raises(InvalidHours, match=reason):
        parse_hours(text, zone)
