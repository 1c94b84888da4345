"""Security and privacy through the running stack: masked logs, a masked tracker store,
erasure on request, rate and size limits on the channels.

This module runs its own Rasa server (the rest of the stack is the session's): with
`REDACT_TRACKER=true`, a per-sender limit, a small body limit, and DEBUG logging — at
DEBUG Rasa logs every message, slot and sender id, so the log checks are not passing
merely because nothing was logged (each has a positive control). The session's Rasa
server is put back afterwards.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from demo.accounts import DemoAccount
from operations.throwaway_stack import RunningStack
from tests.support.e2e_config import ADMIN_TOKEN, E2E_VAR_DIR, PUBLIC_URL, RASA_API, RASA_URL
from tests.support.rest import post_message

pytestmark = pytest.mark.e2e

PER_SENDER = 8
MAX_BYTES = 16 * 1024
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
PHONE = "+46 8 5855124"
CARD = "4111 1111 1111 1111"
IBAN = "NL91 ABNA 0417 1643 00"


@pytest.fixture(scope="module")
def guarded(e2e_stack: RunningStack) -> Iterator[RunningStack]:
    """The stack with a Rasa server that masks its tracker store, limits senders and bodies, logs at DEBUG."""
    original = e2e_stack.services["rasa"]
    e2e_stack.replace(
        "rasa",
        e2e_stack.service_with_env(
            "rasa",
            REDACT_TRACKER="true",
            CHANNEL_RATE_LIMIT_PER_SENDER=str(PER_SENDER),
            CHANNEL_MAX_REQUEST_BYTES=str(MAX_BYTES),
            LOG_LEVEL="DEBUG",
        ),
    )
    try:
        yield e2e_stack
    finally:
        e2e_stack.replace("rasa", original)


def say(sender: str, text: str, metadata: dict[str, Any] | None = None) -> str:
    response = post_message(sender, text, metadata)
    assert response.status_code == 200, response.text
    return "\n".join(reply.get("text") or "" for reply in response.json())


def log_text() -> str:
    return "\n".join(path.read_text(errors="replace") for path in sorted((E2E_VAR_DIR / "log").glob("*.log")))


def stored_events(sender: str) -> list[dict[str, Any]]:
    with sqlite3.connect(E2E_VAR_DIR / "tracker.db") as connection:
        rows = connection.execute("SELECT data FROM events WHERE sender_id = ? ORDER BY id", (sender,)).fetchall()
    return [json.loads(data) for (data,) in rows]


def tickets_of(sender: str) -> int:
    with sqlite3.connect(E2E_VAR_DIR / "backoffice.db") as connection:
        query = "SELECT count(*) FROM handoff_tickets WHERE sender_id = ?"
        return int(connection.execute(query, (sender,)).fetchone()[0])


def files_naming(sender: str) -> list[str]:
    return [str(path) for path in Path(E2E_VAR_DIR).rglob("*") if path.is_file() and path.suffix in (".log", ".txt")
            and sender in path.read_text(errors="replace")]  # fmt: skip


def verify(sender: str, account: DemoAccount) -> str:
    say(sender, "where is my order?")
    say(sender, account.orders["shipped"] if "shipped" in account.orders else next(iter(account.orders.values())))
    return say(sender, f"it's {account.email}")


def test_personal_data_is_masked_in_the_logs_and_the_tracker_store(
    guarded: RunningStack, conversation: Callable[..., Any], accounts: list[DemoAccount]
) -> None:
    account = accounts[0]
    convo = conversation()
    reply = verify(convo.sender, account)
    assert "verified" in reply, reply  # the e-mail was checked on the real text
    say(convo.sender, f"my name is Ravi Silva, call me on {PHONE}")
    say(convo.sender, f"refund to card {CARD} or IBAN {IBAN} please")

    logs = log_text()
    assert "[email]" in logs and "[phone]" in logs and "[card]" in logs, "positive control: DEBUG logs the messages"
    for secret in (account.email, PHONE, CARD, CARD.replace(" ", ""), IBAN, IBAN.replace(" ", ""), "Ravi Silva"):
        assert secret not in logs, f"{secret!r} reached a log file"

    stored = json.dumps(stored_events(convo.sender))
    assert stored.count("[email]") >= 1 and "[iban]" in stored and "[name]" in stored
    for secret in (account.email, PHONE, CARD, IBAN, "Ravi Silva", account.name):
        assert secret not in stored, f"{secret!r} stored in the tracker store"
    assert "customer_proof" in stored, "the session proof (no personal data) is kept: still verified"


def test_an_email_given_before_the_order_number_is_asked_again(
    guarded: RunningStack, conversation: Callable[..., Any], accounts: list[DemoAccount]
) -> None:
    account = accounts[1]
    convo = conversation()
    say(convo.sender, "where is my order?")
    say(convo.sender, account.email)  # stored as [email] before the order number is known
    reply = say(convo.sender, next(iter(account.orders.values())))
    if "verified" not in reply:  # the form asks again instead of checking "[email]"
        assert "e-mail" in reply.lower(), reply
        reply = say(convo.sender, account.email)
    assert "verified" in reply, reply


def test_erasing_a_conversation_leaves_nothing(guarded: RunningStack, conversation: Callable[..., Any]) -> None:
    convo = conversation()
    say(convo.sender, "hi")
    say(convo.sender, "I want to talk to a person")
    say(convo.sender, "my parcel arrived broken")
    assert stored_events(convo.sender) and tickets_of(convo.sender) == 1
    assert files_naming(convo.sender), "positive control: the sender id is in the DEBUG log"

    erased = httpx.delete(f"{PUBLIC_URL}/api/privacy/conversations/{convo.sender}", headers=ADMIN, timeout=60)
    assert erased.status_code == 200, erased.text
    report = erased.json()
    assert report["sender_ids"] == [convo.sender] and report["tickets"] == 1
    assert report["tracker_events"] > 5 and report["log_lines"] > 0

    assert stored_events(convo.sender) == []
    assert tickets_of(convo.sender) == 0
    assert files_naming(convo.sender) == [], "no file under var/ names the sender, not even the erasure's access log"
    tracker = httpx.get(f"{RASA_URL}/conversations/{convo.sender}/tracker", params=RASA_API, timeout=30).json()
    assert [e for e in tracker["events"] if e["event"] in ("user", "bot")] == []


def test_erasing_a_customer_finds_their_conversations(
    guarded: RunningStack,
    conversation: Callable[..., Any],
    accounts: list[DemoAccount],
    customer_token: Callable[..., dict[str, str]],
) -> None:
    account = accounts[2]
    signed_in = conversation(customer_token(account.customer_id))
    signed_in.say("where is my order?")
    anonymous = conversation()
    assert "verified" in verify(anonymous.sender, account)
    bystander = conversation()
    bystander.say("hi")

    erased = httpx.post(
        f"{PUBLIC_URL}/api/privacy/erasures", headers=ADMIN, json={"customer_id": account.customer_id}, timeout=60
    )
    assert erased.status_code == 200, erased.text
    assert {signed_in.sender, anonymous.sender} <= set(erased.json()["sender_ids"])
    assert bystander.sender not in erased.json()["sender_ids"]
    assert stored_events(signed_in.sender) == [] and stored_events(anonymous.sender) == []
    assert stored_events(bystander.sender), "someone else's conversation is untouched"
    assert httpx.post(f"{PUBLIC_URL}/api/privacy/erasures", json={"customer_id": 1}, timeout=30).status_code == 401


def test_a_sender_over_the_limit_gets_429_and_others_go_on(guarded: RunningStack) -> None:
    statuses = [post_message("e2e-flood-sender", "hi").status_code for _ in range(PER_SENDER)]
    assert statuses == [200] * PER_SENDER
    refused = post_message("e2e-flood-sender", "hi")
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1 and refused.json()["retry_after"] >= 1
    assert post_message("e2e-another-sender", "hi").status_code == 200


def test_a_body_over_the_limit_gets_413_json(guarded: RunningStack) -> None:
    response = httpx.post(
        f"{RASA_URL}/webhooks/rest/webhook", json={"sender": "e2e-big", "message": "x" * (2 * MAX_BYTES)}, timeout=30
    )
    assert response.status_code == 413
    assert response.json()["limit_bytes"] == MAX_BYTES
    assert httpx.get(f"{RASA_URL}/", timeout=10).status_code == 200, "the health route still answers"
