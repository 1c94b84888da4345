"""The conversation as a person reads it, from Rasa tracker events.

The same events reach the action server (rasa-sdk `tracker.events`) and the API
(Rasa's tracker endpoint); who said what is read by `assistant.transcript`, the
reading every view of a conversation shares.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from assistant.names import NAME_SLOTS
from assistant.pii import NAME_MASK, redact, redact_value
from assistant.transcript import turns
from handoff.tickets import NewTicket, TranscriptLine

MAX_LINES = 500
MAX_LINE_CHARS = 4000


def transcript_from_events(events: Iterable[dict[str, Any]]) -> list[TranscriptLine]:
    """User, bot and agent lines in order (the last `MAX_LINES`); lines without text are left out."""
    lines = [
        TranscriptLine(turn.speaker, turn.text[:MAX_LINE_CHARS], turn.at, turn.agent)
        for turn in turns(events)
        if turn.text
    ]
    return lines[-MAX_LINES:]


def redacted_ticket(ticket: NewTicket) -> NewTicket:
    """The ticket as REDACT_TRACKER stores conversations: personal data masked in what the user and bot said.

    The transcript lines, the slot summary (a name slot entirely, like `engine.redaction`
    does) and a left message are masked with `assistant.pii.redact`; the identity
    established for the ticket (kind, id, name) is kept: the agent must know whom they
    are helping, and the erasure endpoint finds a person's tickets by it.
    """
    summary = {
        name: NAME_MASK if name in NAME_SLOTS and isinstance(value, str) and value else redact_value(value)
        for name, value in ticket.summary.items()
    }
    return replace(
        ticket,
        transcript=[replace(line, text=redact(line.text)) for line in ticket.transcript],
        summary=summary,
        message=redact(ticket.message) if ticket.message else ticket.message,
    )
