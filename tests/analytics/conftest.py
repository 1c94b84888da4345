"""Real databases for the analytics: a migrated back office and a Rasa-schema tracker store (SQLite files).

`history` is a generated history (demo.history) written once per session, with
what the generator meant it to be (`truths`), and folded once; tests that change the
databases get their own copies (`history_copy`).
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from analytics.aggregate import Aggregator
from analytics.tracker import dispose_tracker_engines, ensure_events_table, tracker_engine
from backoffice.sql.engine import dispose_engines, make_engine
from demo.history import HistoryReport, write_history
from operations.schema import upgrade

# Helpers next to this file (the suite runs with --import-mode=importlib, not as a package).
sys.path.insert(0, str(Path(__file__).parent))

TIMEOUT_S = 10.0
# A fixed end, so the generated history (and every number derived from it) is the same on every run.
HISTORY_END = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
HISTORY_CONVERSATIONS = 900
HISTORY_DAYS = 12


@dataclass
class Stores:
    """One back office and one tracker store, and an aggregator over them."""

    backoffice: Engine
    tracker: Engine
    sessions: sessionmaker[Session]

    def aggregator(self, **options: object) -> Aggregator:
        return Aggregator.for_engines(self.backoffice, self.tracker, **options)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("analytics-template") / "backoffice.db"
    url = f"sqlite:///{path}"
    upgrade(url)
    dispose_engines(url)
    return path


def _stores(backoffice_path: Path, tracker_path: Path) -> Stores:
    backoffice = make_engine(f"sqlite:///{backoffice_path}", TIMEOUT_S)
    tracker = tracker_engine(f"sqlite:///{tracker_path}")
    ensure_events_table(tracker)
    return Stores(backoffice, tracker, sessionmaker(bind=backoffice, expire_on_commit=False))


@pytest.fixture
def stores(migrated_template: Path, tmp_path: Path) -> Iterator[Stores]:
    """An empty migrated back office and an empty tracker store."""
    shutil.copyfile(migrated_template, tmp_path / "backoffice.db")
    yield _stores(tmp_path / "backoffice.db", tmp_path / "tracker.db")
    dispose_engines()
    dispose_tracker_engines()


@dataclass
class History:
    report: HistoryReport
    folder: Path


@pytest.fixture(scope="session")
def history(migrated_template: Path, tmp_path_factory: pytest.TempPathFactory) -> History:
    """The generated history, written and folded once (read-only for the tests that use it)."""
    folder = tmp_path_factory.mktemp("analytics-history")
    shutil.copyfile(migrated_template, folder / "backoffice.db")
    made = _stores(folder / "backoffice.db", folder / "tracker.db")
    report = write_history(
        made.tracker, made.backoffice, conversations=HISTORY_CONVERSATIONS, days=HISTORY_DAYS, seed=11, end=HISTORY_END
    )
    made.aggregator(chunk_events=2500).refresh()
    dispose_engines()  # checkpoints SQLite's WAL into the file, so a copy of the file has everything
    dispose_tracker_engines()
    return History(report, folder)


@pytest.fixture
def folded(history: History) -> Stores:
    """The stores of the generated history, as folded once (do not write to them)."""
    return _stores(history.folder / "backoffice.db", history.folder / "tracker.db")


@pytest.fixture
def history_copy(history: History, tmp_path: Path) -> Callable[[], Stores]:
    """`copy()`: private copies of the generated history's stores (tracker events written, not yet folded)."""

    def copy() -> Stores:
        shutil.copyfile(history.folder / "tracker.db", tmp_path / "tracker.db")
        shutil.copyfile(history.folder / "backoffice.db", tmp_path / "backoffice.db")
        made = _stores(tmp_path / "backoffice.db", tmp_path / "tracker.db")
        made.aggregator().reset()
        return made

    return copy
