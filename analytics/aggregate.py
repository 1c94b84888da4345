"""Folding new tracker events and handoff tickets into the aggregate tables, incrementally.

`Aggregator.refresh()` reads the tracker events past the stored high-water mark (event
id) in short id ranges; each range is folded and committed in one transaction of the
back-office database together with the new mark, so an event is counted exactly once
even if two processes refresh at the same time (the mark is advanced by a conditional
UPDATE; the loser rolls back). Then the handoff tickets past their own mark are linked
to their conversations.

What counts as what (the definitions the dashboard shows):

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

Every counter of a conversation is attributed to its day and channel; when a later
event changes a conversation (a handoff, a rating), the difference of its contribution
is applied to the daily rows, so they always equal the sum over conversations.
"""

from __future__ import annotations

import hashlib
import logging
import re
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from analytics import latency
from analytics.tables import (
    DAILY_COUNTERS,
    STATE_ROW_ID,
    AnalyticsState,
    BreakdownRow,
    ConversationRow,
    DailyRow,
    EmbeddingRow,
    QuestionRow,
)
from analytics.tracker import FAILURES_SLOT, FEEDBACK_EVENT, KNOWLEDGE_ACTION, TrackerEvent, TrackerEvents
from handoff.sql import HandoffTicketRow, ticket_number

logger = logging.getLogger(__name__)

FALLBACK_INTENTS = frozenset({"nlu_fallback", "out_of_scope"})
CHUNK_EVENTS = 20_000  # ids per transaction: short reads of the tracker store, bounded memory
SETTLE_S = 30.0
TICKETS_PER_TRANSACTION = 2000  # on servers, events younger than this may still be committing out of id order
MAX_QUESTION_CHARS = 500
TURNS_CAP = 10  # turns per conversation: 1, 2, …, 9, "10+"
UNKNOWN_CHANNEL = "unknown"


class ConcurrentRefresh(Exception):
    """Another process advanced the high-water mark first: this fold is rolled back."""


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


def normalise_question(text: str) -> str:
    """Case, spacing and trailing punctuation do not make two questions different."""
    return re.sub(r"\s+", " ", text).strip().strip("?!.,;: ").lower()


def question_key(text: str) -> str:
    return hashlib.sha1(normalise_question(text).encode()).hexdigest()


@lru_cache(maxsize=4096)
def redacted(text: str) -> str:
    """Personal data masked before a question is stored in the analytics (assistant.pii)."""
    from assistant.pii import redact

    return redact(text)[:MAX_QUESTION_CHARS]


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


@dataclass
class RefreshReport:
    """What one refresh did (printed by the CLI and the benchmark, returned by the API)."""

    events_read: int = 0
    conversations_new: int = 0
    conversations_updated: int = 0
    tickets_linked: int = 0
    questions: int = 0
    up_to_event_id: int = 0
    seconds: float = 0.0
    rebuilt: bool = False
    skipped: bool = False  # another refresh was running in this process

    def to_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


def _to_conversation(row: Any) -> Conversation:
    return Conversation(**{name: getattr(row, name) for name in COLUMNS})


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


def _upsert_add(session: Session, table: Table, keys: tuple[str, ...], rows: list[dict[str, Any]]) -> None:
    """Add `rows`' values to the rows with the same keys (inserting the missing ones), in one statement."""
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    statement: Any
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    elif dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        statement = postgresql_insert(table)
    else:
        raise NotImplementedError(f"analytics aggregates need SQLite or PostgreSQL, not {dialect}")
    values = [name for name in rows[0] if name not in keys]
    statement = statement.on_conflict_do_update(
        index_elements=list(keys), set_={name: table.c[name] + statement.excluded[name] for name in values}
    )
    session.execute(statement, rows)


