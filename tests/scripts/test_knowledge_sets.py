"""The knowledge evaluation's sets stay honest: one half per question, halves apart, no question leaked.

A split that misses a question, or puts one in both halves, lets a test-half question be tuned on;
a question's words copied into the NLU data or the knowledge code would score the copy, not the
assistant. Both are cheap to check and easy to get wrong by hand.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from knowledge_sets import SETS, DocumentSet, load_splits  # noqa: E402

# A run of this many words of a question, found in the code or the NLU data, counts as a leak: long
# enough that everyday phrasing ("how many vacation days do i") does not match by chance.
LEAK_WORDS = 8
LEAK_PLACES = [ROOT / "bot" / "data", ROOT / "knowledge"]
# Leaks found when this test was written, both of tune-half questions (so the test numbers are not
# touched): listed so that a new one fails at once; remove an entry when its copy is reworded away.
KNOWN_LEAKS = {
    ("dev_handbook", "B016"): "knowledge/answer_types.py docstring quotes it as its example",
    ("company", "C010"): "bot/data/nlu/knowledge.yml has it, nearly verbatim, as an ask_policy example",
}


def _available(document_set: DocumentSet) -> DocumentSet:
    if not document_set.questions_file.is_file():
        pytest.skip(f"{document_set.questions_file} is not on this machine")
    return document_set


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _runs(text: str, size: int) -> set[tuple[str, ...]]:
    words = _words(text)
    return {tuple(words[i : i + size]) for i in range(max(len(words) - size + 1, 1))}


@pytest.mark.parametrize("name", list(SETS))
def test_every_question_is_in_exactly_one_half(name: str) -> None:
    ids = [q.id for q in _available(SETS[name]).questions()]
    halves = load_splits()[name]
    tune, test = halves["tune"], halves["test"]
    assert len(ids) == len(set(ids)), "question ids repeat"
    assert not set(tune) & set(test), "tune and test share questions"
    assert len(tune) == len(set(tune)) and len(test) == len(set(test)), "an id is listed twice in one half"
    assert sorted(tune + test) == sorted(ids), "the halves do not cover the questions exactly"


def test_splits_name_only_known_sets() -> None:
    assert set(load_splits()) == set(SETS)


@pytest.mark.parametrize("name", list(SETS))
def test_expected_sources_exist_where_the_asker_may_read(name: str) -> None:
    document_set = _available(SETS[name])
    for question in document_set.questions():
        folders = document_set.folders_for(question.audience)
        for source in question.sources:
            assert any((folder.path / source).is_file() for folder in folders), (question.id, source)


def test_no_question_text_in_nlu_data_or_knowledge_code() -> None:
    places = [
        p
        for base in LEAK_PLACES
        for p in sorted(base.rglob("*"))
        if p.suffix in (".py", ".yml", ".yaml", ".md", ".json")
    ]
    corpus = " ".join(" ".join(_words(p.read_text(encoding="utf-8", errors="ignore"))) for p in places)
    leaks = []
    for document_set in SETS.values():
        if not document_set.questions_file.is_file():
            continue
        for question in document_set.questions():
            size = min(LEAK_WORDS, len(_words(question.text)))
            found = [" ".join(run) for run in _runs(question.text, size) if f" {' '.join(run)} " in f" {corpus} "]
            if found:
                leaks.append((document_set.name, question.id, found[0]))
    found = {(name, qid) for name, qid, _ in leaks}
    assert found <= set(KNOWN_LEAKS), [leak for leak in leaks if leak[:2] not in KNOWN_LEAKS]
    assert set(KNOWN_LEAKS) <= found, f"no longer leaked, drop from KNOWN_LEAKS: {set(KNOWN_LEAKS) - found}"
    splits = load_splits()
    assert all(qid in splits[name]["tune"] for name, qid in KNOWN_LEAKS), "a test-half question leaked"
