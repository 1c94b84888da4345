"""The outside security probe of issue 16, replayed against the running stack: each finding stays fixed.

Every test here is an attack that worked before: naming a channel to become an employee,
guessing a customer's order numbers across new conversations and `/restart`, writing into
another channel's conversation, one huge message, the Rasa HTTP API and the action server
without their tokens, malformed requests, payment tokens in the logs. (Joining a widget
session the server never issued is tested with the socket.io channel, in test_widget_sessions.)
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from backoffice.attempts import client_key, email_key
from backoffice.sql.hr import SqlHR
from backoffice.sql.models import VerificationFailureRow
from demo.accounts import DemoAccount
from demo.employees import DemoEmployee, demo_employees
from handoff.sql import HandoffTicketRow
from operations.throwaway_stack import RunningStack
from tests.support.backoffice_reader import BackofficeReader
from tests.support.e2e_config import ACTION_SERVER_URL, CHAT_TIMEOUT_S, E2E_VAR_DIR, PUBLIC_URL, RASA_API, RASA_URL
from tests.support.rest import Conversation, texts
from tests.support.widget_socket import WidgetSocket

pytestmark = pytest.mark.e2e

WEBHOOK = f"{RASA_URL}/webhooks/rest/webhook"
LOOPBACK = "127.0.0.1"


def rest(payload: Any, **kwargs: Any) -> httpx.Response:
    return httpx.post(WEBHOOK, json=payload, timeout=CHAT_TIMEOUT_S, **kwargs)


def replies_of(response: httpx.Response) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.text[:300]
    body: list[dict[str, Any]] = response.json()
    return body


@pytest.fixture(scope="module")
def employee(e2e_stack: RunningStack, e2e_db: BackofficeReader) -> DemoEmployee:
    # Not one of the first three, whom the Slack and HR suites talk as: the probes below leave this
    # conversation handed to a person (paused), as an attacker would have left it.
    staff = [person for person in demo_employees(SqlHR(e2e_db.engine), limit=8)[3:] if person.slack_user_id]
    assert staff, "the demo gives employees Slack ids"
    return staff[-1]


@pytest.fixture
def forget_failures(e2e_db: BackofficeReader) -> Iterator[Callable[[str], None]]:
    """Failed checks this test causes are removed afterwards, so later tests from 127.0.0.1 are not locked."""
    keys: list[str] = []
    yield keys.append
    with Session(e2e_db.engine) as session, session.begin():
        session.execute(delete(VerificationFailureRow).where(VerificationFailureRow.reference.in_(keys)))


def failures(e2e_db: BackofficeReader, key: str) -> int:
    with Session(e2e_db.engine) as session:
        query = select(func.count()).select_from(VerificationFailureRow).where(VerificationFailureRow.reference == key)
        return int(session.scalar(query) or 0)


# -- 1. identity by naming a channel ----------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["slack", "telegram"])
def test_naming_a_channel_over_rest_does_not_make_anyone_an_employee(
    e2e_stack: RunningStack, employee: DemoEmployee, channel: str
) -> None:
    """The probe: `{"sender": "<a Slack user id>", "input_channel": "slack"}` read Nora's leave balance."""
    sender = str(employee.slack_user_id)
    asked = {"sender": sender, "input_channel": channel, "message": "how many vacation days do I have left?"}
    reply = texts(replies_of(rest(asked)))
    assert "Vacation" not in reply and "left of" not in reply, reply
    assert "only for Northwind employees" in reply, reply
    tracker = httpx.get(f"{RASA_URL}/conversations/{sender}/tracker", params=RASA_API, timeout=30).json()
    assert tracker["latest_input_channel"] == "rest", "the REST channel speaks only for itself"


HR_REQUESTS = (
    "how many vacation days do I have left?",
    "how many days off have I used this year?",
    "what's the status of my leave requests?",
    "when is the next payday?",
    "I'd like to take next Friday off",
    "cancel my pending leave request",
)


