"""What the dashboard asks of the aggregates, for a date range and (optionally) one channel.

Every answer is read from `analytics_daily` / `analytics_breakdown` (a few hundred rows
for a month, whatever the traffic) or, for the drill-down tables and the export, from
`analytics_conversations` through its `started_at` index. Days are UTC dates, both ends
of a range included.
"""

from __future__ import annotations

import csv
import io
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session, sessionmaker

from analytics import latency
from analytics.tables import DAILY_COUNTERS, STATE_ROW_ID, AnalyticsState, BreakdownRow, ConversationRow, DailyRow

CHANNELS = ("socketio", "rest", "telegram", "slack")
MAX_RANGE_DAYS = 366
TOP_INTENTS = 12
LOW_RATING = 2  # ratings of 1 and 2 are "low"
SLOW_REPLY_MS = 2000


class ConversationFilter(StrEnum):
    """The drill-down tables: which conversations to list."""

    ALL = "all"
    HANDED_OFF = "handed_off"
    CONTAINED = "contained"
    ABSTAINED = "abstained"
    FALLBACK = "fallback"
    THUMBS_DOWN = "thumbs_down"
    LOW_RATING = "low_rating"
    SLOW = "slow"


class ConversationSort(StrEnum):
    NEWEST = "newest"
    SLOWEST = "slowest"
    LONGEST = "longest"


@dataclass(frozen=True)
class Filters:
    """A date range (UTC days, inclusive) and an optional channel."""

    start: date
    end: date
    channel: str | None = None

    def days(self) -> list[date]:
        return [self.start + timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def start_ts(self) -> float:
        return datetime.combine(self.start, time.min, UTC).timestamp()

    @property
    def end_ts(self) -> float:
        """The first moment after the range."""
        return datetime.combine(self.end + timedelta(days=1), time.min, UTC).timestamp()

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "end": self.end.isoformat(), "channel": self.channel}


