"""Short extractive answers: the sentences of the best passages that answer the question, with sources.

No language model: the answer is made of the documents' own sentences, so it can
only say what the documents say. Candidate sentences come from the top passages
(embedded at ingestion); each is scored by its similarity to the question plus the
share of the question's distinctive words it contains; the best one or two, in
document order, are the answer.

Knowing when not to answer: `support` = the best sentence's similarity to the
question minus half the share of the question's vocabulary that no document
contains. A question about "401k matching" against a handbook that never mentions
a 401(k) finds fluent but unrelated sentences (similarity ~0.5) and a high unknown
share; it is below `MIN_SUPPORT` and gets `answered: false`, unless one sentence is
a strong match on its own (`STRONG_MATCH`). Both thresholds were set on the
development handbook (`make eval`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from knowledge.embeddings import embed_one
from knowledge.retrieval import Hit, Retriever
from knowledge.text import plain, tokens

PASSAGES_FOR_SENTENCES = 3
MAX_SENTENCES = 3
MAX_ANSWER_CHARS = 420
SNIPPET_CHARS = 240
SECOND_SENTENCE_RATIO = 0.8
PASSAGES_FOR_ANSWER = 2
LEXICAL_WEIGHT = 0.3
QUANTITY_BONUS = 0.08
# The opening sentences of a document state what it is about ("We accept returns within 30 days of
# delivery"): the lead bias every summariser knows.
LEAD_BONUS = 0.05
LEAD_SENTENCES = 2
# "how many days", "how much", "how long", "when", "what time": the answer is a number, a date or a day.
QUANTITY_QUESTION_RE = re.compile(
    r"(?i)\b(how (many|much|long|often|soon|old|far)|when|what (time|date|day|hours?)|which day|what percent)"
)
QUANTITY_RE = re.compile(
    r"(?i)\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|first|second|"
    r"third|fourth|fifth|sixth|last|monday|tuesday|wednesday|thursday|friday|saturday|sunday|daily|weekly|monthly|"
    r"yearly|annually|quarterly|half)\b"
)
UNKNOWN_PENALTY = 0.5
MIN_SUPPORT = 0.22
# A sentence this close to the question answers it whatever the vocabulary: paraphrases ("send something
# back" for "returns") use words a small corpus may not contain. No unanswerable dev question came above 0.55.
STRONG_MATCH = 0.58
# Below this, no sentence is about the question at all, however familiar its words ("how are you today").
MIN_SENTENCE = 0.33
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
class Support:
    best_sentence: float
    unknown_share: float

    @property
    def score(self) -> float:
        return self.best_sentence - UNKNOWN_PENALTY * self.unknown_share


@dataclass(frozen=True)
class Answer:
    question: str
    answered: bool
    answer: str | None
    sources: list[Source] = field(default_factory=list)
    support: Support | None = None

    def contract(self) -> dict[str, Any]:
        """`assistant knowledge ask --json`: question, answered, answer, sources."""
        return {
            "question": self.question,
            "answered": self.answered,
            "answer": self.answer if self.answered else None,
            "sources": [source.contract() for source in self.sources] if self.answered else [],
        }


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = plain(text)
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


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


@dataclass(frozen=True)
class _Candidate:
    passage: int
    position: int
    text: str
    similarity: float
    score: float


def _candidates(
    question: str,
    question_vector: np.ndarray,
    question_words: set[str],
    hits: list[Hit],
    retriever: Retriever,
    first_rank: int = 0,
) -> list[_Candidate]:
    """Scored sentences of the passages; `first_rank` is the rank of the first one (the rank costs a little)."""
    weights = {w: retriever.idf(w) for w in question_words}
    total = sum(weights.values()) or 1.0
    wants_quantity = bool(QUANTITY_QUESTION_RE.search(question))
    found = []
    for rank, hit in enumerate(hits[:PASSAGES_FOR_SENTENCES], start=first_rank):
        if not hit.sentences:
            continue
        similarities = hit.sentence_vectors @ question_vector
        for position, (text, similarity, words) in enumerate(
            zip(hit.sentences, similarities, hit.sentence_words, strict=True)
        ):
            if not re.search(r"[A-Za-z0-9]", text):
                continue
            lexical = sum(weights[w] for w in question_words if w in words) / total
            score = float(similarity) + LEXICAL_WEIGHT * lexical - 0.03 * rank
            if wants_quantity and QUANTITY_RE.search(text):
                score += QUANTITY_BONUS
            if len(hit.chunk.headings) <= 1 and position < LEAD_SENTENCES:
                score += LEAD_BONUS
            found.append(_Candidate(rank, position, text, float(similarity), score))
    return found


# A sentence that starts like this leans on the one before it ("This is…", "They…"): show both.
ANAPHORA_RE = re.compile(r"^(this|that|these|those|it|its|they|their|such|however|but|also|so|then|otherwise)\b", re.I)


def _with_antecedents(chosen: list[_Candidate], candidates: list[_Candidate]) -> list[_Candidate]:
    by_place = {(c.passage, c.position): c for c in candidates}
    result = list(chosen)
    for candidate in chosen:
        before = by_place.get((candidate.passage, candidate.position - 1))
        if ANAPHORA_RE.match(candidate.text) and before is not None and before not in result:
            result.append(before)
    return result


def compose(candidates: list[_Candidate]) -> str:
    """The best sentence, with the next ones of the top passages that score nearly as well, in document order."""
    ranked = sorted(candidates, key=lambda c: -c.score)
    best = ranked[0]
    chosen = [best]
    length = len(best.text)
    for other in ranked[1:]:
        if len(chosen) >= MAX_SENTENCES or other.score < SECOND_SENTENCE_RATIO * best.score:
            break
        if other.passage < PASSAGES_FOR_ANSWER and length + len(other.text) <= MAX_ANSWER_CHARS:
            chosen.append(other)
            length += len(other.text) + 1
    chosen = _with_antecedents(chosen, candidates)
    chosen.sort(key=lambda c: (c.passage, c.position))
    return snippet(" ".join(c.text for c in chosen), MAX_ANSWER_CHARS)


def answer(question: str, retriever: Retriever, k: int = 5) -> Answer:
    """Answer `question` from the retriever's documents, or say it cannot (`answered: False`)."""
    question = " ".join((question or "").split())[:MAX_QUESTION_CHARS]
    if not question or not len(retriever):
        return Answer(question, False, None)
    question_vector = embed_one(question)
    hits = retriever.search(question, question_vector, k=k)
    question_words = set(tokens(question))
    candidates = _candidates(question, question_vector, question_words, hits, retriever)
    support = Support(
        best_sentence=max((c.similarity for c in candidates), default=0.0),
        unknown_share=retriever.unknown_share(question_words),
    )
    supported = support.best_sentence >= MIN_SENTENCE and (
        support.score >= MIN_SUPPORT or support.best_sentence >= STRONG_MATCH
    )
    if not candidates or not supported:
        return Answer(question, False, None, sources_of(hits), support)
    opening = retriever.opening_of(hits[0], question_vector) if hits else None
    if opening is not None:  # the best document's opening may state the answer in one sentence
        extra = _candidates(question, question_vector, question_words, [*hits[:1], opening], retriever)
        candidates += [_Candidate(1, c.position, c.text, c.similarity, c.score) for c in extra if c.passage == 1]
    return Answer(question, True, compose(candidates), sources_of(hits), support)
