"""The internal HR helpdesk over the REST channel of the real stack.

An employee is identified by the website's signed channel token (role `employee`)
in the message metadata; everyone else gets an explanation and no data. Replies
are checked on their key facts (days left / taken / pending per leave type,
request numbers and statuses, dates, the approver) against the HR back office,
which is read directly (`SqlHR` on the e2e database) and, where a test needs a
particular state (a request to approve or cancel), arranged through it too.
Manager decisions go through the running API.

Leave dates are computed from today's date and checked with the back office's
own quote before a conversation uses them, so the tests hold on any day.

Demo employees used (`staff`: employees who manage nobody, by id; each mutated
employee is used by one test only):
  staff[0]: read-only (balance, used, status, payday, refusals, colleague questions, tokens)
  staff[1]: requests leave through the whole form (and is the colleague staff[0] asks about)
  staff[2]: a request approved by the manager through the API
  staff[3]: cancels a pending request through chat
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest

from assistant.identity import issue_channel_token
from backoffice.errors import NotAllowed
from backoffice.hr_domain import LeaveStatus, LeaveType
from backoffice.sql.engine import make_engine
from backoffice.sql.hr import SqlHR
from demo.employees import DemoEmployee, demo_employees
from tests.support.hr_chat import (
    ASKS_LEAVE_TYPE,
    CONFIRM_PAYLOADS,
    SIGN_IN,
    assert_no_hr_data,
    assert_sign_in_explained,
    assert_status,
    balance_facts,
    balances,
    day_month,
    days_said,
    expected_facts,
    line_of,
    over_a_weekend,
    quotable,
    request_numbers,
    request_through_form,
    single_days,
    tampered,
    today,
    unsigned,
    working_days_ahead,
)

pytestmark = pytest.mark.e2e


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def hr(e2e_stack: Any) -> SqlHR:
    """The HR back office under the stack, read (and arranged) directly."""
    settings = e2e_stack.settings
    return SqlHR(make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s))


@pytest.fixture(scope="module")
def staff(hr: SqlHR) -> list[DemoEmployee]:
    """Employees who manage nobody, read before any test changed anything."""
    found = demo_employees(hr, limit=6)
    assert len(found) >= 4, "the seeder should give at least four employees who manage nobody"
    assert all(employee.manager_id for employee in found[:4]), found
    assert found[0].pending_request and found[1].pending_request, "demo employees have a pending request"
    return found


@pytest.fixture(scope="module")
def employee_token(e2e_stack: Any) -> Callable[..., dict[str, str]]:
    """`employee_token(employee_id, secret=None, ttl_s=3600)`: the metadata of a signed-in intranet chat."""

    def metadata(employee_id: int, secret: str | None = None, ttl_s: int = 3600) -> dict[str, str]:
        secret = secret or e2e_stack.settings.identity_secret
        return {"auth_token": issue_channel_token("employee", str(employee_id), secret, ttl_s=ttl_s)}

    return metadata


@pytest.fixture(scope="module")
def api(e2e_stack: Any) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=e2e_stack.settings.public_url, timeout=10.0) as client:
        yield client


# -- 1-5: each HR question of an identified employee -----------------------------------------------


def test_leave_balance_per_type_with_pending(conversation, hr, staff, employee_token) -> None:
    employee = staff[0]
    if next(working_days_ahead(hr)).year != today().year:
        pytest.skip("no working day is left this year, so nothing can be pending in it")
    expected = balances(hr, employee.employee_id)
    assert expected[LeaveType.VACATION].pending > 0, "the demo employee has vacation pending this year"
    everything = {leave_type: expected_facts(balance) for leave_type, balance in expected.items()}
    convo = conversation(employee_token(employee.employee_id))

    reply = convo.say("my leave balance please")

    assert str(today().year) in reply, str(convo)
    assert balance_facts(reply) == everything, str(convo)
    assert "pending" in line_of(reply.lower(), "vacation"), str(convo)

    convo = conversation(employee_token(employee.employee_id))
    vacation = balance_facts(convo.say("how many vacation days do I have left"))
    assert vacation == {LeaveType.VACATION: everything[LeaveType.VACATION]}, str(convo)

    convo = conversation(employee_token(employee.employee_id))
    sick = balance_facts(convo.say("how many sick days do I have left"))
    assert sick == {LeaveType.SICK: everything[LeaveType.SICK]}, str(convo)


def test_whole_balance_after_a_question_about_one_type(conversation, hr, staff, employee_token) -> None:
    """The leave type of an earlier question does not narrow a later question about the whole balance."""
    employee = staff[0]
    everything = {t: expected_facts(b) for t, b in balances(hr, employee.employee_id).items()}
    convo = conversation(employee_token(employee.employee_id))

    assert set(balance_facts(convo.say("how many sick days do I have left"))) == {LeaveType.SICK}, str(convo)
    reply = convo.say("my leave balance please")

    assert balance_facts(reply) == everything, str(convo)


def test_leave_request_through_the_form_is_pending_with_the_manager(conversation, hr, staff, employee_token) -> None:
    employee = staff[1]
    quote = quotable(hr, employee.employee_id, LeaveType.VACATION, over_a_weekend(hr), days=Decimal(2))
    before = balances(hr, employee.employee_id, quote.start.year)
    numbers_before = request_numbers(hr, employee.employee_id)
    convo = conversation(employee_token(employee.employee_id))

    summary = request_through_form(convo, "vacation", quote.start, quote.end)

    assert "vacation" in summary.lower() and "2 days" in summary, str(convo)
    assert f"{quote.start:%A} {quote.start.day}" in summary and day_month(quote.end) in summary, str(convo)
    assert quote.available_after == before[LeaveType.VACATION].available - 2
    assert days_said(quote.available_after) in summary, str(convo)
    assert employee.manager_name and employee.manager_name in summary, str(convo)
    assert {b["payload"] for b in convo.buttons} == CONFIRM_PAYLOADS, str(convo)
    assert request_numbers(hr, employee.employee_id) == numbers_before, "asking must not file anything"

    done = convo.say("/affirm")  # the "Yes, send it" button

    new = [n for n in request_numbers(hr, employee.employee_id) if n not in numbers_before]
    assert len(new) == 1, str(convo)
    request = hr.get_leave_request(new[0], employee.employee_id)
    assert request.number in done and "approval" in done.lower(), str(convo)
    assert (request.leave_type, request.start, request.end, request.days) == (
        LeaveType.VACATION,
        quote.start,
        quote.end,
        Decimal(2),
    )
    assert request.status == LeaveStatus.PENDING and request.approver_id == employee.manager_id
    after = balances(hr, employee.employee_id, quote.start.year)
    assert after[LeaveType.VACATION].used == before[LeaveType.VACATION].used, "nothing is used before approval"
    assert after[LeaveType.VACATION].pending == before[LeaveType.VACATION].pending + 2

    if quote.start.year == today().year:
        shown = balance_facts(convo.say("how much vacation do I have left"))[LeaveType.VACATION]
        assert shown == expected_facts(after[LeaveType.VACATION]), str(convo)
    status = convo.say("is my leave approved yet")
    assert_status(line_of(status, request.number), LeaveStatus.PENDING, convo)


def test_leave_request_after_a_question_about_one_type_asks_the_kind(conversation, hr, staff, employee_token) -> None:
    """Asking about sick days is not a request for sick leave: the form still asks which kind."""
    employee = staff[0]
    numbers = request_numbers(hr, employee.employee_id)
    convo = conversation(employee_token(employee.employee_id))

    assert set(balance_facts(convo.say("how many sick days do I have left"))) == {LeaveType.SICK}, str(convo)
    reply = convo.say("I'd like to book some leave")

    assert ASKS_LEAVE_TYPE in reply.lower(), str(convo)
    convo.say("stop")
    assert request_numbers(hr, employee.employee_id) == numbers, str(convo)


def test_leave_request_status_lists_own_requests(conversation, hr, staff, employee_token) -> None:
    employee = staff[0]
    recent = hr.list_leave_requests(employee.employee_id, limit=5)
    assert {r.status for r in recent} >= {LeaveStatus.PENDING, LeaveStatus.APPROVED}, recent
    convo = conversation(employee_token(employee.employee_id))

    reply = convo.say("what's the status of my leave requests")

    for request in recent:
        line = line_of(reply, request.number)
        assert_status(line, request.status, convo)
        assert request.leave_type.value in line, str(convo)
        if request.decision_note:
            assert request.decision_note.lower() in line, str(convo)
    pending = {r.number for r in recent if r.status == LeaveStatus.PENDING}
    offered = {b["payload"] for b in convo.buttons}
    assert all(any(number in payload for payload in offered) for number in pending), str(convo)


def test_days_used_this_year(conversation, hr, staff, employee_token) -> None:
    employee = staff[0]
    used = {t: b.used for t, b in balances(hr, employee.employee_id).items() if b.used}
    assert used, "the demo employee has taken leave this year"
    convo = conversation(employee_token(employee.employee_id))

    reply = convo.say("how many days off have I taken this year")

    total = sum(used.values(), Decimal(0))
    assert str(today().year) in reply, str(convo)
    assert re.search(rf"\b{total.normalize():f} days?\b", reply), f"total {total} missing:\n{convo}"
    for leave_type, days in used.items():
        line = line_of(reply.lower(), leave_type.value)
        assert re.search(rf"\b{days.normalize():f} days?\b", line), f"{leave_type} {days} missing:\n{convo}"


def test_next_payday_matches_the_payroll_calendar(conversation, hr, staff, employee_token) -> None:
    payday = hr.next_payday(today())
    assert today() <= payday <= today() + timedelta(days=31)
    convo = conversation(employee_token(staff[0].employee_id))

    reply = convo.say("when is the next payday")

    assert day_month(payday) in reply, str(convo)
    later = hr.next_payday(payday + timedelta(days=1))
    assert day_month(later) not in reply, str(convo)


# -- 6-8: refusals that create nothing -------------------------------------------------------------


def test_request_beyond_the_balance_is_refused(conversation, hr, staff, employee_token) -> None:
    employee = staff[0]
    available = balances(hr, employee.employee_id)[LeaveType.PERSONAL].available
    assert available < 10
    # Enough working days in a row to exceed the personal days left, with no request of theirs in them.
    wanted = int(available) + 2
    workdays = list(working_days_ahead(hr))
    for first in range(len(workdays) - wanted):
        start, end = workdays[first], workdays[first + wanted - 1]
        try:
            hr.quote_leave(employee.employee_id, LeaveType.PERSONAL, start, end)
        except NotAllowed as refusal:
            if refusal.reason == "insufficient_balance":
                # The days available in the year that runs short, as en_US writes them ("2.5", "3").
                left = f"{Decimal(refusal.facts['available']).normalize():f}"
                break
    else:
        pytest.fail("no range to exceed the personal balance with")
    numbers = request_numbers(hr, employee.employee_id)
    convo = conversation(employee_token(employee.employee_id))

    reply = request_through_form(convo, "personal leave", start, end)

    assert "enough" in reply.lower() and re.search(rf"\b{re.escape(left)}\b", reply), str(convo)
    assert not CONFIRM_PAYLOADS & {b["payload"] for b in convo.buttons}, str(convo)
    convo.say("yes")
    assert request_numbers(hr, employee.employee_id) == numbers, str(convo)


def test_request_overlapping_a_pending_one_is_refused(conversation, hr, staff, employee_token) -> None:
    employee = staff[0]
    assert employee.pending_request
    existing = hr.get_leave_request(employee.pending_request, employee.employee_id)
    assert existing.status == LeaveStatus.PENDING
    numbers = request_numbers(hr, employee.employee_id)
    convo = conversation(employee_token(employee.employee_id))

    reply = request_through_form(convo, "vacation", existing.start, existing.end)

    assert "overlap" in reply.lower() and existing.number in reply, str(convo)
    assert not CONFIRM_PAYLOADS & {b["payload"] for b in convo.buttons}, str(convo)
    convo.say("yes")
    assert request_numbers(hr, employee.employee_id) == numbers, str(convo)
    assert hr.get_leave_request(existing.number, employee.employee_id).status == LeaveStatus.PENDING


def test_request_in_the_past_is_refused(conversation, hr, staff, employee_token) -> None:
    employee = staff[0]
    start, end = today() - timedelta(days=10), today() - timedelta(days=8)
    numbers = request_numbers(hr, employee.employee_id)
    convo = conversation(employee_token(employee.employee_id))

    reply = request_through_form(convo, "sick leave", start, end)

    assert "past" in reply.lower(), str(convo)
    assert not CONFIRM_PAYLOADS & {b["payload"] for b in convo.buttons}, str(convo)
    convo.say("yes")
    assert request_numbers(hr, employee.employee_id) == numbers, str(convo)


# -- 9-11: nothing for anyone else ---------------------------------------------------------------------


def test_unidentified_user_is_told_how_to_sign_in(conversation) -> None:
    convo = conversation()

    assert_sign_in_explained(convo.say("how many vacation days do I have left"), convo)
    reply = convo.say("I'd like to book some leave")
    assert_sign_in_explained(reply, convo)
    assert ASKS_LEAVE_TYPE not in reply.lower() and not convo.buttons, str(convo)
    assert_sign_in_explained(convo.say("when is the next payday"), convo)


def test_logged_in_customer_is_told_hr_is_for_employees(conversation, customer_token, accounts) -> None:
    convo = conversation(customer_token(accounts[0].customer_id))

    for question in ("I'd like to book some leave", "what's my leave balance", "is my leave approved yet"):
        reply = convo.say(question)
        assert "employees" in reply.lower(), str(convo)
        assert ASKS_LEAVE_TYPE not in reply.lower(), str(convo)
        assert_no_hr_data(reply, convo)


def test_employee_cannot_read_a_colleagues_leave(conversation, hr, staff, employee_token) -> None:
    me, colleague = staff[0], staff[1]
    mine = {t: expected_facts(b) for t, b in balances(hr, me.employee_id).items()}
    theirs = {t: expected_facts(b) for t, b in balances(hr, colleague.employee_id).items()}
    assert mine != theirs, "the test needs colleagues with different balances"
    their_requests = hr.list_leave_requests(colleague.employee_id, limit=1000)
    their_numbers = {r.number for r in their_requests}
    their_pending = next(r for r in their_requests if r.status == LeaveStatus.PENDING)
    convo = conversation(employee_token(me.employee_id))

    for question in (
        f"how much leave does {colleague.name} have left",
        f"show leave of {colleague.number}",
        f"what's the leave balance of employee {colleague.employee_id}",
        f"has {colleague.name.split()[0]} taken any days off this year",
    ):
        reply = convo.say(question)
        for leave_type, facts in balance_facts(reply).items():
            assert facts == mine[leave_type], f"{leave_type} figures are not the asker's own:\n{convo}"
        for number in their_numbers:
            assert number not in reply, f"{colleague.number}'s {number} leaked:\n{convo}"
        unasked = [colleague.email, colleague.number, *colleague.name.split()]
        leaked = [word for word in unasked if word in reply and word not in question]
        assert not leaked, f"{leaked} about {colleague.number}:\n{convo}"
        if colleague.name.split()[0] in question:  # named: not the asker's figures as if they were theirs
            assert "I can only show your own leave" in reply and not balance_facts(reply), str(convo)

    def assert_hidden(reply: str) -> None:
        assert "couldn't find" in reply.lower() or "can't" in reply.lower(), str(convo)
        for fact in (day_month(their_pending.start), day_month(their_pending.end), colleague.name):
            assert fact not in reply, f"{fact!r} of {their_pending.number} leaked:\n{convo}"
        assert "waiting" not in reply.lower() and "pending" not in reply.lower(), str(convo)

    assert_hidden(convo.say(f"what happened to {their_pending.number}"))
    assert_hidden(convo.say(f"cancel {their_pending.number}"))
    assert not CONFIRM_PAYLOADS & {b["payload"] for b in convo.buttons}, str(convo)
    convo.say("yes")
    assert hr.get_leave_request(their_pending.number, colleague.employee_id).status == LeaveStatus.PENDING


@pytest.mark.parametrize("typed", ["show mine", "ok whats mine then"])
def test_the_show_mine_button_typed_shows_the_askers_own_leave(conversation, hr, staff, employee_token, typed) -> None:
    """The button's words typed instead of clicked, alone or with chat words around them, are the click
    (engine/typed_buttons.py): out of scope before."""
    me, colleague = staff[0], staff[1]
    mine = {t: expected_facts(b) for t, b in balances(hr, me.employee_id).items()}
    convo = conversation(employee_token(me.employee_id))
    reply = convo.say(f"how many vacation days has {colleague.name} got left?")
    assert "I can only show your own leave" in reply and "Show mine" in {b["title"] for b in convo.buttons}, str(convo)
    reply = convo.say(typed)
    shown = balance_facts(reply)
    assert shown and all(facts == mine[leave_type] for leave_type, facts in shown.items()), str(convo)
    said = [e for e in convo.tracker_events() if e["event"] == "user"][-1]
    assert (said["text"], said["parse_data"]["intent"]["name"]) == (typed, "leave_balance"), said


def test_forged_expired_or_wrongly_signed_tokens_are_unidentified(conversation, hr, staff, employee_token) -> None:
    employee = staff[0]
    question = "how many vacation days do I have left"
    valid = employee_token(employee.employee_id)["auth_token"]
    bad_tokens = {
        "wrong secret": employee_token(employee.employee_id, secret="not-the-identity-secret-0123456789abcdef"),
        "expired": employee_token(employee.employee_id, ttl_s=-120),
        "other subject, same signature": {"auth_token": tampered(valid, str(staff[1].employee_id))},
        "unsigned": {"auth_token": unsigned(valid)},
        "garbage": {"auth_token": "not-a-token"},
    }
    for name, metadata in bad_tokens.items():
        convo = conversation(metadata)
        reply = convo.say(question)
        assert SIGN_IN in reply.lower(), f"{name}:\n{convo}"
        assert_no_hr_data(reply, f"{name}:\n{convo}")

    # The same conversation: identified while the token is valid, not once it has expired.
    convo = conversation(employee_token(employee.employee_id))
    assert LeaveType.VACATION in balance_facts(convo.say(question)), str(convo)
    reply = convo.say(question, employee_token(employee.employee_id, ttl_s=-120))
    assert SIGN_IN in reply.lower(), str(convo)
    assert_no_hr_data(reply, convo)


# -- 12 and cancelling: decisions and changes of mind ------------------------------------------------


def test_manager_approval_through_the_api_shows_in_chat(conversation, hr, staff, employee_token, api) -> None:
    employee, other_manager = staff[2], staff[0].manager_id
    assert other_manager and other_manager != employee.manager_id
    quote = quotable(hr, employee.employee_id, LeaveType.SICK, single_days(hr), days=Decimal(1))
    year = quote.start.year
    before = balances(hr, employee.employee_id, year)
    request = hr.request_leave(employee.employee_id, LeaveType.SICK, quote.start, quote.end)
    assert request.approver_id == employee.manager_id
    url = f"/api/hr/leave-requests/{request.number}/decision"
    note = "Get well soon (e2e approval 7731)"

    def bearer(employee_id: int) -> dict[str, str]:
        return {"Authorization": f"Bearer {employee_token(employee_id)['auth_token']}"}

    assert api.post(url, json={"approve": True, "note": note}).status_code == 401
    assert api.post(url, json={"approve": True}, headers=bearer(employee.employee_id)).status_code == 403
    assert api.post(url, json={"approve": True}, headers=bearer(other_manager)).status_code == 403
    assert hr.get_leave_request(request.number, employee.employee_id).status == LeaveStatus.PENDING
    awaiting = api.get("/api/hr/leave-requests/awaiting-me", headers=bearer(employee.manager_id))
    assert request.number in {r["number"] for r in awaiting.json()}, awaiting.text

    decided = api.post(url, json={"approve": True, "note": note}, headers=bearer(employee.manager_id))

    assert decided.status_code == 200, decided.text
    assert decided.json()["status"] == "approved"
    after = balances(hr, employee.employee_id, year)
    assert after[LeaveType.SICK].used == before[LeaveType.SICK].used + 1
    assert after[LeaveType.SICK].pending == before[LeaveType.SICK].pending
    again = api.post(url, json={"approve": False}, headers=bearer(employee.manager_id))
    assert again.status_code == 409, again.text

    convo = conversation(employee_token(employee.employee_id))
    status = convo.say("is my leave approved yet")
    line = line_of(status, request.number)
    assert_status(line, LeaveStatus.APPROVED, convo)
    assert note.lower() in line, str(convo)
    if year == today().year:  # the bot shows this year's balance
        shown = balance_facts(convo.say("my leave balance please"))
        assert shown[LeaveType.SICK] == expected_facts(after[LeaveType.SICK]), str(convo)
        assert shown[LeaveType.SICK]["taken"] == before[LeaveType.SICK].used + 1, str(convo)


def test_cancelling_a_pending_request_through_chat(conversation, hr, staff, employee_token) -> None:
    employee = staff[3]
    quote = quotable(hr, employee.employee_id, LeaveType.VACATION, single_days(hr), days=Decimal(1))
    before = balances(hr, employee.employee_id, quote.start.year)
    request = hr.request_leave(employee.employee_id, LeaveType.VACATION, quote.start, quote.end)
    assert balances(hr, employee.employee_id, quote.start.year)[LeaveType.VACATION].pending == (
        before[LeaveType.VACATION].pending + 1
    )
    convo = conversation(employee_token(employee.employee_id))

    status = convo.say("what's the status of my leave requests")
    assert_status(line_of(status, request.number), LeaveStatus.PENDING, convo)
    cancel = [b for b in convo.buttons if request.number in b["payload"]]
    assert cancel, f"no cancel button for {request.number}:\n{convo}"

    question = convo.say(cancel[0]["payload"])
    assert request.number in question and "cancel" in question.lower(), str(convo)
    assert {b["payload"] for b in convo.buttons} == CONFIRM_PAYLOADS, str(convo)
    assert hr.get_leave_request(request.number, employee.employee_id).status == LeaveStatus.PENDING

    done = convo.say("yes")

    assert request.number in done and "cancelled" in done.lower(), str(convo)
    assert hr.get_leave_request(request.number, employee.employee_id).status == LeaveStatus.CANCELLED
    assert balances(hr, employee.employee_id, quote.start.year) == before
    assert_status(line_of(convo.say("is my leave approved yet"), request.number), LeaveStatus.CANCELLED, convo)


def test_declining_to_cancel_keeps_the_request(conversation, hr, staff, employee_token) -> None:
    employee = staff[1]
    assert employee.pending_request
    convo = conversation(employee_token(employee.employee_id))

    question = convo.say(f"please cancel {employee.pending_request}")
    assert employee.pending_request in question, str(convo)
    assert {b["payload"] for b in convo.buttons} == CONFIRM_PAYLOADS, str(convo)
    convo.say("no")

    assert hr.get_leave_request(employee.pending_request, employee.employee_id).status == LeaveStatus.PENDING
    convo.say("yes")  # too late: the question was answered
    assert hr.get_leave_request(employee.pending_request, employee.employee_id).status == LeaveStatus.PENDING
