"""The conversation as a person reads it, from Rasa tracker events.

The same events reach the action server (rasa-sdk `tracker.events`) and the API
(Rasa's tracker endpoint), so one function turns both into transcript lines. A
bot event written by an agent carries `{"custom": {"agent": name}}`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from handoff.tickets import TranscriptLine

MAX_LINES = 500
MAX_LINE_CHARS = 4000


def _speaker(event: dict[str, Any]) -> tuple[str, str | None] | None:
    if event.get("event") == "user":
        return "user", None
    if event.get("event") == "bot":
        custom = (event.get("data") or {}).get("custom") or {}
        agent = custom.get("agent") if isinstance(custom, dict) else None
        return ("agent", str(agent)) if agent else ("bot", None)
    return None


def transcript_from_events(events: Iterable[dict[str, Any]]) -> list[TranscriptLine]:
    """User, bot and agent lines in order (the last `MAX_LINES`); events without text are left out."""
    lines = []
    for event in events:
        who = _speaker(event)
        text = str(event.get("text") or "").strip()
        if who is None or not text:
            continue
        speaker, agent = who
        timestamp = event.get("timestamp")
        at = float(timestamp) if isinstance(timestamp, int | float) else None
        lines.append(TranscriptLine(speaker, text[:MAX_LINE_CHARS], at, agent))
    return lines[-MAX_LINES:]
