"""What the website widget and the socket.io channel say to each other: pure functions, no `rasa` import.

Kept apart from the channel so that the message shapes (a bot message's events, the history
of a conversation, what is accepted from a browser) are plain data in, plain data out.

`bot_uttered` events have only the shapes Rasa's own `SocketIOOutput` sends, so that stock
clients (rasa-webchat, and the widgets that follow its shapes) render every one of them:

- a text: `{"text": str}`, with `"quick_replies": [{"content_type": "text", "title", "payload"}]`
  when the message has buttons;
- then, when the message has a custom payload, that payload alone as its own event:
  `{"sources": [{"path", "title", "score", "snippet"}]}` under a document answer.

Our additions ride in `metadata`, the one extra key rasa-webchat strips before it decides how to
render a message: `{"message_id"}` on both events of one message (our widget joins the sources
to their text by it) and `{"agent": "<name>"}` on a text a person wrote (the handoff's agent).

The history event (ours): `[{"sender": "user"|"bot"|"agent", "text"?, "quick_replies"?, "custom"?,
"agent"?, "timestamp"}]`, oldest first, one entry per bot message with its sources.
"""

from __future__ import annotations

from typing import Any

from assistant.transcript import turns
from engine.channels.incoming import too_long, trusted_metadata
from engine.channels.payloads import agent_name

MAX_HISTORY = 200


class BadMessage(ValueError):
    """A message from a browser that cannot be processed; the text is safe to show to the user."""


def user_text(data: Any) -> str:
    """The text of a `user_uttered` event; a clear error for anything else."""
    if not isinstance(data, dict):
        raise BadMessage("A message must be an object with a `message` field.")
    text = data.get("message")
    if not isinstance(text, str) or not text.strip():
        raise BadMessage("A message needs some text.")
    refusal = too_long(text)
    if refusal is not None:
        raise BadMessage(refusal)
    return text.strip()


def user_metadata(data: Any) -> dict[str, str]:
    """Only the signed identity token is taken from the browser; everything else it sends is dropped.

    Our widget sends it as `metadata.auth_token`; rasa-webchat can only send its `customData`
    prop, so a page embedding it passes the same token as `customData.auth_token`.
    """
    if not isinstance(data, dict):
        return {}
    for key in ("metadata", "customData"):
        token = trusted_metadata(data.get(key))  # the one check of a token from outside, shared with REST
        if token:
            return token
    return {}
    for key in ("metadata", "customData"):
        token = trusted_metadata(data.get(key))  # the one check of a token from outside, shared with REST
        if token:
            return token
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
    """One bot message (Rasa's `BotUttered.message()`) as one history entry; None when there is nothing to show."""
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


def bot_events(message: dict[str, Any], message_id: str) -> list[dict[str, Any]]:
    """One bot message as the `bot_uttered` events Rasa's socket.io channel would send: a text (with its
    quick replies), then its custom payload alone; `metadata` carries the message id and an agent's name."""
    payload = bot_payload(message)
    if payload is None:
        return []
    name = agent_name(payload)
    custom = {key: value for key, value in (payload.get("custom") or {}).items() if key != "agent"}
    events: list[dict[str, Any]] = []
    if "text" in payload or "quick_replies" in payload:
        text: dict[str, Any] = {"text": payload.get("text", "")}
        if "quick_replies" in payload:
            text["quick_replies"] = [{"content_type": "text", **button} for button in payload["quick_replies"]]
        text["metadata"] = {"message_id": message_id, **({"agent": name} if name else {})}
        events.append(text)
    if custom:
        events.append({**custom, "metadata": {"message_id": message_id}})
    return events


def history(events: list[dict[str, Any]], limit: int = MAX_HISTORY) -> list[dict[str, Any]]:
    """The user's and the bot's (or an agent's) turns of a conversation, from its serialised tracker events.

    A button the user clicked is recorded by Rasa as its payload (`/affirm`); it is shown
    as the button's title, as the user saw it when they clicked.
    """
    shown: list[dict[str, Any]] = []
    titles: dict[str, str] = {}
    for turn in turns(events):
        timestamp = turn.event.get("timestamp")
        if turn.speaker == "user":
            shown.append({"sender": "user", "text": titles.get(turn.text, turn.text), "timestamp": timestamp})
            continue
        payload = bot_payload({**(turn.event.get("data") or {}), "text": turn.text})
        if payload is None:
            continue
        titles = {button["payload"]: button["title"] for button in payload.get("quick_replies", [])}
        sender = {"sender": "agent", "agent": turn.agent} if turn.agent else {"sender": "bot"}
        shown.append({**sender, **payload, "timestamp": timestamp})
    return shown[-limit:]
