"""A realistic, deterministic conversation history, written straight into the tracker store.

`assistant demo-history` uses it so that a fresh install's dashboard has something to
show; the tests and the benchmark use it because it knows the right answers: while it
writes a conversation it records what that conversation *is* (a handoff and why, an
abstention and its question, each reply's latency, the thumbs and the rating) in a
`ConversationTruth`, independently of how `analytics.aggregate` reads the events back.

The events are Rasa 3.6's own (`as_dict()` of UserUttered, ActionExecuted, BotUttered,
SlotSet, SessionStarted, ConversationPaused/Resumed) with the columns Rasa's
SQLTrackerStore fills, so Rasa could load any of these conversations; the handoffs get
their (closed) tickets in the back office, so the agents' queue stays empty. Sender ids
start with `demo-`, so no real user can ever continue a generated conversation.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, insert, select

from analytics.tracker import ensure_events_table, events
from handoff.sql import HandoffTicketRow, ticket_number
from handoff.transcript import transcript_from_events

MODEL_ID = "demo0history0model0000000000000a"
ASSISTANT_ID = "northwind-assistant"
CHANNEL_WEIGHTS = {"socketio": 0.45, "rest": 0.2, "telegram": 0.2, "slack": 0.15}
AGENTS = ("Alex", "Sam")
HOUR_WEIGHTS = [1, 1, 1, 1, 1, 2, 3, 5, 8, 10, 11, 11, 10, 10, 11, 10, 9, 7, 6, 5, 4, 3, 2, 1]
TICKET_PLACEHOLDER = "{ticket}"
ABSTAIN_REPLY = (
    "I couldn't find an answer to that in our documents, and I'd rather not guess. "
    "Would you like me to put you in touch with a person?"
)
SECOND_ABSTAIN_REPLY = "I couldn't find that in our documents either, so let me bring in a person who can help."
HANDOFF_BUTTONS = [
    {"title": "Yes, a person please", "payload": "/human_handoff"},
    {"title": "No, thanks", "payload": "/deny"},
]
HANDOFF_REPLY = (
    f"I've asked a person from our team to join (ticket {TICKET_PLACEHOLDER}). They'll reply right here — "
    "anything you write now goes to them."
)
BACK_REPLY = "You're back with the assistant — thanks for your patience. Is there anything else I can help you with?"

FIRST_NAMES = ("Ravi", "Anna", "Tom", "Sofia", "Lucas", "Emma", "Noah", "Mila", "Daan", "Julia", "Omar", "Lena")
LAST_NAMES = ("Silva", "de Vries", "Jansen", "Bianchi", "Novak", "Okafor", "Muller", "Smit", "Kowalski", "Haddad")

GREETINGS = ("hi", "hello", "hey there", "good morning", "hi!", "hello, anyone there?")
THANKS = ("thanks", "thank you!", "great, thanks", "perfect, thank you")
GOODBYES = ("bye", "that's all, bye", "goodbye", "ok bye")
ORDER_QUESTIONS = (
    "where is my order?",
    "has my order shipped yet?",
    "when will my parcel arrive?",
    "can you check my order status",
    "I'm still waiting for my delivery",
    "tracking number for my order please",
)
INVOICE_QUESTIONS = ("how much do I owe?", "what's my balance?", "do I have open invoices?", "when is my invoice due?")
HR_QUESTIONS = (
    ("leave_balance", "how many vacation days do I have left?", "action_leave_balance"),
    ("leave_balance", "what's my leave balance", "action_leave_balance"),
    ("payday", "when is the next payday?", "action_payday"),
    ("leave_used", "how many days off have I taken this year?", "action_leave_used"),
    ("leave_request_status", "what's the status of my leave request?", "action_leave_request_status"),
)
# Questions the documents answer: (question, answer, source path, source title).
ANSWERED = (
    (
        "what's your return policy?",
        "You can return most items within 30 days of delivery for a full refund.",
        "returns-and-refunds.md",
        "Returns and refunds",
    ),
    (
        "do you ship to Canada?",
        "We ship to the EU, the UK, the US and Canada; shipping to Canada takes 6–10 working days.",
        "shipping.md",
        "Shipping: where we deliver and what it costs",
    ),
    (
        "how long does delivery take?",
        "Orders within the Netherlands arrive in 1–2 working days, elsewhere in the EU in 2–5.",
        "delivery-times.md",
        "Delivery times",
    ),
    (
        "which payment methods do you accept?",
        "We accept iDEAL, credit and debit cards, PayPal and bank transfer for invoices.",
        "payment-methods.md",
        "Payment methods",
    ),
    (
        "is there a warranty on the garden bench?",
        "Furniture comes with a 2-year warranty against manufacturing defects.",
        "warranty.html",
        "Warranty",
    ),
    (
        "how do I look after the cedar planter?",
        "The outside may be oiled with a plant-safe oil once a year; always use the liner.",
        "product-care.txt",
        "Product Care",
    ),
    (
        "what happens if I pay my invoice late?",
        "After the due date we send a reminder; a late fee of €5 applies after 14 days.",
        "invoices-and-late-fees.md",
        "Invoices, reminders and late fees",
    ),
    (
        "how do I delete my account?",
        "You can ask us to delete your account and personal data from the privacy page or by e-mail.",
        "privacy.md",
        "Privacy and your personal data",
    ),
)
# Questions the documents do not answer, by topic (the knowledge gaps a dashboard should surface).
GAPS: dict[str, tuple[tuple[str, ...], int]] = {
    "gift cards": (
        (
            "do you sell gift cards?",
            "can I buy a gift voucher?",
            "is there a gift card I can give my mum?",
            "do you have e-gift cards?",
            "gift certificate for a friend's birthday",
            "can I pay with a gift card?",
        ),
        9,
    ),
    "price match": (
        (
            "do you price match?",
            "will you match a cheaper price from another shop?",
            "I saw the same bench cheaper elsewhere, can you match it?",
            "is there a price match guarantee?",
        ),
        6,
    ),
    "shops": (
        (
            "where is your nearest store?",
            "do you have a physical shop in Amsterdam?",
            "can I visit a showroom to see the furniture?",
            "what are the opening hours of your shop?",
        ),
        5,
    ),
    "student discount": (
        (
            "do you have a student discount?",
            "any discounts for students?",
            "is there a discount for teachers or students?",
        ),
        4,
    ),
    "assembly": (
        (
            "do you offer assembly for the garden furniture?",
            "can someone assemble the bench for me?",
            "is installation included with the pergola?",
        ),
        3,
    ),
    "business orders": (
        (
            "can I order 200 planters for my company?",
            "do you do wholesale pricing?",
            "is there a bulk discount for business orders?",
        ),
        2,
    ),
}
WHILE_WAITING = (
    "hi, it's about what I asked above",
    "thanks for picking this up",
    "my parcel never arrived and the tracking hasn't moved",
    "I was charged twice for one order",
)
FALLBACK_MESSAGES = ("asdf", "what about the thing", "can u do it", "hmm ok and then", "blue?")
OUT_OF_SCOPE = ("what's the weather tomorrow?", "tell me a joke", "who won the match yesterday?", "book me a taxi")
ANSWER_FEEDBACK_SHARE = 0.3  # widget visitors who click a thumb on an answer
RATING_SHARE = 0.2  # widget conversations that end with a rating


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
class HistoryReport:
    conversations: int
    events: int
    tickets: int
    first_day: date
    last_day: date
    truths: list[ConversationTruth]


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


class HistoryGenerator:
    """Conversations for `days` days up to `end`, spread like real traffic (weekdays, office hours)."""

    def __init__(self, seed: int = 7, end: datetime | None = None) -> None:
        self.seed = seed
        self.rng = random.Random(seed)
        self.end = (end or datetime.now(UTC)).astimezone(UTC)
        self.tickets_opened = 0

    # -- timing ---------------------------------------------------------------------------------

    def latency(self, kind: str) -> float:
        """A reply latency in ms, by what the bot had to do (log-normal, with a few slow outliers)."""
        median = {"utter": 45.0, "action": 140.0, "knowledge": 380.0, "handoff": 220.0}[kind]
        value = self.rng.lognormvariate(math.log(median), 0.45)
        if self.rng.random() < 0.02:
            value *= self.rng.uniform(5.0, 15.0)
        return round(value, 1)

    def day_counts(self, conversations: int, days: int) -> list[tuple[date, int]]:
        """How many conversations start on each day (weekends quieter, slowly growing), summing exactly."""
        last = self.end.date()
        first = last - timedelta(days=days - 1)
        dates = [first + timedelta(days=i) for i in range(days)]
        weights = [
            (0.6 if d.weekday() >= 5 else 1.0) * (0.85 + 0.3 * i / max(1, days - 1)) for i, d in enumerate(dates)
        ]
        total = sum(weights)
        raw = [conversations * w / total for w in weights]
        counts = [int(x) for x in raw]
        for i in sorted(range(days), key=lambda i: raw[i] - counts[i], reverse=True)[: conversations - sum(counts)]:
            counts[i] += 1
        return list(zip(dates, counts, strict=True))

    def start_time(self, day: date) -> float:
        hour = self.rng.choices(range(24), weights=HOUR_WEIGHTS)[0]
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC) + timedelta(seconds=self.rng.uniform(0, 3599))
        latest = self.end - timedelta(minutes=30)  # finished by `end`
        if moment > latest:
            moment = latest - timedelta(seconds=self.rng.uniform(0, 3600 * 2))
        start = datetime(day.year, day.month, day.day, tzinfo=UTC)
        return max(moment, start).timestamp()

    # -- scenarios ------------------------------------------------------------------------------

    def scenarios(self, channel: str) -> list[tuple[Callable[[ConversationWriter], None], float]]:
        if channel == "slack":
            return [
                (self.hr, 0.45),
                (self.knowledge_answered, 0.2),
                (self.knowledge_unanswered, 0.12),
                (self.small_talk, 0.1),
                (self.handoff_requested, 0.05),
                (self.fallback, 0.08),
            ]
        weights: list[tuple[Callable[[ConversationWriter], None], float]] = [
            (self.small_talk, 0.1),
            (self.order_status, 0.2),
            (self.invoice, 0.08),
            (self.knowledge_answered, 0.24),
            (self.knowledge_unanswered, 0.12),
            (self.two_unanswered, 0.03),
            (self.handoff_requested, 0.07),
            (self.fallback, 0.08),
            (self.help, 0.05),
        ]
        if channel == "telegram":
            weights.append((self.hr, 0.1))
        return weights

    def greet(self, w: ConversationWriter) -> None:
        w.turn(
            self.rng.choice(GREETINGS),
            "greet",
            "utter_greet",
            "Hi! I'm the Northwind Goods assistant. I can help with your orders, returns and invoices. "
            "What can I do for you?",
            self.latency("utter"),
        )
        w.listen()

    def close(self, w: ConversationWriter) -> None:
        """Most people say thanks or bye; some just leave."""
        roll = self.rng.random()
        if roll < 0.35:
            w.turn(
                self.rng.choice(THANKS),
                "thank",
                "utter_you_are_welcome",
                "You're welcome! Anything else I can help with?",
                self.latency("utter"),
            )
            w.listen()
        elif roll < 0.55:
            w.turn(
                self.rng.choice(GOODBYES),
                "goodbye",
                "utter_goodbye",
                "Goodbye, and thanks for shopping with Northwind Goods!",
                self.latency("utter"),
            )
            w.listen()

    def maybe_thumb(self, w: ConversationWriter, answer: dict[str, Any], up_share: float) -> None:
        if w.channel == "socketio" and self.rng.random() < ANSWER_FEEDBACK_SHARE:
            w.feedback("answer", "up" if self.rng.random() < up_share else "down", answer_at=answer["timestamp"])

    def maybe_rating(self, w: ConversationWriter, good: bool) -> None:
        if w.channel == "socketio" and self.rng.random() < RATING_SHARE:
            weights = [1, 1, 2, 5, 8] if good else [4, 4, 3, 1, 1]
            w.feedback("conversation", self.rng.choices([1, 2, 3, 4, 5], weights=weights)[0])

    def small_talk(self, w: ConversationWriter) -> None:
        self.greet(w)
        if self.rng.random() < 0.4:
            w.turn(
                "are you a bot?",
                "bot_challenge",
                "utter_iamabot",
                "I'm a virtual assistant, not a person.",
                self.latency("utter"),
            )
            w.listen()
        self.close(w)
        self.maybe_rating(w, good=True)

    def help(self, w: ConversationWriter) -> None:
        w.turn(
            "what can you do?",
            "help",
            "utter_help",
            "I can help you with: where your order is, returns and invoices.",
            self.latency("utter"),
        )
        w.listen()
        self.close(w)

    def order_status(self, w: ConversationWriter) -> None:
        if self.rng.random() < 0.3:
            self.greet(w)
        first, last = self.rng.choice(FIRST_NAMES), self.rng.choice(LAST_NAMES)
        order = f"ORD-{self.rng.randint(10001, 10300)}"
        email = f"{first.lower()}.{last.lower().replace(' ', '')}@example.com"
        w.turn(
            self.rng.choice(ORDER_QUESTIONS),
            "order_status",
            "verify_form",
            "To protect your account I first need to check it's you. What's your order number (for example ORD-10042)?",
            self.latency("action"),
            utter_action="utter_ask_verify_reference",
        )
        w.listen()
        w.turn(
            order,
            "inform",
            "verify_form",
            "Thanks. And the e-mail address you used for that order?",
            self.latency("action"),
            utter_action="utter_ask_verify_email",
        )
        w.listen()
        w.user(f"it's {email}" if self.rng.random() < 0.5 else email, "inform")
        w.action("verify_form")
        w.slot("customer_verified", True)
        w.action("action_order_status")
        status = self.rng.choice(("shipped", "in transit with DHL", "delivered on Monday", "being packed"))
        w.bot(f"Order {order} is {status}.", self.latency("action"))
        w.listen()
        self.close(w)
        self.maybe_rating(w, good=True)

    def invoice(self, w: ConversationWriter) -> None:
        w.turn(
            self.rng.choice(INVOICE_QUESTIONS),
            "invoice_balance",
            "action_invoice_balance",
            f"You have 1 open invoice: INV-{self.rng.randint(50001, 50300)}, "
            f"€{self.rng.randint(20, 400)}.00, due in 9 days.",
            self.latency("action"),
        )
        w.listen()
        self.close(w)

    def hr(self, w: ConversationWriter) -> None:
        intent, question, action = self.rng.choice(HR_QUESTIONS)
        w.turn(question, intent, action, self._hr_answer(intent), self.latency("action"))
        w.listen()
        if self.rng.random() < 0.3:
            intent, question, action = self.rng.choice([q for q in HR_QUESTIONS if q[0] != intent])
            w.turn(question, intent, action, self._hr_answer(intent), self.latency("action"))
            w.listen()
        self.close(w)

    def _hr_answer(self, intent: str) -> str:
        return {
            "leave_balance": f"Your leave for this year:\n- vacation: {self.rng.randint(3, 24)} days left",
            "payday": "Your next payday is Monday 15 December. We pay twice a month.",
            "leave_used": f"So far this year you've taken {self.rng.randint(1, 18)} days of leave.",
            "leave_request_status": "LR-2041 (vacation, 3 days) is waiting for approval by your manager.",
        }[intent]

    def _knowledge(self, w: ConversationWriter, question: str, intent: str = "ask_policy") -> dict[str, Any] | None:
        """A question for the documents; the answer with its source, or None when it is one of the gaps."""
        answered = next((item for item in ANSWERED if item[0] == question), None)
        w.user(question, intent, confidence=0.7 if intent == "nlu_fallback" else None)
        w.action("action_answer_from_documents")
        w.truth.knowledge_questions += 1
        if answered is not None:
            _, answer, path, title = answered
            source = {"path": path, "title": title, "score": round(self.rng.uniform(0.45, 0.8), 4), "snippet": answer}
            event = w.bot(answer, self.latency("knowledge"), custom={"sources": [source]})
            w.slot("last_question", question)
            w.slot("failed_attempts", 0)
            w.truth.knowledge_answered += 1
            return event
        return None

    def _abstain(self, w: ConversationWriter, question: str, topic: str, failures: int) -> None:
        w.bot(
            ABSTAIN_REPLY if failures == 1 else SECOND_ABSTAIN_REPLY,
            self.latency("knowledge"),
            buttons=HANDOFF_BUTTONS if failures == 1 else None,
        )
        w.slot("last_question", None)
        w.slot("failed_attempts", failures)
        w.truth.abstentions += 1
        w.truth.questions.append(question)
        w.truth.gap_topics.append(topic)

    def gap_question(self) -> tuple[str, str]:
        topics = list(GAPS)
        topic = self.rng.choices(topics, weights=[GAPS[name][1] for name in topics])[0]
        return topic, self.rng.choice(GAPS[topic][0])

    def knowledge_answered(self, w: ConversationWriter) -> None:
        if self.rng.random() < 0.25:
            self.greet(w)
        for _ in range(1 if self.rng.random() < 0.75 else 2):
            answer = self._knowledge(w, self.rng.choice(ANSWERED)[0])
            w.listen()
            if answer is not None:
                self.maybe_thumb(w, answer, up_share=0.8)
        self.close(w)
        self.maybe_rating(w, good=True)

    def knowledge_unanswered(self, w: ConversationWriter) -> None:
        topic, question = self.gap_question()
        self._knowledge(w, question)
        self._abstain(w, question, topic, 1)
        w.listen()
        if w.channel == "socketio" and self.rng.random() < 0.35:
            w.feedback("answer", "down", answer_at=w.last_bot_at)
        if self.rng.random() < 0.4:
            self.handoff(w, "/human_handoff", "no_answer")
        else:
            w.turn(
                "/deny",
                "deny",
                "utter_anything_else",
                "Is there anything else I can help you with?",
                self.latency("utter"),
            )
            w.listen()
            self.maybe_rating(w, good=False)

    def two_unanswered(self, w: ConversationWriter) -> None:
        topic, question = self.gap_question()
        self._knowledge(w, question)
        self._abstain(w, question, topic, 1)
        w.listen()
        topic, question = self.gap_question()
        self._knowledge(w, question)
        self._abstain(w, question, topic, 2)
        w.action("action_handoff")
        self._handoff_events(w, "failed_attempts", measured=False)

    def handoff_requested(self, w: ConversationWriter) -> None:
        if self.rng.random() < 0.3:
            self.greet(w)
        text = self.rng.choice(("I want to talk to a person", "can I speak to a human?", "agent please", "real person"))
        self.handoff(w, text, "requested")

    def fallback(self, w: ConversationWriter) -> None:
        if self.rng.random() < 0.5:
            w.turn(
                self.rng.choice(OUT_OF_SCOPE),
                "out_of_scope",
                "utter_out_of_scope",
                "Sorry, that's not something I can help with.",
                self.latency("utter"),
            )
            w.listen()
        else:
            question = self.rng.choice(FALLBACK_MESSAGES)
            w.user(question, "nlu_fallback", confidence=0.7)
            w.action("action_answer_from_documents")
            w.truth.knowledge_questions += 1
            self._abstain(w, question, "(noise)", 1)
            w.listen()
        self.close(w)

    def handoff(self, w: ConversationWriter, text: str, reason: str) -> None:
        w.user(text, "human_handoff")
        w.action("action_handoff")
        self._handoff_events(w, reason, measured=True)

    def _handoff_events(self, w: ConversationWriter, reason: str, measured: bool) -> None:
        """The bot hands over (a ticket with the transcript so far), a person answers, and hands back."""
        transcript = transcript_from_events([row["event"] for row in w.rows])
        opened = w.t + 0.01
        reply = w.bot(HANDOFF_REPLY, self.latency("handoff"), measured=measured)
        w.slot("failed_attempts", 0)
        w.pause()
        agent = self.rng.choice(AGENTS)
        taken = opened + self.rng.uniform(20, 600)
        w.t = taken
        w.agent_message("Hi, I'm here to help — what's up?", agent, after_s=self.rng.uniform(2, 20))
        w.user(self.rng.choice(WHILE_WAITING), "inform", think_s=self.rng.uniform(5, 40))
        w.agent_message("I've sorted it out for you.", agent, after_s=self.rng.uniform(30, 240))
        closed = w.t + self.rng.uniform(5, 60)
        w.t = closed
        w.resume()
        w.action("utter_handoff_back", policy=None)
        w.bot(BACK_REPLY, 0, utter_action="utter_handoff_back", measured=False)
        w.action("action_listen", policy=None)
        w.truth.handoff_reason = reason
        w.ticket = _PendingTicket(
            {
                "channel": w.channel,
                "sender_id": w.sender_id,
                "identity_kind": "anonymous",
                "customer_id": None,
                "employee_id": None,
                "identity_name": None,
                "reason": reason,
                "status": "closed",
                "summary": {},
                "transcript": [line.to_dict() for line in transcript],
                "message": None,
                "agent": agent,
                "created_at": datetime.fromtimestamp(opened, UTC),
                "taken_at": datetime.fromtimestamp(taken, UTC),
                "closed_at": datetime.fromtimestamp(closed, UTC),
            },
            reply,
        )
        self.maybe_rating(w, good=self.rng.random() < 0.6)

    # -- a conversation and a day -------------------------------------------------------------------

    def conversation(self, index: int, day: date) -> ConversationWriter:
        channel = self.rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        sender = f"demo-{channel}-{self.seed}-{index:07d}"
        writer = ConversationWriter(sender, channel, self.start_time(day), self.rng)
        writer.session_start()
        options = self.scenarios(channel)
        scenario = self.rng.choices([o[0] for o in options], weights=[o[1] for o in options])[0]
        scenario(writer)
        return writer

    def days(self, conversations: int, days: int) -> Iterator[tuple[date, list[ConversationWriter]]]:
        index = 0
        for day, count in self.day_counts(conversations, days):
            writers = []
            for _ in range(count):
                writers.append(self.conversation(index, day))
                index += 1
            yield day, writers


def history_end(last_day: date) -> datetime:
    """The end of a history whose last day is `last_day` (UTC): the last second of that day."""
    return datetime(last_day.year, last_day.month, last_day.day, tzinfo=UTC) + timedelta(days=1, seconds=-1)


def planned_truths(conversations: int, days: int, seed: int, end: datetime) -> list[ConversationTruth]:
    """What `write_history` with these arguments writes, without writing it (tests compare against it)."""
    generator = HistoryGenerator(seed, end)
    return [writer.truth for _, writers in generator.days(conversations, days) for writer in writers]


def has_history(tracker: Engine) -> bool:
    """Whether the tracker store already holds any conversation (then the demo history is not written)."""
    from sqlalchemy import inspect

    if not inspect(tracker).has_table("events"):
        return False
    with tracker.connect() as connection:
        return connection.scalar(select(events.c.id).limit(1)) is not None


def write_history(
    tracker: Engine,
    backoffice: Engine,
    *,
    conversations: int = 1500,
    days: int = 30,
    seed: int = 7,
    end: datetime | None = None,
    keep_truth: bool = True,
    progress: Callable[[int], None] | None = None,
) -> HistoryReport:
    """Generate and write the history (events into the tracker store, tickets into the back office)."""
    if conversations < 0 or days < 1:
        raise ValueError("conversations must be ≥ 0 and days ≥ 1")
    ensure_events_table(tracker)
    generator = HistoryGenerator(seed, end)
    truths: list[ConversationTruth] = []
    total_events = total_tickets = 0
    first_day = last_day = generator.end.date()
    for number, (day, writers) in enumerate(generator.days(conversations, days)):
        if number == 0:
            first_day = day
        last_day = day
        total_tickets += _write_tickets(backoffice, [w.ticket for w in writers if w.ticket is not None])
        rows = []
        for writer in writers:
            for row in writer.rows:
                event = row["event"]
                rows.append(
                    {
                        "sender_id": writer.sender_id,
                        "type_name": event["event"],
                        "timestamp": event["timestamp"],
                        "intent_name": row["intent"],
                        "action_name": row["action"],
                        "data": json.dumps(event),
                    }
                )
            if keep_truth:
                truths.append(writer.truth)
        rows.sort(key=lambda r: r["timestamp"])  # as a live store would have them: in time order
        with tracker.begin() as connection:
            for start in range(0, len(rows), 5000):
                connection.execute(insert(events), rows[start : start + 5000])
        total_events += len(rows)
        if progress is not None:
            progress(len(writers))
    return HistoryReport(conversations, total_events, total_tickets, first_day, last_day, truths)


def _write_tickets(backoffice: Engine, tickets: list[_PendingTicket]) -> int:
    """Insert the day's tickets (in time order) and put their numbers in the bot's handoff replies."""
    tickets = sorted(tickets, key=lambda pending: pending.row["created_at"])
    if not tickets:
        return 0
    with backoffice.begin() as connection:
        for pending in tickets:
            row_id = connection.execute(
                insert(HandoffTicketRow).returning(HandoffTicketRow.id), pending.row
            ).scalar_one()
            pending.bot_event["text"] = pending.bot_event["text"].replace(TICKET_PLACEHOLDER, ticket_number(row_id))
    return len(tickets)


def ticket_count(backoffice: Engine) -> int:
    with backoffice.connect() as connection:
        return int(connection.scalar(select(func.count()).select_from(HandoffTicketRow)) or 0)


def totals(truths: list[ConversationTruth]) -> dict[str, Any]:
    """The generator's own sums (what the aggregates must say), for tests and the benchmark."""
    counts: Counter[str] = Counter()
    intents: Counter[str] = Counter()
    reasons: Counter[str] = Counter()
    for t in truths:
        counts.update(
            conversations=1,
            contained=int(t.handoff_reason is None),
            handed_off=int(t.handoff_reason is not None),
            user_turns=t.user_turns,
            bot_turns=t.bot_turns,
            fallbacks=t.fallbacks,
            knowledge_questions=t.knowledge_questions,
            knowledge_answered=t.knowledge_answered,
            abstentions=t.abstentions,
            thumbs_up=t.thumbs_up,
            thumbs_down=t.thumbs_down,
            rated=int(t.rating is not None),
            rating_sum=t.rating or 0,
        )
        intents.update(t.intents)
        if t.handoff_reason:
            reasons[t.handoff_reason] += 1
    return {"counts": counts, "intents": intents, "reasons": reasons}
