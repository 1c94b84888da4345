"""Hybrid ranking: the dense ranking leads, BM25 lifts exact terms. A real `Retriever` on chosen vectors."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge.chunking import Chunk
from knowledge.retrieval import BM25_WEIGHT, EMBEDDING_SIZE, RRF_K, Retriever


def unit(*values: float) -> np.ndarray:
    vector = np.zeros(EMBEDDING_SIZE, dtype=np.float32)
    vector[: len(values)] = values
    return vector / np.linalg.norm(vector)


def chunk(name: str, text: str) -> tuple[str, Chunk]:
    return "handbook", Chunk(name, f"{name}.md", name.title(), (name.title(),), text)


def test_the_dense_ranking_counts_fully_and_bm25_at_its_weight() -> None:
    question = "what does my contract say about my manager?"
    entries = [
        chunk("meaning", "Only the CEO may agree to employment for a specified period. The contract is in writing."),
        chunk("words", "Manager and contract: your manager keeps a copy of your contract."),
        chunk("manager", "Your manager."),
    ]
    # Dense order: meaning, words, manager. BM25 order: words (both terms), manager (short), meaning (long).
    vectors = np.vstack([unit(1.0, 0.1), unit(1.0, 0.3), unit(1.0, 0.6)])
    hits = Retriever(entries, vectors).search(question, unit(1.0, 0.0), k=3)
    fused = {hit.chunk.id: hit.fused for hit in hits}
    assert fused["meaning"] == pytest.approx(1 / (RRF_K + 1) + BM25_WEIGHT / (RRF_K + 3))
    assert fused["words"] == pytest.approx(1 / (RRF_K + 2) + BM25_WEIGHT / (RRF_K + 1))
    # First by meaning and third by words beats second by meaning and first by words (at equal weights it would not).
    assert BM25_WEIGHT < 1 and hits[0].chunk.id == "meaning"


def test_an_exact_term_still_lifts_its_passage() -> None:
    entries = [
        chunk("countries", "We ship to the EU, the UK and Norway. We do not ship to Canada."),
        chunk("costs", "Shipping costs EUR 4.95 and is free from EUR 75."),
        chunk("returns", "Returns are accepted within 30 days of delivery."),
    ]
    # Dense puts the costs passage a little ahead; both lists agree on the countries passage being near the top.
    vectors = np.vstack([unit(0.9, 0.44), unit(1.0, 0.35), unit(0.0, 1.0)])
    hits = Retriever(entries, vectors).search("do you ship to Canada?", unit(1.0, 0.0), k=3)
    assert hits[0].chunk.id == "countries"


def test_sources_are_ranked_by_meaning_alone() -> None:
    # Sharing the question's words ranks first in the fused list; closest in meaning ranks first in `by_meaning`.
    entries = [
        chunk("words", "Manager and contract: your manager keeps a copy of your contract for 2 years."),
        chunk("meaning", "Only the CEO may agree to employment for a specified period, in writing."),
        chunk("other", "Hack week is the sixth week of every quarter."),
    ]
    vectors = np.vstack([unit(1.0, 0.5), unit(1.0, 0.45), unit(0.0, 1.0)])
    retriever = Retriever(entries, vectors)
    question = "can my manager promise me a 2 year contract?"
    assert retriever.search(question, unit(1.0, 0.0), k=3)[0].chunk.id == "words"
    ranked = retriever.by_meaning(unit(1.0, 0.0), k=3)
    assert [hit.chunk.id for hit in ranked] == ["meaning", "words", "other"]
    assert ranked[0].dense == pytest.approx(float(vectors[1] @ unit(1.0, 0.0)))
    assert Retriever([], np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)).by_meaning(unit(1.0), k=3) == []
