"""No training example is a (near) copy of an evaluation case (issue 18): the NLU figures stay honest.

Every intent example of bot/data/nlu against the dev set (nlu_dev) and both halves of the second
source (scripts/data/nlu_second): lower case, single spaces, difflib's ratio both ways, < 0.8;
and against every message of six words or more in the conversation set and the fresh sets written blind, < 0.9.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from nlu_leaks import (
    CONVERSATION_MIN_WORDS,
    CONVERSATION_THRESHOLD,
    DEV_CASES,
    SECOND_DIR,
    THRESHOLD,
    Example,
    conversation_cases,
    evaluation_cases,
    leaks,
    normalise,
    similarity,
    training_examples,
)


def test_similarity_is_normalised_and_symmetric() -> None:
    assert normalise("  What's   MY balance ") == "what's my balance"
    assert similarity("Clear my  to do list", "clear my to do list") == 1.0
    assert similarity("abcd xyz", "xyz abcd") == similarity("xyz abcd", "abcd xyz")
    assert similarity("how many days off have i used", "how meny days off have i used") >= THRESHOLD
    assert similarity("how many days off have i used", "count of dayz off i've burnt through") < THRESHOLD


def test_leaks_finds_a_near_copy_and_ignores_a_rewrite() -> None:
    cases = [Example("dev", "order_status", "what is the status of my purchase")]
    near = Example("orders.yml", "order_status", "wat is the status of my purchase")
    rewritten = Example("orders.yml", "order_status", "wat's happening with the thing i bought")
    assert [leak.example for leak in leaks([near, rewritten], cases)] == [near]


def test_training_examples_read_annotations_as_plain_words() -> None:
    texts = {example.text for example in training_examples()}
    assert not any("{" in text or "](" in text for text in texts)
    assert len(texts) > 1000


def test_every_evaluation_source_is_checked() -> None:
    if not DEV_CASES.exists():
        pytest.skip(f"no dev set at {DEV_CASES}")
    sources = {case.source for case in evaluation_cases()}
    assert sources == {"nlu_dev", "nlu_second/tune", "nlu_second/test"}
    assert (SECOND_DIR / "LICENSE").exists() and (SECOND_DIR / "SOURCE.txt").exists()


def test_no_training_example_is_within_threshold_of_an_evaluation_case() -> None:
    cases = evaluation_cases()
    if not cases:
        pytest.skip("no evaluation cases on this machine")
    found = list(leaks(training_examples(), cases))
    listing = "\n".join(
        f"{leak.score:.2f} {leak.example.source}:{leak.example.label} {leak.example.text!r} ~ "
        f"{leak.case.source} {leak.case.text!r}"
        for leak in found
    )
    assert not found, f"{len(found)} training examples copy evaluation phrasing; rewrite them:\n{listing}"


def test_the_conversation_sets_messages_are_read_with_their_templates_filled() -> None:
    cases = conversation_cases()
    assert len(cases) > 100
    assert all(len(case.text.split()) >= CONVERSATION_MIN_WORDS for case in cases)
    assert not any("{" in case.text for case in cases)
    assert all(case.source.startswith("conversations/") for case in cases)


def test_no_training_example_copies_a_message_of_the_conversation_set() -> None:
    found = list(leaks(training_examples(), conversation_cases(), CONVERSATION_THRESHOLD))
    listing = "\n".join(
        f"{leak.score:.2f} {leak.example.source}:{leak.example.label} {leak.example.text!r} ~ "
        f"{leak.case.source} {leak.case.text!r}"
        for leak in found
    )
    assert not found, f"{len(found)} training examples copy a conversation's message; rewrite them:\n{listing}"
