"""The bar a message the NLU could not place must clear to be answered from the documents, on tune halves only.

    .venv/bin/python scripts/eval_knowledge.py --split tune --json var/eval/knowledge-tune.json
    .venv/bin/python scripts/tune_documents_route.py [--port-base 9300] [--json var/eval/route-tune.json]

Why (issue 18, item 3): a policy question the NLU calls `out_of_scope` is refused today although
the documents answer it; sending every out-of-scope message to the documents would answer ~17% of
real out-of-scope chatter with a cited paragraph. Between the two is a bar on the documents' own
support score (`knowledge/answerability.py`): above it, the answer is confident enough to give to
a message the NLU did not recognise. This script measures, on the tune half of the dev set
(`nlu_dev_halves.py`) and the tune half of the second source, for every candidate bar:

- policy questions recovered: `knowledge` cases the NLU does not place whose documents' support
  clears the bar (each one answered instead of refused);
- out-of-scope answered: `oos` cases the NLU does not place that clear it (each one a false accept);
- and, because the dev set has few policy questions and one set of documents, the tune halves of
  `make eval`'s four document sets (`scripts/knowledge_sets.py`; their support from
  `eval_knowledge.py --split tune --json`): answerable questions the NLU does not place that clear
  the bar with a correct answer (recovered), unanswerable ones that clear it (answered wrongly);

for `out_of_scope` and `nlu_fallback` separately (a fallback goes to the documents today with the
normal bar). It starts a stack of its own with the model in models/ (as `make eval-nlu` does, same
documents, a signed-in employee's audience), parses every case, then asks the documents in this
process. The bar is chosen by the rule printed at the end; nothing from a test half is read.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from eval_nlu import DEFAULT_CASES, NOT_UNDERSTOOD, load_cases, own_stack  # noqa: E402
from knowledge_sets import SETS  # noqa: E402
from nlu_dev_halves import dev_halves  # noqa: E402

from knowledge.answerability import Support, supported  # noqa: E402
from knowledge.answers import answer  # noqa: E402
from knowledge.retrieval import Retriever  # noqa: E402
from knowledge.store import KnowledgeStore  # noqa: E402
from operations.processes import MODEL  # noqa: E402

SECOND_TUNE = ROOT / "scripts" / "data" / "nlu_second" / "tune.jsonl"
KNOWLEDGE_TUNE = ROOT / "var" / "eval" / "knowledge-tune.json"
BARS: list[float | None] = [None, *[round(0.20 + 0.02 * i, 2) for i in range(0, 31)]]
NEVER = "never"
POLICY = "ask_policy"
UNSURE_CONFIDENCES = [round(0.3 + 0.05 * i, 2) for i in range(0, 13)]
# The rule: the pair of bars (fallback, out of scope) that answers the most policy questions (each
# source's share of its answerable questions answered correctly, minus its share of unanswerable ones
# answered, averaged over sources) while the out-of-scope messages answered from the documents stay
# within this share of all out-of-scope tune cases. Why 0.01: issue 18's target for false accepts is
# 0.03 in all, and the flows the NLU starts on out-of-scope messages take ~0.02 of it (dev 0.019,
# second source 0.021 in the last `make eval-nlu`). Ties go to the higher bars.
OOS_BUDGET = 0.01
Bar = float | None | str  # a support score, None for the normal decision, NEVER for no route at all


def nlu_rows() -> list[dict[str, Any]]:
    """The dev set's tune half and the second source's tune half, as rows to parse."""
    dev = dev_halves(load_cases(DEFAULT_CASES))["tune"]
    cases = [("dev", case) for case in dev] + [("second", case) for case in load_cases(SECOND_TUNE)]
    return [{"source": source, "text": case.text, "expect": case.expect} for source, case in cases]


def document_set_rows(results: Path) -> list[dict[str, Any]]:
    """The tune halves of the four document sets, with the support `eval_knowledge.py` recorded for each."""
    outcomes = {
        (row["set"], row["id"]): row
        for row in json.loads(results.read_text())["rows"]
        if row["system"] == "ours" and row["split"] == "tune"
    }
    rows = []
    for name, document_set in SETS.items():
        for question in document_set.questions():
            outcome = outcomes.get((name, question.id))
            if outcome is not None:
                rows.append({
                    "source": f"set:{name}", "text": question.text,
                    "expect": "knowledge" if question.answerable else "unanswerable",
                    "support": outcome["support"], "correct": bool(outcome["correct"]),
                })  # fmt: skip
    return rows


def parse_all(rows: list[dict[str, Any]], port_base: int) -> Path:
    """Every row's NLU intent from the model in models/, served by a stack of its own; its knowledge folder."""
    with own_stack(MODEL, port_base) as (settings, url), httpx.Client(timeout=60) as client:
        params = {"token": settings.rasa_api_token}
        for row in rows:
            intent = client.post(f"{url}/model/parse", params=params, json={"text": row["text"]}).json()["intent"]
            row["predicted"], row["confidence"] = intent["name"], float(intent.get("confidence") or 0.0)
        return settings.knowledge_dir


