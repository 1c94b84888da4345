"""`make eval-nlu`: the NLU on real user phrasing from two sources, through the running stack.

    .venv/bin/python scripts/eval_nlu.py [--cases FILE] [--second FILE | --no-second] [--limit N] [--json OUT]

Sources: the dev set (nlu_dev: CLINC150's validation split, relabelled) and the test half of the
second source (scripts/data/nlu_second/test.jsonl: HWU64, relabelled; its tune half is the one
to look at when choosing data or thresholds). Each is measured and printed on its own.

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

- robustness: intent accuracy on the same `intent` cases with two kinds of seeded noise
  (`scripts/typos.py`): `typos` — lower case, no punctuation, a swap/drop/doubled letter in
  long words (the kind the spelling corrector undoes); `hurried` — made without regard to the
  corrector: keyboard-neighbour keys, dropped spaces, short words and texting forms, spellings
  by ear; and on them only made plain.
- policy questions the NLU itself calls `out_of_scope` or `nlu_fallback` (`knowledge_nlu_oos`)
  or a transactional intent, and out-of-scope cases that reached the documents
  (`oos_with_sources`): what a route from fallback to the documents would have to fix.

The same run measures the baseline — Rasa's default configuration (`rasa init`'s
config.yml) trained on our domain and data (`scripts/nlu_baseline.py`, cached per data
content) — served by a second Rasa server that uses the stack's action server, and
prints both side by side (`--no-baseline` skips it).
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from nlu_baseline import export_head, our_model, served, trained_model, training_note  # noqa: E402
from nlu_dev_halves import dev_halves  # noqa: E402
from typos import hurried, plain, with_typos  # noqa: E402

from assistant.identity import METADATA_TOKEN_KEY, issue_channel_token  # noqa: E402
from assistant.names import TRANSACTIONAL_INTENTS  # noqa: E402
from assistant.settings import Settings  # noqa: E402
from operations import stack, throwaway_stack  # noqa: E402
from operations.processes import MODEL  # noqa: E402

DEFAULT_CASES = ROOT.parent / "shared" / "data" / "nlu_dev" / "cases.jsonl"
SECOND_CASES = ROOT / "scripts" / "data" / "nlu_second" / "test.jsonl"
NOT_UNDERSTOOD = frozenset({"out_of_scope", "nlu_fallback"})
# Intents that start a flow on someone's records: an out-of-scope message must never get one.
TRANSACTIONAL = TRANSACTIONAL_INTENTS
TIMEOUT_S = 60.0
VAR_DIR = ROOT / "var" / "eval-nlu"
KNOWLEDGE_DIR = ROOT / "var" / "cache" / "eval-nlu-knowledge"
HEAD_EXPORT = ROOT / "var" / "eval" / "nlu-head"
# The dev set's test half (`nlu_dev_halves.py`), reported beside the whole: the route from "not understood"
# to the documents was tuned on the other half.
DEV_TEST_HALF = "dev (test half)"


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
        """A flow on someone's records would start: the server's own fallback threshold already applied."""
        return self.predicted in TRANSACTIONAL


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
    from backoffice.sql.engine import make_engine
    from demo.employees import demo_employees

    employee = demo_employees(make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s), limit=1)[0]
    token = issue_channel_token("employee", str(employee.employee_id), settings.identity_secret, name=employee.name)
    return {METADATA_TOKEN_KEY: token}


@dataclass(frozen=True)
class Server:
    """A Rasa server under measurement."""

    name: str
    url: str
    token: str | None = None


def _post(client: httpx.Client, url: str, **kwargs: Any) -> tuple[Any, float]:
    """(the JSON, ms of the answered request); on 429 (the stack's per-IP limit: every case comes from
    loopback) wait as long as `Retry-After` says and ask again, so the limit slows the run but changes
    no result and no latency."""
    while True:
        started = time.perf_counter()
        response = client.post(url, **kwargs)
        elapsed_ms = (time.perf_counter() - started) * 1000
        if response.status_code != 429:
            response.raise_for_status()
            return response.json(), elapsed_ms
        time.sleep(float(response.headers.get("Retry-After") or 1))


def ask(client: httpx.Client, server: Server, case: Case, metadata: dict[str, str], reply: bool = True) -> Outcome:
    params = {"token": server.token} if server.token else {}
    parsed, parse_ms = _post(client, f"{server.url}/model/parse", params=params, json={"text": case.text})
    intent = parsed.get("intent") or {}
    outcome = Outcome(case, str(intent.get("name")), float(intent.get("confidence") or 0.0), parse_ms)
    if reply and case.expect in ("oos", "knowledge"):
        body = {"sender": f"eval-{uuid.uuid4().hex}", "message": case.text, "metadata": metadata}
        replies, _ = _post(client, f"{server.url}/webhooks/rest/webhook", json=body)
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


def share(items: list[bool]) -> float:
    return sum(items) / len(items) if items else float("nan")


def metrics(
    outcomes: list[Outcome], typed: list[Outcome], rushed: list[Outcome], plain_cases: list[Outcome]
) -> dict[str, float]:
    """The issue's numbers for one server on one source."""
    intents = [o for o in outcomes if o.case.expect == "intent"]
    oos = [o for o in outcomes if o.case.expect == "oos"]
    knowledge = [o for o in outcomes if o.case.expect == "knowledge"]
    latencies = sorted(o.parse_ms for o in outcomes)
    return {
        "intent_accuracy": share([o.predicted == o.case.intent for o in intents]),
        "intent_accuracy_typos": share([o.predicted == o.case.intent for o in typed]),
        "intent_accuracy_hurried": share([o.predicted == o.case.intent for o in rushed]),
        "intent_accuracy_plain": share([o.predicted == o.case.intent for o in plain_cases]),
        "oos_false_accept": share([o.transactional or o.sources for o in oos]),
        "oos_transactional": share([o.transactional for o in oos]),
        "oos_with_sources": share([o.sources for o in oos]),
        "knowledge_answered": share([o.sources for o in knowledge]),
        "knowledge_nlu_oos": share([o.predicted in NOT_UNDERSTOOD for o in knowledge]),
        "knowledge_nlu_transactional": share([o.transactional for o in knowledge]),
        "parse_p50_ms": statistics.median(latencies) if latencies else float("nan"),
        "parse_p95_ms": latencies[int(0.95 * (len(latencies) - 1))] if latencies else float("nan"),
    }