@pytest.mark.parametrize("message", HR_REQUESTS)
def test_no_hr_request_answers_a_claimed_slack_identity(
    e2e_stack: RunningStack, employee: DemoEmployee, message: str
) -> None:
    """Every HR action refuses, not only the balance: each checks the connector's proof itself."""
    asked = {"sender": str(employee.slack_user_id), "input_channel": "slack", "message": message}
    reply = texts(replies_of(rest(asked)))
    assert "only for Northwind employees" in reply or "sign in" in reply, reply
    for private in ("left of", "Vacation:", "pending", "approved", "working day", employee.name.split()[0]):
        assert private not in reply, (private, reply)


def test_a_handoff_from_a_claimed_identity_reaches_the_agent_as_anonymous(
    e2e_stack: RunningStack, employee: DemoEmployee, e2e_db: BackofficeReader
) -> None:
    """The probe opened a ticket that agents saw as the employee whose Slack id was named."""
    sender = str(employee.slack_user_id)
    replies_of(rest({"sender": sender, "input_channel": "slack", "message": "I want to talk to a person"}))
    with Session(e2e_db.engine) as session:
        tickets = session.execute(
            select(HandoffTicketRow.identity_kind, HandoffTicketRow.employee_id, HandoffTicketRow.channel).where(
                HandoffTicketRow.sender_id == sender
            )
        ).all()
    assert tickets, "a ticket was opened"
    assert all(kind != "employee" and employee_id is None for kind, employee_id, _ in tickets), tickets
    assert all(channel == "rest" for _, _, channel in tickets), tickets


def test_a_claimed_slack_identity_reads_no_internal_documents(e2e_stack: RunningStack, employee: DemoEmployee) -> None:
    asked = {
        "sender": str(employee.slack_user_id),
        "input_channel": "slack",
        "message": "how does the 401k match work?",
    }
    sources = [s for reply in replies_of(rest(asked)) for s in (reply.get("custom") or {}).get("sources") or []]
    assert not any("401k" in source["path"] for source in sources), sources


def test_a_claimed_telegram_account_cannot_guess_link_codes(e2e_stack: RunningStack, e2e_db: BackofficeReader) -> None:
    """The probe gave every made-up Telegram id five guesses at the 6-digit code; over REST there are none."""
    sender = "9" + uuid.uuid4().hex[:8].translate(str.maketrans("abcdef", "123456"))
    reply = texts(replies_of(rest({"sender": sender, "input_channel": "telegram", "message": "123456"})))
    assert "only for linking a Telegram account" in reply and "Linked" not in reply, reply
    assert failures(e2e_db, f"telegram-link:{sender}") == 0, "no code was even tried"


def test_a_forged_connector_proof_in_the_metadata_is_dropped(e2e_stack: RunningStack, employee: DemoEmployee) -> None:
    asked = {
        "sender": str(employee.slack_user_id),
        "message": "how many vacation days do I have left?",
        "metadata": {"connector_proof": "eyJhbGciOiJIUzI1NiJ9.eyJjaCI6InNsYWNrIn0.forged"},
    }
    assert "left of" not in texts(replies_of(rest(asked)))


# -- 2. guessing across conversations and restarts -----------------------------------------------------------


def verify(convo: Conversation, reference: str, email: str) -> str:
    convo.say("where is my order?")
    convo.say(reference)
    return convo.say(email)


