"""One generated conversation, written event by event in Rasa 3.6's format (demo/history.py drives it)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

MODEL_ID = "demo0history0model0000000000000a"
ASSISTANT_ID = "northwind-assistant"
TICKET_PLACEHOLDER = "{ticket}"


def _hex(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128)).hex


@dataclass
class ConversationTruth:
    """What one generated conversation is, as the generator meant it."""

    sender_id: str
    channel: str
    day: date
    user_turns: int = 0
    bot_turns: int = 0
    fallbacks: int = 0
    knowledge_questions: int = 0
    knowledge_answered: int = 0
    abstentions: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    rating: int | None = None
    handoff_reason: str | None = None
    intents: list[str] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)
    questions: list[str] = field(default_factory=list)  # the unanswered ones
    gap_topics: list[str] = field(default_factory=list)


@dataclass
class _PendingTicket:
    row: dict[str, Any]
    bot_event: dict[str, Any]


class ConversationWriter:
    """Writes one conversation's events in Rasa's format, and what it is in `truth`."""

    def __init__(self, sender_id: str, channel: str, start: float, rng: random.Random) -> None:
        self.sender_id = sender_id
        self.channel = channel
        self.t = start
        self.rng = rng
        self.rows: list[dict[str, Any]] = []  # event dicts, serialised later (a ticket number is filled in first)
        self.truth = ConversationTruth(sender_id, channel, datetime.fromtimestamp(start, UTC).date())
        self.ticket: _PendingTicket | None = None
        self.paused = False
        self.last_bot_at: float | None = None

    # -- raw events ---------------------------------------------------------------------------

    def _metadata(self, **extra: Any) -> dict[str, Any]:
        return {**extra, "model_id": MODEL_ID, "assistant_id": ASSISTANT_ID}

    def _emit(self, event: dict[str, Any], *, intent: str | None = None, action: str | None = None) -> dict[str, Any]:
        self.rows.append({"event": event, "intent": intent, "action": action})
        return event

    def _tick(self, ms: float) -> float:
        self.t += ms / 1000.0
        return self.t

    def action(self, name: str, policy: str | None = "RulePolicy", confidence: float | None = 1.0) -> None:
        event = {
            "event": "action",
            "timestamp": self._tick(0.2),
            "metadata": self._metadata(),
            "name": name,
            "policy": policy,
            "confidence": confidence,
            "action_text": None,
            "hide_rule_turn": policy == "RulePolicy",
        }
        self._emit(event, action=name)

    def slot(self, name: str, value: Any) -> None:
        event = {"event": "slot", "timestamp": self._tick(0.05), "metadata": self._metadata(), "name": name}
        event["value"] = value
        self._emit(event, action=name)

    def session_start(self) -> None:
        self.action("action_session_start", policy=None)
        self._emit({"event": "session_started", "timestamp": self._tick(0.05), "metadata": self._metadata()})
        self.action("action_listen", policy=None, confidence=None)

    def user(self, text: str, intent: str, *, confidence: float | None = None, think_s: float | None = None) -> None:
        """The user writes `text` (after thinking a while) and the NLU reads `intent`."""
        self.t += think_s if think_s is not None else self.rng.uniform(4.0, 40.0)
        confidence = confidence if confidence is not None else round(self.rng.uniform(0.82, 0.99), 4)
        message_id = _hex(self.rng)
        others = [name for name in ("greet", "ask_policy", "order_status", "help") if name != intent][:2]
        ranking = [{"name": intent, "confidence": confidence}] + [
            {"name": name, "confidence": round((1 - confidence) / 2, 4)} for name in others
        ]
        event = {
            "event": "user",
            "timestamp": self.t,
            "metadata": self._metadata(),
            "text": text,
            "parse_data": {
                "intent": {"name": intent, "confidence": confidence},
                "entities": [],
                "text": text,
                "message_id": message_id,
                "metadata": {},
                "intent_ranking": ranking,
            },
            "input_channel": self.channel,
            "message_id": message_id,
        }
        self._emit(event, intent=intent)
        if self.truth.user_turns == 0:  # a conversation's day is its first message's
            self.truth.day = datetime.fromtimestamp(self.t, UTC).date()
        self.truth.user_turns += 1
        self.truth.intents.append(intent)
        if intent in ("nlu_fallback", "out_of_scope"):
            self.truth.fallbacks += 1
        self._user_at = self.t
        self._emit(
            {
                "event": "user_featurization",
                "timestamp": self._tick(1),
                "metadata": self._metadata(),
                "use_text_for_featurization": False,
            }
        )

    def bot(
        self,
        text: str,
        latency_ms: float,
        *,
        utter_action: str | None = None,
        buttons: list[dict[str, str]] | None = None,
        custom: dict[str, Any] | None = None,
        measured: bool = True,
    ) -> dict[str, Any]:
        """The bot's reply, `latency_ms` after the user's message (`measured`: the first reply to it)."""
        self.t = max(self.t, self._user_at + latency_ms / 1000.0)
        event = {
            "event": "bot",
            "timestamp": self.t,
            "metadata": self._metadata(**({"utter_action": utter_action} if utter_action else {})),
            "text": text,
            "data": {
                "elements": None,
                "quick_replies": None,
                "buttons": buttons,
                "attachment": None,
                "image": None,
                "custom": custom,
            },
        }
        self._emit(event)
        self.truth.bot_turns += 1
        if measured:
            self.truth.latencies_ms.append(latency_ms)
        self.last_bot_at = self.t
        return event

    def listen(self) -> None:
        self.action("action_listen")

    def agent_message(self, text: str, agent: str, after_s: float) -> None:
        self.t += after_s
        event = {
            "event": "bot",
            "timestamp": self.t,
            "metadata": self._metadata(agent=agent),
            "text": text,
            "data": {"custom": {"agent": agent}},
        }
        self._emit(event)

    def pause(self) -> None:
        self._emit({"event": "pause", "timestamp": self._tick(0.1), "metadata": self._metadata()})
        self.paused = True

    def resume(self) -> None:
        self._emit({"event": "resume", "timestamp": self._tick(0.1), "metadata": self._metadata()})
        self.paused = False

    def feedback(self, kind: str, value: Any, answer_at: float | None = None) -> None:
        """A widget visitor's thumb on an answer or rating of the conversation (analytics.feedback's event)."""
        self.t += self.rng.uniform(2.0, 20.0)
        payload: dict[str, Any] = {"kind": kind, "value": value}
        if answer_at is not None:
            payload["answer_at"] = answer_at
        self._emit({"event": "agent", "timestamp": self.t, "metadata": {}, "text": None, "data": {"feedback": payload}})
        if kind == "answer":
            if value == "up":
                self.truth.thumbs_up += 1
            else:
                self.truth.thumbs_down += 1
        else:
            self.truth.rating = int(value)

    # -- turns ----------------------------------------------------------------------------------

    def turn(self, text: str, intent: str, action: str, reply: str, latency_ms: float, **bot: Any) -> dict[str, Any]:
        """One exchange: the user says something, an action answers."""
        self.user(text, intent)
        self.action(action, policy="RulePolicy" if action.startswith("action_") else "TEDPolicy")
        utter_action = bot.pop("utter_action", None if action.startswith("action_") else action)
        return self.bot(reply, latency_ms, utter_action=utter_action, **bot)