def details(name: str, outcomes: list[Outcome]) -> None:
    """Per-intent precision/recall/F1, confusions and accepted out-of-scope cases of one server."""
    print(f"\n[{name}] {'intent':<22} {'prec':>6} {'recall':>6} {'F1':>6} {'n':>4}")
    for label, precision, recall, f1, support in per_intent(outcomes):
        print(f"{'':<{len(name) + 3}}{label:<22} {precision:6.2f} {recall:6.2f} {f1:6.2f} {support:4d}")
    confusions = Counter(
        (o.case.intent or o.case.expect, o.predicted)
        for o in outcomes
        if o.case.expect == "intent" and o.predicted != o.case.intent
    )
    print(f"[{name}] most frequent confusions (expected -> predicted):")
    for (expected, predicted), count in confusions.most_common(10):
        print(f"  {count:3d}  {expected} -> {predicted}")
    oos = [o for o in outcomes if o.case.expect == "oos"]
    accepted = Counter(o.predicted for o in oos if o.transactional)
    print(f"[{name}] out-of-scope cases given a transactional intent:", dict(accepted.most_common(8)))


def side_by_side(source: str, results: dict[str, dict[str, float]], counts: dict[str, int]) -> None:
    names = list(results)
    print(f"\nNLU on {source}: {sum(counts.values())} cases ({', '.join(f'{v} {k}' for k, v in counts.items())})")
    print(f"{'':<28}" + "".join(f"{name:>12}" for name in names))
    for metric in next(iter(results.values())):
        cells = "".join(
            f"{results[name][metric]:12.1f}" if metric.endswith("_ms") else f"{results[name][metric]:12.3f}"
            for name in names
        )
        print(f"{metric:<28}{cells}")


def measure(
    client: httpx.Client,
    server: Server,
    cases: list[Case],
    metadata: dict[str, str],
    replies: bool = True,
    parts: dict[str, set[str]] | None = None,
) -> tuple[list[Outcome], dict[str, dict[str, float]]]:
    """Every case through `server`, then the `intent` cases again with both kinds of noise and plain (parse only).

    The figures of all cases under the key "", and of each named part (a set of case texts) under its name."""
    outcomes = [ask(client, server, case, metadata, reply=replies) for case in cases]
    intent_cases = [case for case in cases if case.expect == "intent"]
    typed = [ask(client, server, Case(with_typos(c.text), c.expect, c.intent), metadata) for c in intent_cases]
    rushed = [ask(client, server, Case(hurried(c.text), c.expect, c.intent), metadata) for c in intent_cases]
    plain_cases = [ask(client, server, Case(plain(c.text), c.expect, c.intent), metadata) for c in intent_cases]
    measured = {"": metrics(outcomes, typed, rushed, plain_cases)}
    for name, texts in (parts or {}).items():

        def of_part(noisy: list[Outcome], texts: set[str] = texts) -> list[Outcome]:
            return [o for o, case in zip(noisy, intent_cases, strict=True) if case.text in texts]

        kept = [o for o in outcomes if o.case.text in texts]
        measured[name] = metrics(kept, of_part(typed), of_part(rushed), of_part(plain_cases))
    if not replies:
        for figures in measured.values():
            for name in ("oos_false_accept", "oos_with_sources", "knowledge_answered"):
                figures[name] = float("nan")
    return outcomes, measured


