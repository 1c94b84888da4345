"""The analytics objects of this process, built once from the settings.

The aggregates live in the back-office database, reached with a longer driver time-out
than the ports' (a refresh of a busy day writes for longer than an action may wait);
the tracker store is the one the Rasa server writes (`TRACKER_STORE_URL`).
"""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy.orm import Session, sessionmaker

from analytics.aggregate import Aggregator
from analytics.feedback import FeedbackRecorder
from analytics.gaps import GapFinder
from analytics.queries import AnalyticsQueries
from analytics.tracker import TrackerEvents, dispose_tracker_engines
from assistant.settings import get_settings
from handoff.conversation import RasaConversations

DB_TIMEOUT_S = 30.0


@lru_cache(maxsize=1)
def analytics_sessions() -> sessionmaker[Session]:
    from backoffice.sql.engine import make_engine, session_factory

    return session_factory(make_engine(get_settings().backoffice_db_url, DB_TIMEOUT_S))


@lru_cache(maxsize=1)
def tracker_events() -> TrackerEvents:
    return TrackerEvents.from_url(get_settings().tracker_db_url)


@lru_cache(maxsize=1)
def aggregator() -> Aggregator:
    return Aggregator(analytics_sessions(), tracker_events())


@lru_cache(maxsize=1)
def analytics_queries() -> AnalyticsQueries:
    return AnalyticsQueries(analytics_sessions())


@lru_cache(maxsize=1)
def gap_finder() -> GapFinder:
    return GapFinder(analytics_sessions())


def feedback_recorder() -> FeedbackRecorder:
    settings = get_settings()
    return FeedbackRecorder(tracker_events(), RasaConversations(settings.rasa_url, settings.rasa_api_token))


def clear_analytics_caches() -> None:
    """Forget the objects built from the settings (tests point the app at other databases)."""
    for cached in (analytics_sessions, tracker_events, aggregator, analytics_queries, gap_finder):
        cached.cache_clear()
    dispose_tracker_engines()
