"""One conversation as the dashboard's drill-down shows it: redacted, with what happened in it.

Read from the tracker store (the aggregates keep no text besides unanswered questions),
every line masked by `assistant.pii.redact` before it leaves the server: the person
looking at analytics needs to see how the conversation went, not who it was with.
Besides the user's, the bot's and a person's lines it marks the handoff and hand-back,
the thumbs and the rating, and each reply's latency.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from assistant.names import FEEDBACK_EVENT, KNOWLEDGE_ACTION
from assistant.pii import redact
from assistant.transcript import turn_of

MAX_LINES = 400
MAX_LINE_CHARS = 2000


def _at(event: dict[str, Any]) -> str | None:
    timestamp = event.get("timestamp")
    if isinstance(timestamp, int | float):
        return datetime.fromtimestamp(timestamp, UTC).isoformat(timespec="seconds")
    return None


def redacted_transcript(events: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The conversation's lines: `{"speaker": "user"|"bot"|"agent"|"event", "text", "at", …}`."""
    lines: list[dict[str, Any]] = []
    waiting_since: float | None = None
    last_action: str | None = None
    for event in events:
        kind = event.get("event")
        timestamp = event.get("timestamp") if isinstance(event.get("timestamp"), int | float) else None
        turn = turn_of(event)
        if kind == "user" and turn is not None:
            text = redact(turn.text[:MAX_LINE_CHARS])
            lines.append({"speaker": "user", "text": text, "at": _at(event), "intent": turn.intent})
            waiting_since = timestamp
            last_action = None
        elif kind == "action":
            last_action = event.get("name")
        elif kind == "bot" and turn is not None and turn.text:
            line: dict[str, Any] = {
                "speaker": turn.speaker,
                "text": redact(turn.text[:MAX_LINE_CHARS]),
                "at": _at(event),
            }
            if turn.agent:
                line["agent"] = turn.agent
            else:
                sources: list[Any] = turn.custom["sources"] if isinstance(turn.custom.get("sources"), list) else []
                titles = [str(s.get("title") or s.get("path")) for s in sources if isinstance(s, dict)]
                if titles:
                    line["sources"] = titles
                if last_action == KNOWLEDGE_ACTION and not titles:
                    line["note"] = "no answer in the documents"
                if waiting_since is not None and timestamp is not None:
                    line["latency_ms"] = round(max(0.0, timestamp - waiting_since) * 1000)
                    waiting_since = None
            lines.append(line)
        elif kind == "pause":
            lines.append({"speaker": "event", "text": "Handed to a person; the bot is paused.", "at": _at(event)})
            waiting_since = None
        elif kind == "resume":
            lines.append({"speaker": "event", "text": "Handed back to the bot.", "at": _at(event)})
        elif kind == FEEDBACK_EVENT:
            feedback = (event.get("data") or {}).get("feedback")
            if isinstance(feedback, dict):
                lines.append({"speaker": "event", "text": _feedback_text(feedback), "at": _at(event)})
    return lines[-MAX_LINES:]


def _feedback_text(feedback: dict[str, Any]) -> str:
    if feedback.get("kind") == "answer":
        return "Thumbs up on the answer." if feedback.get("value") == "up" else "Thumbs down on the answer."
    return f"Rated the conversation {feedback.get('value')}/5."
