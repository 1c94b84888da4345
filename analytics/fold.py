"""What counts as what: tracker events folded into conversation rows and their daily deltas.

Pure bookkeeping, no database: analytics.aggregate reads the events in id ranges, hands
each range to a Fold and writes what it returns. The definitions the dashboard shows:

- a **conversation** is one Rasa session of one sender that has at least one user
  message; its channel is the `input_channel` of its first user message, its day the
  UTC day of that message;
- **handed off**: a handoff ticket was opened for it (`handoff_tickets`, with its
  reason); **contained**: none was;
- **fallback**: a user message the NLU could not place (`nlu_fallback`) or found out of
  scope (`out_of_scope`);
- **knowledge question**: a run of `action_answer_from_documents`; **answered** when its
  reply carries sources, **abstained** when it set `failed_attempts` (the documents had
  no answer: actions/documents.py);
- **reply latency**: from a user message to the next message of the bot (a person's
  messages during a handoff, and messages while the bot is paused, do not count);
- **thumbs** and **rating**: the widget's feedback events (analytics.feedback); the
  latest rating of a conversation counts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime

from analytics import latency
from analytics.tracker import FAILURES_SLOT, FEEDBACK_EVENT, KNOWLEDGE_ACTION, TrackerEvent

FALLBACK_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
TURNS_CAP = 10  # turns per conversation: 1, 2, …, 9, "10+"
UNKNOWN_CHANNEL = "unknown"


@dataclass
class Conversation:
    """A conversation row being folded (the columns of `analytics_conversations`)."""

    sender_id: str
    channel: str
    day: date
    started_at: float
    ended_at: float
    first_event_id: int
    last_event_id: int
    id: int | None = None
    first_intent: str | None = None
    user_turns: int = 0
    bot_turns: int = 0
    agent_messages: int = 0
    fallbacks: int = 0
    knowledge_questions: int = 0
    knowledge_answered: int = 0
    abstentions: int = 0
    thumbs_up: int = 0
    thumbs_down: int = 0
    rating: int | None = None
    handoffs: int = 0
    handoff_reason: str | None = None
    handoff_ticket: str | None = None
    slowest_reply_ms: int | None = None
    current: bool = True
    session_ended: bool = False
    paused: bool = False
    pending_user_at: float | None = None
    last_action: str | None = None
    last_user_event_id: int | None = None


COLUMNS = tuple(f.name for f in fields(Conversation))
Contribution = tuple[Counter[str], Counter[tuple[str, str]]]


def turns_label(turns: int) -> str:
    return f"{TURNS_CAP}+" if turns >= TURNS_CAP else str(turns)


def contribution(conversation: Conversation) -> Contribution:
    """What one conversation adds to its day × channel row and breakdowns (its whole-conversation counters)."""
    c = conversation
    daily: Counter[str] = Counter(
        conversations=1,
        contained=int(c.handoffs == 0),
        handed_off=int(c.handoffs > 0),
        user_turns=c.user_turns,
        bot_turns=c.bot_turns,
        fallbacks=c.fallbacks,
        knowledge_questions=c.knowledge_questions,
        knowledge_answered=c.knowledge_answered,
        abstentions=c.abstentions,
        thumbs_up=c.thumbs_up,
        thumbs_down=c.thumbs_down,
        rated=int(c.rating is not None),
        rating_sum=c.rating or 0,
    )
    breakdown: Counter[tuple[str, str]] = Counter({("turns", turns_label(c.user_turns)): 1})
    if c.handoffs > 0:
        breakdown[("handoff_reason", c.handoff_reason or "unknown")] += 1
    if c.rating is not None:
        breakdown[("rating", str(c.rating))] += 1
    return daily, breakdown


@dataclass
class Deltas:
    """Changes to the daily rows and breakdowns, summed over a fold."""

    daily: defaultdict[tuple[date, str], Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    breakdown: Counter[tuple[date, str, str, str]] = field(default_factory=Counter)

    def add(self, conversation: Conversation, before: Contribution | None, after: Contribution) -> None:
        key = (conversation.day, conversation.channel)
        daily = self.daily[key]
        daily.update(after[0])
        for kind_label, count in after[1].items():
            self.breakdown[(*key, *kind_label)] += count
        if before is not None:
            daily.subtract(before[0])
            for kind_label, count in before[1].items():
                self.breakdown[(*key, *kind_label)] -= count

    def event(self, conversation: Conversation, kind: str, label: str, **daily: int) -> None:
        key = (conversation.day, conversation.channel)
        self.breakdown[(*key, kind, label)] += 1
        self.daily[key].update(daily)


@dataclass
class PendingQuestion:
    conversation: Conversation
    event_id: int
    user_event_id: int | None
    text: str | None


class Fold:
    """The fold of one range of events: conversations by sender, with their deltas."""

    def __init__(self, known: dict[str, Conversation | None]) -> None:
        self.known = known  # sender -> current conversation (None: none yet), across the ranges of one refresh
        self.touched: dict[int, Conversation] = {}
        self.before: dict[int, Contribution | None] = {}
        self.deltas = Deltas()
        self.questions: list[PendingQuestion] = []
        self.last_texts: dict[str, str | None] = {}  # sender -> their latest message in this range

    def _touch(self, conversation: Conversation) -> None:
        key = id(conversation)
        if key not in self.touched:
            self.touched[key] = conversation
            self.before[key] = contribution(conversation) if conversation.id is not None else None

    def _open(self, event: TrackerEvent) -> Conversation:
        previous = self.known.get(event.sender_id)
        if previous is not None:
            self._touch(previous)
            previous.current = False
        started = datetime.fromtimestamp(event.timestamp, UTC)
        conversation = Conversation(
            sender_id=event.sender_id,
            channel=(event.channel or UNKNOWN_CHANNEL)[:32],
            day=started.date(),
            started_at=event.timestamp,
            ended_at=event.timestamp,
            first_event_id=event.id,
            last_event_id=event.id,
        )
        self.known[event.sender_id] = conversation
        self._touch(conversation)
        return conversation

    def apply(self, event: TrackerEvent) -> None:
        conversation = self.known.get(event.sender_id)
        if event.type_name == "user":
            if conversation is None or conversation.session_ended:
                conversation = self._open(event)
            self._user(conversation, event)
            return
        if conversation is None:
            return  # nothing said yet in this sender's conversation (a session start)
        if event.type_name == "session_started":
            self._touch(conversation)
            conversation.session_ended = True
            conversation.pending_user_at = None
            return
        if conversation.session_ended:
            return  # the next session's preamble: it counts from its first user message
        self._touch(conversation)
        conversation.last_event_id = max(conversation.last_event_id, event.id)
        conversation.ended_at = max(conversation.ended_at, event.timestamp)
        handler = _HANDLERS.get(event.type_name)
        if handler is not None:
            handler(self, conversation, event)

    def _user(self, c: Conversation, event: TrackerEvent) -> None:
        self._touch(c)
        c.last_event_id = max(c.last_event_id, event.id)
        c.ended_at = max(c.ended_at, event.timestamp)
        c.user_turns += 1
        intent = event.intent_name or "none"
        if c.first_intent is None:
            c.first_intent = intent
        self.deltas.event(c, "intent", intent)
        if intent in FALLBACK_INTENTS:
            c.fallbacks += 1
        if not c.paused:
            c.pending_user_at = event.timestamp
        c.last_user_event_id = event.id
        c.last_action = None
        self.last_texts[event.sender_id] = event.text

    def _action(self, c: Conversation, event: TrackerEvent) -> None:
        c.last_action = event.action_name
        if event.action_name == KNOWLEDGE_ACTION:
            c.knowledge_questions += 1

    def _bot(self, c: Conversation, event: TrackerEvent) -> None:
        if event.agent:  # a person writing through the console: not the bot, not its latency
            c.agent_messages += 1
            c.pending_user_at = None
            return
        c.bot_turns += 1
        if c.pending_user_at is not None:
            ms = max(0.0, (event.timestamp - c.pending_user_at) * 1000.0)
            self.deltas.event(c, "latency", str(latency.bucket(ms)), replies=1, reply_ms_sum=round(ms))
            c.slowest_reply_ms = max(c.slowest_reply_ms or 0, round(ms))
            c.pending_user_at = None
        if c.last_action == KNOWLEDGE_ACTION and event.source:
            c.knowledge_answered += 1

    def _slot(self, c: Conversation, event: TrackerEvent) -> None:
        try:
            failures = int(event.value or 0)
        except (TypeError, ValueError):
            failures = 0
        if event.action_name == FAILURES_SLOT and failures >= 1:
            c.abstentions += 1
            self.questions.append(PendingQuestion(c, event.id, c.last_user_event_id, self.last_texts.get(c.sender_id)))

    def _feedback(self, c: Conversation, event: TrackerEvent) -> None:
        feedback = event.feedback or {}
        kind, value = feedback.get("kind"), feedback.get("value")
        if kind == "answer" and value in ("up", "down"):
            if value == "up":
                c.thumbs_up += 1
            else:
                c.thumbs_down += 1
        elif kind == "conversation" and isinstance(value, int) and 1 <= value <= 5:
            c.rating = value

    def _pause(self, c: Conversation, event: TrackerEvent) -> None:
        c.paused = True
        c.pending_user_at = None

    def _resume(self, c: Conversation, event: TrackerEvent) -> None:
        c.paused = False
        c.pending_user_at = None


_HANDLERS: dict[str, Callable[[Fold, Conversation, TrackerEvent], None]] = {
    "action": Fold._action,
    "bot": Fold._bot,
    "slot": Fold._slot,
    FEEDBACK_EVENT: Fold._feedback,
    "pause": Fold._pause,
    "resume": Fold._resume,
}
