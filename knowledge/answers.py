"""Short extractive answers: the sentences of the best passages that answer the question, with sources.

No language model: the answer is made of the documents' own sentences, so it can
only say what the documents say. Candidate sentences come from the top passages
and from the rest of the best document (the answer is often beside the passage
that matched: a rule in one paragraph, its deadline in the next). Each sentence is
scored by its similarity to the question (embedded at ingestion), the share of the
question's distinctive words it contains, and whether it states the kind of fact
the question asks for (`answer_types`: "how long" wants a span of time). The best
sentence and those scoring nearly as well, at most four and `MAX_ANSWER_CHARS`,
in reading order, are the answer: a few sentences, never a whole chunk.

Knowing when not to answer: `support` = the best sentence's similarity to the
question (top passages only) minus half the share of the question's vocabulary
that no document contains (a word the documents only name otherwise, "wife" for
"spouse", does not count: `vocabulary.py`). A question about "401k matching" against a handbook
that never mentions a 401(k) finds fluent but unrelated sentences (similarity
~0.5) and a high unknown share; it is below `MIN_SUPPORT` and gets `answered:
false`, unless one sentence is a strong match on its own (`STRONG_MATCH`). Both
thresholds were set on the development handbook (`make eval`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from knowledge.answer_types import expected_kind, states
from knowledge.embeddings import embed
from knowledge.retrieval import Hit, Retriever
from knowledge.text import TABLE_ROW_RE, plain, tokens

PASSAGES_FOR_SENTENCES = 3
MAX_SENTENCES = 4
MAX_ANSWER_CHARS = 700
SNIPPET_CHARS = 240
SECOND_SENTENCE_RATIO = 0.7
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


def cited(ranked: list[Hit], quoted: list[Hit], limit: int = 3) -> list[Source]:
    """The sources: the `limit` documents closest in meaning (`Retriever.rankings`), then any other the answer quotes.

    The answer is built from the fused ranking's passages, which may come from a document
    the meaning ranks lower: it is cited after the others, so every sentence shown has its source.
    """
    sources = sources_of(ranked, limit)
    paths = {source.path for source in sources}
    return sources + [source for source in sources_of(quoted, limit) if source.path not in paths]


@dataclass(frozen=True)
class _Candidate:
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


def _pool(hits: list[Hit], retriever: Retriever, question_vector: np.ndarray) -> list[tuple[int, Hit]]:
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


def _row_values(row: str) -> set[str]:
    """The words of a table row's values, not of its column names (which every row repeats)."""
    return {word for cell in row.split("; ") for word in tokens(cell.partition(": ")[2])}


def _candidates(
    question: str,
    question_vector: np.ndarray,
    question_words: set[str],
    pool: list[tuple[int, Hit]],
    retriever: Retriever,
) -> list[_Candidate]:
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
            if not re.search(r"[A-Za-z0-9]", text):
                continue
            lexical = sum(weights[w] for w in question_words if w in words) / total
            score = float(similarity) + LEXICAL_WEIGHT * lexical - RANK_COST * rank
            if kind is not None and states(text, kind):
                score += KIND_BONUS
            if len(hit.chunk.headings) <= 1 and position < LEAD_SENTENCES:
                score += LEAD_BONUS
            if TABLE_ROW_RE.match(text) and not question_words & _row_values(text):
                score -= UNASKED_ROW_COST
            found.append(
                _Candidate((document, hit.index, position), hit, rank, retrieved, text, float(similarity), score)
            )
    return found


# A sentence that starts like this leans on the one before it ("This is…", "They…"): show both.
ANAPHORA_RE = re.compile(r"^(this|that|these|those|it|its|they|their|such|however|but|also|so|then|otherwise)\b", re.I)
# A sentence that announces what follows ("We pay twice a month:", "…follow these steps."): show
# the next few sentences too, into the next passage if need be.
ANNOUNCES_RE = re.compile(r"(?i)(:|\b(the following|as follows|these(\s+\w+)?\s+(steps|guidelines|rules|options))\.)$")
LIST_ITEMS = 3
# A short capitalised line without sentence punctuation, inside the text, is a heading the loader did not
# mark as one (plain text, PDF, a bold line: "Get approval from your manager"): it heads the items, it is
# not one of them, so it does not use up the list's `LIST_ITEMS`.
TITLE_LINE_RE = re.compile(r"^[A-Z][^.!?:;]{0,59}$")
TITLE_LINE_WORDS = 8
# Table rows are alternatives ("Month: June; Payday: Mon 15 Jun."): an answer quotes a couple, not the
# table, and a row whose values the question does not mention only matched its column names.
MAX_TABLE_ROWS = 2
UNASKED_ROW_COST = 0.1


