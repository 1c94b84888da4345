"""The engine patches (engine/patches.py) keep Rasa's results exactly: checked inside the real engine.

The check runs in the engine environment (Python 3.10, rasa 3.6) on the trained model;
this test, in the app environment, runs it and asserts on what it reports.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
MODEL = ROOT / "models" / "assistant.tar.gz"
CHECK = Path(__file__).with_name("engine_patch_check.py")


@pytest.fixture(scope="module")
def report(engine_check: Callable[..., Any]) -> dict[str, Any]:
    if not MODEL.exists():
        pytest.fail("The engine check needs a trained model: run `make train`.", pytrace=False)
    result: dict[str, Any] = engine_check(CHECK, str(MODEL))
    return result


def test_action_replies_are_accepted_and_rejected_exactly_as_by_rasa(report: dict[str, Any]) -> None:
    validator = report["validator"]
    assert validator["patched"]
    cases = validator["cases"]
    assert any(c["original"] is None for c in cases) and any(c["original"] is not None for c in cases)
    for case in cases:
        assert case["patched"] == case["original"], case
        # Every valid reply is accepted by the compiled check alone (jsonschema runs only for the others).
        assert case["compiled"] == (case["original"] is None), case


def test_ted_predictions_from_the_cache_equal_rasas_own(report: dict[str, Any]) -> None:
    ted = report["ted"]
    assert ted["patched"]
    assert ted["compared"] >= 200  # every action of every story, each predicted twice
    assert ted["cache_hits"] >= ted["compared"] // 2  # the second prediction of each state is a hit
    assert ted["mismatches"] == 0, ted
    assert ted["max_abs_difference"] <= 1e-6


def test_rule_predictions_with_cached_matching_equal_rasas_own(report: dict[str, Any]) -> None:
    rules = report["rules"]
    assert rules["patched"]
    assert rules["compared"] >= 200 and rules["matched"] >= 50, rules  # rules do predict along the stories
    assert rules["cache_hits"] >= rules["compared"] // 2
    assert rules["mismatches"] == 0, rules


def test_memoised_dialogue_states_equal_rasas_own_and_each_caller_gets_its_own(report: dict[str, Any]) -> None:
    states = report["states"]
    assert states["patched"]
    assert states["compared"] >= 800  # every action of every story, four sets of flags, twice
    assert states["mismatches"] == 0, states
    grown = states["grown"]
    assert grown["mismatches"] == 0, grown
    assert grown["compared"] >= 2000
    # Mostly extended by the new events: remade only at a story's start, a form's run or a restart.
    assert grown["made_from_the_beginning"] < grown["compared"] / 3, grown
