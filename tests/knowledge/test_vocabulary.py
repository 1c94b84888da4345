"""A question's word that the documents only name otherwise ("husband" for "spouse") is not an unknown word.

Real MiniLM embeddings and a real Chroma store: the near-synonym test is a threshold on
the model's word similarities, so it is checked on the model itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from knowledge.answers import answer
from knowledge.embeddings import embed
from knowledge.ingest import ingest
from knowledge.retrieval import Retriever
from knowledge.store import KnowledgeStore
from knowledge.vocabulary import Vocabulary, vocabulary_words

BENEFITS_MD = """# Health insurance

## Who is covered
Employees can add their spouse and their children to the company health plan.

## Waiving coverage
Employees who have other medical coverage and waive the company plan receive a waiver allowance of USD 50 a month.
"""


def vocabulary_of(*words: str) -> Vocabulary:
    return Vocabulary(dict(zip(words, embed(list(words)), strict=True)))


def test_the_vocabulary_is_words_with_a_meaning_of_their_own() -> None:
    found = vocabulary_words(["The 401(k) plan: W-2 forms, 30 days and the Spouse's coverage.", "spouse again"])
    assert found == ["coverage", "days", "forms", "plan", "spouse"]  # codes, numbers and stop words out


def test_only_a_near_synonym_counts_as_familiar() -> None:
    vocabulary = vocabulary_of("spouse", "exercise", "investing", "pets")
    husband, gym, retirement_plan, dog = embed(["husband", "gym", "401k", "dog"])
    assert vocabulary.has_near_synonym(husband)
    assert vocabulary.nearest(husband)[0] == "spouse"
    # Loose relatives are not the same thing: a question about them must still look unanswerable.
    assert not vocabulary.has_near_synonym(gym)
    assert not vocabulary.has_near_synonym(retirement_plan)
    assert not vocabulary.has_near_synonym(dog)
    assert not Vocabulary().has_near_synonym(husband)


@pytest.fixture
def benefits(tmp_path: Path, store: KnowledgeStore) -> KnowledgeStore:
    folder = tmp_path / "benefits"
    folder.mkdir()
    (folder / "health.md").write_text(BENEFITS_MD)
    ingest(folder, "benefits", "internal", store)
    return store


def test_ingestion_stores_each_files_words_and_removes_them_with_the_file(
    benefits: KnowledgeStore, tmp_path: Path
) -> None:
    words = benefits.load_words("benefits")
    assert {"spouse", "waiver", "insurance"} <= set(words)
    assert words["spouse"].shape == (384,)
    (tmp_path / "benefits" / "health.md").unlink()
    ingest(tmp_path / "benefits", "benefits", "internal", benefits)
    assert benefits.load_words("benefits") == {}


def test_a_question_in_other_words_is_answered_and_an_unknown_topic_is_not(benefits: KnowledgeStore) -> None:
    retriever = Retriever.open(benefits, ["benefits"])
    assert retriever.unknown_words("can I add my husband to the health plan?") == {"husband": "husband"}

    result = answer("can I add my husband to the health plan?", retriever)
    assert result.support is not None and result.support.unknown_share == 0.0
    assert result.answered and "spouse" in (result.answer or "")

    for question in ("does the company pay for a gym membership?", "does the company match 401k contributions?"):
        unanswerable = answer(question, retriever)
        assert unanswerable.support is not None and unanswerable.support.unknown_share > 0.3, question
        assert not unanswerable.answered, question


def test_a_near_synonym_does_not_rescue_a_question_whose_other_words_are_foreign_too(
    benefits: KnowledgeStore,
) -> None:
    retriever = Retriever.open(benefits, ["benefits"])
    paraphrase = {"husband", "health", "plan"}
    assert retriever.unknown_share(paraphrase, frozenset({"husband"})) == 0.0
    assert retriever.unknown_share(paraphrase) > 0.3
    foreign = {"husband", "reveal", "previou", "instruct", "health"}
    assert retriever.unknown_share(foreign, frozenset({"husband"})) == retriever.unknown_share(foreign)
