"""Hybrid ranking: the dense ranking leads, BM25 lifts exact terms. A real `Retriever` on chosen vectors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from knowledge.answers import cited
from knowledge.chunking import Chunk
from knowledge.embeddings import embed_one
from knowledge.ingest import ingest
from knowledge.retrieval import BM25_WEIGHT, EMBEDDING_SIZE, RRF_K, Retriever
from knowledge.store import KnowledgeStore


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
    # Sharing the question's words ranks first in the fused list; closest in meaning first in `by_meaning`.
    entries = [
        chunk("words", "Manager and contract: your manager keeps a copy of your contract for 2 years."),
        chunk("meaning", "Only the CEO may agree to employment for a specified period, in writing."),
        chunk("other", "Hack week is the sixth week of every quarter."),
    ]
    vectors = np.vstack([unit(1.0, 0.5), unit(1.0, 0.45), unit(0.0, 1.0)])
    retriever = Retriever(entries, vectors)
    question = "can my manager promise me a 2 year contract?"
    rankings = retriever.rankings(question, unit(1.0, 0.0), k=3)
    assert rankings.fused[0].chunk.id == "words"
    assert [hit.chunk.id for hit in retriever.search(question, unit(1.0, 0.0), k=3)] == [
        hit.chunk.id for hit in rankings.fused
    ]
    assert [hit.chunk.id for hit in rankings.by_meaning] == ["meaning", "words", "other"]
    assert rankings.by_meaning[0].dense == pytest.approx(float(vectors[1] @ unit(1.0, 0.0)))
    empty = Retriever([], np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)).rankings(question, unit(1.0), k=3)
    assert empty.fused == empty.by_meaning == []


def test_sources_follow_meaning_and_include_every_quoted_document() -> None:
    entries = [chunk(name, f"The {name} policy.") for name in ("a", "b", "c", "d")]
    entries.append(("handbook", Chunk("a-2", "a.md", "A", ("A",), "More of the a policy.")))
    vectors = np.vstack([unit(1.0, 0.1), unit(1.0, 0.2), unit(1.0, 0.3), unit(1.0, 0.9), unit(1.0, 0.15)])
    retriever = Retriever(entries, vectors)
    ranked = retriever.rankings("policy", unit(1.0, 0.0), k=5).by_meaning
    quoted_d, quoted_a = retriever.hit_at(3, unit(1.0, 0.0)), retriever.hit_at(0, unit(1.0, 0.0))
    # Several passages of one file are one citation; the top three files by meaning come first.
    assert [s.path for s in cited(ranked, [])] == ["a.md", "b.md", "c.md"]
    # A quoted file outside them is cited after them; one among them is not cited twice.
    assert [s.path for s in cited(ranked, [quoted_d, quoted_a])] == ["a.md", "b.md", "c.md", "d.md"]
    assert [s.path for s in cited(ranked, [quoted_a])] == ["a.md", "b.md", "c.md"]


@pytest.mark.parametrize("over_http", [False, True], ids=["embedded", "chroma-server"])
def test_chroma_s_own_index_finds_the_candidates_numpy_finds(
    over_http: bool, request: pytest.FixtureRequest, tmp_path: Path, public_docs: Path, internal_docs: Path
) -> None:
    """The alternative dense path (HNSW in Chroma, `make bench-knowledge`) ranks a small store exactly as numpy does."""
    url = request.getfixturevalue("chroma_server").url if over_http else None
    store = KnowledgeStore.open(tmp_path / "store", url)
    ingest(public_docs, "help", "public", store)
    ingest(internal_docs, "staff", "internal", store)
    exact = Retriever.open(store, ["help", "staff"])
    indexed = Retriever.open(store, ["help", "staff"], dense="chroma")
    for question in ("Which countries do you ship to?", "when is payday", "refund to my card", "EUR 75"):
        vector = embed_one(question)
        mine, theirs = exact.rankings(question, vector, k=4), indexed.rankings(question, vector, k=4)
        assert [h.chunk.id for h in theirs.fused] == [h.chunk.id for h in mine.fused], question
        assert [h.chunk.id for h in theirs.by_meaning] == [h.chunk.id for h in mine.by_meaning], question
        positions, similarities = indexed.dense_search(vector, 3)
        assert similarities == pytest.approx(exact.vectors[positions] @ vector, abs=1e-4)
