"""Knowledge-gap grouping on a small labelled set, with the real MiniLM model (offline)."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from typing import Any

import numpy as np
import pytest
from sqlalchemy import insert, select

from analytics.aggregate import question_key
from analytics.gaps import GapFinder, Question, cluster, group_questions, minilm
from analytics.queries import Filters
from analytics.tables import ConversationRow, EmbeddingRow, QuestionRow

# Questions people asked that the documents did not answer, by the document they call for.
LABELLED: dict[str, list[str]] = {
    "gift cards": [
        "do you sell gift cards?",
        "can I buy a gift voucher?",
        "is there a gift card I can give my mum?",
        "do you have e-gift cards?",
        "can I pay with a gift card?",
    ],
    "gift wrapping": [
        "can you gift wrap my order?",
        "do you offer gift wrapping?",
        "can I add a gift message and wrapping?",
    ],
    "price match": [
        "do you price match?",
        "will you match a cheaper price from another shop?",
        "I saw the same bench cheaper elsewhere, can you match it?",
        "is there a price match guarantee?",
    ],
    "student discount": [
        "do you have a student discount?",
        "any discounts for students?",
        "is there a discount for teachers or students?",
    ],
    "assembly": [
        "do you offer assembly for the garden furniture?",
        "can someone assemble the bench for me?",
    ],
    "wholesale": [
        "do you do wholesale pricing?",
        "is there a bulk discount for business orders?",
    ],
}
COUNTS = {"do you sell gift cards?": 9, "do you price match?": 6, "can you gift wrap my order?": 4}


def questions() -> tuple[list[Question], list[str]]:
    items, labels = [], []
    for topic, texts in LABELLED.items():
        for text in texts:
            items.append(Question(question_key(text), text, COUNTS.get(text, 1), COUNTS.get(text, 1)))
            labels.append(topic)
    return items, labels


@pytest.fixture(scope="module")
def grouped() -> tuple[list[Any], dict[str, str]]:
    items, labels = questions()
    vectors = minilm([q.text for q in items])
    topic_of = {q.text: label for q, label in zip(items, labels, strict=True)}
    return group_questions(items, vectors), topic_of


def test_groups_never_mix_topics(grouped: tuple[list[Any], dict[str, str]]) -> None:
    groups, topic_of = grouped
    for group in groups:
        assert len({topic_of[q.text] for q in group.members}) == 1, [q.text for q in group.members]


def test_rephrasings_mostly_end_up_together(grouped: tuple[list[Any], dict[str, str]]) -> None:
    """Each topic's largest group holds most of its questions; over-splitting is rare."""
    groups, topic_of = grouped
    for topic, texts in LABELLED.items():
        largest = max(sum(1 for q in g.members if topic_of[q.text] == topic) for g in groups)
        assert largest >= (len(texts) + 1) // 2 + (1 if len(texts) >= 4 else 0), topic
    assert len(groups) <= len(LABELLED) + 3


def test_groups_are_ordered_by_count_and_labelled_by_their_most_typical_question(
    grouped: tuple[list[Any], dict[str, str]],
) -> None:
    groups, topic_of = grouped
    counts = [g.count for g in groups]
    assert counts == sorted(counts, reverse=True)
    first = groups[0]
    assert topic_of[first.label] == "gift cards" and first.label in {q.text for q in first.members}
    assert first.label == "do you sell gift cards?"  # asked 9 times: the count weighs in the centrality
    assert first.members[0].text == "do you sell gift cards?"