def measure_all(
    client: httpx.Client,
    ours: Server,
    sources: dict[str, list[Case]],
    metadata: dict[str, str],
    baseline_model: Path | None,
    baseline_port: int,
    action_server_url: str,
    baseline_replies: bool,
    loads: list[float],
    action_token: str | None = None,
    parts: dict[str, dict[str, set[str]]] | None = None,
) -> tuple[dict[str, dict[str, dict[str, float]]], dict[str, dict[str, list[Outcome]]]]:
    """Every source through our server, then through the baseline served on `baseline_port`.

    `parts` names parts of a source (its test half) whose figures are reported as sources of their own."""
    parts = parts or {}
    reported = [*sources, *(name for source in sources for name in parts.get(source, {}))]
    results: dict[str, dict[str, dict[str, float]]] = {name: {} for name in reported}
    per_case: dict[str, dict[str, list[Outcome]]] = {source: {} for source in sources}

    def run(server: Server, source: str, replies: bool) -> None:
        outcomes, measured = measure(client, server, sources[source], metadata, replies, parts.get(source))
        per_case[source][server.name] = outcomes
        for part, figures in measured.items():
            results[part or source][server.name] = figures
        loads.append(os.getloadavg()[0])

    for source, cases in sources.items():
        print(f"ours on {source} ({len(cases)} cases)…", file=sys.stderr, flush=True)
        run(ours, source, True)
    if baseline_model is not None:
        with served(baseline_model, baseline_port, action_server_url, action_token) as url:
            for source in sources:
                print(f"baseline on {source}…", file=sys.stderr, flush=True)
                run(Server("baseline", url), source, baseline_replies)
    return results, per_case


@contextlib.contextmanager
def own_stack(our_model_path: Path, port_base: int) -> Iterator[tuple[Settings, str]]:
    """A fresh stack of the evaluation's own (actions + Rasa with `our_model_path`): (settings, its Rasa URL)."""
    with throwaway_stack.environment(
        throwaway_stack.evaluation_settings(VAR_DIR, port_base, KNOWLEDGE_DIR), remove=throwaway_stack.FOREIGN_SETTINGS
    ) as settings:
        urls = (settings.rasa_url, settings.action_server_url)
        busy = [str(url) for url in urls if throwaway_stack.port_in_use(str(url))]
        if busy and VAR_DIR.exists():
            stack.down(settings)  # a run that was killed left its processes behind
            busy = [str(url) for url in urls if throwaway_stack.port_in_use(str(url))]
        if busy:
            sys.exit(f"Ports in use: {', '.join(busy)} (another eval-nlu run? --port-base)")
        print(
            f"Fresh stack in {VAR_DIR.relative_to(ROOT)} (seeding, indexing the documents, starting)…",
            file=sys.stderr,
            flush=True,
        )
        throwaway_stack.fresh_backoffice(settings, VAR_DIR, 2.0)
        throwaway_stack.ingest_company_documents(settings)
        running = throwaway_stack.RunningStack.of(settings)
        running.services.pop("api", None)  # the channels and actions are what is measured
        for name, service in running.services.items():  # the Rasa server and the NLU process that parses for it
            command = [str(our_model_path) if part == str(MODEL) else part for part in service.command]
            running.services[name] = dataclasses.replace(service, command=command)
        try:
            running.start_all()
            yield settings, str(settings.rasa_url)
        finally:
            running.stop_all()
            stack.down(settings)


