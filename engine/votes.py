"""Counting the committee's votes (engine/committee.py), apart from Rasa.

Why apart: `scripts/tune_committee.py` scores weights offline, in the app environment where Rasa is not
installed, and must count the votes exactly as the server does; both import this one function.
"""

from __future__ import annotations

Ranking = list[tuple[str, float]]


def weighted_average(votes: list[tuple[float, Ranking]]) -> Ranking:
    """Each intent's confidence averaged over the votes by weight (an intent a ranking leaves out
    counts 0 there), best first; ties broken by name, so the same votes always give the same order."""
    total = sum(weight for weight, _ in votes)
    if total <= 0:
        return []
    scores: dict[str, float] = {}
    for weight, ranking in votes:
        for name, confidence in ranking:
            scores[name] = scores.get(name, 0.0) + weight * confidence / total
    return sorted(scores.items(), key=lambda item: (-item[1], item[0]))