def _rate(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def _in_range(filters: Filters, day_column: Any, channel_column: Any) -> list[ColumnElement[bool]]:
    conditions = [day_column >= filters.start, day_column <= filters.end]
    if filters.channel:
        conditions.append(channel_column == filters.channel)
    return conditions


class AnalyticsQueries:
    """Read-only queries over the aggregate tables."""

    def __init__(self, sessions: sessionmaker[Session]) -> None:
        self.sessions = sessions

    # -- overview: every chart and number of the dashboard, in one answer -----------------------

    def overview(self, filters: Filters) -> dict[str, Any]:
        with self.sessions() as session:
            daily_rows = session.execute(
                select(DailyRow).where(*_in_range(filters, DailyRow.day, DailyRow.channel))
            ).scalars()
            per_day: dict[date, dict[str, Counter[str]]] = defaultdict(dict)
            per_channel: dict[str, Counter[str]] = defaultdict(Counter)
            totals: Counter[str] = Counter()
            for row in daily_rows:
                counts = Counter({name: int(getattr(row, name) or 0) for name in DAILY_COUNTERS})
                per_day[row.day][row.channel] = counts
                per_channel[row.channel].update(counts)
                totals.update(counts)
            breakdown = session.execute(
                select(BreakdownRow.day, BreakdownRow.kind, BreakdownRow.label, func.sum(BreakdownRow.count))
                .where(*_in_range(filters, BreakdownRow.day, BreakdownRow.channel))
                .group_by(BreakdownRow.day, BreakdownRow.kind, BreakdownRow.label)
            ).all()
            state = session.get(AnalyticsState, STATE_ROW_ID)
        kinds: dict[str, Counter[str]] = defaultdict(Counter)
        latency_by_day: dict[date, Counter[int]] = defaultdict(Counter)
        for day, kind, label, count in breakdown:
            kinds[kind][label] += int(count or 0)
            if kind == "latency":
                latency_by_day[day][int(label)] += int(count or 0)
        histogram: Counter[int] = Counter({int(label): count for label, count in kinds["latency"].items()})
        return {
            "filters": filters.to_dict(),
            "totals": self._totals(totals, histogram),
            "daily": [self._day(day, per_day.get(day, {}), latency_by_day.get(day)) for day in filters.days()],
            "channels": [
                {"channel": channel, **self._totals(counts, None)} for channel, counts in sorted(per_channel.items())
            ],
            "intents": self._top(kinds["intent"], TOP_INTENTS),
            "handoff_reasons": self._top(kinds["handoff_reason"], None),
            "turns": self._turns(kinds["turns"]),
            "ratings": [{"rating": r, "count": kinds["rating"].get(str(r), 0)} for r in range(1, 6)],
            "latency_histogram": latency.display_bins(histogram),
            "freshness": self._freshness(state),
        }

    @staticmethod
    def _totals(c: Counter[str], histogram: Counter[int] | None) -> dict[str, Any]:
        thumbs = c["thumbs_up"] + c["thumbs_down"]
        result: dict[str, Any] = {
            "conversations": c["conversations"],
            "contained": c["contained"],
            "containment_rate": _rate(c["contained"], c["conversations"]),
            "handed_off": c["handed_off"],
            "handoff_rate": _rate(c["handed_off"], c["conversations"]),
            "user_turns": c["user_turns"],
            "bot_turns": c["bot_turns"],
            "turns_per_conversation": round(c["user_turns"] / c["conversations"], 2) if c["conversations"] else None,
            "fallbacks": c["fallbacks"],
            "fallback_rate": _rate(c["fallbacks"], c["user_turns"]),
            "knowledge_questions": c["knowledge_questions"],
            "knowledge_answered": c["knowledge_answered"],
            "abstentions": c["abstentions"],
            "abstention_rate": _rate(c["abstentions"], c["knowledge_questions"]),
            "thumbs_up": c["thumbs_up"],
            "thumbs_down": c["thumbs_down"],
            "thumbs_up_rate": _rate(c["thumbs_up"], thumbs),
            "ratings": c["rated"],
            "average_rating": round(c["rating_sum"] / c["rated"], 2) if c["rated"] else None,
            "replies": c["replies"],
            "mean_reply_ms": round(c["reply_ms_sum"] / c["replies"]) if c["replies"] else None,
        }
        if histogram is not None:
            p50, p95 = latency.percentile(histogram, 50), latency.percentile(histogram, 95)
            result["reply_p50_ms"] = round(p50) if p50 is not None else None
            result["reply_p95_ms"] = round(p95) if p95 is not None else None
        return result

    @staticmethod
    def _day(day: date, channels: dict[str, Counter[str]], histogram: Counter[int] | None) -> dict[str, Any]:
        total: Counter[str] = Counter()
        for counts in channels.values():
            total.update(counts)
        p95 = latency.percentile(histogram, 95) if histogram else None
        return {
            "day": day.isoformat(),
            "conversations": total["conversations"],
            "by_channel": {channel: counts["conversations"] for channel, counts in sorted(channels.items())},
            "contained": total["contained"],
            "handed_off": total["handed_off"],
            "containment_rate": _rate(total["contained"], total["conversations"]),
            "fallback_rate": _rate(total["fallbacks"], total["user_turns"]),
            "abstention_rate": _rate(total["abstentions"], total["knowledge_questions"]),
            "reply_p95_ms": round(p95) if p95 is not None else None,
        }

    @staticmethod
    def _top(counts: Counter[str], limit: int | None) -> list[dict[str, Any]]:
        ranked = [(label, count) for label, count in counts.most_common() if count > 0]
        shown = ranked if limit is None else ranked[:limit]
        rows: list[dict[str, Any]] = [{"label": label, "count": count} for label, count in shown]
        rest = sum(count for _, count in ranked[len(shown) :])
        if rest:
            rows.append({"label": "(other)", "count": rest})
        return rows

    @staticmethod
    def _turns(counts: Counter[str]) -> list[dict[str, Any]]:
        order = sorted(counts, key=lambda label: int(label.rstrip("+")))
        return [{"turns": label, "count": counts[label]} for label in order if counts[label] > 0]

    @staticmethod
    def _freshness(state: AnalyticsState | None) -> dict[str, Any]:
        if state is None:
            return {"event_id": 0, "events_until": None, "refreshed_at": None}
        until = datetime.fromtimestamp(state.processed_until, UTC).isoformat() if state.processed_until else None
        return {
            "event_id": state.event_id,
            "events_until": until,
            "refreshed_at": state.refreshed_at.isoformat() if state.refreshed_at else None,
        }

    # -- conversations: the drill-down tables and the export -------------------------------------

    def _conversations_query(self, filters: Filters, which: ConversationFilter) -> Select[Any]:
        c = ConversationRow
        query = select(c).where(c.started_at >= filters.start_ts, c.started_at < filters.end_ts)
        if filters.channel:
            query = query.where(c.channel == filters.channel)
        conditions = {
            ConversationFilter.HANDED_OFF: c.handoffs > 0,
            ConversationFilter.CONTAINED: c.handoffs == 0,
            ConversationFilter.ABSTAINED: c.abstentions > 0,
            ConversationFilter.FALLBACK: c.fallbacks > 0,
            ConversationFilter.THUMBS_DOWN: c.thumbs_down > 0,
            ConversationFilter.LOW_RATING: c.rating <= LOW_RATING,
            ConversationFilter.SLOW: c.slowest_reply_ms >= SLOW_REPLY_MS,
        }
        if which in conditions:
            query = query.where(conditions[which])
        return query

    def conversations(
        self,
        filters: Filters,
        which: ConversationFilter = ConversationFilter.ALL,
        sort: ConversationSort = ConversationSort.NEWEST,
        limit: int = 25,
        offset: int = 0,
    ) -> dict[str, Any]:
        c = ConversationRow
        query = self._conversations_query(filters, which)
        order: tuple[Any, ...] = {
            ConversationSort.NEWEST: (c.started_at.desc(), c.id.desc()),
            ConversationSort.SLOWEST: (c.slowest_reply_ms.desc().nulls_last(), c.id.desc()),
            ConversationSort.LONGEST: (c.user_turns.desc(), c.id.desc()),
        }[sort]
        with self.sessions() as session:
            total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
            rows: Sequence[ConversationRow] = (
                session.execute(query.order_by(*order).limit(limit).offset(offset)).scalars().all()
            )
        return {
            "filters": filters.to_dict(),
            "filter": which.value,
            "sort": sort.value,
            "total": total,
            "limit": limit,
            "offset": offset,
            "conversations": [conversation_summary(row) for row in rows],
        }

    def conversation(self, conversation_id: int) -> ConversationRow | None:
        with self.sessions() as session:
            return session.get(ConversationRow, conversation_id)

    def next_conversation_start(self, row: ConversationRow) -> int | None:
        """The first event id of the same sender's next conversation (where this one's events end)."""
        with self.sessions() as session:
            found = session.scalar(
                select(func.min(ConversationRow.first_event_id)).where(
                    ConversationRow.sender_id == row.sender_id, ConversationRow.first_event_id > row.first_event_id
                )
            )
        return int(found) if found is not None else None

    def export_conversations(self, filters: Filters, which: ConversationFilter) -> Iterator[str]:
        """The conversations as CSV text, streamed in pages (a year of traffic does not sit in memory)."""
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(CSV_COLUMNS)
        yield _drain(buffer)
        last: tuple[float, int] | None = None
        c = ConversationRow
        while True:
            query = self._conversations_query(filters, which)
            if last is not None:
                query = query.where((c.started_at > last[0]) | ((c.started_at == last[0]) & (c.id > last[1])))
            with self.sessions() as session:
                rows: Sequence[ConversationRow] = (
                    session.execute(query.order_by(c.started_at, c.id).limit(2000)).scalars().all()
                )
            if not rows:
                return
            for row in rows:
                summary = conversation_summary(row)
                writer.writerow([_csv_value(summary[name]) for name in CSV_COLUMNS])
            last = (rows[-1].started_at, rows[-1].id)
            yield _drain(buffer)

    def export_daily(self, filters: Filters) -> str:
        """Per day and channel, the counters (one CSV row each)."""
        with self.sessions() as session:
            rows = session.execute(
                select(DailyRow)
                .where(*_in_range(filters, DailyRow.day, DailyRow.channel))
                .order_by(DailyRow.day, DailyRow.channel)
            ).scalars()
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            writer.writerow(["day", "channel", *DAILY_COUNTERS])
            for row in rows:
                writer.writerow([row.day.isoformat(), row.channel, *(getattr(row, name) for name in DAILY_COUNTERS)])
        return buffer.getvalue()

    def known_channels(self) -> list[str]:
        with self.sessions() as session:
            return sorted(set(CHANNELS) | set(session.scalars(select(DailyRow.channel).distinct())))


CSV_COLUMNS = (
    "id",
    "started_at",
    "channel",
    "user_turns",
    "first_intent",
    "handed_off",
    "handoff_reason",
    "handoff_ticket",
    "fallbacks",
    "knowledge_questions",
    "abstentions",
    "thumbs_up",
    "thumbs_down",
    "rating",
    "slowest_reply_ms",
    "duration_s",
)


def _drain(buffer: io.StringIO) -> str:
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate()
    return text


def _csv_value(value: Any) -> Any:
    """Text cells that a spreadsheet would run as a formula are quoted with an apostrophe."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    if isinstance(value, bool):
        return "yes" if value else "no"
    return "" if value is None else value


def conversation_summary(row: ConversationRow) -> dict[str, Any]:
    """A conversation as the tables and the export show it: no sender id, no text."""
    return {
        "id": row.id,
        "started_at": datetime.fromtimestamp(row.started_at, UTC).isoformat(timespec="seconds"),
        "channel": row.channel,
        "user_turns": row.user_turns,
        "first_intent": row.first_intent,
        "handed_off": row.handoffs > 0,
        "handoff_reason": row.handoff_reason,
        "handoff_ticket": row.handoff_ticket,
        "fallbacks": row.fallbacks,
        "knowledge_questions": row.knowledge_questions,
        "abstentions": row.abstentions,
        "thumbs_up": row.thumbs_up,
        "thumbs_down": row.thumbs_down,
        "rating": row.rating,
        "slowest_reply_ms": row.slowest_reply_ms,
        "duration_s": round(max(0.0, row.ended_at - row.started_at)),
    }
