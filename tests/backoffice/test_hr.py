"""`SqlHR` against a real migrated and seeded database (today is Sunday 15 June 2025).

The seeded requests lie before 14 October 2025, so the tests ask for leave in
November and December, when everybody's calendar is free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from backoffice.errors import BackofficeUnavailable, NotAllowed, NotFound
from backoffice.hr_domain import DayPart, LeaveStatus, LeaveType, normalise_leave_request_number
from backoffice.leave_rules import ENTITLEMENTS
from backoffice.sql.engine import make_engine
from backoffice.sql.hr import HR_DIRECTOR_NUMBER, SqlHR
from demo.employees import DemoEmployee

Dump = dict[str, list[tuple[Any, ...]]]

THANKSGIVING_WEEK = (date(2025, 11, 24), date(2025, 11, 28))  # Monday to Friday, two holidays
DECEMBER_MONDAY, DECEMBER_TUESDAY = date(2025, 12, 8), date(2025, 12, 9)
CEO_ID = 1


def vacation(hr: SqlHR, employee_id: int, year: int = 2025) -> Any:
    return next(b for b in hr.leave_balances(employee_id, year) if b.leave_type is LeaveType.VACATION)


# -- balances and requests -------------------------------------------------------------------


def test_balances_follow_the_requests(hr: SqlHR, employee: DemoEmployee) -> None:
    balances = hr.leave_balances(employee.employee_id, 2025)
    assert [balance.leave_type for balance in balances] == list(LeaveType)
    requests = hr.list_leave_requests(employee.employee_id, limit=100)
    for balance in balances:
        of_type = [r for r in requests if r.leave_type is balance.leave_type and r.start.year == 2025]
        assert balance.entitlement == ENTITLEMENTS[balance.leave_type]
        assert balance.used == sum(r.days for r in of_type if r.status is LeaveStatus.APPROVED)
        assert balance.pending == sum(r.days for r in of_type if r.status is LeaveStatus.PENDING)
        assert balance.available == balance.entitlement + balance.carried_over - balance.used - balance.pending
    assert vacation(hr, employee.employee_id).available >= 5


def test_a_year_without_entitlements_gets_the_policy(hr: SqlHR, employee: DemoEmployee) -> None:
    balance = vacation(hr, employee.employee_id, 2031)
    assert (balance.entitlement, balance.carried_over, balance.used, balance.pending) == (20, 0, 0, 0)


def test_list_leave_requests_newest_first_and_only_own(hr: SqlHR, employee: DemoEmployee) -> None:
    requests = hr.list_leave_requests(employee.employee_id)
    assert 0 < len(requests) <= 10
    assert all(request.employee_id == employee.employee_id for request in requests)
    assert [r.created_at for r in requests] == sorted((r.created_at for r in requests), reverse=True)
    assert len(hr.list_leave_requests(employee.employee_id, limit=2)) == 2
    assert hr.list_leave_requests(employee.employee_id, limit=0) == []


def test_someone_elses_request_looks_exactly_like_a_missing_one(
    hr: SqlHR, employee: DemoEmployee, colleague: DemoEmployee
) -> None:
    theirs = colleague.pending_request
    assert theirs is not None
    with pytest.raises(NotFound) as other:
        hr.get_leave_request(theirs, employee.employee_id)
    with pytest.raises(NotFound) as missing:
        hr.get_leave_request("LR-99999", employee.employee_id)
    with pytest.raises(NotFound) as garbage:
        hr.get_leave_request("hello", employee.employee_id)
    assert str(other.value) == str(missing.value) == str(garbage.value)
    assert theirs not in str(other.value)
    with pytest.raises(NotFound):
        hr.cancel_leave_request(theirs, employee.employee_id)


def test_get_leave_request_accepts_a_messy_number(hr: SqlHR, employee: DemoEmployee) -> None:
    number = employee.pending_request
    assert number is not None
    digits = str(int(number.removeprefix("LR-")))
    request = hr.get_leave_request(f"lr {digits}", employee.employee_id)
    assert request.number == number and request.status is LeaveStatus.PENDING


@pytest.mark.parametrize(
    ("text", "number"),
    [("LR-00042", "LR-00042"), ("lr 42", "LR-00042"), ("#42", "LR-00042"), ("see LR42 please", "LR-00042")],
)
def test_leave_request_numbers_are_normalised(text: str, number: str) -> None:
    assert normalise_leave_request_number(text) == number


@pytest.mark.parametrize("text", ["", "hello", "ORD-10042", "2 days from 3 March", "0"])
def test_other_text_is_no_leave_request_number(text: str) -> None:
    assert normalise_leave_request_number(text) is None


# -- quotes and their refusals ---------------------------------------------------------------


def test_quote_counts_working_days_and_names_the_holidays(
    hr: SqlHR, employee: DemoEmployee, db_dump: Callable[[], Dump]
) -> None:
    before = db_dump()
    available = vacation(hr, employee.employee_id).available
    quote = hr.quote_leave(employee.employee_id, LeaveType.VACATION, *THANKSGIVING_WEEK)
    assert quote.days == 3
    assert [name for _, name in quote.holidays] == ["Thanksgiving Day", "Day after Thanksgiving"]
    assert quote.available_after == available - 3
    assert db_dump() == before


def test_quote_counts_half_days(hr: SqlHR, employee: DemoEmployee) -> None:
    quote = hr.quote_leave(
        employee.employee_id, LeaveType.VACATION, DECEMBER_MONDAY, DECEMBER_TUESDAY, DayPart.AFTERNOON
    )
    assert quote.days == Decimal("1.5")
    morning = hr.quote_leave(
        employee.employee_id, LeaveType.PERSONAL, DECEMBER_MONDAY, DECEMBER_MONDAY, DayPart.MORNING
    )
    assert morning.days == Decimal("0.5")


@pytest.mark.parametrize(
    ("start", "end", "parts", "reason"),
    [
        (date(2025, 12, 9), date(2025, 12, 8), (DayPart.FULL, DayPart.FULL), "end_before_start"),
        (date(2025, 12, 9), date(2025, 12, 9), (DayPart.AFTERNOON, DayPart.MORNING), "end_before_start"),
        (date(2025, 6, 13), date(2025, 6, 20), (DayPart.FULL, DayPart.FULL), "in_the_past"),
        (date(2025, 6, 14), date(2025, 6, 13), (DayPart.FULL, DayPart.FULL), "end_before_start"),  # checked first
        (date(2025, 11, 3), date(2026, 2, 27), (DayPart.FULL, DayPart.FULL), "too_long"),
        (date(2025, 11, 3), date(2030, 1, 1), (DayPart.FULL, DayPart.FULL), "too_long"),
        (date(2025, 11, 29), date(2025, 11, 30), (DayPart.FULL, DayPart.FULL), "no_working_days"),
        (date(2025, 11, 27), date(2025, 11, 28), (DayPart.FULL, DayPart.FULL), "no_working_days"),
    ],
)
def test_quote_refusals(
    hr: SqlHR, employee: DemoEmployee, start: date, end: date, parts: tuple[DayPart, DayPart], reason: str
) -> None:
    with pytest.raises(NotAllowed) as refused:
        hr.quote_leave(employee.employee_id, LeaveType.PARENTAL, start, end, *parts)
    assert refused.value.reason == reason
    with pytest.raises(NotAllowed) as again:
        hr.request_leave(employee.employee_id, LeaveType.PARENTAL, start, end, *parts)
    assert again.value.reason == reason


def test_sixty_working_days_are_allowed(hr: SqlHR, employee: DemoEmployee) -> None:
    # 3 November 2025 to 30 January 2026: 65 weekdays, five of them holidays.
    quote = hr.quote_leave(employee.employee_id, LeaveType.PARENTAL, date(2025, 11, 3), date(2026, 1, 30))
    assert quote.days == 60


def test_overlap_with_a_pending_request_names_it(hr: SqlHR, employee: DemoEmployee) -> None:
    number = employee.pending_request
    assert number is not None
    pending = hr.get_leave_request(number, employee.employee_id)
    with pytest.raises(NotAllowed) as refused:
        hr.quote_leave(employee.employee_id, LeaveType.PERSONAL, pending.end, pending.end)
    assert (refused.value.reason, refused.value.facts) == ("overlaps", {"request": number})
    # In the past and overlapping: the past is reported first.
    with pytest.raises(NotAllowed) as past:
        hr.quote_leave(employee.employee_id, LeaveType.PERSONAL, date(2025, 6, 13), pending.end)
    assert past.value.reason == "in_the_past"


def test_half_days_only_overlap_when_they_share_a_half(hr: SqlHR, employee: DemoEmployee) -> None:
    first = hr.request_leave(
        employee.employee_id, LeaveType.VACATION, DECEMBER_MONDAY, DECEMBER_TUESDAY, end_part=DayPart.MORNING
    )
    afternoon = hr.request_leave(
        employee.employee_id, LeaveType.PERSONAL, DECEMBER_TUESDAY, DECEMBER_TUESDAY, DayPart.AFTERNOON
    )
    assert afternoon.days == Decimal("0.5")
    for start_part in (DayPart.FULL, DayPart.AFTERNOON):
        with pytest.raises(NotAllowed) as refused:
            hr.quote_leave(employee.employee_id, LeaveType.PERSONAL, DECEMBER_MONDAY, DECEMBER_MONDAY, start_part)
        assert (refused.value.reason, refused.value.facts) == ("overlaps", {"request": first.number})


def test_cancelled_and_rejected_requests_do_not_block_the_days(hr: SqlHR, employee: DemoEmployee) -> None:
    request = hr.request_leave(employee.employee_id, LeaveType.VACATION, DECEMBER_MONDAY, DECEMBER_TUESDAY)
    hr.cancel_leave_request(request.number, employee.employee_id)
    again = hr.request_leave(employee.employee_id, LeaveType.VACATION, DECEMBER_MONDAY, DECEMBER_TUESDAY)
    assert employee.manager_id is not None
    hr.decide_leave_request(again.number, employee.manager_id, approve=False, note="")
    assert hr.quote_leave(employee.employee_id, LeaveType.VACATION, DECEMBER_MONDAY, DECEMBER_TUESDAY).days == 2


def test_insufficient_balance_says_what_is_available(hr: SqlHR, employee: DemoEmployee) -> None:
    personal = next(b for b in hr.leave_balances(employee.employee_id, 2025) if b.leave_type is LeaveType.PERSONAL)
    with pytest.raises(NotAllowed) as refused:
        hr.quote_leave(employee.employee_id, LeaveType.PERSONAL, date(2025, 12, 1), date(2025, 12, 4))  # 4 days
    assert refused.value.reason == "insufficient_balance"
    assert refused.value.facts == {"available": personal.available}
    # The other leave types are not touched by it.
    assert hr.quote_leave(employee.employee_id, LeaveType.SICK, date(2025, 12, 1), date(2025, 12, 4)).days == 4


def test_an_unknown_employee_cannot_ask(hr: SqlHR) -> None:
    with pytest.raises(NotFound):
        hr.quote_leave(999_999, LeaveType.VACATION, DECEMBER_MONDAY, DECEMBER_MONDAY)
    with pytest.raises(NotFound):
        hr.request_leave(999_999, LeaveType.VACATION, DECEMBER_MONDAY, DECEMBER_MONDAY)
    with pytest.raises(NotFound):
        hr.leave_balances(999_999, 2025)


# -- requesting, cancelling, deciding ---------------------------------------------------------


def test_a_request_is_pending_with_the_manager_and_reserves_its_days(hr: SqlHR, employee: DemoEmployee) -> None:
    before = vacation(hr, employee.employee_id)
    request = hr.request_leave(employee.employee_id, LeaveType.VACATION, *THANKSGIVING_WEEK)
    assert request.status is LeaveStatus.PENDING
    assert request.approver_id == employee.manager_id
    assert request.days == 3 and request.decided_at is None
    assert normalise_leave_request_number(request.number) == request.number
    after = vacation(hr, employee.employee_id)
    assert (after.pending, after.used) == (before.pending + 3, before.used)
    assert hr.get_leave_request(request.number, employee.employee_id) == request
    assert hr.list_leave_requests(employee.employee_id)[0] == request
    assert employee.manager_id is not None
    assert request in hr.pending_requests_for_approver(employee.manager_id)


def test_a_request_across_new_year_is_charged_to_each_year(hr: SqlHR, employee: DemoEmployee) -> None:
    before = {year: vacation(hr, employee.employee_id, year).pending for year in (2025, 2026)}
    request = hr.request_leave(employee.employee_id, LeaveType.VACATION, date(2025, 12, 29), date(2026, 1, 2))
    assert request.days == 4  # 1 January is a holiday
    assert vacation(hr, employee.employee_id, 2025).pending == before[2025] + 3
    assert vacation(hr, employee.employee_id, 2026).pending == before[2026] + 1


def test_the_ceos_requests_go_to_the_hr_director(hr: SqlHR) -> None:
    ceo = hr.get_employee(CEO_ID)
    assert ceo.manager_id is None
    request = hr.request_leave(CEO_ID, LeaveType.VACATION, DECEMBER_MONDAY, DECEMBER_MONDAY)
    assert request.approver_id is not None
    assert hr.get_employee(request.approver_id).number == HR_DIRECTOR_NUMBER


def test_a_refused_request_changes_nothing(hr: SqlHR, employee: DemoEmployee, db_dump: Callable[[], Dump]) -> None:
    before = db_dump()
    with pytest.raises(NotAllowed):
        hr.request_leave(employee.employee_id, LeaveType.PERSONAL, date(2025, 12, 1), date(2025, 12, 4))
    assert db_dump() == before


def test_cancel_a_pending_request_frees_its_days(hr: SqlHR, employee: DemoEmployee) -> None:
    number = employee.pending_request
    assert number is not None
    days = hr.get_leave_request(number, employee.employee_id).days
    before = vacation(hr, employee.employee_id)
    cancelled = hr.cancel_leave_request(number, employee.employee_id)
    assert cancelled.status is LeaveStatus.CANCELLED and cancelled.decided_at is not None
    assert vacation(hr, employee.employee_id).pending == before.pending - days
    with pytest.raises(NotAllowed) as again:
        hr.cancel_leave_request(number, employee.employee_id)
    assert again.value.reason == "not_pending"


def test_an_approved_request_cannot_be_cancelled(hr: SqlHR, employee: DemoEmployee) -> None:
    approved = next(
        r for r in hr.list_leave_requests(employee.employee_id, limit=100) if r.status is LeaveStatus.APPROVED
    )
    with pytest.raises(NotAllowed) as refused:
        hr.cancel_leave_request(approved.number, employee.employee_id)
    assert refused.value.reason == "not_pending"


def test_only_the_approver_decides(hr: SqlHR, employee: DemoEmployee, colleague: DemoEmployee) -> None:
    number = employee.pending_request
    assert number is not None and colleague.manager_id != employee.manager_id
    for someone_else in (colleague.manager_id, employee.employee_id, CEO_ID):
        assert someone_else is not None
        with pytest.raises(NotAllowed) as refused:
            hr.decide_leave_request(number, someone_else, approve=True, note="")
        assert refused.value.reason == "not_approver"
    with pytest.raises(NotFound):
        hr.decide_leave_request("LR-99999", CEO_ID, approve=True, note="")
    assert hr.get_leave_request(number, employee.employee_id).status is LeaveStatus.PENDING


def test_approval_moves_the_days_from_pending_to_used(hr: SqlHR, employee: DemoEmployee) -> None:
    assert employee.manager_id is not None
    request = hr.request_leave(employee.employee_id, LeaveType.VACATION, *THANKSGIVING_WEEK)
    before = vacation(hr, employee.employee_id)
    approved = hr.decide_leave_request(request.number, employee.manager_id, approve=True, note="  Enjoy!  ")
    assert approved.status is LeaveStatus.APPROVED
    assert approved.decision_note == "Enjoy!" and approved.decided_at is not None
    after = vacation(hr, employee.employee_id)
    assert (after.pending, after.used, after.available) == (before.pending - 3, before.used + 3, before.available)
    assert request.number not in {r.number for r in hr.pending_requests_for_approver(employee.manager_id)}
    with pytest.raises(NotAllowed) as again:
        hr.decide_leave_request(request.number, employee.manager_id, approve=False, note="")
    assert again.value.reason == "not_pending"


def test_rejection_frees_the_days_and_keeps_the_note(hr: SqlHR, employee: DemoEmployee) -> None:
    assert employee.manager_id is not None
    before = vacation(hr, employee.employee_id)
    request = hr.request_leave(employee.employee_id, LeaveType.VACATION, *THANKSGIVING_WEEK)
    rejected = hr.decide_leave_request(request.number, employee.manager_id, approve=False, note="Stock-take week.")
    assert rejected.status is LeaveStatus.REJECTED and rejected.decision_note == "Stock-take week."
    assert vacation(hr, employee.employee_id) == before


def test_decision_notes_are_optional_and_bounded(hr: SqlHR, employee: DemoEmployee) -> None:
    assert employee.manager_id is not None and employee.pending_request is not None
    with pytest.raises(ValueError):
        hr.decide_leave_request(employee.pending_request, employee.manager_id, approve=True, note="x" * 501)
    approved = hr.decide_leave_request(employee.pending_request, employee.manager_id, approve=True, note="   ")
    assert approved.decision_note is None


def test_pending_requests_for_an_approver_are_oldest_first(hr: SqlHR, employee: DemoEmployee) -> None:
    assert employee.manager_id is not None
    waiting = hr.pending_requests_for_approver(employee.manager_id)
    assert waiting and all(r.status is LeaveStatus.PENDING for r in waiting)
    assert all(r.approver_id == employee.manager_id for r in waiting)
    assert [r.created_at for r in waiting] == sorted(r.created_at for r in waiting)
    assert hr.pending_requests_for_approver(employee.employee_id) == []


def test_two_requests_at_once_cannot_both_take_the_same_days(db_url: str, employee: DemoEmployee, today: date) -> None:
    """Each call runs on its own connection; the lock makes the second see the first."""
    hr = SqlHR(make_engine(db_url, 5.0), today=lambda: today)
    start = threading.Barrier(2)
    outcomes: list[str] = []

    def ask() -> None:
        start.wait()
        try:
            hr.request_leave(employee.employee_id, LeaveType.VACATION, *THANKSGIVING_WEEK)
            outcomes.append("requested")
        except NotAllowed as refused:
            outcomes.append(refused.reason)

    threads = [threading.Thread(target=ask) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["overlaps", "requested"]


def test_a_locked_database_fails_fast(db_url: str, employee: DemoEmployee, today: date) -> None:
    import sqlite3

    hr = SqlHR(make_engine(db_url, 0.5), today=lambda: today)
    locker = sqlite3.connect(db_url.removeprefix("sqlite:///"), isolation_level=None)
    locker.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(BackofficeUnavailable):
            hr.request_leave(employee.employee_id, LeaveType.VACATION, *THANKSGIVING_WEEK)
    finally:
        locker.execute("ROLLBACK")
        locker.close()


# -- calendar --------------------------------------------------------------------------------


def test_public_holidays_of_a_year(hr: SqlHR) -> None:
    holidays = hr.public_holidays(2025)
    assert len(holidays) == 10
    assert {h.day: h.name for h in holidays}[date(2025, 7, 4)] == "Independence Day"
    assert [h.day for h in holidays] == sorted(h.day for h in holidays)
    # Beyond the seeded calendar the company's rule still answers.
    assert len(hr.public_holidays(2035)) == 10


def test_next_payday(hr: SqlHR, today: date) -> None:
    assert hr.next_payday(today) == date(2025, 6, 30)  # the 15th was a Sunday, paid on Friday 13th
    assert hr.next_payday(date(2025, 6, 13)) == date(2025, 6, 13)
    assert hr.next_payday(date(2031, 8, 16)) == date(2031, 8, 29)  # past the payroll calendar
    assert hr.next_payday(date(2020, 3, 2)) == date(2020, 3, 13)  # before it
