"""`make eval-nlu`: the NLU on real user phrasing (nlu_dev), through the running stack.

    .venv/bin/python scripts/eval_nlu.py [--cases FILE] [--limit N] [--json OUT]

Needs the stack up (`make up`). Every case goes to the Rasa server twice, as a user
would meet it: `/model/parse` for the intent, and the REST channel for the reply
(as a signed-in demo employee, the intranet chat: HR intents need an employee, and
it is the stricter test for out-of-scope — an employee can be answered from more
documents). Printed:

- intent accuracy on `intent` cases (a fallback counts as wrong), per-intent
  precision / recall / F1 over all cases, the most frequent confusions;
- out-of-scope false accepts: `oos` cases that got a transactional intent (at or
  above the fallback threshold) or a reply with `sources`;
- knowledge answered: `knowledge` cases whose reply carries `sources`;
- `/model/parse` latency p50 / p95.

(The issue's baseline — Rasa's default configuration trained on our data — and the
typo robustness figure are not in this script yet.)
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from assistant.identity import METADATA_TOKEN_KEY, issue_channel_token  # noqa: E402
from assistant.settings import Settings  # noqa: E402

DEFAULT_CASES = ROOT.parent / "shared" / "data" / "nlu_dev" / "cases.jsonl"
# Intents that start a flow on someone's records: an out-of-scope message must never get one.
TRANSACTIONAL = frozenset(
    {
        "order_status",
        "order_cancel",
        "order_return",
        "invoice_balance",
        "invoice_due",
        "invoice_pay",
        "leave_balance",
        "leave_request",
        "leave_request_status",
        "leave_used",
        "leave_cancel",
        "payday",
    }
)
FALLBACK_THRESHOLD = 0.7  # config.yml FallbackClassifier
TIMEOUT_S = 60.0


@dataclass(frozen=True)
class Case:
    text: str
    expect: str  # "intent", "oos" or "knowledge"
    intent: str | None


@dataclass
class Outcome:
    case: Case
    predicted: str
    confidence: float
    parse_ms: float
    sources: bool = False
    replies: list[str] = field(default_factory=list)

    @property
    def transactional(self) -> bool:
        return self.predicted in TRANSACTIONAL and self.confidence >= FALLBACK_THRESHOLD


def load_cases(path: Path) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            cases.append(Case(row["text"], row["expect"], row.get("intent")))
    return cases


def first_of_each_kind(cases: list[Case], limit: int) -> list[Case]:
    """The first `limit` cases of each kind (intent, oos, knowledge), in file order."""
    seen: Counter[str] = Counter()
    kept = []
    for case in cases:
        seen[case.expect] += 1
        if seen[case.expect] <= limit:
            kept.append(case)
    return kept


def employee_metadata(settings: Settings) -> dict[str, str]:
    """A signed-in demo employee, as the intranet chat sends them."""
    from backoffice.hr_demo import demo_employees
    from backoffice.sql.engine import make_engine

    employee = demo_employees(make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s), limit=1)[0]
    token = issue_channel_token("employee", str(employee.employee_id), settings.identity_secret, name=employee.name)
    return {METADATA_TOKEN_KEY: token}


def ask(client: httpx.Client, settings: Settings, case: Case, metadata: dict[str, str]) -> Outcome:
    params = {"token": settings.rasa_api_token} if settings.rasa_api_token else {}
    started = time.perf_counter()
    parsed = client.post(f"{settings.rasa_url}/model/parse", params=params, json={"text": case.text}).json()
    parse_ms = (time.perf_counter() - started) * 1000
    intent = parsed.get("intent") or {}
    outcome = Outcome(case, str(intent.get("name")), float(intent.get("confidence") or 0.0), parse_ms)
    if case.expect in ("oos", "knowledge"):
        body = {"sender": f"eval-{uuid.uuid4().hex}", "message": case.text, "metadata": metadata}
        replies = client.post(f"{settings.rasa_url}/webhooks/rest/webhook", json=body).json()
        outcome.replies = [str(r.get("text") or "") for r in replies]
        outcome.sources = any(isinstance(r.get("custom"), dict) and r["custom"].get("sources") for r in replies)
    return outcome


def per_intent(outcomes: list[Outcome]) -> list[tuple[str, float, float, float, int]]:
    """(intent, precision, recall, F1, support) for every intent the `intent` cases expect."""
    rows = []
    labels = sorted({o.case.intent for o in outcomes if o.case.expect == "intent" and o.case.intent})
    for label in labels:
        predicted = [o for o in outcomes if o.predicted == label]
        expected = [o for o in outcomes if o.case.intent == label]
        hits = sum(o.case.intent == label for o in predicted)
        precision = hits / len(predicted) if predicted else 0.0
        recall = hits / len(expected) if expected else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        rows.append((label, precision, recall, f1, len(expected)))
    return rows


def report(outcomes: list[Outcome]) -> dict[str, Any]:
    intents = [o for o in outcomes if o.case.expect == "intent"]
    oos = [o for o in outcomes if o.case.expect == "oos"]
    knowledge = [o for o in outcomes if o.case.expect == "knowledge"]
    latencies = sorted(o.parse_ms for o in outcomes)

    def share(items: list[bool]) -> float:
        return sum(items) / len(items) if items else float("nan")

    metrics = {
        "intent_accuracy": share(
            [o.predicted == o.case.intent and o.confidence >= FALLBACK_THRESHOLD for o in intents]
        ),
        "oos_false_accept": share([o.transactional or o.sources for o in oos]),
        "oos_transactional": share([o.transactional for o in oos]),
        "oos_with_sources": share([o.sources for o in oos]),
        "knowledge_answered": share([o.sources for o in knowledge]),
        "parse_p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "parse_p95_ms": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }
    counts = {"intent": len(intents), "oos": len(oos), "knowledge": len(knowledge)}
    print(f"\nNLU: {sum(counts.values())} cases ({', '.join(f'{v} {k}' for k, v in counts.items())})")
    for name, value in metrics.items():
        print(f"{name:<20} {value:8.3f}" if not name.endswith("_ms") else f"{name:<20} {value:8.1f}")
    print(f"\n{'intent':<22} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>4}")
    for label, precision, recall, f1, support in per_intent(outcomes):
        print(f"{label:<22} {precision:6.2f} {recall:6.2f} {f1:6.2f} {support:4d}")
    confusions = Counter(
        (o.case.intent or o.case.expect, o.predicted)
        for o in outcomes
        if o.case.expect == "intent" and o.predicted != o.case.intent
    )
    print("\nmost frequent confusions (expected -> predicted):")
    for (expected, predicted), count in confusions.most_common(10):
        print(f"  {count:3d}  {expected} -> {predicted}")
    accepted = Counter(o.predicted for o in oos if o.transactional)
    print("\nout-of-scope cases given a transactional intent:", dict(accepted.most_common(8)))
    return {"metrics": metrics, "counts": counts}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES)
    parser.add_argument("--limit", type=int, help="only the first N cases of each kind")
    parser.add_argument("--json", type=Path, help="also write the per-case outcomes here")
    args = parser.parse_args(argv)
    settings = Settings()
    cases = load_cases(args.cases)
    if args.limit:
        cases = first_of_each_kind(cases, args.limit)
    metadata = employee_metadata(settings)
    with httpx.Client(timeout=TIMEOUT_S) as client:
        try:
            client.get(f"{settings.rasa_url}/", timeout=5).raise_for_status()
        except httpx.HTTPError:
            parser.error(f"no Rasa server at {settings.rasa_url}: start the stack with `make up` first")
        outcomes = [ask(client, settings, case, metadata) for case in cases]
    summary = report(outcomes)
    if args.json:
        rows = [
            {
                "text": o.case.text,
                "expect": o.case.expect,
                "intent": o.case.intent,
                "predicted": o.predicted,
                "confidence": round(o.confidence, 4),
                "sources": o.sources,
                "replies": o.replies,
            }
            for o in outcomes
        ]
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({**summary, "cases": rows}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
