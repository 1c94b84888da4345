"""Slips in a question put back to the documents' words (knowledge/spelling.py), and what is left as typed."""

from __future__ import annotations

import pytest

from knowledge.answers import answer
from knowledge.ingest import ingest
from knowledge.retrieval import Retriever
from knowledge.spelling import corrected, documents_word
from knowledge.store import KnowledgeStore

VOCABULARY = ["delivered", "delivery", "payment", "payments", "probation", "remotely", "returned", "traces", "weekly"]
KNOWN = {"deliver", "delivery", "payment", "probation", "remotely", "return", "trace", "weekly"}


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("remotly", "remotely"),  # a letter dropped
        ("probaton", "probation"),
        ("paymnet", "payment"),  # two neighbours swapped; "payments" is the same word in another form
        ("retruned", "returned"),
    ],
)
def test_a_slip_one_edit_from_a_documents_word_is_that_word(typed: str, meant: str) -> None:
    assert documents_word(typed, VOCABULARY) == meant


@pytest.mark.parametrize(
    "typed",
    [
        "braces",  # one edit from "traces", but a changed first letter is no slip
        "weeky",  # five letters: too short to tell a slip from another word
        "portugal",  # nothing near
    ],
)
def test_other_unknown_words_are_left_as_typed(typed: str) -> None:
    assert corrected(f"can i {typed} it", KNOWN, VOCABULARY) == f"can i {typed} it"


def test_only_words_no_document_contains_are_corrected() -> None:
    assert corrected("Was it DELIVRED remotly?", KNOWN, VOCABULARY) == "Was it delivered remotely?"
    assert corrected("delivery payments", KNOWN, VOCABULARY) == "delivery payments"


def test_a_question_with_a_slip_is_answered_as_typed_correctly(
    public_docs: object, internal_docs: object, store: KnowledgeStore
) -> None:
    """ "how long do refnuds take" had its key word unknown to every document: counted against answering."""
    ingest(public_docs, "public", "public", store)  # type: ignore[arg-type]
    retriever = Retriever.open(store, ["public"])
    typed = answer("how long do refnuds take to come back?", retriever)
    assert typed.answered and "5-10 working days" in (typed.answer or ""), typed
    assert typed.question == "how long do refunds take to come back?"