def supports(rows: list[dict[str, Any]], knowledge_dir: Path) -> None:
    """The demo documents' support for every dev/second message the NLU did not place or called a policy question
    (an employee's audience)."""
    store = KnowledgeStore.open(knowledge_dir)
    retriever = Retriever.open(store, store.collections_for(employee=True))
    for row in rows:
        if (row["predicted"] in NOT_UNDERSTOOD or row["predicted"] == POLICY) and "support" not in row:
            result = answer(row["text"], retriever)
            support = result.support or Support(0.0, 1.0)
            row["support"] = [support.best_sentence, support.unknown_share]
            row["correct"] = True  # the dev set's policy questions have no answer key: answered counts


def clears(row: dict[str, Any], bar: Bar) -> bool:
    """Would a route with `bar` answer this row (None: the normal decision; NEVER: no route)."""
    if "support" not in row or bar == NEVER:
        return False
    support = Support(*row["support"])
    return supported(support) and (bar is None or support.score >= float(bar))


@dataclass(frozen=True)
class Route:
    """A bar for messages the NLU calls `nlu_fallback`, and one for those it calls `out_of_scope`."""

    fallback: Bar
    out_of_scope: Bar

    def answers(self, row: dict[str, Any]) -> bool:
        bars = {"nlu_fallback": self.fallback, "out_of_scope": self.out_of_scope}
        return row["predicted"] in bars and clears(row, bars[row["predicted"]])


def oos_answered(rows: list[dict[str, Any]], route: Route) -> float:
    """The share of out-of-scope cases the route answers from the documents (every one a false accept)."""
    oos = [row for row in rows if row["expect"] == "oos"]
    return sum(route.answers(row) for row in oos) / len(oos)


def policy_score(rows: list[dict[str, Any]], route: Route | UnsurePolicy) -> float:
    """Per source of policy questions: answerable ones answered correctly minus unanswerable ones answered
    (shares), averaged over the sources."""
    scores = []
    for source in sorted({row["source"] for row in rows if row["expect"] == "knowledge"}):
        answerable = [row for row in rows if row["source"] == source and row["expect"] == "knowledge"]
        unanswerable = [row for row in rows if row["source"] == source and row["expect"] == "unanswerable"]
        score = sum(route.answers(row) and row["correct"] for row in answerable) / len(answerable)
        if unanswerable:
            score -= sum(route.answers(row) for row in unanswerable) / len(unanswerable)
        scores.append(score)
    return sum(scores) / len(scores)


@dataclass(frozen=True)
class UnsurePolicy:
    """A policy question the NLU is less sure of than `confidence` must clear `bar` (None: the normal decision)."""

    confidence: float
    bar: float | None

    def answers(self, row: dict[str, Any]) -> bool:
        if row["predicted"] != POLICY:
            return False
        return clears(row, None if row["confidence"] >= self.confidence else self.bar)


def unsure_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [row for row in rows if row["predicted"] == POLICY]


