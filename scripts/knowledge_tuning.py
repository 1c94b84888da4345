"""Answerability thresholds chosen leave-one-set-out on the tune halves (issue 17, item 3's procedure).

    .venv/bin/python scripts/eval_knowledge.py --split tune --json var/eval/knowledge-tune.json
    .venv/bin/python scripts/knowledge_tuning.py var/eval/knowledge-tune.json

Reads the support signal `eval_knowledge.py` records for every question ours was asked (best
sentence similarity, unknown-word share) and replays `knowledge/answerability.py`'s decision with other
thresholds: no model is run. For each set in turn, the thresholds that do best on the OTHER sets'
tune halves are applied to the held-out set's tune half, which estimates how a threshold chosen on
some companies' documents does on another's — the question issue 17 asks. Only tune rows are read.

The objective is balanced: the mean over sets of (abstention on unanswerable + share of answerable
questions answered) / 2, so that neither refusing everything nor answering everything wins.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from knowledge.answerability import MIN_SENTENCE, MIN_SUPPORT, STRONG_MATCH, UNKNOWN_PENALTY  # noqa: E402

Thresholds = tuple[float, float]  # (MIN_SUPPORT, STRONG_MATCH)
SUPPORT_GRID = [round(0.01 * i, 2) for i in range(0, 51)]
STRONG_GRID = [round(0.5 + 0.02 * i, 2) for i in range(0, 16)]


def answered(support: list[float], thresholds: Thresholds) -> bool:
    """`knowledge/answerability.py`'s rule with other thresholds (MIN_SENTENCE and the penalty unchanged)."""
    best, unknown = support
    min_support, strong = thresholds
    return best >= MIN_SENTENCE and (best - UNKNOWN_PENALTY * unknown >= min_support or best >= strong)


def decision_metrics(rows: list[dict[str, Any]], thresholds: Thresholds) -> tuple[float, float]:
    """(abstention on unanswerable, wrongly abstained) with these thresholds."""
    unanswerable = [r for r in rows if not r["answerable"]]
    answerable = [r for r in rows if r["answerable"]]
    abstention = sum(not answered(r["support"], thresholds) for r in unanswerable) / max(len(unanswerable), 1)
    wrong = sum(not answered(r["support"], thresholds) for r in answerable) / max(len(answerable), 1)
    return abstention, wrong


def objective(by_set: dict[str, list[dict[str, Any]]], thresholds: Thresholds) -> float:
    values = [decision_metrics(rows, thresholds) for rows in by_set.values()]
    return sum((abstention + 1 - wrong) / 2 for abstention, wrong in values) / len(values)


def best(by_set: dict[str, list[dict[str, Any]]]) -> Thresholds:
    """The grid point with the best objective; ties go to the one nearest today's thresholds."""
    grid = [(s, m) for s in SUPPORT_GRID for m in STRONG_GRID]
    return max(grid, key=lambda t: (objective(by_set, t), -abs(t[0] - MIN_SUPPORT) - abs(t[1] - STRONG_MATCH)))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("results", type=Path, help="eval_knowledge.py --json output")
    args = parser.parse_args(argv)
    rows = [r for r in json.loads(args.results.read_text())["rows"] if r["system"] == "ours" and r["split"] == "tune"]
    rows = [r for r in rows if r["support"] is not None]
    by_set: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_set.setdefault(row["set"], []).append(row)
    current = (MIN_SUPPORT, STRONG_MATCH)
    print(f"tune halves only; today's MIN_SUPPORT/STRONG_MATCH = {current[0]:.2f}/{current[1]:.2f}")
    print("held-out set     chosen on the others   held-out abstention/wrongly abstained: chosen | today's")
    for held_out in by_set:
        others = {name: set_rows for name, set_rows in by_set.items() if name != held_out}
        chosen = best(others)
        a, w = decision_metrics(by_set[held_out], chosen)
        a0, w0 = decision_metrics(by_set[held_out], current)
        print(f"{held_out:16} {chosen[0]:.2f}/{chosen[1]:.2f}            {a:.2f}/{w:.2f} | {a0:.2f}/{w0:.2f}")
    overall = best(by_set)
    print(f"chosen on all tune halves: {overall[0]:.2f}/{overall[1]:.2f} "
          f"(objective {objective(by_set, overall):.3f}; today's {objective(by_set, current):.3f})")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
