"""The widget channel joins only conversations it issued (issue 16.3), through the real socket.io channel.

A socket.io client here (python-socketio, speaking what a browser's socket.io client speaks)
asks the real Rasa server's widget channel for sessions. The channel signs the ids it issues
(engine/channels/widget_sessions.py) and resumes only those: a REST conversation's sender id,
a made-up id and an issued id with a tampered signature all get a new, empty session, and what
the REST conversation had established (a verified customer) is not reachable from there.
Our widget, given a refused id from its storage, starts a fresh conversation (in Chromium).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.widget_socket import WidgetSocket

pytestmark = pytest.mark.e2e


@pytest.fixture
def widget(e2e_stack: Any) -> Iterator[Any]:
    """`widget()`: a new socket to the test stack's widget channel (closed at the end)."""
    sockets: list[WidgetSocket] = []

    def open_socket() -> WidgetSocket:
        sockets.append(WidgetSocket(e2e_stack.settings.rasa_url))
        return sockets[-1]

    yield open_socket
    for opened in sockets:
        opened.close()


def test_a_rest_conversation_cannot_be_joined_and_its_verified_customer_stays_there(
    widget, conversation, accounts, e2e_db
) -> None:
    account = accounts[1]
    order = e2e_db.orders.get_order(account.orders["shipped"], account.customer_id)
    invoice = e2e_db.billing.get_invoice(account.open_invoice, account.customer_id)
    rest = conversation()
    rest.say("where is my order?")
    rest.say(order.number)
    assert order.tracking_number in rest.say(account.email), rest

    browser = widget()
    session_id = browser.session(rest.sender)

    assert session_id != rest.sender
    assert browser.history() == []  # nothing of the REST conversation
    reply = browser.say("how much do I owe?", session_id)
    assert invoice.number not in reply and order.tracking_number not in reply, reply
    assert "order number" in reply or "e-mail" in reply, reply  # asked to verify, as anyone new


def test_a_made_up_id_gets_a_new_empty_session(widget) -> None:
    browser = widget()
    for made_up in ("0123456789abcdef0123456789abcdef", "demo-rest-7-0000009", "../../etc/passwd", None):
        session_id = browser.session(made_up)
        assert session_id != made_up
        assert browser.history() == []


def test_an_issued_id_resumes_with_its_history_and_a_tampered_one_does_not(widget) -> None:
    first = widget()
    session_id = first.session()
    assert first.say("hello", session_id)
    first.close()

    again = widget()
    assert again.session(session_id) == session_id
    assert "hello" in [message.get("text") for message in again.history()]

    nonce, signature = session_id.split("_", 1)
    tampered = f"{nonce}_{'A' if signature[0] != 'A' else 'B'}{signature[1:]}"
    forged = widget()
    fresh = forged.session(tampered)
    assert fresh not in (tampered, session_id)
    assert forged.history() == []


def test_the_widget_starts_afresh_when_the_id_it_kept_is_refused(browser, site, conversation) -> None:
    rest = conversation()
    rest.say("where is my order?")
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{site}/")
        page.evaluate("(id) => localStorage.setItem('northwind-chat:session', id)", rest.sender)
        page.reload()  # a widget that kept someone else's conversation id (or one from before ids were signed)
        page.locator(".nw-launcher").click()
        expect(page.locator(".nw-greeting")).to_be_visible(timeout=30_000)
        page.wait_for_function("(id) => localStorage.getItem('northwind-chat:session') !== id", arg=rest.sender)
        assert "where is my order?" not in page.locator(".nw-log").inner_text()
        page.locator("#nw-input").fill("hello")
        page.locator("#nw-input").press("Enter")
        expect(page.locator(".nw-bot .nw-bubble").nth(1)).to_be_visible(timeout=30_000)
    finally:
        context.close()
