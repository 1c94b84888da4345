"""Handoff tickets: a conversation waiting for, or being answered by, a person.

A ticket is opened by the action server when the bot hands a conversation over
(asked for, two failed attempts in a row, or an abstention the user confirms). It
carries everything the agent needs to start without asking again: the channel and
sender to reply to, who the user is, a summary of what the bot knew (slots) and the
whole transcript. Outside business hours the ticket holds the message the user left.

Life cycle: `waiting` -> `taken` (by exactly one agent) -> `closed`; or `message`
(left outside hours) -> `closed`. One open ticket per conversation: asking twice
does not queue the same person twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class TicketStatus(StrEnum):
    WAITING = "waiting"
    TAKEN = "taken"
    MESSAGE = "message"
    CLOSED = "closed"


class HandoffReason(StrEnum):
    REQUESTED = "requested"  # the user asked for a person
    FAILED_ATTEMPTS = "failed_attempts"  # the bot could not help twice in a row
    NO_ANSWER = "no_answer"  # the documents had no answer and the user wanted a person


OPEN_STATUSES = (TicketStatus.WAITING, TicketStatus.TAKEN, TicketStatus.MESSAGE)


class TicketNotFound(LookupError):
    """No ticket with that number."""


class TicketConflict(Exception):
    """The ticket is not in a state that allows this (taken by someone else, already closed)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class TranscriptLine:
    """One turn of the conversation as the agent sees it."""

    speaker: str  # "user", "bot" or "agent"
    text: str
    at: float | None = None  # Unix time
    agent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"speaker": self.speaker, "text": self.text, "at": self.at, "agent": self.agent}


@dataclass(frozen=True)
class Identity:
    """Who the user is, as the channel established it (never what they typed)."""

    kind: str  # "customer", "employee" or "anonymous"
    id: int | None = None
    name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.id, "name": self.name}


@dataclass(frozen=True)
class NewTicket:
    channel: str
    sender_id: str
    identity: Identity
    reason: HandoffReason
    summary: dict[str, Any]
    transcript: list[TranscriptLine]
    message: str | None = None  # set when the user left a message outside business hours


@dataclass(frozen=True)
class Ticket:
    number: str
    channel: str
    sender_id: str
    identity: Identity
    reason: HandoffReason
    status: TicketStatus
    summary: dict[str, Any]
    transcript: list[TranscriptLine]
    created_at: datetime
    message: str | None = None
    agent: str | None = None
    taken_at: datetime | None = None
    closed_at: datetime | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "channel": self.channel,
            "sender_id": self.sender_id,
            "identity": self.identity.to_dict(),
            "reason": self.reason.value,
            "status": self.status.value,
            "summary": self.summary,
            "transcript": [line.to_dict() for line in self.transcript],
            "message": self.message,
            "agent": self.agent,
            "created_at": self.created_at.isoformat(),
            "taken_at": self.taken_at.isoformat() if self.taken_at else None,
            "closed_at": self.closed_at.isoformat() if self.closed_at else None,
        }
