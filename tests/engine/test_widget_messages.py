"""The widget channel's message shapes (engine/channels/widget_messages.py): plain data in, plain data out.

The module imports nothing from Rasa (so that these shapes can be checked without the
engine); it is loaded by path because the app environment does not install `engine`.
The channel around it is tested in a real browser against the real Rasa server
(tests/e2e/test_widget.py).
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path
from typing import Any

import pytest

# `engine` and `engine.channels` import nothing from Rasa at package level, so the pure
# modules load in the app environment from the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
wm: Any = importlib.import_module("engine.channels.widget_messages")
ws: Any = importlib.import_module("engine.channels.widget_sessions")

SOURCES = [{"path": "shipping.md", "title": "Shipping", "score": 0.8, "snippet": "We ship to …"}]


def bot_event(text: str | None, **data: Any) -> dict[str, Any]:
    """A `bot` event as Rasa serialises it (`BotUttered.as_dict()`): every data key present, most None."""
    keys = ("elements", "quick_replies", "buttons", "attachment", "image", "custom")
    return {"event": "bot", "text": text, "data": {key: data.get(key) for key in keys}, "timestamp": 1.0}


def user_event(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": 2.0, "metadata": {"auth_token": "secret"}}


def rasa_webchat_renders(event: dict[str, Any]) -> str:
    """How rasa-webchat 1.0.1 classifies a `bot_uttered` event (its handleBotUtterance and dispatchMessage):
    it adds `text`, strips `metadata`, then needs exactly `{text}` or `{text, quick_replies}`; any
    other shape goes to the page's custom component, when it has one."""
    keys = set({**event, "text": str(event.get("text"))}) - {"metadata"}
    if keys == {"text"}:
        return "text"
    if keys in ({"text", "quick_replies"}, {"text", "buttons"}):
        return "buttons"
    return "custom component"


def test_a_document_answer_is_a_text_then_its_sources_alone_as_rasa_sends_them() -> None:
    message = {"text": "We do not ship to Canada.", "custom": {"sources": SOURCES}, "image": None, "timestamp": 3.0}
    events = wm.bot_events(message, "m1")
    assert events == [
        {"text": "We do not ship to Canada.", "metadata": {"message_id": "m1"}},
        {"sources": SOURCES, "metadata": {"message_id": "m1"}},
    ]
    assert [rasa_webchat_renders(event) for event in events] == ["text", "custom component"]
    assert wm.bot_payload(message) == {"text": "We do not ship to Canada.", "custom": {"sources": SOURCES}}


def test_buttons_become_rasa_quick_replies_on_the_text() -> None:
    message = {"text": "Cancel it?", "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No"}, {"x": 1}]}
    [event] = wm.bot_events(message, "m2")
    assert event["quick_replies"] == [
        {"content_type": "text", "title": "Yes", "payload": "/affirm"},
        {"content_type": "text", "title": "No", "payload": "No"},
    ]
    assert rasa_webchat_renders(event) == "buttons"


def test_an_agent_message_is_a_plain_text_marked_in_metadata() -> None:
    [event] = wm.bot_events({"text": "Hi, Alex here.", "custom": {"agent": "Alex"}}, "m3")
    assert event == {"text": "Hi, Alex here.", "metadata": {"message_id": "m3", "agent": "Alex"}}
    assert rasa_webchat_renders(event) == "text"


def test_a_message_with_nothing_to_show_is_not_sent() -> None:
    assert wm.bot_payload({"text": "  ", "custom": {}, "buttons": None}) is None
    assert wm.bot_events({"text": "  ", "custom": {}, "buttons": None}, "m4") == []


def test_history_marks_agents_shows_button_titles_and_drops_metadata() -> None:
    events = [
        {"event": "action", "name": "action_listen"},
        user_event("cancel my order"),
        bot_event("Cancel ORD-10234?", buttons=[{"title": "Yes", "payload": "/affirm"}]),
        user_event("/affirm"),
        bot_event("Hi, Alex here.", custom={"agent": "Alex"}),
        bot_event(None),
    ]
    turns = wm.history(events)
    assert [turn["sender"] for turn in turns] == ["user", "bot", "user", "agent"]
    assert turns[2]["text"] == "Yes"
    assert turns[3]["agent"] == "Alex" and turns[3]["custom"] == {"agent": "Alex"}
    assert all("metadata" not in turn for turn in turns)


def test_history_keeps_the_latest_turns() -> None:
    turns = wm.history([user_event(f"message {n}") for n in range(10)], limit=3)
    assert [turn["text"] for turn in turns] == ["message 7", "message 8", "message 9"]


def test_only_the_identity_token_is_taken_from_the_browser() -> None:
    data = {"message": "hi", "metadata": {"auth_token": "abc.def.ghi", "customer_id": 7, "role": "employee"}}
    assert wm.user_metadata(data) == {"auth_token": "abc.def.ghi"}
    assert wm.user_metadata({"metadata": {"auth_token": 12}}) == {}
    assert wm.user_metadata({"metadata": "auth_token"}) == {}
    assert wm.user_metadata({"metadata": {"auth_token": "x" * 5000}}) == {}


def test_rasa_webchat_passes_the_token_in_custom_data_and_nothing_else_is_kept() -> None:
    data = {"message": "hi", "customData": {"auth_token": "abc.def.ghi", "language": "en", "role": "employee"}}
    assert wm.user_metadata(data) == {"auth_token": "abc.def.ghi"}
    assert wm.user_metadata({"customData": {"language": "en"}, "session_id": "x"}) == {}
    assert wm.user_metadata({"customData": ["auth_token"]}) == {}


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("hello", "must be an object"),
        ({"message": "   "}, "needs some text"),
        ({"message": 42}, "needs some text"),
        ({"message": "x" * 2001}, r"too long for me \(2,001 characters; I read at most 2,000\)"),
    ],
)
def test_bad_messages_get_a_clear_error(data: Any, error: str) -> None:
    with pytest.raises(wm.BadMessage, match=error):
        wm.user_text(data)


def test_only_session_ids_the_channel_signed_verify() -> None:
    secret = "e2e-identity-secret-0123456789abcdefghij"
    issued = ws.issue(secret)
    assert ws.verify(issued, secret)
    assert len(issued) <= 64 and issued.replace("_", "").replace("-", "").isalnum()  # the feedback route's shape
    assert issued != ws.issue(secret)
    nonce, tag = issued.split("_", 1)
    tampered = f"{nonce}_{'A' if tag[0] != 'A' else 'B'}{tag[1:]}"
    other_nonce = f"{'0' if nonce[0] != '0' else '1'}{nonce[1:]}_{tag}"
    for refused in (tampered, other_nonce, "demo-rest-7-0000009", "0123456789abcdef0123456789abcdef", None, 12):
        assert not ws.verify(refused, secret), refused
    assert not ws.verify(issued, "another-secret-0123456789abcdefghijkl")


def test_the_channel_does_not_start_without_its_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("IDENTITY_SECRET", raising=False)
    with pytest.raises(ws.MissingSecret, match="IDENTITY_SECRET is not set"):
        ws.secret_from_env()
    monkeypatch.setenv("IDENTITY_SECRET", "s" * 40)
    assert ws.secret_from_env() == "s" * 40
