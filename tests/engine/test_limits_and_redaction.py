"""The engine's limits and tracker redaction, on their pure parts (no Rasa needed: rasa is only
imported when they are installed; the running server is checked in tests/e2e/test_privacy.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

# `engine` is not installed in the app environment (it runs in the Rasa server's); these
# modules' pure parts import nothing from Rasa, so they are imported from the tree.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from engine.limits import sender_of
from engine.redaction import redact_event


@pytest.mark.parametrize(
    ("path", "body", "content_type", "expected"),
    [
        ("/webhooks/rest/webhook", {"sender": "s1", "message": "hi"}, "application/json", ("rest", "s1")),
        ("/webhooks/telegram/webhook", {"message": {"from": {"id": 42}, "text": "hi"}}, "application/json",
         ("telegram", "42")),
        ("/webhooks/telegram/webhook", {"callback_query": {"from": {"id": 7}}}, "application/json",
         ("telegram", "7")),
        ("/webhooks/slack/webhook", {"event": {"user": "U1", "text": "hi"}}, "application/json", ("slack", "U1")),
        ("/webhooks/rest/webhook", {"message": "no sender"}, "application/json", None),
        ("/webhooks/rest/webhook", {"sender": {"nested": 1}}, "application/json", None),
        ("/model/parse", {"sender": "s1"}, "application/json", None),
    ],
)  # fmt: skip
def test_the_sender_is_read_as_each_channel_reads_it(
    path: str, body: dict[str, object], content_type: str, expected: tuple[str, str] | None
) -> None:
    assert sender_of(path, json.dumps(body).encode(), content_type) == expected


def test_a_rest_message_sent_form_encoded_is_still_counted_for_its_sender() -> None:
    """The probe skipped the per-sender limit by sending the JSON body as form-encoded: REST reads JSON anyway."""
    body = json.dumps({"sender": "s1", "message": "hi"}).encode()
    assert sender_of("/webhooks/rest/webhook", body, "application/x-www-form-urlencoded") == ("rest", "s1")


def test_slack_button_payloads_and_garbage() -> None:
    form = b"payload=" + json.dumps({"user": {"id": "U9"}}).encode()
    assert sender_of("/webhooks/slack/webhook", form, "application/x-www-form-urlencoded") == ("slack", "U9")
    assert sender_of("/webhooks/rest/webhook", b"\xff\xfe not json", "application/json") is None
    assert sender_of("/webhooks/rest/webhook", b"[1, 2]", "application/json") is None


def test_a_user_event_is_stored_masked_and_keeps_what_the_dialogue_needs() -> None:
    event = {
        "event": "user", "text": "ORD-10234, ravi.silva@example.com", "timestamp": 1.5,
        "parse_data": {"text": "ORD-10234, ravi.silva@example.com", "intent": {"name": "inform"},
                       "entities": [{"entity": "email", "value": "ravi.silva@example.com"},
                                    {"entity": "order_number", "value": "ORD-10234"}]},
        "metadata": {"auth_token": "a.b.c"},
    }  # fmt: skip
    stored = redact_event(event)
    assert stored["text"] == stored["parse_data"]["text"] == "ORD-10234, [email]"
    assert [e["value"] for e in stored["parse_data"]["entities"]] == ["[email]", "ORD-10234"]
    assert stored["parse_data"]["intent"] == {"name": "inform"} and stored["metadata"] == {"auth_token": "a.b.c"}
    assert event["text"] == "ORD-10234, ravi.silva@example.com", "the turn's own event is not changed"


def test_slots_and_bot_events() -> None:
    assert redact_event({"event": "slot", "name": "customer_name", "value": "Ravi Silva"})["value"] == "[name]"
    assert redact_event({"event": "slot", "name": "verify_email", "value": "a@b.io"})["value"] == "[email]"
    assert redact_event({"event": "slot", "name": "customer_verified", "value": True})["value"] is True
    assert redact_event({"event": "slot", "name": "order_number", "value": "ORD-10234"})["value"] == "ORD-10234"
    bot = redact_event({"event": "bot", "text": "Thanks, Ravi — you're verified.", "data": {"buttons": [
        {"title": "call +31612345678", "payload": "/x"}]}})  # fmt: skip
    assert bot["text"] == "Thanks, [name] — you're verified."
    assert bot["data"]["buttons"][0] == {"title": "call [phone]", "payload": "/x"}
    assert redact_event({"event": "action", "name": "action_listen"}) == {"event": "action", "name": "action_listen"}
