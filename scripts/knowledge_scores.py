"""Scoring the knowledge evaluation: one row per question and system, metrics per set, macro averages.

The macro average weighs every document set the same, whatever its number of questions, so that
a system cannot look good by doing well on the largest set only: the point of several sets is that
a setting tuned to one does not carry over.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from knowledge_sets import Question
from knowledge_systems import Reply

METRICS = ("hit@1", "hit@3", "mrr", "answer_accuracy", "abstention", "wrongly_abstained", "p50_ms", "p95_ms")
SHORT = {"answer_accuracy": "accuracy", "wrongly_abstained": "wrong_abst"}
# Issue 17's targets on the macro average of the test halves: (value, True for at least / False for at most).
TARGETS: dict[str, tuple[float, bool]] = {
    "hit@3": (0.95, True),
    "answer_accuracy": (0.85, True),
    "abstention": (0.90, True),
    "wrongly_abstained": (0.05, False),
    "p95_ms": (300.0, False),
}


@dataclass(frozen=True)
class Row:
    """One question asked of one system."""

    set: str
    split: str
    system: str
    id: str
    answerable: bool
    answered: bool
    rank: int | None  # of the first expected source among the cited ones
    correct: bool
    latency_ms: float
    answer: str
    cited: list[str]
    support: tuple[float, float] | None

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def score(set_name: str, split: str, system: str, question: Question, reply: Reply, latency_ms: float) -> Row:
    """A hit is a cited file among the expected ones; a correct answer holds every keyword group."""
    rank = next((i + 1 for i, path in enumerate(reply.cited) if path in question.sources), None)
    text = reply.answer.lower()
    correct = reply.answered and all(any(k.lower() in text for k in group) for group in question.keywords)
    return Row(set_name, split, system, question.id, question.answerable, reply.answered, rank, correct,
               latency_ms, reply.answer[:300], reply.cited[:3], reply.support)  # fmt: skip


def _share(items: list[bool]) -> float:
    return sum(items) / len(items) if items else math.nan


def metrics(rows: list[Row]) -> dict[str, float]:
    answerable = [r for r in rows if r.answerable]
    unanswerable = [r for r in rows if not r.answerable]
    ranks = [r.rank for r in answerable]
    latencies = [r.latency_ms for r in rows]
    return {
        "hit@1": _share([r == 1 for r in ranks]),
        "hit@3": _share([r is not None and r <= 3 for r in ranks]),
        "mrr": sum(1 / r for r in ranks if r) / len(ranks) if ranks else math.nan,
        "answer_accuracy": _share([r.correct for r in answerable]),
        "abstention": _share([not r.answered for r in unanswerable]),
        "wrongly_abstained": _share([not r.answered for r in answerable]),
        "p50_ms": float(np.percentile(latencies, 50)) if latencies else math.nan,
        "p95_ms": float(np.percentile(latencies, 95)) if latencies else math.nan,
    }


def macro(rows: list[Row]) -> dict[str, float]:
    """Quality metrics averaged over sets (each set counts once); latency pooled over every question.

    Latency is pooled because a p95 of 20 questions is one question's time, and what a person waits
    for does not depend on which set the question came from.
    """
    by_set: dict[str, list[Row]] = {}
    for row in rows:
        by_set.setdefault(row.set, []).append(row)
    per_set = [metrics(set_rows) for set_rows in by_set.values()]
    pooled = metrics(rows)
    return {
        key: pooled[key] if key.endswith("_ms") else float(np.nanmean([m[key] for m in per_set])) for key in METRICS
    }


def _cell(key: str, value: float) -> str:
    if math.isnan(value):
        return "-"
    return f"{value:.0f}" if key.endswith("_ms") else f"{value:.2f}"


def table(lines: Iterable[tuple[str, str, int, dict[str, float]]]) -> str:
    """(set, system, questions, metrics) lines as an aligned Markdown table."""
    header = ["set", "system", "n", *[SHORT.get(k, k) for k in METRICS]]
    body = [[s, system, str(n), *[_cell(k, m[k]) for k in METRICS]] for s, system, n, m in lines]
    widths = [max(len(row[i]) for row in [header, *body]) for i in range(len(header))]

    def line(cells: list[str]) -> str:
        return (
            "| "
            + " | ".join(
                c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths, strict=True))
            )
            + " |"
        )

    rule = "|" + "|".join("-" * (w + 2) for w in widths) + "|"
    return "\n".join([line(header), rule, *[line(cells) for cells in body]])


def verdicts(ours: dict[str, float], recipe: dict[str, float]) -> list[str]:
    """Issue 17's 'done when', on the macro test numbers: each target, and at least the recipe's."""
    lines = []
    for key, (target, at_least) in TARGETS.items():
        value = ours[key]
        met = value >= target if at_least else value <= target
        versus = ""
        if not key.endswith("_ms"):
            ok = value >= recipe[key] if at_least else value <= recipe[key]
            versus = f"; recipe {_cell(key, recipe[key])}: {'not worse' if ok else 'WORSE'}"
        sign = "≥" if at_least else "≤"
        lines.append(f"{key} = {_cell(key, value)} (target {sign} {target:g}): {'MET' if met else 'NOT MET'}{versus}")
    return lines
