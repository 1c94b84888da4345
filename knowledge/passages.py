"""Rerank: the sentences of the candidate passages, each scored as an answer to the question.

Step 2 of the pipeline (`answers.py`: candidates -> rerank -> decide -> compose). The
candidates are the retriever's passages (`retrieval.py`); here every sentence of the top
passages, and of the rest of the best document (the answer is often beside the passage that
matched: a rule in one paragraph, its deadline in the next), gets a score: its similarity
to the question (embedded at ingestion), the share of the question's distinctive words it
contains, and whether it states the kind of fact the question asks for (`answer_types`:
"how long" wants a span of time). A passage's retrieval rank costs a little. A new
reranker replaces `scored_sentences`; the later steps read only `Candidate`s.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from knowledge.answer_types import expected_kind, states
from knowledge.retrieval import Hit, Retriever
from knowledge.text import TABLE_ROW_RE, tokens

PASSAGES_FOR_SENTENCES = 3
PASSAGES_FOR_ANSWER = 2
# The best document's passages beyond the top ones: how many are read, and the rank they count as.
DOCUMENT_PASSAGES = 24
DOCUMENT_RANK = 1
RANK_COST = 0.03
LEXICAL_WEIGHT = 0.3
# A sentence stating the kind of fact the question asks for (a span of time, an amount): `answer_types`.
KIND_BONUS = 0.12
# The opening sentences of a document state what it is about ("We accept returns within 30 days of
# delivery"): the lead bias every summariser knows.
LEAD_BONUS = 0.05
LEAD_SENTENCES = 2
# Table rows whose values the question does not mention only matched their column names (`compose.py`).
UNASKED_ROW_COST = 0.1
# A signpost says what the page is about ("This page explains how to pay and what happens when an
# invoice is paid late"): it names every topic of the page, so it is close to many questions and
# answers none. It is not a candidate answer, and it is no evidence that the documents answer.
SIGNPOST_RE = re.compile(
    r"(?i)^[\W_]*(?:this|the following|in this|the rest of this)\s+(?:page|guide|article|section|document|chapter)\b"
)


@dataclass(frozen=True)
class Candidate:
    place: tuple[int, int, int]  # (document's first rank, chunk index, sentence index): reading order
    hit: Hit  # the passage the sentence is from
    rank: int  # the passage's retrieval rank (the rest of the best document shares one rank)
    retrieved: bool  # in one of the top passages (what `support` is measured on)
    text: str
    similarity: float
    score: float

    def beside(self, offset: int) -> tuple[int, int, int]:
        """The place of the sentence `offset` sentences away in the same passage."""
        document, chunk, sentence = self.place
        return document, chunk, sentence + offset

    @property
    def next_passage(self) -> tuple[int, int, int]:
        """The place of the first sentence of the passage after this one."""
        document, chunk, _ = self.place
        return document, chunk + 1, 0

    @property
    def is_table_row(self) -> bool:
        return bool(TABLE_ROW_RE.match(self.text))


def pool(hits: list[Hit], retriever: Retriever, question_vector: np.ndarray) -> list[tuple[int, Hit]]:
    """(rank, passage): the top passages, then the rest of the best document (none of whose passages ranks below 1).

    The sentence that answers is often beside the passage that matched best: a rule
    introduced in one paragraph and quantified in the next, a heading's first lines.
    """
    if not hits:
        return []
    best_document = (hits[0].collection, hits[0].chunk.path)
    pool = [
        (min(rank, DOCUMENT_RANK) if (hit.collection, hit.chunk.path) == best_document else rank, hit)
        for rank, hit in enumerate(hits[:PASSAGES_FOR_SENTENCES])
    ]
    seen = {hit.chunk.id for _, hit in pool}
    for passage in retriever.passages_of(hits[0], question_vector, DOCUMENT_PASSAGES):
        if passage.chunk.id not in seen:
            seen.add(passage.chunk.id)
            pool.append((DOCUMENT_RANK, passage))
    return pool


def cells(row: str) -> list[tuple[str, str]]:
    """A table row's (column, value) pairs: "Month: June; Payday: Mon 15 Jun." -> [("Month", "June"), ...]."""
    return [
        (column.strip(), value.strip())
        for column, _, value in (cell.partition(": ") for cell in row.rstrip(".").split("; "))
    ]


def row_values(row: str) -> set[str]:
    """The words of a table row's values, not of its column names (which every row repeats)."""
    return {word for _, value in cells(row) for word in tokens(value)}


def scored_sentences(
    question: str,
    question_vector: np.ndarray,
    question_words: set[str],
    pool: list[tuple[int, Hit]],
    retriever: Retriever,
) -> list[Candidate]:
    """Every sentence of the pool, scored; a passage's retrieval rank costs a little."""
    weights = {w: retriever.idf(w) for w in question_words}
    total = sum(weights.values()) or 1.0
    kind = expected_kind(question)
    found = []
    documents: dict[tuple[str, str], int] = {}
    for index, (rank, hit) in enumerate(pool):
        retrieved = index < PASSAGES_FOR_SENTENCES
        document = documents.setdefault((hit.collection, hit.chunk.path), len(documents))
        if not hit.sentences:
            continue
        similarities = hit.sentence_vectors @ question_vector
        for position, (text, similarity, words) in enumerate(
            zip(hit.sentences, similarities, hit.sentence_words, strict=True)
        ):
            if not re.search(r"[A-Za-z0-9]", text) or SIGNPOST_RE.match(text):
                continue
            lexical = sum(weights[w] for w in question_words if w in words) / total
            score = float(similarity) + LEXICAL_WEIGHT * lexical - RANK_COST * rank
            if kind is not None and states(text, kind):
                score += KIND_BONUS
            if len(hit.chunk.headings) <= 1 and position < LEAD_SENTENCES:
                score += LEAD_BONUS
            if TABLE_ROW_RE.match(text) and not question_words & row_values(text):
                score -= UNASKED_ROW_COST
            found.append(
                Candidate((document, hit.index, position), hit, rank, retrieved, text, float(similarity), score)
            )
    return found
