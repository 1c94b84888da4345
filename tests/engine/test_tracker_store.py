"""engine/tracker_store.py: the SQL tracker store in WAL mode, its connections pooled, counting stored events
once, storing exactly what Rasa's own store stores (checked inside the engine environment on real SQLite files)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

CHECK = Path(__file__).with_name("tracker_store_check.py")


@pytest.fixture(scope="module")
def report(engine_check: Callable[..., Any]) -> dict[str, Any]:
    result: dict[str, Any] = engine_check(CHECK)
    return result


def test_the_same_rows_are_stored_as_by_rasas_own_store(report: dict[str, Any]) -> None:
    control, patched = report["control"], report["patched"]
    assert len(control["rows"]) == 1 + 6 * 5 + 2 * 3, "every event once: six turns and two session starts"
    assert patched["rows"] == control["rows"]
    assert patched["retrieved_events"] == control["retrieved_events"], "the latest session, as Rasa reads it"
    assert 3 * 5 < patched["retrieved_events"] < len(control["rows"]) - 3 * 5


def test_the_file_journals_in_wal_mode(report: dict[str, Any]) -> None:
    assert report["control"]["journal_mode"] == "delete"
    assert report["patched"]["journal_mode"] == "wal"


def test_stored_events_are_counted_by_query_only_when_not_known(report: dict[str, Any]) -> None:
    """Rasa counts on every save (7 here); with the patch, only when the new conversation is first saved: every
    later save follows a retrieve or a save of the same tracker, which knows the count."""
    assert report["control"]["count_queries"] == 7
    assert report["patched"]["count_queries"] == 1


def test_connections_to_the_file_are_reused(report: dict[str, Any]) -> None:
    """Rasa opens the SQLite file anew for every session (six retrieves, seven saves); pooled, the connection
    the store opened to create its table serves every turn, as nothing here runs two sessions at once."""
    assert report["control"]["connections_opened"] >= 13
    assert report["patched"]["connections_opened"] == 0
