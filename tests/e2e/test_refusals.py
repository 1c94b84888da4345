""" "Why not?" and "what can I do then" right after a refusal, through the running stack (engine/context_words.py,
actions/refusals.py): the refusal's reason and the way forward, in the catalog's words — not a "no", not the
assistant's list of skills."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from assistant.settings import Settings
from backoffice.errors import NotAllowed
from backoffice.hr_domain import LeaveType
from backoffice.sql.hr import SqlHR
from demo.accounts import DemoAccount
from demo.employees import demo_employees
from tests.support.hr_chat import single_days, spoken
from tests.support.rest import Conversation, token_of

pytestmark = pytest.mark.e2e

SKILLS = "I can help you with"


def test_why_a_shipped_order_cannot_be_cancelled_and_what_to_do_instead(
    conversation: Callable[..., Conversation],
    accounts: list[DemoAccount],
    customer_token: Callable[..., dict[str, str]],
) -> None:
    account = next(a for a in accounts if "shipped" in a.orders)
    number = account.orders["shipped"]
    chat = conversation(customer_token(account.customer_id))
    assert "can't be cancelled" in chat.say(f"can i cancel {number[4:]}"), chat
    why = chat.say("why not?")
    assert "with the carrier" in why and "Is there anything else" not in why, chat
    instead = chat.say("ok so what can i do then, i dont want it anymore")
    assert "return" in instead and "refuse the parcel" in instead and SKILLS not in instead, chat
    assert "Did you want to cancel" not in instead, chat


def test_what_to_do_after_a_return_past_its_window(
    conversation: Callable[..., Conversation],
    accounts: list[DemoAccount],
    customer_token: Callable[..., dict[str, str]],
) -> None:
    account = next(a for a in accounts if a.expired_return_order)
    chat = conversation(customer_token(account.customer_id))
    assert "return window" in chat.say(f"return order {account.expired_return_order[4:]} please"), chat
    instead = chat.say("ok so what can i do then")
    assert "guarantee" in instead and "support@" in instead and SKILLS not in instead, chat
    # the same words where nothing was refused are a question about the assistant's skills
    fresh = conversation(customer_token(account.customer_id))
    assert SKILLS in fresh.say("what can i do then"), fresh


def test_too_few_personal_days_then_the_same_days_as_vacation(
    conversation: Callable[..., Conversation], e2e_settings: Settings, e2e_db: Any
) -> None:
    hr = SqlHR(e2e_db.engine)
    employee = demo_employees(hr, limit=9)[-1]
    week = next(
        (start, start + timedelta(days=4))
        for start, _ in single_days(hr)
        if start.weekday() == 0
        and _refused_for_balance(hr, employee.employee_id, start)
        and _vacation_fits(hr, employee.employee_id, start)
    )
    chat = conversation(token_of("employee", employee.employee_id, e2e_settings.identity_secret))
    refused = chat.say(f"i need personal days {spoken(*week)}, moving house")
    assert "enough days" in refused, chat
    assert "another kind of leave" in chat.say("ok so what can i do then"), chat
    summary = chat.say("fine make it all vacation then, same dates")
    assert "vacation" in summary.lower() and week[0].strftime("%-d") in summary and "5 days" in summary, chat
    assert "Which days" not in summary, chat
    chat.say("no")  # nothing filed: the calendar as it was for the tests after this one


def _refused_for_balance(hr: SqlHR, employee_id: int, monday: date) -> bool:
    try:
        hr.quote_leave(employee_id, LeaveType.PERSONAL, monday, monday + timedelta(days=4))
    except NotAllowed as refusal:
        return refusal.reason == "insufficient_balance"
    return False


def _vacation_fits(hr: SqlHR, employee_id: int, monday: date) -> bool:
    try:
        return hr.quote_leave(employee_id, LeaveType.VACATION, monday, monday + timedelta(days=4)).days == 5
    except NotAllowed:
        return False


def test_asked_to_approve_a_colleagues_pending_request_the_assistant_says_who_decides_and_changes_nothing(
    conversation: Callable[..., Conversation], e2e_settings: Settings, e2e_db: Any
) -> None:
    hr = SqlHR(e2e_db.engine)
    staff = demo_employees(hr, limit=30)
    asker, request = next(
        (asker, pending)
        for colleague in staff
        for pending in hr.list_leave_requests(colleague.employee_id, limit=50)
        if pending.status.value == "pending"
        for asker in staff
        if asker.employee_id != colleague.employee_id
    )
    chat = conversation(token_of("employee", asker.employee_id, e2e_settings.identity_secret))
    reply = chat.say(f"i meant the other one, can u approve {request.number}")
    assert "can't approve or reject" in reply and "Approvals" in reply, chat
    assert "decided by the employee's manager" in chat.say("why not?"), chat
    assert hr.get_leave_request(request.number, request.employee_id).status.value == "pending"