def test_gap_finder_caches_vectors_and_answers_per_range(stores: Any) -> None:
    """Through the tables: questions of a range, grouped; the model is asked only for texts it has not seen."""
    calls: list[int] = []

    def counting(texts: list[str]) -> np.ndarray:
        calls.append(len(texts))
        return minilm(texts)

    items, _ = questions()
    with stores.sessions.begin() as session:
        conversation = ConversationRow(
            sender_id="s", channel="socketio", day=date(2026, 11, 2), started_at=0.0, ended_at=0.0,
            first_event_id=1, last_event_id=1, user_turns=1, bot_turns=1, agent_messages=0, fallbacks=0,
            knowledge_questions=1, knowledge_answered=0, abstentions=1, thumbs_up=0, thumbs_down=0, handoffs=0,
            current=True, session_ended=False, paused=False,
        )  # fmt: skip
        session.add(conversation)
        session.flush()
        rows = []
        for n, q in enumerate(items):
            for repeat in range(q.count):
                rows.append(
                    {
                        "event_id": n * 100 + repeat, "conversation_id": conversation.id,
                        "day": date(2026, 11, 2) if repeat % 2 == 0 else date(2026, 11, 5), "channel": "socketio",
                        "text": q.text, "text_key": q.key,
                    }
                )  # fmt: skip
        session.execute(insert(QuestionRow), rows)
    finder = GapFinder(stores.sessions, counting)
    everything = finder.gaps(Filters(date(2026, 11, 1), date(2026, 11, 30)), limit=50)
    assert everything["unanswered"] == sum(q.count for q in items) and everything["distinct"] == len(items)
    assert everything["groups"][0]["examples"][0] == {"text": "do you sell gift cards?", "count": 9}
    assert sum(calls) == len(items)
    with stores.sessions() as session:
        assert len(session.scalars(select(EmbeddingRow)).all()) == len(items)
    first_days = finder.gaps(Filters(date(2026, 11, 1), date(2026, 11, 3)), limit=50)
    assert first_days["unanswered"] == sum((q.count + 1) // 2 for q in items)  # every other repeat on 2 Nov
    assert sum(calls) == len(items)  # nothing embedded again
    assert finder.gaps(Filters(date(2026, 11, 1), date(2026, 11, 30)), limit=50) is everything  # kept
    assert GapFinder(stores.sessions, counting).gaps(Filters(date(2026, 11, 6), date(2026, 11, 9)))["groups"] == []


def test_question_keys_ignore_case_spacing_and_trailing_punctuation() -> None:
    assert question_key("Do you sell  gift cards?") == question_key("do you sell gift cards")
    assert question_key("do you sell gift cards") == hashlib.sha1(b"do you sell gift cards").hexdigest()
    assert question_key("gift cards") != question_key("gift wrapping")


def test_no_questions_no_groups() -> None:
    assert group_questions([], np.zeros((0, 384), np.float32)) == []
    one = Question("k", "do you sell gift cards?", 3, 2)
    groups = group_questions([one], minilm([one.text]))
    assert [(g.label, g.count) for g in groups] == [("do you sell gift cards?", 3)]
    assert Counter(g.count for g in groups) == Counter({3: 1})


def _partition(labels: list[int]) -> set[frozenset[int]]:
    groups: dict[int, set[int]] = {}
    for index, label in enumerate(labels):
        groups.setdefault(label, set()).add(index)
    return {frozenset(group) for group in groups.values()}


@pytest.mark.parametrize("seed", range(6))
def test_clustering_is_scipys_complete_linkage_cut(seed: int) -> None:
    """The numpy clustering gives SciPy's partition (linkage "complete", fcluster by distance)."""
    from scipy.cluster.hierarchy import fcluster, linkage
    from scipy.spatial.distance import squareform

    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(6, 24))
    points = np.concatenate([centre + rng.normal(scale=0.6, size=(int(rng.integers(2, 30)), 24)) for centre in centres])
    vectors = (points / np.linalg.norm(points, axis=1, keepdims=True)).astype(np.float32)
    distances = np.clip(1.0 - vectors.astype(np.float64) @ vectors.T.astype(np.float64), 0.0, 2.0)
    np.fill_diagonal(distances, 0.0)
    tree = linkage(squareform(distances, checks=False), method="complete")
    for cut in (0.2, 0.35, 0.5, 0.7):
        expected = fcluster(tree, t=cut, criterion="distance").tolist()
        assert _partition(cluster(vectors, cut)) == _partition(expected), cut
