"""Analytics aggregates: conversations, per day × channel counters and breakdowns, unanswered questions (`analytics/`).

Revision ID: 0006_analytics
Revises: 0005_handoff
Create Date: 2026-11-28
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from backoffice.sql.models import UtcDateTime

revision: str = "0006_analytics"
down_revision: str | None = "0005_handoff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTERS = (
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
)


def upgrade() -> None:
    op.create_table(
        "analytics_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("ticket_id", sa.Integer(), nullable=False),
        sa.Column("processed_until", sa.Float(), nullable=False),
        sa.Column("refreshed_at", UtcDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_state"),
    )
    op.create_table(
        "analytics_conversations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sender_id", sa.String(255), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("started_at", sa.Float(), nullable=False),
        sa.Column("ended_at", sa.Float(), nullable=False),
        sa.Column("first_event_id", sa.BigInteger(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.Column("first_intent", sa.String(255), nullable=True),
        *(
            sa.Column(name, sa.Integer(), nullable=False)
            for name in (
                "user_turns",
                "bot_turns",
                "agent_messages",
                "fallbacks",
                "knowledge_questions",
                "knowledge_answered",
                "abstentions",
                "thumbs_up",
                "thumbs_down",
            )
        ),
        sa.Column("rating", sa.Integer(), nullable=True),
        sa.Column("handoffs", sa.Integer(), nullable=False),
        sa.Column("handoff_reason", sa.String(32), nullable=True),
        sa.Column("handoff_ticket", sa.String(16), nullable=True),
        sa.Column("slowest_reply_ms", sa.Integer(), nullable=True),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("session_ended", sa.Boolean(), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("pending_user_at", sa.Float(), nullable=True),
        sa.Column("last_action", sa.String(255), nullable=True),
        sa.Column("last_user_event_id", sa.BigInteger(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_conversations"),
    )
    op.create_index("ix_analytics_conversations_started_at", "analytics_conversations", ["started_at"])
    op.create_index("ix_analytics_conversations_sender_current", "analytics_conversations", ["sender_id", "current"])
    op.create_index("ix_analytics_conversations_channel_started", "analytics_conversations", ["channel", "started_at"])
    op.create_table(
        "analytics_daily",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        *(sa.Column(name, sa.Integer(), nullable=False) for name in COUNTERS),
        sa.Column("reply_ms_sum", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", name="pk_analytics_daily"),
    )
    op.create_table(
        "analytics_breakdown",
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("label", sa.String(255), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("day", "channel", "kind", "label", name="pk_analytics_breakdown"),
    )
    op.create_table(
        "analytics_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("channel", sa.String(32), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("text_key", sa.String(40), nullable=False),
        sa.ForeignKeyConstraint(
            ["conversation_id"],
            ["analytics_conversations.id"],
            name="fk_analytics_questions_conversation_id_analytics_conversations",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_analytics_questions"),
        sa.UniqueConstraint("event_id", name="uq_analytics_questions_event_id"),
    )
    op.create_index("ix_analytics_questions_conversation_id", "analytics_questions", ["conversation_id"])
    op.create_index("ix_analytics_questions_day_channel", "analytics_questions", ["day", "channel"])
    op.create_table(
        "analytics_embeddings",
        sa.Column("text_key", sa.String(40), nullable=False),
        sa.Column("model", sa.String(64), nullable=False),
        sa.Column("vector", sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint("text_key", name="pk_analytics_embeddings"),
    )


def downgrade() -> None:
    op.drop_table("analytics_embeddings")
    op.drop_table("analytics_questions")
    op.drop_table("analytics_breakdown")
    op.drop_table("analytics_daily")
    op.drop_table("analytics_conversations")
    op.drop_table("analytics_state")
