"""Who said what, from Rasa tracker events: the one reading of a conversation every view builds on.

The same serialised events reach the action server (rasa-sdk `tracker.events`), the API
(Rasa's tracker endpoint, the tracker store) and the Rasa server itself (the widget's
history). Each shows a conversation its own way — the agent's ticket, the dashboard's
redacted drill-down, the widget after a reload — but who spoke, what they said and when
is read here, once: a user line is a `user` event with text; a bot line a `bot` event
with text, buttons or a custom payload; a person's line a bot event whose custom payload
names the agent (`{"custom": {"agent": name}}`, what the console sends).

Standard library only: the Rasa engine (Python 3.10) imports it too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

Speaker = Literal["user", "bot", "agent"]


@dataclass(frozen=True)
class Turn:
    """One line of a conversation, with the raw parts some views need (buttons, custom payload, intent)."""

    speaker: Speaker
    text: str
    at: float | None
    agent: str | None = None
    buttons: list[dict[str, Any]] = field(default_factory=list)
    custom: dict[str, Any] = field(default_factory=dict)
    intent: str | None = None
    event: dict[str, Any] = field(default_factory=dict, repr=False)


def _timestamp(event: dict[str, Any]) -> float | None:
    value = event.get("timestamp")
    return float(value) if isinstance(value, int | float) else None


def turn_of(event: dict[str, Any]) -> Turn | None:
    """The line an event adds to the conversation, or None (actions, slots, empty messages…)."""
    kind = event.get("event")
    if kind == "user":
        text = str(event.get("text") or "").strip()
        if not text:
            return None
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        return Turn("user", text, _timestamp(event), intent=intent, event=event)
    if kind != "bot":
        return None
    raw_data = event.get("data")
    data: dict[str, Any] = raw_data if isinstance(raw_data, dict) else {}
    raw_custom = data.get("custom")
    custom: dict[str, Any] = raw_custom if isinstance(raw_custom, dict) else {}
    raw_buttons = data.get("buttons") or data.get("quick_replies") or []
    buttons = [b for b in raw_buttons if isinstance(b, dict)] if isinstance(raw_buttons, list) else []
    text = str(event.get("text") or "").strip()
    if not text and not buttons and not custom:
        return None
    agent = custom.get("agent")
    if isinstance(agent, str) and agent.strip():
        return Turn("agent", text, _timestamp(event), agent=agent, buttons=buttons, custom=custom, event=event)
    return Turn("bot", text, _timestamp(event), buttons=buttons, custom=custom, event=event)


def turns(events: Iterable[dict[str, Any]]) -> Iterator[Turn]:
    """The conversation's lines in order."""
    for event in events:
        turn = turn_of(event)
        if turn is not None:
            yield turn
