"""The intent committee (engine/committee.py): members' rankings averaged by weight, from seeded members.

Runs the real components in the engine environment: the tokenizer and featurizers the pipeline
uses, Rasa's logistic regression and our seeded SVM trained, persisted and loaded back, then the
votes and the count. What the committee writes is checked against each member run on its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

CHECK = Path(__file__).with_name("committee_check.py")
TRAINING = [
    *[
        [text, "order_status"]
        for text in (
            "where is my order",
            "has my parcel shipped yet",
            "track my delivery",
            "when will my package arrive",
            "is my order on its way",
            "status of my order please",
        )
    ],
    *[
        [text, "invoice_balance"]
        for text in (
            "how much do i owe",
            "what is my balance",
            "what's still unpaid on my account",
            "total amount due",
            "do i have outstanding invoices",
            "how much money do i owe you",
        )
    ],
    *[[text, "greet"] for text in ("hello", "hi there", "good morning", "hey", "hi", "hello there")],
]
MESSAGES = ["where's my parcel", "what do i still owe", "hey there", "what is the weather on mars"]
WEIGHTS = [0.4, 0.6]


@pytest.fixture(scope="module")
def checked(engine_check: Callable[..., Any]) -> dict[str, Any]:
    report: dict[str, Any] = engine_check(
        CHECK, stdin=json.dumps({"training": TRAINING, "messages": MESSAGES, "weights": WEIGHTS}), timeout_s=300
    )
    return report


def test_the_committee_writes_the_weighted_average_of_its_members(checked: dict[str, Any]) -> None:
    for row in checked["messages"]:
        logistic, svm = dict(row["logistic"]), dict(row["svm"])
        expected = {
            name: (WEIGHTS[0] * logistic.get(name, 0.0) + WEIGHTS[1] * svm.get(name, 0.0)) / sum(WEIGHTS)
            for name in logistic.keys() | svm.keys()
        }
        assert [name for name, _ in row["ranking"]] == sorted(expected, key=lambda name: -expected[name]), row
        for name, confidence in row["ranking"]:
            assert confidence == pytest.approx(expected[name], abs=1e-6), (row["text"], name)
        assert row["intent"]["name"] == row["ranking"][0][0]
        assert row["intent"]["confidence"] == pytest.approx(row["ranking"][0][1])


def test_the_committee_reads_what_the_members_learnt(checked: dict[str, Any]) -> None:
    intents = {row["text"]: row["intent"]["name"] for row in checked["messages"]}
    assert intents["where's my parcel"] == "order_status"
    assert intents["what do i still owe"] == "invoice_balance"
    assert intents["hey there"] == "greet"


def test_the_votes_do_not_reach_the_parse_output(checked: dict[str, Any]) -> None:
    for row in checked["messages"]:
        assert not row["votes_left"]
        assert "committee_votes" not in row["output"]
        assert {"intent", "intent_ranking"} <= set(row["output"])


def test_the_direct_logistic_regression_ranks_as_rasas_own(checked: dict[str, Any]) -> None:
    rows = checked["direct_logistic"]
    assert {row["ranking_length"] for row in rows} == {0, 2}
    for row in rows:
        rasa, ours = row["rasa"], row["ours"]
        assert [name for name, _ in ours["ranking"]] == [name for name, _ in rasa["ranking"]], row["text"]
        assert len(ours["ranking"]) == (row["ranking_length"] or 3), row
        for (_, mine), (_, theirs) in zip(ours["ranking"], rasa["ranking"], strict=True):
            assert mine == pytest.approx(theirs, abs=1e-9), row["text"]
        assert ours["intent"]["name"] == rasa["intent"]["name"]
        assert ours["intent"]["confidence"] == pytest.approx(rasa["intent"]["confidence"], abs=1e-9)


def test_the_svm_member_trains_the_same_model_from_the_same_data(checked: dict[str, Any]) -> None:
    # numpy's global random state was moved between the trainings: only the seed makes them equal.
    assert checked["same_seed_same_model"]
    assert checked["other_seed_differs"]


def test_a_vote_without_a_positive_weight_is_refused(checked: dict[str, Any]) -> None:
    assert checked["refused_weights"] == ["0", "-0.5", "True", "'heavy'", "None"]
