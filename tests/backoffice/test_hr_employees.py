"""`SqlEmployees` (who an employee is, Telegram link codes), through `SqlHR` on a real migrated, seeded database."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from backoffice.errors import NotAllowed, NotFound
from backoffice.sql.hr import SqlHR
from backoffice.sql.hr_employees import LINK_CODE_VALIDITY
from backoffice.sql.hr_models import TelegramLinkCodeRow
from demo.employees import DemoEmployee

Dump = dict[str, list[tuple[Any, ...]]]


# -- who -------------------------------------------------------------------------------------


def test_get_employee_and_lookups(hr: SqlHR, employee: DemoEmployee) -> None:
    found = hr.get_employee(employee.employee_id)
    assert (found.number, found.email, found.manager_id) == (employee.number, employee.email, employee.manager_id)
    assert hr.employee_by_email(f"  {employee.email.upper()} ") == found
    assert hr.employee_by_slack_user(employee.slack_user_id or "") == found
    assert hr.employee_by_email("nobody@northwind.example") is None
    assert hr.employee_by_email("") is None
    assert hr.employee_by_slack_user("U0NOBODY") is None
    assert hr.employee_by_telegram_user("12345") is None
    with pytest.raises(NotFound):
        hr.get_employee(999_999)


# -- Telegram link codes ---------------------------------------------------------------------


def test_a_link_code_links_the_telegram_account_once(hr: SqlHR, employee: DemoEmployee) -> None:
    code = hr.issue_telegram_link_code(employee.employee_id)
    assert len(code) == 6 and code.isdigit()
    linked = hr.redeem_telegram_link_code(f" {code[:3]} {code[3:]} ", "777000111")
    assert linked.id == employee.employee_id and linked.telegram_user_id == "777000111"
    assert hr.employee_by_telegram_user("777000111") == linked
    with pytest.raises(NotAllowed) as reused:
        hr.redeem_telegram_link_code(code, "777000111")
    assert reused.value.reason == "used_code"


@pytest.mark.parametrize("code", ["", "abcdef", "12345", "1234567", "12 34 5x"])
def test_a_malformed_code_is_invalid(hr: SqlHR, code: str) -> None:
    with pytest.raises(NotAllowed) as refused:
        hr.redeem_telegram_link_code(code, "777000111")
    assert refused.value.reason == "invalid_code"


def test_a_wrong_code_is_invalid(hr: SqlHR, employee: DemoEmployee) -> None:
    code = hr.issue_telegram_link_code(employee.employee_id)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    with pytest.raises(NotAllowed) as refused:
        hr.redeem_telegram_link_code(wrong, "777000111")
    assert refused.value.reason == "invalid_code"
    assert hr.get_employee(employee.employee_id).telegram_user_id is None


def test_five_refused_codes_lock_the_telegram_account_for_an_hour(
    hr: SqlHR, employee: DemoEmployee, clock: Any
) -> None:
    code = hr.issue_telegram_link_code(employee.employee_id)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    for _ in range(5):
        with pytest.raises(NotAllowed) as refused:
            hr.redeem_telegram_link_code(wrong, "777000111")
        assert refused.value.reason == "invalid_code"
    with pytest.raises(NotAllowed) as locked:
        hr.redeem_telegram_link_code(code, "777000111")  # even the right code, while locked
    assert locked.value.reason == "too_many_attempts"
    assert hr.get_employee(employee.employee_id).telegram_user_id is None
    # Another Telegram account is not affected, and the lock ends after the window.
    other = hr.issue_telegram_link_code(employee.employee_id)
    assert hr.redeem_telegram_link_code(other, "555000222").telegram_user_id == "555000222"
    clock.advance(timedelta(hours=1, seconds=1))
    again = hr.issue_telegram_link_code(employee.employee_id)
    assert hr.redeem_telegram_link_code(again, "777000111").id == employee.employee_id


def test_reused_and_expired_codes_count_as_refusals(hr: SqlHR, employee: DemoEmployee, clock: Any) -> None:
    used = hr.issue_telegram_link_code(employee.employee_id)
    hr.redeem_telegram_link_code(used, "555000222")
    for _ in range(5):
        with pytest.raises(NotAllowed):
            hr.redeem_telegram_link_code(used, "777000111")
    fresh = hr.issue_telegram_link_code(employee.employee_id)
    with pytest.raises(NotAllowed) as locked:
        hr.redeem_telegram_link_code(fresh, "777000111")
    assert locked.value.reason == "too_many_attempts"


def test_a_code_expires_after_ten_minutes(hr: SqlHR, employee: DemoEmployee, clock: Any) -> None:
    late = hr.issue_telegram_link_code(employee.employee_id)
    clock.advance(LINK_CODE_VALIDITY)
    with pytest.raises(NotAllowed) as refused:
        hr.redeem_telegram_link_code(late, "777000111")
    assert refused.value.reason == "expired_code"
    in_time = hr.issue_telegram_link_code(employee.employee_id)
    clock.advance(LINK_CODE_VALIDITY - timedelta(seconds=1))
    assert hr.redeem_telegram_link_code(in_time, "777000111").id == employee.employee_id


def test_a_new_code_invalidates_the_older_ones(hr: SqlHR, employee: DemoEmployee, clock: Any) -> None:
    old = hr.issue_telegram_link_code(employee.employee_id)
    clock.advance(timedelta(seconds=30))
    new = hr.issue_telegram_link_code(employee.employee_id)
    if old != new:  # one chance in a million that they are the same digits
        with pytest.raises(NotAllowed) as refused:
            hr.redeem_telegram_link_code(old, "777000111")
        assert refused.value.reason == "expired_code"
    assert hr.redeem_telegram_link_code(new, "777000111").id == employee.employee_id


def test_codes_are_stored_hashed(
    hr: SqlHR, employee: DemoEmployee, engine: Engine, db_dump: Callable[[], Dump]
) -> None:
    code = hr.issue_telegram_link_code(employee.employee_id)
    with Session(engine) as session:
        row = session.scalars(select(TelegramLinkCodeRow)).one()
    assert row.code_hash == hashlib.sha256(code.encode()).hexdigest()
    assert row.employee_id == employee.employee_id and row.used_at is None
    assert all(code not in str(value) for row in db_dump()["telegram_link_codes"] for value in row)


def test_a_telegram_account_moves_to_the_employee_who_links_it(
    hr: SqlHR, employee: DemoEmployee, colleague: DemoEmployee
) -> None:
    hr.redeem_telegram_link_code(hr.issue_telegram_link_code(employee.employee_id), "777000111")
    moved = hr.redeem_telegram_link_code(hr.issue_telegram_link_code(colleague.employee_id), "777000111")
    assert moved.id == colleague.employee_id
    assert hr.get_employee(employee.employee_id).telegram_user_id is None
    assert hr.employee_by_telegram_user("777000111") == moved


def test_codes_for_an_unknown_employee_are_refused(hr: SqlHR) -> None:
    with pytest.raises(NotFound):
        hr.issue_telegram_link_code(999_999)
