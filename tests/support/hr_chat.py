"""What the HR helpdesk's end-to-end tests (tests/e2e/test_hr.py) read in replies and how they pick leave dates.

Dates come from the back office's own calendar and quotes, so the tests hold on any day;
the facts of a reply (days left, taken, pending, a request's status) are read from its text
as an employee would read them; tampered and unsigned tokens are made from a real one.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from backoffice import leave_rules
from backoffice.errors import NotAllowed
from backoffice.hr_domain import LeaveBalance, LeaveQuote, LeaveStatus, LeaveType
from backoffice.sql.hr import SqlHR

SIGN_IN = "sign in"
SIGN_IN_PAGE = "/employee/login"
ASKS_LEAVE_TYPE = "what kind of leave"
ASKS_DATES = "which days"
CONFIRM_PAYLOADS = {"/affirm", "/deny"}
SEARCH_DAYS = 120  # how far ahead to look for dates a test can use
# How a request's status may be put: (words that must be on its line, words that must not).
STATUS_WORDS: dict[LeaveStatus, tuple[tuple[str, ...], tuple[str, ...]]] = {
    LeaveStatus.PENDING: (("waiting", "pending"), ("approved", "cancelled")),
    LeaveStatus.APPROVED: (("approved",), ("not approved", "rejected", "waiting", "pending", "cancelled")),
    LeaveStatus.REJECTED: (("not approved", "rejected", "declined"), ("waiting", "pending", "cancelled")),
    LeaveStatus.CANCELLED: (("cancelled",), ("waiting", "pending")),
}
NUMBER = r"(\d+(?:\.\d+)?)"


def today() -> date:
    return date.today()


def day_month(day: date) -> str:
    """`30 November`: how every reply writes a date, whatever it puts around it."""
    return f"{day.day} {day:%B}"


def spoken(start: date, end: date) -> str:
    """Dates as an employee types them, with the year so that nothing is left to guessing."""
    if start == end:
        return f"on {start.day} {start:%B} {start.year}"
    return f"from {start.day} {start:%B} {start.year} to {end.day} {end:%B} {end.year}"


def holidays(hr: SqlHR) -> set[date]:
    year = today().year
    return {holiday.day for y in (year, year + 1) for holiday in hr.public_holidays(y)}


def working_days_ahead(hr: SqlHR) -> Iterator[date]:
    """Working days from tomorrow on (weekends and the company's public holidays left out)."""
    off = holidays(hr)
    for offset in range(1, SEARCH_DAYS):
        day = today() + timedelta(days=offset)
        if leave_rules.is_working_day(day, off):
            yield day


def quotable(
    hr: SqlHR, employee_id: int, leave_type: LeaveType, ranges: Iterator[tuple[date, date]], *, days: Decimal
) -> LeaveQuote:
    """The first of `ranges` the back office would accept, costing `days`."""
    for start, end in ranges:
        try:
            quote = hr.quote_leave(employee_id, leave_type, start, end)
        except NotAllowed:
            continue
        if quote.days == days:
            return quote
    pytest.fail(f"no free {days}-day {leave_type} range for employee {employee_id} in the next {SEARCH_DAYS} days")


def single_days(hr: SqlHR) -> Iterator[tuple[date, date]]:
    """One working day, the soonest first (this year's, unless the year is about to end)."""
    for day in working_days_ahead(hr):
        yield day, day


def over_a_weekend(hr: SqlHR) -> Iterator[tuple[date, date]]:
    """Friday to Monday: two working days, the weekend not counted."""
    for day in working_days_ahead(hr):
        if day.weekday() == 4:
            yield day, day + timedelta(days=3)


def days_said(value: Decimal) -> str:
    """`2 days`, `1 day`, `2.5 days`: how a number of days reads in a reply."""
    number = f"{value.normalize():f}"
    return f"{number} day" if value == 1 else f"{number} days"


def balances(hr: SqlHR, employee_id: int, year: int | None = None) -> dict[LeaveType, LeaveBalance]:
    return {b.leave_type: b for b in hr.leave_balances(employee_id, year or today().year)}


def request_numbers(hr: SqlHR, employee_id: int) -> list[str]:
    return [r.number for r in hr.list_leave_requests(employee_id, limit=1000)]


def balance_facts(reply: str) -> dict[LeaveType, dict[str, Decimal]]:
    """Per leave type named on a line: days `left`, `allowance`, `taken` and `pending` (0 when not said)."""
    facts: dict[LeaveType, dict[str, Decimal]] = {}
    for line in reply.lower().splitlines():
        kind = next((t for t in LeaveType if t.value in line), None)
        left = re.search(rf"{NUMBER} days? left", line)
        if kind is None or left is None:
            continue
        found = {"left": Decimal(left.group(1))}
        for key, pattern in (
            ("allowance", rf"left of {NUMBER}"),
            ("taken", rf"{NUMBER} days? (?:taken|used)"),
            ("pending", rf"{NUMBER} days? pending"),
        ):
            match = re.search(pattern, line)
            found[key] = Decimal(match.group(1)) if match else Decimal(0)
        facts[kind] = found
    return facts


def expected_facts(balance: LeaveBalance) -> dict[str, Decimal]:
    return {
        "left": balance.available,
        "allowance": balance.entitlement + balance.carried_over,
        "taken": balance.used,
        "pending": balance.pending,
    }


def line_of(reply: str, number: str) -> str:
    lines = [line for line in reply.splitlines() if number in line]
    assert lines, f"{number} is not in the reply:\n{reply}"
    return lines[0].lower()


def assert_status(line: str, status: LeaveStatus, convo: Any) -> None:
    wanted, unwanted = STATUS_WORDS[status]
    assert any(word in line for word in wanted), f"{status} not said on {line!r}:\n{convo}"
    # "not approved" contains "approved": look at the line with the expected words taken out.
    rest = line
    for word in wanted:
        rest = rest.replace(word, "")
    for word in unwanted:
        assert word not in rest, f"{word!r} on the line of a {status} request {line!r}:\n{convo}"


def assert_no_hr_data(reply: str, convo: Any) -> None:
    """Nothing from anyone's HR records: no balances, no day counts, no request numbers, no pay date."""
    assert not balance_facts(reply), str(convo)
    assert not re.search(rf"{NUMBER} days?\b", reply), str(convo)
    assert "LR-" not in reply.upper(), str(convo)
    assert "payday is" not in reply.lower(), str(convo)


def assert_sign_in_explained(reply: str, convo: Any) -> None:
    assert SIGN_IN in reply.lower() and SIGN_IN_PAGE in reply, str(convo)
    assert_no_hr_data(reply, convo)


def tampered(token: str, subject: str) -> str:
    """The token with another employee in its claims and the original signature."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["sub"] = subject
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def unsigned(token: str) -> str:
    """The token's claims with `alg: none` and no signature."""
    _, payload, _ = token.split(".")
    header = base64.urlsafe_b64encode(b'{"alg":"none","typ":"JWT"}').rstrip(b"=").decode()
    return f"{header}.{payload}."


def request_through_form(convo: Any, leave_kind: str, start: date, end: date) -> str:
    """Ask for leave, answer the form (type, then dates); the reply to the dates."""
    first = convo.say("I'd like to book some leave")
    assert ASKS_LEAVE_TYPE in first.lower(), str(convo)
    assert any(b["payload"].startswith("/inform") for b in convo.buttons), str(convo)
    assert ASKS_DATES in convo.say(leave_kind).lower(), str(convo)
    return convo.say(spoken(start, end))
