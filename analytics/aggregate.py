"""Folding new tracker events and handoff tickets into the aggregate tables, incrementally.

`Aggregator.refresh()` reads the tracker events past the stored high-water mark (event
id) in short id ranges; each range is folded and committed in one transaction of the
back-office database together with the new mark, so an event is counted exactly once
even if two processes refresh at the same time (the mark is advanced by a conditional
UPDATE; the loser rolls back). Then the handoff tickets past their own mark are linked
to their conversations.

What each event counts for (conversations, handoffs, fallbacks, answers, latency, ratings)
is analytics.fold's.

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
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, cast

from sqlalchemy import Engine, Table, bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from analytics.fold import COLUMNS, Conversation, Deltas, Fold, PendingQuestion, contribution
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
from analytics.tracker import TrackerEvent, TrackerEvents
from handoff.sql import HandoffTicketRow, ticket_number

logger = logging.getLogger(__name__)

CHUNK_EVENTS = 20_000  # ids per transaction: short reads of the tracker store, bounded memory
SETTLE_S = 30.0
TICKETS_PER_TRANSACTION = 2000  # on servers, events younger than this may still be committing out of id order
MAX_QUESTION_CHARS = 500


class ConcurrentRefresh(Exception):
    """Another process advanced the high-water mark first: this fold is rolled back."""


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
