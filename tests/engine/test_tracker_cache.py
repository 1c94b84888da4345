"""engine/tracker_cache.py: the SQL tracker store serves the conversation it wrote from memory only while the
database still holds exactly that (checked inside the engine environment on real SQLite files)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

CHECK = Path(__file__).with_name("tracker_cache_check.py")


@pytest.fixture(scope="module")
def report(engine_check: Callable[..., Any]) -> dict[str, Any]:
    result: dict[str, Any] = engine_check(CHECK)
    return result


def test_the_same_rows_are_stored_with_the_cache(report: dict[str, Any]) -> None:
    assert report["installed"] is True
    assert report["with"]["rows"] == report["without"]["rows"]
    assert len(report["with"]["rows"]) == 1 + 6 * 5 + 2 * 3


def test_turns_read_the_conversation_only_when_memory_cannot_be_trusted(report: dict[str, Any]) -> None:
    """Without the cache each of the six turns reads every event of its session; with it the first turn (a new
    conversation: nothing to read) and each turn after one that began a session (turns 0 and 3: the saved
    tracker held the old session too, which the latest session's query does not return)."""
    assert report["without"]["full_reads"] == 6
    assert report["with"]["full_reads"] == 3


@pytest.mark.parametrize(
    "case",
    [
        "shape_is_rasas_latest_session",
        "same_object_when_unchanged",
        "sees_other_servers_turn",
        "events_match_other",
        "failed_turn_not_served",
        "failed_turn_new_object",
        "new_domain_rebuilds",
        "full_tracker_has_all_sessions",
        "erased_is_gone",
    ],
)
def test_memory_gives_way_to_the_database(report: dict[str, Any], case: str) -> None:
    assert report["edges"][case] is True, case


def test_off_when_conversations_are_stored_masked(report: dict[str, Any]) -> None:
    """With REDACT_TRACKER the next turn must read the masked history, not the unmasked tracker in memory."""
    assert report["off_when_redacting"] is True