def choose_unsure(rows: list[dict[str, Any]]) -> tuple[UnsurePolicy, int, int]:
    """The bar for policy questions the NLU is unsure of: of the pairs that cost no policy question answered
    today (the policy score of `policy_score` no lower), the one that answers the fewest out-of-scope cases;
    ties to the lower confidence, then the lower bar (the least change). Returns it, with how many out-of-scope
    cases it answers and how many today's (no such bar) answers."""
    placed = unsure_rows(rows)
    oos = [row for row in placed if row["expect"] == "oos"]
    today = UnsurePolicy(0.0, None)
    floor = round(policy_score(placed, today), 9)
    best: tuple[tuple[int, float, float], UnsurePolicy] | None = None
    for confidence in UNSURE_CONFIDENCES:
        for bar in BARS[1:]:
            route = UnsurePolicy(confidence, bar)
            if round(policy_score(placed, route), 9) < floor:
                continue
            key = (sum(route.answers(row) for row in oos), confidence, float(bar or 0.0))
            if best is None or key < best[0]:
                best = (key, route)
    chosen = best[1] if best else today
    return chosen, sum(chosen.answers(row) for row in oos), sum(today.answers(row) for row in oos)


def report(rows: list[dict[str, Any]], intent: str) -> None:
    """Per bar for one intent (the other route off): policy questions recovered, out-of-scope answered."""
    print(f"\nmessages the NLU calls {intent} (the other route off): policy score, out-of-scope answered")
    for bar in [*BARS, NEVER]:
        route = Route(bar, NEVER) if intent == "nlu_fallback" else Route(NEVER, bar)
        label = "normal" if bar is None else str(bar)
        print(f"{label:>8} {policy_score(rows, route):8.4f} {oos_answered(rows, route):8.4f}")


def choose(rows: list[dict[str, Any]]) -> tuple[Route, float, float]:
    """The rule above, over every pair of bars: (route, its policy score, its out-of-scope answered share)."""
    best: tuple[tuple[float, float], Route] | None = None
    for fallback in [*BARS, NEVER]:
        for out_of_scope in [*BARS, NEVER]:
            route = Route(fallback, out_of_scope)
            answered = oos_answered(rows, route)
            if answered <= OOS_BUDGET:
                key = (round(policy_score(rows, route), 9), -answered)
                if best is None or key >= best[0]:
                    best = (key, route)
    assert best is not None  # NEVER/NEVER answers no out-of-scope message
    return best[1], best[0][0], -best[0][1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port-base", type=int, default=9300)
    parser.add_argument("--knowledge-results", type=Path, default=KNOWLEDGE_TUNE)
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "eval" / "route-tune.json")
    parser.add_argument("--rows", type=Path, help="reuse the rows of an earlier run instead of parsing again")
    args = parser.parse_args(argv)
    if args.rows:
        rows = json.loads(args.rows.read_text())
    else:
        rows = nlu_rows() + document_set_rows(args.knowledge_results)
        supports(rows, parse_all(rows, args.port_base))
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows))
    counts = Counter((row["source"], row["expect"], row["predicted"] in NOT_UNDERSTOOD) for row in rows)
    print("tune rows (source, kind, not placed by the NLU): count")
    for key, count in sorted(counts.items()):
        print(f"  {key}: {count}")
    for intent in sorted(NOT_UNDERSTOOD):
        report(rows, intent)
    route, score, answered = choose(rows)
    today = Route(None, NEVER)
    print(
        f"\ntoday (fallback: normal decision, out of scope: never): policy score {policy_score(rows, today):.4f}, "
        f"out-of-scope answered {oos_answered(rows, today):.4f}"
    )
    print(
        f"chosen within {OOS_BUDGET} out-of-scope answered: fallback bar {route.fallback}, out-of-scope bar "
        f"{route.out_of_scope}: policy score {score:.4f}, out-of-scope answered {answered:.4f}"
    )
    unsure, answered_oos, answered_today = choose_unsure(rows)
    oos_cases = sum(row["expect"] == "oos" for row in rows)
    print(
        f"policy questions the NLU is unsure of: below confidence {unsure.confidence} they must clear {unsure.bar}; "
        f"out-of-scope cases read as policy questions and answered {answered_today} -> {answered_oos} "
        f"(of {oos_cases}), no policy question lost"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
