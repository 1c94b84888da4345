"""The guessing caps' schedule (backoffice/attempts.py): what an attacker gets, as the README states it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from backoffice.attempts import Cap, default_caps, email_key

START = datetime(2026, 1, 1, tzinfo=UTC)


def guesses_within(cap: Cap, period: timedelta) -> int:
    """How many wrong guesses a key gets in `period` when every guess is made the moment it is allowed."""
    failures: list[datetime] = []
    now = START
    while now < START + period:
        until = cap.locked_until(failures, now)
        if until is None:
            failures.append(now)
            now += timedelta(seconds=1)
        else:
            now = until
    return len(failures)


def test_one_email_gets_fourteen_guesses_in_thirty_days() -> None:
    """5 free, then locks of 1, 2, 4 … 256 hours: the README's figure for a known e-mail."""
    assert guesses_within(default_caps()["email"], timedelta(days=30)) == 14


def test_one_reference_gets_nine_guesses_a_day() -> None:
    assert guesses_within(default_caps()["reference"], timedelta(days=1)) == 9


def test_one_client_gets_twenty_seven_guesses_in_a_week() -> None:
    assert guesses_within(default_caps()["client"], timedelta(days=7)) == 27


def test_a_cap_of_zero_is_off_and_old_failures_are_forgotten() -> None:
    off = Cap("email", 0, timedelta(hours=1), timedelta(days=1))
    assert off.locked_until([START] * 100, START) is None
    cap = default_caps()["reference"]
    assert cap.locked_until([START] * 5, START + timedelta(minutes=59)) is not None
    assert cap.locked_until([START] * 5, START + timedelta(days=1, minutes=1)) is None


def test_the_email_key_is_a_hash_of_the_normalised_address() -> None:
    assert email_key(" Alice@Example.com ") == email_key("alice@example.com")
    assert "alice" not in email_key("alice@example.com")
