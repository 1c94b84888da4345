"""Decide: do the documents support an answer, or only touch the topic, or say nothing about it?

Step 3 of the pipeline (`answers.py`). `support` = the best sentence's similarity to the
question (top passages only) minus half the share of the question's vocabulary that no
document contains (a word the documents only name otherwise, "wife" for "spouse", does not
count: `vocabulary.py`). A question about "401k matching" against a handbook that never
mentions a 401(k) finds fluent but unrelated sentences (similarity ~0.5) and a high unknown
share: below `MIN_SUPPORT`, not answered, unless one sentence is a strong match on its own
(`STRONG_MATCH`). Thresholds: `scripts/knowledge_tuning.py` replays this rule leave-one-set-out
on the tune halves of `make eval`; see docs/evaluation.md for why they were left as they are.

An abstention whose best sentence is still about the question (`MIN_SENTENCE` or more) only
*touches* the topic: the reply may say what the documents do say about it, as that, and offer a
person (`Decision.related`), never present it as the answer. A new answerability check replaces
`decide`; the pipeline reads only the `Decision`.
"""

from __future__ import annotations

from dataclasses import dataclass

from knowledge.passages import Candidate

UNKNOWN_PENALTY = 0.5
MIN_SUPPORT = 0.22
# A sentence this close to the question answers it whatever the vocabulary: paraphrases ("send something
# back" for "returns") use words a small corpus may not contain. No unanswerable dev question came above 0.55.
STRONG_MATCH = 0.58
# Below this, no sentence is about the question at all, however familiar its words ("how are you today").
MIN_SENTENCE = 0.33


@dataclass(frozen=True)
class Support:
    best_sentence: float
    unknown_share: float

    @property
    def score(self) -> float:
        return self.best_sentence - UNKNOWN_PENALTY * self.unknown_share


@dataclass(frozen=True)
class Decision:
    answer: bool
    support: Support
    related: Candidate | None = None  # not an answer: the closest thing the documents say, when on topic


def supported(support: Support) -> bool:
    """The rule: a sentence about the question, and enough support (or one strong match)."""
    return support.best_sentence >= MIN_SENTENCE and (
        support.score >= MIN_SUPPORT or support.best_sentence >= STRONG_MATCH
    )


def clears(support: Support, bar: float) -> bool:
    """Supported, and by at least `bar`: the stricter test for a message that was not recognised as a question
    for the documents (the bars are the caller's: actions/documents.py)."""
    return supported(support) and support.score >= bar


def decide(candidates: list[Candidate], unknown_share: float) -> Decision:
    """Answer, or abstain (saying what the documents touch on when their best sentence is on topic)."""
    retrieved = [c for c in candidates if c.retrieved]
    best = max(retrieved, key=lambda c: c.similarity, default=None)
    support = Support(best.similarity if best else 0.0, unknown_share)
    if candidates and supported(support):
        return Decision(True, support)
    on_topic = best is not None and best.similarity >= MIN_SENTENCE
    return Decision(False, support, best if on_topic else None)