class Aggregator:
    """Keeps the aggregates of one back-office database up to date with one tracker store."""

    def __init__(
        self,
        sessions: sessionmaker[Session],
        tracker: TrackerEvents,
        *,
        chunk_events: int = CHUNK_EVENTS,
        settle_s: float | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.sessions = sessions
        self.tracker = tracker
        self.chunk_events = chunk_events
        # SQLite commits one writer at a time, so ids are committed in order; a server may not.
        self.settle_s = settle_s if settle_s is not None else (0.0 if tracker.dialect == "sqlite" else SETTLE_S)
        self.clock = clock
        self._lock = threading.Lock()
        self.last_finished = float("-inf")  # time.monotonic() of the last refresh in this process

    @classmethod
    def for_engines(cls, backoffice: Engine, tracker: Engine, **options: Any) -> Aggregator:
        return cls(sessionmaker(bind=backoffice, expire_on_commit=False), TrackerEvents(tracker), **options)

    # -- state ---------------------------------------------------------------------------------

    def state(self) -> AnalyticsState:
        with self.sessions.begin() as session:
            state = session.get(AnalyticsState, STATE_ROW_ID)
            if state is None:
                state = AnalyticsState(id=STATE_ROW_ID, event_id=0, ticket_id=0, processed_until=0.0)
                session.add(state)
                try:
                    session.flush()
                except IntegrityError:  # another process created it at the same moment
                    session.rollback()
                    return self.state()
            session.expunge(state)
            return state

    def _advance(self, session: Session, old: AnalyticsState, **values: Any) -> None:
        """Move the marks on, only if nobody else did since `old` was read."""
        moved = session.execute(
            update(AnalyticsState)
            .where(
                AnalyticsState.id == STATE_ROW_ID,
                AnalyticsState.event_id == old.event_id,
                AnalyticsState.ticket_id == old.ticket_id,
            )
            .values(refreshed_at=datetime.now(UTC), **values)
        )
        if moved.rowcount != 1:  # type: ignore[attr-defined]
            raise ConcurrentRefresh()
        for name, value in values.items():
            setattr(old, name, value)

    def erase(self, sender_ids: Iterable[str]) -> int:
        """Forget these senders' conversations and questions (a person's erasure request); how many.

        Their contribution to the daily counters is taken out as well, so the counters keep
        equalling the sum over the conversations that remain; the per-message counts
        (intents, latency buckets) stay, as anonymous counts.
        """
        senders = sorted(set(sender_ids))
        erased = 0
        with self.sessions.begin() as session:
            for start in range(0, len(senders), 500):
                rows = session.scalars(
                    select(ConversationRow).where(ConversationRow.sender_id.in_(senders[start : start + 500]))
                ).all()
                if not rows:
                    continue
                deltas = Deltas()
                for row in rows:
                    conversation = _to_conversation(row)
                    deltas.add(conversation, contribution(conversation), (Counter(), Counter()))
                ids = [row.id for row in rows]
                keys = set(session.scalars(select(QuestionRow.text_key).where(QuestionRow.conversation_id.in_(ids))))
                session.execute(delete(QuestionRow).where(QuestionRow.conversation_id.in_(ids)))
                still_asked = set(session.scalars(select(QuestionRow.text_key).where(QuestionRow.text_key.in_(keys))))
                session.execute(delete(EmbeddingRow).where(EmbeddingRow.text_key.in_(keys - still_asked)))
                session.execute(delete(ConversationRow).where(ConversationRow.id.in_(ids)))
                self._write_deltas(session, deltas)
                erased += len(rows)
        return erased

    def reset(self) -> None:
        """Forget every aggregate (they are rebuilt from the tracker store by the next refresh)."""
        with self.sessions.begin() as session:
            for table in (QuestionRow, BreakdownRow, DailyRow, ConversationRow, AnalyticsState):
                session.execute(delete(table))

    # -- refresh -------------------------------------------------------------------------------

    def refresh(self, *, max_events: int | None = None, wait: bool = False) -> RefreshReport:
        """Fold what is new in the tracker store and the ticket store; quick when nothing is.

        With `wait`, a refresh already running in this process is waited for (then this one
        finds little left to do), so a caller reads aggregates at least as fresh as it asked.
        """
        if not self._lock.acquire(blocking=wait, timeout=60.0 if wait else -1):
            return RefreshReport(skipped=True)
        try:
            started = time.perf_counter()
            report = RefreshReport()
            try:
                self._refresh(report, max_events)
            except ConcurrentRefresh:
                logger.info("analytics: another process is refreshing; this one stopped")
                report.skipped = True
            report.seconds = round(time.perf_counter() - started, 3)
            return report
        finally:
            self.last_finished = time.monotonic()
            self._lock.release()

    def pending_events(self) -> int:
        """How many tracker event ids are past the high-water mark (0: the aggregates are up to date)."""
        return max(0, self.tracker.last_id() - self.state().event_id)

    def _refresh(self, report: RefreshReport, max_events: int | None) -> None:
        state = self.state()
        last = self.tracker.last_id()
        if last < state.event_id:
            logger.warning(
                "analytics: the tracker store was reset (last event %s < %s): rebuilding", last, state.event_id
            )
            self.reset()
            state = self.state()
            report.rebuilt = True
        until = last
        if self.settle_s > 0 and until > state.event_id:
            unsettled = self.tracker.first_id_after(state.event_id, self.clock() - self.settle_s)
            if unsettled is not None:
                until = unsettled - 1
        if max_events is not None:
            until = min(until, state.event_id + max_events)
        known: dict[str, Conversation | None] = {}
        while state.event_id < until:
            upper = min(until, state.event_id + self.chunk_events)
            batch = self.tracker.read(state.event_id, upper)
            report.events_read += len(batch)
            self._fold(batch, known, state, upper, report)
        report.up_to_event_id = state.event_id
        self._link_tickets(state, report)

    def _load(self, session: Session, senders: Iterable[str], known: dict[str, Conversation | None]) -> None:
        missing = [sender for sender in senders if sender not in known]
        for start in range(0, len(missing), 500):
            chunk = missing[start : start + 500]
            rows = session.execute(
                select(ConversationRow).where(ConversationRow.sender_id.in_(chunk), ConversationRow.current.is_(True))
            ).scalars()
            for row in rows:
                known[row.sender_id] = _to_conversation(row)
            for sender in chunk:
                known.setdefault(sender, None)

    def _fold(
        self,
        batch: list[TrackerEvent],
        known: dict[str, Conversation | None],
        state: AnalyticsState,
        upper: int,
        report: RefreshReport,
    ) -> None:
        with self.sessions.begin() as session:
            self._load(session, {event.sender_id for event in batch}, known)
            fold = Fold(known)
            for event in batch:
                fold.apply(event)
            self._write(session, fold, report)
            newest = max((event.timestamp for event in batch), default=state.processed_until)
            self._advance(session, state, event_id=upper, processed_until=max(state.processed_until, newest))

    def _write(self, session: Session, fold: Fold, report: RefreshReport) -> None:
        conversations = list(fold.touched.values())
        new = [c for c in conversations if c.id is None]
        old = [c for c in conversations if c.id is not None]
        if new:
            rows = [{name: getattr(c, name) for name in COLUMNS if name != "id"} for c in new]
            ids = session.scalars(
                insert(ConversationRow).returning(ConversationRow.id, sort_by_parameter_order=True), rows
            ).all()
            for conversation, row_id in zip(new, ids, strict=True):
                conversation.id = row_id
        if old:
            table = cast(Table, ConversationRow.__table__)
            statement = (
                update(table)
                .where(table.c.id == bindparam("row_id"))
                .values({name: bindparam(f"v_{name}") for name in COLUMNS if name != "id"})
            )
            session.connection().execute(
                statement,
                [{"row_id": c.id, **{f"v_{name}": getattr(c, name) for name in COLUMNS if name != "id"}} for c in old],
            )
        report.conversations_new += len(new)
        report.conversations_updated += len(old)
        for key, conversation in fold.touched.items():
            fold.deltas.add(conversation, fold.before[key], contribution(conversation))
        self._write_deltas(session, fold.deltas)
        self._write_questions(session, fold.questions, report)

    def _write_deltas(self, session: Session, deltas: Deltas) -> None:
        daily_rows = []
        for (day, channel), counts in deltas.daily.items():
            if any(counts.values()):
                daily_rows.append({"day": day, "channel": channel, **{name: counts[name] for name in DAILY_COUNTERS}})
        _upsert_add(session, DailyRow.__table__, ("day", "channel"), daily_rows)  # type: ignore[arg-type]
        breakdown_rows = [
            {"day": day, "channel": channel, "kind": kind, "label": label[:255], "count": count}
            for (day, channel, kind, label), count in deltas.breakdown.items()
            if count
        ]
        _upsert_add(
            session,
            BreakdownRow.__table__,  # type: ignore[arg-type]
            ("day", "channel", "kind", "label"),
            breakdown_rows,
        )

    def _write_questions(self, session: Session, questions: list[PendingQuestion], report: RefreshReport) -> None:
        if not questions:
            return
        missing = [q.user_event_id for q in questions if q.text is None and q.user_event_id is not None]
        texts = self.tracker.texts(missing) if missing else {}
        rows = []
        for question in questions:
            text = question.text if question.text is not None else texts.get(question.user_event_id or -1)
            if not text or not text.strip() or text.startswith("/"):
                continue
            clean = redacted(text.strip())
            c = question.conversation
            rows.append(
                {
                    "event_id": question.event_id,
                    "conversation_id": c.id,
                    "day": c.day,
                    "channel": c.channel,
                    "text": clean,
                    "text_key": question_key(clean),
                }
            )
        if rows:
            session.execute(insert(QuestionRow), rows)
        report.questions += len(rows)

    # -- tickets -------------------------------------------------------------------------------

    def _link_tickets(self, state: AnalyticsState, report: RefreshReport) -> None:
        """Count each handoff ticket on its conversation (the sender's latest started before the ticket)."""
        while True:
            with self.sessions.begin() as session:
                tickets = session.execute(
                    select(
                        HandoffTicketRow.id,
                        HandoffTicketRow.sender_id,
                        HandoffTicketRow.reason,
                        HandoffTicketRow.created_at,
                    )
                    .where(HandoffTicketRow.id > state.ticket_id)
                    .order_by(HandoffTicketRow.id)
                    .limit(TICKETS_PER_TRANSACTION)
                ).all()
                # Only tickets whose conversation's events are folded (in id order: stop at the first that is not).
                ready = []
                for ticket in tickets:
                    if ticket.created_at.timestamp() > state.processed_until:
                        break
                    ready.append(ticket)
                if not ready:
                    return
                candidates: dict[str, list[ConversationRow]] = defaultdict(list)
                senders = sorted({ticket.sender_id for ticket in ready})
                for start in range(0, len(senders), 500):
                    for row in session.scalars(
                        select(ConversationRow).where(ConversationRow.sender_id.in_(senders[start : start + 500]))
                    ):
                        candidates[row.sender_id].append(row)
                deltas = Deltas()
                for ticket in ready:
                    created = ticket.created_at.timestamp()
                    started = [row for row in candidates[ticket.sender_id] if row.started_at <= created + 1.0]
                    if not started:
                        logger.info("analytics: ticket %s has no conversation in the tracker store", ticket.id)
                        continue
                    row = max(started, key=lambda r: (r.started_at, r.id))
                    before = contribution(_to_conversation(row))
                    row.handoffs += 1
                    if row.handoff_reason is None:
                        row.handoff_reason = ticket.reason
                        row.handoff_ticket = ticket_number(ticket.id)
                    conversation = _to_conversation(row)
                    deltas.add(conversation, before, contribution(conversation))
                    report.tickets_linked += 1
                session.flush()
                self._write_deltas(session, deltas)
                self._advance(session, state, ticket_id=ready[-1].id)
            if len(ready) < len(tickets) or len(tickets) < TICKETS_PER_TRANSACTION:
                return
