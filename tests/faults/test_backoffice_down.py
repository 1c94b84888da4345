"""Fault: the back office's PostgreSQL server goes away in the middle of a conversation.

While it is down, an order or leave-balance question is answered with an apology that
says the system cannot be reached and offers a person (and asking for one gives the
team's other contacts, since the ticket queue lives in the same database): HTTP 200,
no stack trace, the conversation goes on. When PostgreSQL is back the same questions
are answered normally, in the same conversations, without restarting anything (the
connection pool checks a connection before it uses it).
"""

from __future__ import annotations

import pytest

from demo.accounts import DemoAccount
from demo.employees import DemoEmployee
from tests.support.fault_stack import FaultStack
from tests.support.rest import RestConversation, token_of

pytestmark = pytest.mark.e2e

UNREACHABLE = "can't reach"
OFFERS_PERSON = "person"
TEAM_CONTACTS = "support@northwind.example"


def test_a_crashed_back_office_gets_polite_replies_and_answers_again_when_it_is_back(
    faults: FaultStack, fault_accounts: list[DemoAccount], fault_employees: list[DemoEmployee]
) -> None:
    if faults.postgres is None:
        pytest.skip("PostgreSQL server binaries are not installed (apt-get install postgresql)")
    postgres = faults.postgres
    account = fault_accounts[2]
    number = account.orders.get("shipped") or next(iter(account.orders.values()))
    customer = RestConversation(
        faults.rasa_url, token_of("customer", account.customer_id, faults.settings.identity_secret)
    )
    employee = RestConversation(
        faults.rasa_url, token_of("employee", fault_employees[1].employee_id, faults.settings.identity_secret)
    )
    order_question = f"where is my order {number}?"
    leave_question = "how many vacation days do I have left?"

    answered = customer.say(order_question)
    assert number in answered and UNREACHABLE not in answered, customer
    balance = employee.say(leave_question)
    assert "left" in balance and UNREACHABLE not in balance, employee

    postgres.stop()
    try:
        reply = customer.say(order_question)
        assert UNREACHABLE in reply and "order system" in reply and OFFERS_PERSON in reply, customer
        assert number not in reply, customer
        hr_reply = employee.say(leave_question)
        assert UNREACHABLE in hr_reply and "HR system" in hr_reply and OFFERS_PERSON in hr_reply, employee
        handoff = customer.say("I want to talk to a person")
        assert TEAM_CONTACTS in handoff, f"no ticket queue: the team's other contacts\n{customer}"
    finally:
        postgres.start()

    again = customer.say(order_question)
    assert number in again and UNREACHABLE not in again, customer
    assert again == answered, "the same answer as before the crash"
    assert employee.say(leave_question) == balance, employee
