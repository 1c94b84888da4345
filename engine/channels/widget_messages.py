"""What the website widget and the socket.io channel say to each other: pure functions, no `rasa` import.

Kept apart from the channel so that the message shapes (one bot message, the history
of a conversation, what is accepted from a browser) are plain data in, plain data out.

Shapes sent to the widget:

- a bot message: `{"text"?: str, "quick_replies"?: [{"title", "payload"}], "custom"?: {...}}`;
  `custom` is `{"sources": [{"path", "title", "score", "snippet"}]}` under a document answer or
  `{"agent": "<name>"}` on a message a person wrote;
- the history: `[{"sender": "user"|"bot"|"agent", "text"?, "quick_replies"?, "custom"?, "agent"?,
  "timestamp"}]`, oldest first.
"""

from __future__ import annotations

import re
from typing import Any

from engine.channels.payloads import agent_name

METADATA_TOKEN_KEY = "auth_token"  # the same key as assistant.identity.METADATA_TOKEN_KEY (no app import here)
MAX_MESSAGE_CHARS = 2000
MAX_TOKEN_CHARS = 4096
MAX_HISTORY = 200
SESSION_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")


class BadMessage(ValueError):
    """A message from a browser that cannot be processed; the text is safe to show to the user."""


def is_session_id(value: Any) -> bool:
    """A session id the widget may resume: long and random enough to be unguessable, nothing else."""
    return isinstance(value, str) and SESSION_ID_RE.fullmatch(value) is not None


def user_text(data: Any) -> str:
    """The text of a `user_uttered` event; a clear error for anything else."""
    if not isinstance(data, dict):
        raise BadMessage("A message must be an object with a `message` field.")
    text = data.get("message")
    if not isinstance(text, str) or not text.strip():
        raise BadMessage("A message needs some text.")
    if len(text) > MAX_MESSAGE_CHARS:
        raise BadMessage(f"A message can be at most {MAX_MESSAGE_CHARS} characters long.")
    return text.strip()


def user_metadata(data: Any) -> dict[str, str]:
    """Only the signed identity token is taken from the browser; everything else it sends is dropped."""
    metadata = data.get("metadata") if isinstance(data, dict) else None
    token = metadata.get(METADATA_TOKEN_KEY) if isinstance(metadata, dict) else None
    if isinstance(token, str) and 0 < len(token) <= MAX_TOKEN_CHARS:
        return {METADATA_TOKEN_KEY: token}
    return {}


def _buttons(message: dict[str, Any]) -> list[dict[str, str]]:
    raw = message.get("quick_replies") or message.get("buttons") or []
    if not isinstance(raw, list):
        return []
    return [
        {"title": str(button["title"]), "payload": str(button.get("payload") or button["title"])}
        for button in raw
        if isinstance(button, dict) and button.get("title")
    ]


def bot_payload(message: dict[str, Any]) -> dict[str, Any] | None:
    """One bot message (Rasa's `BotUttered.message()`) as one widget event; None when there is nothing to show."""
    payload: dict[str, Any] = {}
    text = message.get("text")
    if isinstance(text, str) and text.strip():
        payload["text"] = text.strip()
    buttons = _buttons(message)
    if buttons:
        payload["quick_replies"] = buttons
    custom = message.get("custom")
    if isinstance(custom, dict) and custom:
        payload["custom"] = custom
    return payload or None


def history(events: list[dict[str, Any]], limit: int = MAX_HISTORY) -> list[dict[str, Any]]:
    """The user's and the bot's (or an agent's) turns of a conversation, from its serialised tracker events.

    A button the user clicked is recorded by Rasa as its payload (`/affirm`); it is shown
    as the button's title, as the user saw it when they clicked.
    """
    turns: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    for event in events:
        kind = event.get("event")
        timestamp = event.get("timestamp")
        if kind == "user":
            text = event.get("text")
            if isinstance(text, str) and text.strip():
                turns.append({"sender": "user", "text": titles.get(text, text), "timestamp": timestamp})
        elif kind == "bot":
            message = {**(event.get("data") or {}), "text": event.get("text")}
            payload = bot_payload(message)
            if payload is None:
                continue
            titles = {button["payload"]: button["title"] for button in payload.get("quick_replies", [])}
            name = agent_name(payload)
            sender = {"sender": "agent", "agent": name} if name else {"sender": "bot"}
            turns.append({**sender, **payload, "timestamp": timestamp})
    return turns[-limit:]
