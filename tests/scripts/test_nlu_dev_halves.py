"""The dev set's tune/test halves and the choice of the documents route's bars (scripts/nlu_dev_halves.py,
scripts/tune_documents_route.py)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from eval_nlu import DEFAULT_CASES, load_cases  # noqa: E402
from nlu_dev_halves import dev_halves  # noqa: E402
from tune_documents_route import NEVER, OOS_BUDGET, Route, choose, choose_unsure, oos_answered  # noqa: E402


def test_the_halves_split_every_kind_of_case_in_two_and_never_change() -> None:
    cases = load_cases(DEFAULT_CASES)
    halves = dev_halves(cases)
    assert sorted(halves["tune"] + halves["test"], key=cases.index) == cases
    for kind in ("intent", "oos", "knowledge"):
        tune = [c for c in halves["tune"] if c.expect == kind]
        test = [c for c in halves["test"] if c.expect == kind]
        assert len(test) - len(tune) in (0, 1) and tune, kind
    assert dev_halves(load_cases(DEFAULT_CASES)) == halves, "the same halves on every run"


def row(source: str, expect: str, predicted: str, score: float) -> dict[str, Any]:
    """A tune row whose support is exactly `score` (best sentence `score`, no unknown words)."""
    return {"source": source, "expect": expect, "predicted": predicted, "support": [score, 0.0], "correct": True}


def test_the_chosen_route_keeps_out_of_scope_answers_within_the_budget_and_answers_what_it_can() -> None:
    chatter = [row("dev", "oos", "out_of_scope", 0.5) for _ in range(20)] + [
        row("dev", "oos", "out_of_scope", 0.1) for _ in range(980)
    ]
    policy = [row("set:a", "knowledge", "out_of_scope", 0.7), row("set:a", "knowledge", "nlu_fallback", 0.4)]
    rows = chatter + policy
    route, score, answered = choose(rows)
    assert answered <= OOS_BUDGET and oos_answered(rows, route) == answered
    assert route.out_of_scope not in (None, NEVER) and 0.5 < float(route.out_of_scope) <= 0.7, route
    assert score == 1.0, "both policy questions are answered"
    assert oos_answered(rows, Route(None, None)) > OOS_BUDGET, "without bars the chatter would be answered"


def test_policy_questions_the_nlu_is_unsure_of_get_the_bar_that_refuses_chatter_and_loses_no_question() -> None:
    def placed(expect: str, confidence: float, score: float) -> dict[str, Any]:
        return {**row("dev", expect, "ask_policy", score), "confidence": confidence}

    chatter = [placed("oos", 0.4, 0.36), placed("oos", 0.5, 0.34)]
    questions = [placed("knowledge", 0.45, 0.5), placed("knowledge", 0.95, 0.34)]
    route, answered, today = choose_unsure(chatter + questions)
    assert (today, answered) == (2, 0), "both chatter rows answered today, neither with the bar"
    assert route.confidence <= 0.95, "the sure question keeps the normal decision"
    assert route.bar is not None and 0.36 < route.bar <= 0.5, "the unsure question is still answered"
    assert all(route.answers(question) for question in questions)
