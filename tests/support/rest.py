"""Talking to a running stack over the REST channel, as the e2e, fault and scale-out suites do.

Every reply is checked for leaked stack traces. `Conversation` talks to the e2e stack
(`RASA_URL`); `RestConversation` to any Rasa server or nginx in front of several.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Literal

import httpx

from assistant.identity import METADATA_TOKEN_KEY, issue_channel_token
from tests.support.e2e_config import CHAT_TIMEOUT_S, LEAK_MARKERS, RASA_API, RASA_URL


def token_of(role: Literal["customer", "employee"], subject: int | str, secret: str) -> dict[str, str]:
    """The metadata a signed-in website chat sends: a channel token for `role` `subject`."""
    return {METADATA_TOKEN_KEY: issue_channel_token(role, str(subject), secret)}


def post_message(sender: str, text: str, metadata: dict[str, Any] | None = None) -> httpx.Response:
    """One message to the REST channel; the raw response (for tests of what comes back)."""
    payload: dict[str, Any] = {"sender": sender, "message": text}
    if metadata is not None:
        payload["metadata"] = metadata
    return httpx.post(f"{RASA_URL}/webhooks/rest/webhook", json=payload, timeout=CHAT_TIMEOUT_S)


def chat(sender: str, text: str, metadata: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """One message to the REST channel; the bot's replies (`text`, `buttons`, `custom`, ...)."""
    response = post_message(sender, text, metadata)
    assert response.status_code == 200, f"HTTP {response.status_code} for {text!r}: {response.text[:500]}"
    replies: list[dict[str, Any]] = response.json()
    assert isinstance(replies, list), replies
    for reply in replies:
        for marker in LEAK_MARKERS:
            assert marker not in (reply.get("text") or ""), f"{marker!r} leaked in a reply to {text!r}: {reply}"
    return replies


def tracker_events(rasa_url: str, sender: str) -> list[dict[str, Any]]:
    """Every event of a conversation, all its sessions, through the Rasa server's API."""
    response = httpx.get(
        f"{rasa_url}/conversations/{sender}/tracker",
        params={"include_events": "ALL", **RASA_API},  # every session, not only the latest
        timeout=CHAT_TIMEOUT_S,
    )
    response.raise_for_status()
    events: list[dict[str, Any]] = response.json()["events"]
    return events


def texts(replies: list[dict[str, Any]]) -> str:
    return "\n".join(reply["text"] for reply in replies if reply.get("text"))


def buttons(replies: list[dict[str, Any]]) -> list[dict[str, str]]:
    return [button for reply in replies for button in reply.get("buttons") or []]


@dataclass
class Conversation:
    """One customer's conversation: a fresh sender id, a transcript for failure messages."""

    metadata: dict[str, Any] | None = None
    sender: str = field(default_factory=lambda: f"e2e-{uuid.uuid4().hex}")
    transcript: list[tuple[str, str]] = field(default_factory=list)
    last: list[dict[str, Any]] = field(default_factory=list)

    def say(self, text: str, metadata: dict[str, Any] | None = None) -> str:
        """Send `text`; return the bot's reply texts joined by newlines (all replies in `last`)."""
        self.last = chat(self.sender, text, metadata if metadata is not None else self.metadata)
        reply = texts(self.last)
        self.transcript.append((text, reply))
        return reply

    @property
    def buttons(self) -> list[dict[str, str]]:
        return buttons(self.last)

    def tracker_events(self) -> list[dict[str, Any]]:
        return tracker_events(RASA_URL, self.sender)

    def __str__(self) -> str:
        return "\n".join(f"USER: {user!r}\nBOT:  {bot!r}" for user, bot in self.transcript)


@dataclass
class RestConversation:
    """One conversation over the REST channel of the Rasa server (or nginx) at `rasa_url`: what the fault
    and scale-out suites talk through; every reply checked for leaked stack traces."""

    rasa_url: str
    metadata: dict[str, Any] | None = None
    sender: str = field(default_factory=lambda: f"rest-{uuid.uuid4().hex}")
    transcript: list[tuple[str, str]] = field(default_factory=list)
    last: list[dict[str, Any]] = field(default_factory=list)

    def post(self, message: str) -> httpx.Response:
        payload: dict[str, Any] = {"sender": self.sender, "message": message}
        if self.metadata is not None:
            payload["metadata"] = self.metadata
        return httpx.post(f"{self.rasa_url}/webhooks/rest/webhook", json=payload, timeout=CHAT_TIMEOUT_S)

    def say(self, message: str) -> str:
        """Send `message`; the bot's reply texts joined by newlines. No stack trace may reach the user."""
        response = self.post(message)
        assert response.status_code == 200, f"HTTP {response.status_code} for {message!r}: {response.text[:300]}"
        self.last = response.json()
        reply = texts(self.last)
        for marker in LEAK_MARKERS:
            assert marker not in reply, f"{marker!r} leaked in the reply to {message!r}: {reply}"
        self.transcript.append((message, reply))
        return reply

    @property
    def buttons(self) -> list[dict[str, str]]:
        return buttons(self.last)

    @property
    def sources(self) -> list[dict[str, Any]]:
        return [source for reply in self.last for source in (reply.get("custom") or {}).get("sources") or []]

    def tracker_events(self) -> list[dict[str, Any]]:
        return tracker_events(self.rasa_url, self.sender)

    def __str__(self) -> str:
        return "\n".join(f"USER: {user!r}\nBOT:  {bot!r}" for user, bot in self.transcript)


def tracker_turns(events: list[dict[str, Any]]) -> list[tuple[str, list[str], bool]]:
    """Each user turn of a tracker: (its text, the bot's reply texts after it, whether it ended listening).

    A turn is everything from one `user` event to the next; it is complete when the bot
    uttered something and the last action of the turn is `action_listen`. (Unlike
    `assistant.transcript`, which reads who said what, this checks how turns were processed:
    the action events matter, and a turn with an empty reply still counts.)
    """
    found: list[tuple[str, list[str], bool]] = []
    for event in events:
        if event.get("event") == "user":
            found.append((str(event.get("text")), [], False))
        elif found and event.get("event") == "bot":
            found[-1][1].append(str(event.get("text") or ""))
        if found and event.get("event") == "action":
            found[-1] = (found[-1][0], found[-1][1], event.get("name") == "action_listen")
    return found
