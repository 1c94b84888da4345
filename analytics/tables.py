"""The analytics aggregate tables, in the back-office database (migration 0006).

Why these shapes:

- `analytics_conversations`: one row per conversation (a Rasa session of one sender),
  with its counters and the little state the fold needs to carry on where it stopped
  (a user message still waiting for its reply, the last action, whether the bot is
  paused). Drill-down tables and the CSV export read it.
- `analytics_daily`: the counters summed per day × channel; the charts read a few
  hundred of these rows instead of 100,000 conversations.
- `analytics_breakdown`: counts per day × channel × (kind, label): intents, handoff
  reasons, turns per conversation, ratings, and reply latency as a histogram of
  5 %-wide buckets (`analytics.latency`), which is what makes p50/p95 mergeable
  across days and channels.
- `analytics_questions`: the questions the documents had no answer for, redacted,
  for the knowledge-gap grouping; `analytics_embeddings` caches their MiniLM vectors.
- `analytics_state`: the high-water marks (last tracker event id, last ticket id).

Times are Unix seconds (floats, as in Rasa's events); days are UTC dates.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, Float, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from backoffice.sql.base import Base, UtcDateTime

STATE_ROW_ID = 1


class AnalyticsState(Base):
    __tablename__ = "analytics_state"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger, default=0)  # last tracker event folded in
    ticket_id: Mapped[int] = mapped_column(Integer, default=0)  # last handoff ticket linked (or given up on)
    processed_until: Mapped[float] = mapped_column(Float, default=0.0)  # newest event time folded in
    refreshed_at: Mapped[datetime | None] = mapped_column(UtcDateTime())


class ConversationRow(Base):
    __tablename__ = "analytics_conversations"
    __table_args__ = (
        Index("ix_analytics_conversations_sender_current", "sender_id", "current"),
        Index("ix_analytics_conversations_channel_started", "channel", "started_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    sender_id: Mapped[str] = mapped_column(String(255))
    channel: Mapped[str] = mapped_column(String(32))
    day: Mapped[date] = mapped_column(Date)
    started_at: Mapped[float] = mapped_column(Float, index=True)
    ended_at: Mapped[float] = mapped_column(Float)
    first_event_id: Mapped[int] = mapped_column(BigInteger)
    last_event_id: Mapped[int] = mapped_column(BigInteger)
    first_intent: Mapped[str | None] = mapped_column(String(255))
    user_turns: Mapped[int] = mapped_column(Integer, default=0)
    bot_turns: Mapped[int] = mapped_column(Integer, default=0)
    agent_messages: Mapped[int] = mapped_column(Integer, default=0)
    fallbacks: Mapped[int] = mapped_column(Integer, default=0)
    knowledge_questions: Mapped[int] = mapped_column(Integer, default=0)
    knowledge_answered: Mapped[int] = mapped_column(Integer, default=0)
    abstentions: Mapped[int] = mapped_column(Integer, default=0)
    thumbs_up: Mapped[int] = mapped_column(Integer, default=0)
    thumbs_down: Mapped[int] = mapped_column(Integer, default=0)
    rating: Mapped[int | None] = mapped_column(Integer)
    handoffs: Mapped[int] = mapped_column(Integer, default=0)
    handoff_reason: Mapped[str | None] = mapped_column(String(32))
    handoff_ticket: Mapped[str | None] = mapped_column(String(16))
    slowest_reply_ms: Mapped[int | None] = mapped_column(Integer)
    # Where the fold stopped: what the next events of this sender need to be read right.
    current: Mapped[bool] = mapped_column(default=True)  # the sender's latest conversation
    session_ended: Mapped[bool] = mapped_column(default=False)  # a new Rasa session started after it
    paused: Mapped[bool] = mapped_column(default=False)  # handed to a person: no bot replies expected
    pending_user_at: Mapped[float | None] = mapped_column(Float)  # a user message waiting for its reply
    last_action: Mapped[str | None] = mapped_column(String(255))
    last_user_event_id: Mapped[int | None] = mapped_column(BigInteger)


class DailyRow(Base):
    __tablename__ = "analytics_daily"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    conversations: Mapped[int] = mapped_column(Integer, default=0)
    contained: Mapped[int] = mapped_column(Integer, default=0)
    handed_off: Mapped[int] = mapped_column(Integer, default=0)
    user_turns: Mapped[int] = mapped_column(Integer, default=0)
    bot_turns: Mapped[int] = mapped_column(Integer, default=0)
    fallbacks: Mapped[int] = mapped_column(Integer, default=0)
    knowledge_questions: Mapped[int] = mapped_column(Integer, default=0)
    knowledge_answered: Mapped[int] = mapped_column(Integer, default=0)
    abstentions: Mapped[int] = mapped_column(Integer, default=0)
    thumbs_up: Mapped[int] = mapped_column(Integer, default=0)
    thumbs_down: Mapped[int] = mapped_column(Integer, default=0)
    rated: Mapped[int] = mapped_column(Integer, default=0)
    rating_sum: Mapped[int] = mapped_column(Integer, default=0)
    replies: Mapped[int] = mapped_column(Integer, default=0)  # bot replies with a measured latency
    reply_ms_sum: Mapped[int] = mapped_column(BigInteger, default=0)


class BreakdownRow(Base):
    __tablename__ = "analytics_breakdown"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    channel: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), primary_key=True)
    label: Mapped[str] = mapped_column(String(255), primary_key=True)
    count: Mapped[int] = mapped_column(Integer, default=0)


class QuestionRow(Base):
    __tablename__ = "analytics_questions"
    __table_args__ = (Index("ix_analytics_questions_day_channel", "day", "channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(BigInteger, unique=True)  # the abstention's event: folded once
    conversation_id: Mapped[int] = mapped_column(ForeignKey("analytics_conversations.id"), index=True)
    day: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)  # redacted
    text_key: Mapped[str] = mapped_column(String(40))  # sha1 of the normalised text: the embedding cache key


class EmbeddingRow(Base):
    __tablename__ = "analytics_embeddings"

    text_key: Mapped[str] = mapped_column(String(40), primary_key=True)
    model: Mapped[str] = mapped_column(String(64))
    vector: Mapped[bytes] = mapped_column(LargeBinary)  # float32, L2-normalised


# The per day x channel counters of `DailyRow`, in column order (aggregation fills them, queries read them).
DAILY_COUNTERS = (
    "conversations",
    "contained",
    "handed_off",
    "user_turns",
    "bot_turns",
    "fallbacks",
    "knowledge_questions",
    "knowledge_answered",
    "abstentions",
    "thumbs_up",
    "thumbs_down",
    "rated",
    "rating_sum",
    "replies",
    "reply_ms_sum",
)
