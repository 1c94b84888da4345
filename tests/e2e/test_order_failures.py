"""When the back office fails or is slow, over the REST channel of the real stack: an apology and an offer of a
person, and never a change to an order behind the customer's back (a time-out, a locked database, garbage as a yes).

Demo records used (each mutated record is used by one test only):
  accounts[1]: locked DB
  accounts[2]: back office down, garbage as a confirmation
  accounts[3]: time-out race
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.order_chat import APOLOGY, OFFERS_PERSON, UNREACHABLE_DATABASE, assert_reveals_nothing
from tests.support.rest import post_message

pytestmark = pytest.mark.e2e


# -- failures of the back office -------------------------------------------------------------------


class ActionServerSwap:
    """Replaces the test action server by one whose back office is unreachable, and back."""

    def __init__(self, stack: Any) -> None:
        self.stack = stack
        self.broken = False

    @contextmanager
    def backoffice_down(self) -> Iterator[None]:
        self.stack.replace("actions", self.stack.service_with_env("actions", DATABASE_URL=UNREACHABLE_DATABASE))
        self.broken = True
        try:
            yield
        finally:
            self.restore()

    def restore(self) -> None:
        if self.broken:
            self.stack.replace("actions", self.stack.services["actions"])
            self.broken = False


@pytest.fixture(scope="module")
def action_server_swap(e2e_stack) -> Iterator[ActionServerSwap]:
    """Module-scoped so that, whatever happens in a test, the normal action server comes back."""
    swap = ActionServerSwap(e2e_stack)
    try:
        yield swap
    finally:
        swap.restore()


def test_backoffice_down_apologises_and_recovers(
    action_server_swap, conversation, accounts, e2e_db, customer_token, post
) -> None:
    account = accounts[2]
    order = e2e_db.orders.get_order(account.orders["shipped"], account.customer_id)
    metadata = customer_token(account.customer_id)
    question = f"where is my order {order.number}?"

    with action_server_swap.backoffice_down():
        convo = conversation(metadata)
        response = post(convo.sender, question, metadata)
        assert response.status_code == 200, response.text[:500]
        reply = " ".join(m.get("text", "") for m in response.json())
        assert "Traceback" not in response.text and "Error" not in response.text, response.text
        assert APOLOGY in reply.lower() and OFFERS_PERSON in reply, reply
        assert_reveals_nothing(reply, order, reply)

    convo = conversation(metadata)
    recovered = convo.say(question)
    assert order.number in recovered and order.tracking_number in recovered, convo


@contextmanager
def write_lock(database: Path) -> Iterator[sqlite3.Connection]:
    """Hold SQLite's write lock on the back office (readers can still read, in WAL mode)."""
    connection = sqlite3.connect(database, isolation_level=None, timeout=5, check_same_thread=False)
    try:
        connection.execute("BEGIN EXCLUSIVE")
        yield connection
    finally:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        connection.close()


def database_file(stack: Any) -> Path:
    return Path(stack.settings.backoffice_db_url.removeprefix("sqlite:///"))


def test_locked_backoffice_apologises_and_does_not_cancel(
    conversation, accounts, e2e_db, customer_token, e2e_stack
) -> None:
    account = accounts[1]
    number = account.orders["pending"]
    timeout_s = e2e_stack.settings.backoffice_timeout_s
    convo = conversation(customer_token(account.customer_id))
    assert number in convo.say(f"cancel order {number}"), convo

    with write_lock(database_file(e2e_stack)):
        started = time.monotonic()
        reply = convo.say("yes")
        elapsed = time.monotonic() - started
        assert elapsed < timeout_s + 3, f"took {elapsed:.1f}s"
        assert APOLOGY in reply.lower() and OFFERS_PERSON in reply, convo
        assert "cancelled" not in reply, convo
        # Keep the lock until the abandoned database call has surely given up too.
        time.sleep(timeout_s + 0.5)
    assert e2e_db.order_status(number) == "pending"

    assert number in convo.say(f"cancel order {number}"), convo
    assert "cancelled" in convo.say("yes"), convo
    assert e2e_db.order_status(number) == "cancelled"


# -- a time-out and noise must never change an order behind the customer's back ---------------


def test_what_the_customer_is_told_matches_the_database_after_a_timeout(
    conversation, accounts, e2e_db, customer_token, e2e_stack
) -> None:
    account = accounts[3]
    number = account.orders["pending"]
    timeout_s = e2e_stack.settings.backoffice_timeout_s
    convo = conversation(customer_token(account.customer_id))
    assert number in convo.say(f"cancel order {number}"), convo

    with write_lock(database_file(e2e_stack)) as lock:
        # Released just after the action gave up, while its database call still waits.
        release = threading.Timer(timeout_s + 0.1, lambda: lock.execute("ROLLBACK"))
        release.start()
        reply = convo.say("yes")
        release.join()
    time.sleep(timeout_s + 0.5)

    told_cancelled = "is cancelled" in reply
    assert (e2e_db.order_status(number) == "cancelled") == told_cancelled, (
        f"DB says {e2e_db.order_status(number)!r}:\n{convo}"
    )


@pytest.mark.parametrize(("garbage", "status"), [("", "pending"), ("abc", "paid"), ("😀🎉🔥", "packed")])
def test_garbage_does_not_confirm_a_cancellation(
    garbage: str, status: str, conversation, accounts, e2e_db, customer_token
) -> None:
    account = accounts[2]
    number = account.orders[status]
    convo = conversation(customer_token(account.customer_id))
    assert number in convo.say(f"cancel order {number}"), convo

    if garbage:
        convo.say(garbage)
    else:  # an empty message is refused by the REST channel before the dialogue sees it
        assert post_message(convo.sender, garbage, convo.metadata).status_code == 400

    assert e2e_db.order_status(number) == status, f"cancelled by {garbage!r}:\n{convo}"