def test_walking_order_numbers_with_a_known_email_is_stopped_across_new_conversations_and_restarts(
    e2e_stack: RunningStack,
    accounts: list[DemoAccount],
    e2e_db: BackofficeReader,
    forget_failures: Callable[[str], None],
) -> None:
    """The probe opened customer 41's account after 61 guesses in 21 conversations; now five guesses in all."""
    victim, other = accounts[-1], accounts[-2]
    forget_failures(email_key(victim.email))
    forget_failures(client_key(LOOPBACK))
    wrong = [*list(other.orders.values())[:2], "ORD-19981", "ORD-19982", "ORD-19983", "ORD-19984"][:5]
    for number in wrong:
        forget_failures(number)
    convo = Conversation()
    for index, number in enumerate(wrong):
        if index == 2:
            convo.say("/restart")  # used to reset the per-conversation count
        elif index:
            convo = Conversation()  # a new sender id: used to reset it too
        reply = verify(convo, number, victim.email)
        assert "verified" not in reply, convo
    right = Conversation()
    reply = verify(right, next(iter(victim.orders.values())), victim.email)
    assert "verified" not in reply and "couldn't verify" in reply, right
    assert failures(e2e_db, email_key(victim.email)) == len(wrong)


def test_many_emails_from_one_client_are_stopped(
    e2e_stack: RunningStack,
    accounts: list[DemoAccount],
    e2e_db: BackofficeReader,
    forget_failures: Callable[[str], None],
) -> None:
    """Twenty failed checks from one IP (nineteen recorded before, one now) lock that client out."""
    customer = accounts[-3]
    number = next(iter(customer.orders.values()))
    forget_failures(client_key(LOOPBACK))
    forget_failures(email_key("someone-else@example.com"))
    forget_failures(number)
    now = datetime.now(UTC)
    with Session(e2e_db.engine) as session, session.begin():
        rows = [{"reference": client_key(LOOPBACK), "failed_at": now} for _ in range(19)]
        session.execute(insert(VerificationFailureRow), rows)
    assert "verified" not in verify(Conversation(), number, "someone-else@example.com")
    locked = Conversation()
    reply = verify(locked, number, customer.email)  # the right pair, from the same IP
    assert "verified" not in reply and "couldn't verify" in reply, locked


# -- 3. conversations of other channels ---------------------------------------------------------------------------


def test_rest_cannot_write_into_or_read_a_widget_conversation(e2e_stack: RunningStack) -> None:
    """A widget session's id used as a REST sender: refused, and the widget conversation is unchanged."""
    socket = WidgetSocket(RASA_URL)
    try:
        session_id = socket.session()
        assert socket.say("hello", session_id)
    finally:
        socket.close()
    refused = rest({"sender": session_id, "message": "how much do I owe?"})
    assert refused.status_code == 403, refused.text
    assert "another channel" in refused.json()["reason"]
    tracker = httpx.get(f"{RASA_URL}/conversations/{session_id}/tracker", params=RASA_API, timeout=30).json()
    assert [event["text"] for event in tracker["events"] if event["event"] == "user"] == ["hello"]


# -- 4. bounded input ----------------------------------------------------------------------------------------------


def test_a_very_long_message_is_refused_before_the_nlu(e2e_stack: RunningStack) -> None:
    sender = f"e2e-{uuid.uuid4().hex}"
    reply = texts(replies_of(rest({"sender": sender, "message": "where is my order " * 2500})))
    assert "too long" in reply and "2,000" in reply, reply
    tracker = httpx.get(f"{RASA_URL}/conversations/{sender}/tracker", params=RASA_API, timeout=30).json()
    assert not [event for event in tracker["events"] if event["event"] == "user"], "the NLU never saw it"
    assert "verified" not in texts(replies_of(rest({"sender": sender, "message": "hi"}))), "and the chat goes on"


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        ({"message": "hi"}, "`sender` is required"),
        ({"sender": "", "message": "hi"}, "`sender` is required"),
        ({"sender": {"a": 1}, "message": "hi"}, "`sender` is required"),
        ({"sender": "x" * 500, "message": "hi"}, "at most 128"),
        ({"sender": "s-metadata-string", "message": "hi", "metadata": "auth_token=abc"}, "`metadata` must be"),
        ({"sender": "s-metadata-list", "message": "hi", "metadata": ["auth_token"]}, "`metadata` must be"),
        ({"sender": "s-no-text", "message": 42}, "`message` is required"),
        (["sender", "message"], "JSON object"),
    ],
)
def test_malformed_requests_get_a_400_with_the_reason(e2e_stack: RunningStack, payload: Any, reason: str) -> None:
    response = rest(payload)
    assert response.status_code == 400, response.text
    assert reason in response.json()["reason"]


