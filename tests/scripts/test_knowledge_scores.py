"""The knowledge evaluation's arithmetic: what counts as a hit, a correct answer, and the macro average."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from knowledge_scores import macro, metrics, score  # noqa: E402
from knowledge_sets import Question  # noqa: E402
from knowledge_systems import Reply  # noqa: E402

ANSWERABLE = Question("Q1", "how long to return?", True, ["returns.md"], [["30 days"], ["refund"]])
UNANSWERABLE = Question("Q2", "dental braces?", False, [], [])


def test_hit_rank_and_every_keyword_group() -> None:
    row = score("s", "test", "ours", ANSWERABLE, Reply(True, "Within 30 DAYS for a refund.", ["a.md", "returns.md"]), 5)
    assert row.rank == 2 and row.correct
    missing_group = score("s", "test", "ours", ANSWERABLE, Reply(True, "Within 30 days.", ["returns.md"]), 5)
    assert not missing_group.correct
    abstained = score("s", "test", "ours", ANSWERABLE, Reply(False, "30 days refund", ["returns.md"]), 5)
    assert not abstained.correct and metrics([abstained])["wrongly_abstained"] == 1.0


def test_macro_weighs_every_set_the_same() -> None:
    good = score("big", "test", "ours", UNANSWERABLE, Reply(False, "", []), 1)
    bad = score("small", "test", "ours", UNANSWERABLE, Reply(True, "braces", []), 1)
    rows = [good] * 9 + [bad]
    assert metrics(rows)["abstention"] == 0.9
    assert macro(rows)["abstention"] == 0.5
