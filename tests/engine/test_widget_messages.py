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

SOURCES = [{"path": "shipping.md", "title": "Shipping", "score": 0.8, "snippet": "We ship to …"}]


def bot_event(text: str | None, **data: Any) -> dict[str, Any]:
    """A `bot` event as Rasa serialises it (`BotUttered.as_dict()`): every data key present, most None."""
    keys = ("elements", "quick_replies", "buttons", "attachment", "image", "custom")
    return {"event": "bot", "text": text, "data": {key: data.get(key) for key in keys}, "timestamp": 1.0}


def user_event(text: str) -> dict[str, Any]:
    return {"event": "user", "text": text, "timestamp": 2.0, "metadata": {"auth_token": "secret"}}


def test_one_bot_message_is_one_payload_with_its_sources_intact() -> None:
    message = {"text": "We do not ship to Canada.", "custom": {"sources": SOURCES}, "image": None, "timestamp": 3.0}
    assert wm.bot_payload(message) == {"text": "We do not ship to Canada.", "custom": {"sources": SOURCES}}


def test_buttons_become_quick_replies_with_title_and_payload() -> None:
    message = {"text": "Cancel it?", "buttons": [{"title": "Yes", "payload": "/affirm"}, {"title": "No"}, {"x": 1}]}
    assert wm.bot_payload(message)["quick_replies"] == [
        {"title": "Yes", "payload": "/affirm"},
        {"title": "No", "payload": "No"},
    ]


def test_a_message_with_nothing_to_show_is_not_sent() -> None:
    assert wm.bot_payload({"text": "  ", "custom": {}, "buttons": None}) is None


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


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ("hello", "must be an object"),
        ({"message": "   "}, "needs some text"),
        ({"message": 42}, "needs some text"),
        ({"message": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_messages_get_a_clear_error(data: Any, error: str) -> None:
    with pytest.raises(wm.BadMessage, match=error):
        wm.user_text(data)


def test_session_ids_must_be_long_random_tokens() -> None:
    assert wm.is_session_id("0123456789abcdef0123456789abcdef")
    for bad in (None, 12, "short", "../../etc/passwd-0123456789", "x" * 65):
        assert not wm.is_session_id(bad)
