"""Thumbs on the bot's answers and an end-of-conversation rating, recorded in the conversation itself.

The widget posts feedback to the API (`POST /api/feedback`); the API checks it against
the conversation in the tracker store (the conversation exists, the answer is one the
bot gave in it, that answer has not been rated yet) and appends one event to it
through the Rasa server's HTTP API, which holds the conversation's lock:

    {"event": "agent", "text": null, "data": {"feedback": {"kind": "answer", "value": "up",
     "answer_at": <the answer's timestamp>}}}
    {"event": "agent", "text": null, "data": {"feedback": {"kind": "conversation", "value": 4}}}

Why an `agent` event (Rasa's `AgentUttered`): it is the one event type of Rasa 3.6 that
carries arbitrary data and changes no dialogue state (its `apply_to` does nothing, it is
not featurised, no policy reads it), so recording feedback can never steer the bot;
it needs no new intent or slot in the domain; the widget's history and the agent's
transcript skip it (they read `user` and `bot` events); and it lives and dies with the
conversation (an erasure of the conversation erases it). A `slot` event for a slot the
domain does not declare would log an error on every turn, and a user message with a
reserved intent would run the dialogue.
"""

from __future__ import annotations

import asyncio
import re
import time
from dataclasses import dataclass
from typing import Any, Literal

from analytics.tracker import TrackerEvents
from assistant.names import FEEDBACK_EVENT
from assistant.transcript import turns
from handoff.conversation import ConversationUnavailable, RasaConversations

SESSION_ID_RE = re.compile(r"[A-Za-z0-9_-]{16,64}")  # the widget's session ids (engine/channels/widget_messages.py)
Kind = Literal["answer", "conversation"]


class FeedbackRefused(Exception):
    """Feedback that does not fit the conversation; `status` is the HTTP status that says why."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


@dataclass(frozen=True)
class Feedback:
    session_id: str
    kind: Kind
    value: str | int  # "up" / "down" for an answer, 1–5 for the conversation
    answer: str | None = None  # the text of the answer the thumb is on


def current_session(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The events since the last session start (what the widget shows as the conversation)."""
    starts = [i for i, event in enumerate(events) if event.get("event") == "session_started"]
    return events[starts[-1] :] if starts else events


def feedback_event(feedback: Feedback, answer_at: float | None) -> dict[str, Any]:
    payload: dict[str, Any] = {"kind": feedback.kind, "value": feedback.value}
    if answer_at is not None:
        payload["answer_at"] = answer_at
    return {"event": FEEDBACK_EVENT, "timestamp": time.time(), "text": None, "data": {"feedback": payload}}


def check(feedback: Feedback, events: list[dict[str, Any]]) -> float | None:
    """Refuse feedback that does not fit the conversation; the rated answer's timestamp (for a thumb)."""
    session = current_session(events)
    if not any(event.get("event") == "user" for event in session):
        raise FeedbackRefused(404, "no conversation with this session id")
    if feedback.kind == "conversation":
        return None
    wanted = " ".join((feedback.answer or "").split())
    # The bot's own lines, as every view reads them (a person's lines in the console are not answers).
    answers = [turn for turn in turns(session) if turn.speaker == "bot" and " ".join(turn.text.split()) == wanted]
    if not wanted or not answers:
        raise FeedbackRefused(404, "the bot gave no such answer in this conversation")
    answer_at = answers[-1].at
    rated = {
        ((event.get("data") or {}).get("feedback") or {}).get("answer_at")
        for event in session
        if event.get("event") == FEEDBACK_EVENT
    }
    if answer_at in rated:
        raise FeedbackRefused(409, "this answer has already been rated")
    return answer_at


class FeedbackRecorder:
    """Checks feedback against the tracker store, then appends it through the Rasa server."""

    # Rasa sends a reply to the widget before it saves the turn: a quick click may come before the save.
    SAVE_WAIT_S = (0.25, 0.5, 1.0)

    def __init__(self, tracker: TrackerEvents, conversations: RasaConversations) -> None:
        self.tracker = tracker
        self.conversations = conversations

    def _checked(self, feedback: Feedback) -> float | None:
        for wait in (*self.SAVE_WAIT_S, None):
            stored = self.tracker.exists()
            events = list(self.tracker.conversation_events(feedback.session_id, 0, None)) if stored else []
            try:
                return check(feedback, events)
            except FeedbackRefused as refused:
                if refused.status != 404 or wait is None:
                    raise
                time.sleep(wait)
        return None  # not reached

    async def record(self, feedback: Feedback) -> dict[str, Any]:
        if not SESSION_ID_RE.fullmatch(feedback.session_id):
            raise FeedbackRefused(422, "not a session id of the chat widget")
        answer_at = await asyncio.to_thread(self._checked, feedback)
        event = feedback_event(feedback, answer_at)
        try:
            await self.conversations.append_events(feedback.session_id, [event])
        except ConversationUnavailable as error:
            if error.status is None:
                raise FeedbackRefused(503, "the assistant is not answering; try again later") from error
            raise FeedbackRefused(502, f"the assistant refused the feedback (HTTP {error.status})") from error
        return event["data"]["feedback"]  # type: ignore[no-any-return]
