"""Handoff to a person and back, end to end: the real Rasa server, action server and API.

The user talks through the REST channel; the agent works through the API with an
agent token (the console page drives the same endpoints). What is checked is what
each side sees: the ticket and its transcript, the bot's silence while paused,
the agent's words in the conversation, and the bot answering again after hand-back.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.support.e2e_config import AGENT_TOKENS, PUBLIC_URL
from tests.support.rest import chat

pytestmark = pytest.mark.e2e

ALEX = {"Authorization": f"Bearer {AGENT_TOKENS['Alex']}"}
SAM = {"Authorization": f"Bearer {AGENT_TOKENS['Sam']}"}
TICKET_RE = re.compile(r"ticket (H-\d+)")


def api(method: str, path: str, headers: dict[str, str], **kwargs: Any) -> httpx.Response:
    return httpx.request(method, f"{PUBLIC_URL}{path}", headers=headers, timeout=30, **kwargs)


def ticket_in(reply: str) -> str:
    match = TICKET_RE.search(reply)
    assert match, f"no ticket number in {reply!r}"
    return match.group(1)


def test_a_person_takes_over_and_hands_back(conversation: Callable[..., Any]) -> None:
    convo = conversation()
    convo.say("hi")
    reply = convo.say("I want to talk to a person")
    number = ticket_in(reply)
    assert "anything you write now goes to them" in reply, convo

    assert chat(convo.sender, "hello? my parcel arrived broken") == [], "the bot is silent while a person is coming"

    queue = api("GET", "/api/handoffs", SAM).json()["tickets"]
    entry = next(t for t in queue if t["number"] == number)
    assert entry["status"] == "waiting" and entry["channel"] == "rest" and entry["reason"] == "requested"
    ticket = api("GET", f"/api/handoffs/{number}", SAM).json()
    assert ticket["live"] is True
    assert [line["text"] for line in ticket["transcript"] if line["speaker"] == "user"][-1] == (
        "hello? my parcel arrived broken"
    ), "what the user wrote while waiting reaches the agent"

    assert api("POST", f"/api/handoffs/{number}/take", ALEX).status_code == 200
    assert api("POST", f"/api/handoffs/{number}/take", SAM).status_code == 409

    sent = api(
        "POST", f"/api/handoffs/{number}/messages", ALEX, json={"text": "Hi, I'm Alex. <b>Sorry</b> about that!"}
    )
    assert sent.status_code == 202
    agent_lines = [e for e in convo.tracker_events() if e["event"] == "bot" and "Alex" in (e.get("text") or "")]
    assert agent_lines and agent_lines[-1]["data"]["custom"] == {"agent": "Alex"}
    assert chat(convo.sender, "thanks, can you refund it?") == [], "still with the agent"
    lines = api("GET", f"/api/handoffs/{number}", ALEX).json()["transcript"]
    assert ("agent", "Hi, I'm Alex. <b>Sorry</b> about that!", "Alex") in [
        (line["speaker"], line["text"], line["agent"]) for line in lines
    ]

    closed = api("POST", f"/api/handoffs/{number}/close", ALEX)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert number not in [t["number"] for t in api("GET", "/api/handoffs", SAM).json()["tickets"]]
    said_after = [e.get("text") or "" for e in convo.tracker_events() if e["event"] == "bot"][-1]
    assert "You're back with the assistant" in said_after, "the bot says it is back"
    back = convo.say("what can you help me with?")
    assert back, "the bot answers again after the hand-back"

    again = ticket_in(convo.say("I'd like to speak to a human"))
    assert again != number, "a new request after hand-back is a new ticket"


def test_two_answers_not_found_in_a_row_bring_in_a_person(conversation: Callable[..., Any]) -> None:
    convo = conversation()
    first = convo.say("is there a student discount?")
    assert "couldn't find" in first, convo
    second = convo.say("do you have a loyalty programme for students?")
    assert "bring in a person" in second, convo
    number = ticket_in(second)
    ticket = api("GET", f"/api/handoffs/{number}", SAM).json()
    assert ticket["reason"] == "failed_attempts"
    assert chat(convo.sender, "ok") == []
    api("POST", f"/api/handoffs/{number}/take", SAM)
    assert api("POST", f"/api/handoffs/{number}/close", SAM).status_code == 200


@pytest.fixture
def closed_hours(e2e_stack: Any) -> Iterator[None]:
    e2e_stack.replace("actions", e2e_stack.service_with_env("actions", HANDOFF_HOURS="never"))
    try:
        yield
    finally:
        e2e_stack.replace("actions", e2e_stack.services["actions"])


def test_outside_business_hours_a_message_is_taken(conversation: Callable[..., Any], closed_hours: None) -> None:
    convo = conversation()
    reply = convo.say("can I talk to an agent please")
    assert "isn't online" in reply and "what would you like to tell the team" in reply.lower(), convo
    # a question the documents answer, asked while the message is awaited, is answered and is not the message
    asked = convo.say("ugh. how long do you keep these chat messages anyway?")
    assert "90 days" in asked and "ticket" not in asked.lower() and "tell the team" in asked.lower(), convo
    left = convo.say("Please call me back about invoice INV-50001, I'm at +31 6 1234 5678")
    number = ticket_in(left)
    ticket = api("GET", f"/api/handoffs/{number}", SAM).json()
    assert ticket["status"] == "message" and "+31 6 1234 5678" in ticket["message"]
    assert convo.say("hi"), "the bot was never paused"