def _distinct(ranked: list[_Candidate]) -> list[_Candidate]:
    """Each sentence once, at its best score: overlapping passages repeat sentences."""
    seen: set[str] = set()
    distinct = []
    for candidate in ranked:
        if candidate.text not in seen:
            seen.add(candidate.text)
            distinct.append(candidate)
    return distinct


def _with_context(candidate: _Candidate, by_place: dict[tuple[int, int, int], _Candidate]) -> list[_Candidate]:
    """The sentence with the one it leans on, or the items it announces."""
    group = [candidate]
    before = by_place.get(candidate.beside(-1))
    if ANAPHORA_RE.match(candidate.text) and before is not None:
        group.append(before)
    if ANNOUNCES_RE.search(candidate.text):
        items = 0
        following = by_place.get(candidate.beside(1)) or by_place.get(candidate.next_passage)
        while following is not None and items < LIST_ITEMS and len(group) <= 2 * LIST_ITEMS:
            group.append(following)
            items += not is_title_line(following.text)
            following = by_place.get(following.beside(1)) or by_place.get(following.next_passage)
    return group


def is_title_line(text: str) -> bool:
    """A heading inside the text rather than a sentence (see `TITLE_LINE_RE`)."""
    return bool(TITLE_LINE_RE.match(text)) and len(text.split()) <= TITLE_LINE_WORDS


def compose(candidates: list[_Candidate]) -> tuple[str, list[Hit]]:
    """The best sentence, with the next ones of the top passages that score nearly as well, in reading order.

    A sentence that leans on the one before it ("This check-in should happen two
    weeks ahead") brings that one along, one that announces a list brings its
    items. Everything fits in `MAX_ANSWER_CHARS`. Returns the text and the passages it quotes, best first.
    """
    by_place = {c.place: c for c in candidates}
    ranked = _distinct(sorted(candidates, key=lambda c: -c.score))
    best = ranked[0]
    chosen: list[_Candidate] = []
    length = 0
    for candidate in ranked:
        if len(chosen) >= MAX_SENTENCES or candidate.score < SECOND_SENTENCE_RATIO * best.score:
            break
        if candidate in chosen or (candidate is not best and candidate.rank >= PASSAGES_FOR_ANSWER):
            continue
        group = [c for c in _with_context(candidate, by_place) if c not in chosen]
        rows = sum(c.is_table_row for c in chosen + group)
        added = sum(len(c.text) + 1 for c in group)
        if chosen and (length + added > MAX_ANSWER_CHARS or rows > MAX_TABLE_ROWS):
            continue
        chosen += group
        length += added
    quoted = [c.hit for c in chosen]
    chosen.sort(key=lambda c: c.place)
    texts = list(dict.fromkeys(c.text for c in chosen))
    # Passages overlap a little: a sentence cut at a passage's start is part of one already said.
    texts = [text for text in texts if not any(text != other and text in other for other in texts)]
    return snippet(" ".join(texts), MAX_ANSWER_CHARS), quoted


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
    """Answer `question` from the retriever's documents, or say it cannot (`answered: False`)."""
    question = " ".join((question or "").split())[:MAX_QUESTION_CHARS]
    if not question or not len(retriever):
        return Answer(question, False, None)
    question_vector, familiar = _embed_question(question, retriever)
    rankings = retriever.rankings(question, question_vector, k=k)
    hits, ranked = rankings.fused, rankings.by_meaning
    question_words = set(tokens(question))
    candidates = _candidates(
        question, question_vector, question_words, _pool(hits, retriever, question_vector), retriever
    )
    support = Support(
        best_sentence=max((c.similarity for c in candidates if c.retrieved), default=0.0),
        unknown_share=retriever.unknown_share(question_words, familiar),
    )
    supported = support.best_sentence >= MIN_SENTENCE and (
        support.score >= MIN_SUPPORT or support.best_sentence >= STRONG_MATCH
    )
    if not candidates or not supported:
        return Answer(question, False, None, sources_of(ranked), support)
    text, quoted = compose(candidates)
    return Answer(question, True, text, cited(ranked, quoted), support)
