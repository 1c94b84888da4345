"""The question-answering pipeline, in one pass: candidates -> rerank -> decide -> compose.

No language model: the answer is made of the documents' own sentences, so it can only say
what the documents say. Each step is a module with one job, so that a new ranker or a new
answerability check changes one step:

1. candidates (`retrieval.py`): BM25 and dense rankings of the passages, fused; documents by meaning;
2. rerank (`passages.py`): every sentence of the top passages and of the best document, scored;
3. decide (`answerability.py`): answer, or abstain (saying what the documents touch on, if anything);
4. compose (`compose.py`): the best sentences, to the point, with their sources.

This module holds the reply's shape (`Answer`, `Source`: the `sources` contract) and the pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from knowledge.answerability import Support, decide
from knowledge.compose import compose, snippet
from knowledge.embeddings import embed
from knowledge.passages import pool, scored_sentences
from knowledge.retrieval import Hit, Retriever
from knowledge.spelling import corrected
from knowledge.text import tokens, without_addresses, written_out

MAX_QUESTION_CHARS = 1000


@dataclass(frozen=True)
class Source:
    path: str
    title: str
    score: float
    snippet: str

    def contract(self) -> dict[str, Any]:
        """The `sources` reply contract: path, title, score, snippet."""
        return {"path": self.path, "title": self.title, "score": round(self.score, 4), "snippet": self.snippet}


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    answer: str | None
    sources: list[Source] = field(default_factory=list)
    support: Support | None = None
    # Not answered, but on the topic: what the documents do say about it, and where (`answerability.py`).
    related: Source | None = None
    related_text: str | None = None

    def contract(self) -> dict[str, Any]:
        """`assistant knowledge ask --json`: question, answered, answer, sources."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer if self.answered else None,
            "sources": [source.contract() for source in self.sources] if self.answered else [],
        }


def sources_of(hits: list[Hit], limit: int = 3) -> list[Source]:
    """One source per document, best first (several passages of one file are one citation)."""
    seen: set[tuple[str, str]] = set()
    found = []
    for hit in hits:
        key = (hit.collection, hit.chunk.path)
        if key not in seen:
            seen.add(key)
            found.append(Source(hit.chunk.path, hit.chunk.title, hit.dense, snippet(hit.chunk.text)))
    return found[:limit]


def cited(ranked: list[Hit], quoted: list[Hit], limit: int = 3) -> list[Source]:
    """The sources: the `limit` documents closest in meaning (`Retriever.rankings`), then any other the answer quotes.

    The answer is built from the fused ranking's passages, which may come from a document
    the meaning ranks lower: it is cited after the others, so every sentence shown has its source.
    """
    sources = sources_of(ranked, limit)
    paths = {source.path for source in sources}
    return sources + [source for source in sources_of(quoted, limit) if source.path not in paths]


def _embed_question(question: str, retriever: Retriever) -> tuple[np.ndarray, frozenset[str]]:
    """The question's embedding, and its words that no document contains but one names in other words.

    One model call embeds the question and those words together (`knowledge/vocabulary.py`).
    """
    unknown = retriever.unknown_words(question)
    vectors = embed([question, *unknown.values()])
    near = retriever.vocabulary.has_near_synonym
    familiar = frozenset(token for token, vector in zip(unknown, vectors[1:], strict=True) if near(vector))
    return vectors[0], familiar


def answer(question: str, retriever: Retriever, k: int = 5) -> Answer:
    """Answer `question` from the retriever's documents, or say it cannot (`answered: False`).

    One pass: candidates (`retrieval`) -> rerank (`passages`) -> decide (`answerability`) -> compose, on the
    question with its slips put back to the documents' words (`spelling`).
    """
    question = written_out(without_addresses(" ".join((question or "").split())[:MAX_QUESTION_CHARS]))
    if not question or not len(retriever):
        return Answer(question, False, None)
    question = corrected(question, retriever.document_frequency, retriever.vocabulary.words)
    question_vector, familiar = _embed_question(question, retriever)
    question_words = set(tokens(question))
    # 1. candidates: passages by the fused ranking (what answers are built from), documents by meaning (sources)
    rankings = retriever.rankings(question, question_vector, k=k)
    # 2. rerank: every sentence of the top passages and of the best document, scored as an answer
    candidates = scored_sentences(
        question, question_vector, question_words, pool(rankings.fused, retriever, question_vector), retriever
    )
    # 3. decide
    decision = decide(candidates, retriever.unknown_share(question_words, familiar))
    if not decision.answer:
        related = decision.related
        return Answer(
            question, False, None, sources_of(rankings.by_meaning), decision.support,
            related=sources_of([related.hit])[0] if related else None,
            related_text=snippet(related.text) if related else None,
        )  # fmt: skip
    # 4. compose
    text, quoted = compose(candidates, question)
    return Answer(question, True, text, cited(rankings.by_meaning, quoted), decision.support)