def test_a_request_without_a_sender_no_longer_lands_in_a_shared_conversation(e2e_stack: RunningStack) -> None:
    rest({"message": "my secret order ORD-10001"})
    tracker = httpx.get(f"{RASA_URL}/conversations/default/tracker", params=RASA_API, timeout=30).json()
    assert not [event for event in tracker["events"] if event["event"] == "user"]


# -- 5. closed by default ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/conversations/someone/tracker"), ("POST", "/model/parse"), ("PUT", "/model"), ("GET", "/status")],
)
def test_the_rasa_http_api_needs_its_token(e2e_stack: RunningStack, method: str, path: str) -> None:
    response = httpx.request(method, f"{RASA_URL}{path}", json={"text": "hi"}, timeout=30)
    assert response.status_code == 401, (path, response.status_code)
    wrong = httpx.request(method, f"{RASA_URL}{path}", params={"token": "guess"}, json={"text": "hi"}, timeout=30)
    assert wrong.status_code == 401
    if method != "PUT":
        assert httpx.request(method, f"{RASA_URL}{path}", params=RASA_API, json={"text": "hi"}, timeout=30).is_success


def test_cors_answers_only_listed_origins(e2e_stack: RunningStack) -> None:
    headers = {"Access-Control-Request-Method": "POST"}
    evil = httpx.options(WEBHOOK, headers={**headers, "Origin": "https://evil.example"}, timeout=30)
    assert evil.headers.get("access-control-allow-origin") not in ("*", "https://evil.example")
    ours = httpx.options(WEBHOOK, headers={**headers, "Origin": PUBLIC_URL}, timeout=30)
    assert ours.headers.get("access-control-allow-origin") == PUBLIC_URL


def test_the_action_server_answers_only_the_rasa_server(e2e_stack: RunningStack, employee: DemoEmployee) -> None:
    """A hand-made tracker posted straight to the action server (claiming Slack) is refused before any action."""
    call = {
        "next_action": "action_leave_balance",
        "sender_id": employee.slack_user_id,
        "tracker": {"sender_id": employee.slack_user_id, "slots": {}, "latest_message": {}, "events": []},
        "domain": {},
        "version": "3.6.21",
    }
    assert httpx.post(f"{ACTION_SERVER_URL}/webhook", json=call, timeout=30).status_code == 401
    headers = {"X-Action-Token": "a-guess"}
    assert httpx.post(f"{ACTION_SERVER_URL}/webhook", json=call, headers=headers, timeout=30).status_code == 401
    assert httpx.get(f"{ACTION_SERVER_URL}/health", timeout=30).status_code == 200


def test_payment_pages_are_not_cached_and_their_tokens_not_logged(
    e2e_stack: RunningStack, accounts: list[DemoAccount], customer_token: Callable[..., dict[str, str]]
) -> None:
    customer = next(account for account in accounts if account.open_invoice)
    convo = Conversation(metadata=customer_token(customer.customer_id))
    convo.say("I'd like to pay my invoice")
    if convo.buttons:  # several open invoices: the first one
        convo.say(convo.buttons[0]["payload"])
    links = [
        button.get("url") or button["payload"] for reply in convo.last for button in reply.get("buttons") or []
    ] + [word for word in texts(convo.last).split() if "/pay/" in word]
    link = next((item for item in links if "/pay/" in item and "token=" in item), None)
    assert link is not None, convo
    token = link.split("token=", 1)[1].split("&")[0].rstrip(").,")
    page = httpx.get(f"{PUBLIC_URL}/pay/{link.split('/pay/', 1)[1].split('?')[0]}", params={"token": token}, timeout=30)
    assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
    log = (E2E_VAR_DIR / "log" / "api.log").read_text(errors="replace")
    assert token not in log and token[-20:] not in log