def option_parser() -> argparse.ArgumentParser:
    """The command line: which cases, which models, which stack."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=Path, default=DEFAULT_CASES, help="the dev set")
    parser.add_argument("--second", type=Path, default=SECOND_CASES, help="the second source's test half")
    parser.add_argument("--no-second", action="store_true", help="only the dev set")
    parser.add_argument("--limit", type=int, help="only the first N cases of each kind, per source")
    parser.add_argument("--json", type=Path, help="also write the per-case outcomes here")
    parser.add_argument("--no-baseline", action="store_true", help="measure only our model")
    parser.add_argument(
        "--running",
        action="store_true",
        help="measure the stack `make up` started (its model, from the working tree) instead of a stack of the "
        "evaluation's own serving our model trained from the committed tree",
    )
    parser.add_argument("--port-base", type=int, default=17900, help="own stack: Rasa +5, actions +55")
    parser.add_argument("--baseline-port", type=int, default=17995)
    parser.add_argument(
        "--baseline-nlu-only",
        action="store_true",
        help="train the baseline's NLU only (faster); its reply-based figures are then not measured",
    )
    parser.add_argument(
        "--baseline-model",
        type=Path,
        help="serve this baseline model instead of the one trained for the committed data (it says so in the output)",
    )
    return parser


def models(args: argparse.Namespace, commit: str) -> tuple[Path | None, Path | None, dict[str, float], list[str]]:
    """Our model and the baseline's, trained for the committed data unless told otherwise (None: not measured),
    with their training times and a note on each for the report."""
    notes: list[str] = []
    training: dict[str, float] = {}
    data_root = export_head(HEAD_EXPORT)
    ours_path = None
    if not args.running:
        ours_path, training["ours"], _ = our_model(data_root)
        notes.append(f"ours: {ours_path.relative_to(ROOT)} from commit {commit} ({training_note(ours_path)})")
    baseline_path = None
    if not args.no_baseline:
        if args.baseline_model:
            baseline_path = args.baseline_model.resolve()
            notes.append(
                f"baseline: {baseline_path} (given with --baseline-model: trained on other data than the commit)"
            )
        else:
            baseline_path, training["baseline"], _ = trained_model(data_root, nlu_only=args.baseline_nlu_only)
            kind = (
                "NLU only, Rasa's default pipeline; no replies"
                if args.baseline_nlu_only
                else "Rasa's defaults, whole model"
            )
            shown = baseline_path.relative_to(ROOT)
            notes.append(f"baseline: {shown} from commit {commit}, {kind} ({training_note(baseline_path)})")
    return ours_path, baseline_path, training, notes


def write_outcomes(
    path: Path,
    sources: dict[str, list[Case]],
    per_case: dict[str, dict[str, list[Outcome]]],
    summary: dict[str, Any],
) -> None:
    """Every case's outcome per source and server, next to the figures (--json), for a look at single cases."""
    rows = {
        source: {
            name: [
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
            for name, outcomes in per_case[source].items()
        }
        for source in sources
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({**summary, "cases": rows}, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = option_parser()
    args = parser.parse_args(argv)
    stack.stop_on_sigterm()
    sources = {"dev": load_cases(args.cases)}
    if not args.no_second:
        sources["second"] = load_cases(args.second)
    if args.limit:
        sources = {name: first_of_each_kind(cases, args.limit) for name, cases in sources.items()}
    git = ["git", "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, cwd=ROOT, capture_output=True, text=True).stdout.strip()
    ours_path, baseline_path, training, notes = models(args, commit)
    for note in notes:
        print(note, file=sys.stderr, flush=True)
    started = time.strftime("%Y-%m-%d %H:%M")
    loads = [os.getloadavg()[0]]
    with contextlib.ExitStack() as scope:
        if args.running:
            settings = Settings()
            notes.append(f"ours: the running stack at {settings.rasa_url} (model trained from the working tree)")
        else:
            assert ours_path is not None
            settings, _ = scope.enter_context(own_stack(ours_path, args.port_base))
        metadata = employee_metadata(settings)
        client = scope.enter_context(httpx.Client(timeout=TIMEOUT_S))
        try:
            client.get(f"{settings.rasa_url}/", timeout=5).raise_for_status()
        except httpx.HTTPError:
            parser.error(f"no Rasa server at {settings.rasa_url}: start the stack with `make up` first")
        ours = Server("ours", settings.rasa_url, settings.rasa_api_token)
        test_half = {DEV_TEST_HALF: {case.text for case in dev_halves(load_cases(args.cases))["test"]}}
        results, per_case = measure_all(
            client, ours, sources, metadata, baseline_path, args.baseline_port, settings.action_server_url,
            not args.baseline_nlu_only, loads, settings.action_server_token, parts={"dev": test_half},
        )  # fmt: skip
    for source in results:
        for name, seconds in training.items():
            if name in results[source]:
                results[source][name]["training_s"] = seconds
    for source in sources:
        for name, outcomes in per_case[source].items():
            details(f"{source}/{name}", outcomes)
    counts = {source: dict(Counter(case.expect for case in cases)) for source, cases in sources.items()}
    print(f"\n{started}, load (1 min) {min(loads):.1f}-{max(loads):.1f} during the run")
    for note in notes:
        print(note)
    in_test_half = [case for case in sources["dev"] if case.text in test_half[DEV_TEST_HALF]]
    counts[DEV_TEST_HALF] = dict(Counter(case.expect for case in in_test_half))
    for source in results:
        side_by_side(source, results[source], counts[source])
    if args.json:
        summary = {"started": started, "load": [min(loads), max(loads)], "notes": notes, "metrics": results}
        write_outcomes(args.json, sources, per_case, {**summary, "counts": counts})
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
