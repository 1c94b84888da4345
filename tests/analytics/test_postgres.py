"""The same fold on PostgreSQL: a throwaway server (Debian's binaries), the back office and the tracker store on it.

Skipped where PostgreSQL's server binaries are not installed. The server listens on a
Unix socket in a temporary folder only (no TCP port), and is stopped at the end.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from analytics_events import EXPECTED_TOTALS, EventLog, daily_totals, hand_written
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import sessionmaker

from analytics.aggregate import Aggregator
from analytics.gaps import GapFinder
from analytics.queries import AnalyticsQueries, ConversationFilter, Filters
from analytics.tables import QuestionRow
from analytics.tracker import TrackerEvents, dispose_tracker_engines, tracker_engine
from backoffice.sql.engine import dispose_engines, make_engine
from demo.history import totals, write_history
from operations.schema import upgrade

pytest.importorskip("psycopg")
BINARIES = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
pytestmark = pytest.mark.skipif(not BINARIES, reason="PostgreSQL server binaries are not installed")


def _as_postgres(command: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: as root, run it as the `postgres` user."""
    return ["runuser", "-u", "postgres", "--", *command] if os.geteuid() == 0 else command


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A socket directory of a fresh PostgreSQL server, with databases `backoffice` and `tracker`."""
    binaries = BINARIES[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="analytics-pg-"))
    folder.chmod(0o777)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    data = folder / "data"
    run = lambda *command: subprocess.run(_as_postgres([*command]), check=True, capture_output=True, timeout=120)  # noqa: E731
    try:
        run(str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync")
        options = f"-k {folder} -c listen_addresses='' -c fsync=off"
        run(str(binaries / "pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
        admin = create_engine(f"postgresql+psycopg://postgres@/postgres?host={folder}", isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text("CREATE DATABASE backoffice"))
            connection.execute(text("CREATE DATABASE tracker"))
        admin.dispose()
        yield str(folder)
    finally:
        dispose_engines()
        dispose_tracker_engines()
        subprocess.run(
            _as_postgres([str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def stores(server: str) -> Iterator[Any]:
    backoffice_url = f"postgresql+psycopg://postgres@/backoffice?host={server}"
    tracker_url = f"postgresql://postgres@/tracker?host={server}"  # as Rasa is given it: the app picks psycopg
    upgrade(backoffice_url)
    backoffice = make_engine(backoffice_url, 30.0)
    tracker = tracker_engine(tracker_url)
    yield backoffice, tracker
    with backoffice.begin() as connection:
        for table in ("analytics_questions", "analytics_embeddings", "analytics_breakdown", "analytics_daily"):
            connection.execute(text(f"DELETE FROM {table}"))
        connection.execute(text("DELETE FROM analytics_conversations"))
        connection.execute(text("DELETE FROM analytics_state"))
        connection.execute(text("DELETE FROM handoff_tickets"))
    with tracker.begin() as connection:
        connection.execute(text("DROP TABLE IF EXISTS events"))


def test_the_hand_written_history_counts_the_same_on_postgresql(stores: Any) -> None:
    backoffice, tracker = stores
    hand_written(EventLog(tracker, backoffice))
    aggregator = Aggregator.for_engines(backoffice, tracker)
    assert aggregator.settle_s > 0  # a server commits concurrently: the newest events wait a moment
    report = aggregator.refresh()
    assert (report.conversations_new, report.tickets_linked, report.questions) == (4, 1, 1)
    assert daily_totals(backoffice) == EXPECTED_TOTALS
    with backoffice.connect() as connection:
        assert connection.scalar(select(QuestionRow.text)) == "do you sell gift cards? mail me at [email]"


def test_a_generated_history_on_postgresql(stores: Any) -> None:
    backoffice, tracker = stores
    report = write_history(
        tracker, backoffice, conversations=200, days=4, seed=8, end=datetime(2026, 11, 20, 18, tzinfo=UTC)
    )
    aggregator = Aggregator.for_engines(backoffice, tracker, chunk_events=700)
    aggregator.refresh()
    counted = daily_totals(backoffice)
    truth = totals(report.truths)["counts"]
    for name in ("conversations", "contained", "handed_off", "user_turns", "fallbacks", "abstentions", "rated"):
        assert counted[name] == truth[name], name
    sessions = sessionmaker(bind=backoffice, expire_on_commit=False)
    filters = Filters(report.first_day, report.last_day)
    overview = AnalyticsQueries(sessions).overview(filters)
    assert overview["totals"]["conversations"] == 200
    listed = AnalyticsQueries(sessions).conversations(filters, limit=5)
    assert listed["total"] == 200 and len(listed["conversations"]) == 5
    csv_text = "".join(AnalyticsQueries(sessions).export_conversations(filters, ConversationFilter.ALL))
    assert csv_text.count("\n") == 201
    gaps = GapFinder(sessions).gaps(Filters(date(2026, 11, 1), date(2026, 11, 30)))
    assert gaps["unanswered"] == truth["abstentions"]
    events = list(TrackerEvents(tracker).conversation_events(report.truths[0].sender_id, 0, None))
    assert events and events[0]["event"] == "action"
    with tracker.connect() as connection:
        assert connection.scalar(select(func.count()).select_from(text("events"))) == report.events
