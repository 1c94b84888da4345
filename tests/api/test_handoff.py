"""Handoff tickets through the API: agent tokens on every route, the life cycle, one winner per take.

The Rasa server is not running here (the settings point it where nothing listens):
what needs it (the live transcript, replies, hand-back) must fail cleanly, losing
nothing; the end-to-end tests cover it with the real server.
"""

from __future__ import annotations

import threading
from typing import Any

import pytest
from fastapi.testclient import TestClient

from assistant.identity import issue_channel_token
from assistant.settings import Settings
from handoff.tickets import HandoffReason, Identity, NewTicket, TranscriptLine
from handoff.wiring import handoff_store

ALEX = {"Authorization": "Bearer test-agent-alex-0123456789"}
SAM = {"Authorization": "Bearer test-agent-sam-0123456789"}


def open_ticket(sender: str = "web-42", message: str | None = None) -> str:
    ticket, _ = handoff_store().open(
        NewTicket(
            channel="socketio",
            sender_id=sender,
            identity=Identity("anonymous"),
            reason=HandoffReason.REQUESTED,
            summary={"order_number": "ORD-10001"},
            transcript=[TranscriptLine("user", "<script>alert(1)</script> I want a person", 1.0)],
            message=message,
        )
    )
    return ticket.number


def routes(number: str) -> list[tuple[str, str, dict[str, Any] | None]]:
    return [
        ("GET", "/api/handoffs/me", None),
        ("GET", "/api/handoffs", None),
        ("GET", f"/api/handoffs/{number}", None),
        ("POST", f"/api/handoffs/{number}/take", None),
        ("POST", f"/api/handoffs/{number}/messages", {"text": "hello"}),
        ("POST", f"/api/handoffs/{number}/close", None),
    ]


def test_every_handoff_route_needs_an_agent_token(client: TestClient, app_settings: Settings) -> None:
    number = open_ticket()
    customer = issue_channel_token("customer", "1", app_settings.identity_secret, name="Liam")
    employee = issue_channel_token("employee", "9", app_settings.identity_secret, name="Nora")
    refused = [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Bearer {app_settings.admin_token}"},
        {"Authorization": f"Bearer {customer}"},
        {"Authorization": f"Bearer {employee}"},
        {"Authorization": "Basic QWxleDpzZWNyZXQ="},
    ]
    for method, path, body in routes(number):
        for headers in refused:
            response = client.request(method, path, headers=headers, json=body)
            assert response.status_code == 401, (method, path, headers)
            assert "ORD-10001" not in response.text and "alert" not in response.text
    assert handoff_store().get(number).status.value == "waiting", "nothing changed"


def test_the_queue_take_and_conflicts(client: TestClient) -> None:
    first, second = open_ticket("web-1"), open_ticket("web-2", message="Call me back please")
    assert client.get("/api/handoffs/me", headers=ALEX).json() == {"name": "Alex"}
    queue = client.get("/api/handoffs", headers=ALEX).json()
    assert [t["number"] for t in queue["tickets"]] == [first, second]
    assert queue["tickets"][0]["last_user_message"] == "<script>alert(1)</script> I want a person"
    assert queue["tickets"][0]["waiting_seconds"] >= 0 and "transcript" not in queue["tickets"][0]
    assert queue["tickets"][1]["status"] == "message" and queue["tickets"][1]["message"] == "Call me back please"

    assert client.post(f"/api/handoffs/{first}/messages", headers=ALEX, json={"text": "hi"}).status_code == 409
    taken = client.post(f"/api/handoffs/{first}/take", headers=ALEX)
    assert taken.status_code == 200 and taken.json()["agent"] == "Alex"
    again = client.post(f"/api/handoffs/{first}/take", headers=SAM)
    assert again.status_code == 409 and "another agent" in again.json()["detail"]
    assert client.post(f"/api/handoffs/{first}/messages", headers=SAM, json={"text": "hi"}).status_code == 409
    assert client.post(f"/api/handoffs/{first}/close", headers=SAM).status_code == 409
    assert client.post("/api/handoffs/H-999999/take", headers=SAM).status_code == 404
    assert client.get("/api/handoffs/not-a-ticket", headers=SAM).status_code == 404


def test_two_agents_take_at_once_and_exactly_one_wins(client: TestClient) -> None:
    number = open_ticket()
    statuses: list[int] = []
    start = threading.Barrier(2)

    def take(headers: dict[str, str]) -> None:
        start.wait()
        statuses.append(client.post(f"/api/handoffs/{number}/take", headers=headers).status_code)

    threads = [threading.Thread(target=take, args=(headers,)) for headers in (ALEX, SAM)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(statuses) == [200, 409]


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_a_bad_reply_is_refused_and_changes_nothing(client: TestClient, text: str) -> None:
    number = open_ticket()
    client.post(f"/api/handoffs/{number}/take", headers=ALEX)
    response = client.post(f"/api/handoffs/{number}/messages", headers=ALEX, json={"text": text})
    assert response.status_code == 422
    assert client.post(f"/api/handoffs/{number}/messages", headers=ALEX, json={"words": "hi"}).status_code == 422
    assert handoff_store().get(number).status.value == "taken"


@pytest.mark.parametrize("blank", ["   ", "\u001f", "\n\t\u00a0"])
def test_a_blank_reply_gets_the_documented_validation_error(client: TestClient, blank: str) -> None:
    """Only spaces or control characters: a 422 in the shape the API documents (a list of errors; the fuzz
    test found a bare string here), and the ticket stays as it was."""
    number = open_ticket()
    client.post(f"/api/handoffs/{number}/take", headers=ALEX)
    response = client.post(f"/api/handoffs/{number}/messages", headers=ALEX, json={"text": blank})
    assert response.status_code == 422
    detail = response.json()["detail"]
    assert isinstance(detail, list) and "empty" in detail[0]["msg"]
    assert handoff_store().get(number).status.value == "taken"


def test_without_the_rasa_server_nothing_is_lost(client: TestClient) -> None:
    number = open_ticket()
    client.post(f"/api/handoffs/{number}/take", headers=ALEX)
    ticket = client.get(f"/api/handoffs/{number}", headers=ALEX).json()
    assert ticket["live"] is False and ticket["transcript"][0]["speaker"] == "user"
    reply = client.post(f"/api/handoffs/{number}/messages", headers=ALEX, json={"text": "Hello!"})
    assert reply.status_code == 502 and "try again" in reply.json()["detail"]
    close = client.post(f"/api/handoffs/{number}/close", headers=ALEX)
    assert close.status_code == 502
    assert handoff_store().get(number).status.value == "taken", "still the agent's: the bot was not resumed"


def test_a_message_ticket_closes_without_resuming_the_bot(client: TestClient) -> None:
    number = open_ticket(message="Please e-mail me about my invoice.")
    client.post(f"/api/handoffs/{number}/take", headers=SAM)
    closed = client.post(f"/api/handoffs/{number}/close", headers=SAM)
    assert closed.status_code == 200 and closed.json()["status"] == "closed"


def test_the_console_page_is_served_with_a_strict_policy(client: TestClient) -> None:
    page = client.get("/console")
    assert page.status_code == 200 and "Agent console" in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    assert "<script>" not in page.text.replace('<script src="/console/console.js" defer></script>', "")
    script = client.get("/console/console.js")
    assert script.status_code == 200 and script.headers["x-content-type-options"] == "nosniff"
    assert "innerHTML" not in script.text, "text only, never HTML"
    assert client.get("/console/console.css").status_code == 200
