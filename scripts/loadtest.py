"""Load test: many concurrent conversations over the REST channel, then a check of every tracker.

Why both halves: throughput and latency say whether the stack keeps answering under
load; the tracker check says whether it kept every conversation intact while doing so
(a turn dropped or processed twice under contention is the failure that latency never
shows). Each conversation is one signed-in demo customer who greets, asks about their
own orders, asks policy questions answered from the company's documents and, in some
conversations, asks for a person. The handoff is always the conversation's last turn:
in business hours it pauses the conversation (what follows goes to an agent and gets
no bot reply) and outside them it opens a "leave a message" form, so any turn after it
would measure something else.

It drives a stack that is already up (`make up`; whatever is missing is started and
stopped again, as `make bench` does), loopback only, bounded by `--conversations`,
`--turns` and `--max-seconds`. The profile is the settings' (STACK_PROFILE; `make loadtest
PROFILE=scale` drives the scale-out one through nginx at RASA_URL); `--profile NAME --url
http://127.0.0.1:PORT` drives any other stack under a label. Results per profile go to
`var/loadtest/results.json`. The conversations and the record of a run are
scripts/loadtest_plan.py's; the tracker check is scripts/loadtest_check.py's.

    .venv/bin/python scripts/loadtest.py [--conversations 200] [--turns 10] [--concurrency N]
                                         [--max-seconds S] [--profile NAME] [--url URL]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import sys
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench.py and its parts, next to this file

from bench import customer_orders, our_stack
from bench_client import REQUEST_TIMEOUT_S, REST_PATH, Message, log, payload, percentile, reply_error, reply_json
from loadtest_check import ConversationCheck, check_trackers
from loadtest_plan import KINDS, TURN_KEY, Conversation, LoadRun, PlannedTurn, TurnResult, plan_conversations

from assistant.identity import METADATA_TOKEN_KEY
from assistant.settings import Settings

ROOT = Path(__file__).resolve().parents[1]


async def send_turn(client: httpx.AsyncClient, url: str, conversation: Conversation, turn: PlannedTurn) -> TurnResult:
    """One turn over the REST channel, timed from request to parsed reply."""
    metadata = {METADATA_TOKEN_KEY: conversation.token, TURN_KEY: turn.turn_id}
    message: Message = (turn.text, metadata, turn.expect)
    started = time.perf_counter()
    status: int | None = None
    texts: list[str] = []
    try:
        response = await client.post(url + REST_PATH, json=payload(conversation.sender, message))
        status = response.status_code
        body = reply_json(response)
        texts = [m.get("text") or "" for m in body if isinstance(m, dict)] if isinstance(body, list) else []
        error = reply_error(status, body, turn.expect) if turn.expects_reply else None
        if status != 200 and error is None:
            error = f"HTTP {status}"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    return TurnResult(turn, (time.perf_counter() - started) * 1000, status, [t for t in texts if t], error)


async def _drive(
    client: httpx.AsyncClient,
    url: str,
    conversation: Conversation,
    gate: asyncio.Semaphore,
    deadline: float,
    run: LoadRun,
) -> None:
    """One conversation's turns in order (a user waits for the reply before typing again)."""
    async with gate:
        results = run.results.setdefault(conversation.sender, [])
        for turn in conversation.turns:
            if time.perf_counter() > deadline:
                return
            results.append(await send_turn(client, url, conversation, turn))


async def _sample_load(run: LoadRun, every_s: float = 2.0, progress_every: int = 10) -> None:
    """The machine's load during the run (other work on it changes the numbers), and progress now and then."""
    ticks = 0
    while True:
        run.load_samples.append(os.getloadavg()[0])
        if ticks and ticks % progress_every == 0:
            done = sum(len(results) for results in run.results.values())
            log(f"  {done}/{run.planned_turns} turns, load average {run.load_samples[-1]:.1f}")
        ticks += 1
        await asyncio.sleep(every_s)


async def run_load(url: str, conversations: list[Conversation], concurrency: int, max_seconds: float) -> LoadRun:
    """All conversations, at most `concurrency` at once; no new turn starts after `max_seconds`."""
    run = LoadRun(planned_turns=sum(len(c.turns) for c in conversations))
    gate = asyncio.Semaphore(concurrency)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    sampler = asyncio.create_task(_sample_load(run))
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + max_seconds
        await asyncio.gather(*(_drive(client, url, c, gate, deadline, run) for c in conversations))
        run.wall_s = time.perf_counter() - started
    sampler.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await sampler
    return run


# ---------------------------------------------------------------- report


def latency_summary(results: list[TurnResult]) -> dict[str, Any]:
    """Counts and percentiles of the turns that got a good reply (failed turns are counted, not timed)."""
    ok = [r.latency_ms for r in results if r.error is None]
    return {
        "sent": len(results),
        "ok": len(ok),
        "errors": len(results) - len(ok),
        "p50_ms": percentile(ok, 50),
        "p95_ms": percentile(ok, 95),
        "p99_ms": percentile(ok, 99),
        "max_ms": max(ok) if ok else None,
    }


def check_summary(checks: list[ConversationCheck], unreadable: dict[str, str]) -> dict[str, Any]:
    """Totals of the tracker check, with a few turn ids of each problem to look up."""
    names = (
        "lost_turns",
        "duplicated_turns",
        "lost_replies",
        "duplicated_replies",
        "mismatched_replies",
        "unexpected_replies",
    )
    summary: dict[str, Any] = {
        "conversations_checked": len(checks),
        "conversations_clean": sum(c.clean for c in checks),
        "trackers_unreadable": len(unreadable),
        "unreadable_samples": dict(list(unreadable.items())[:3]),
    }
    for name in names:
        ids = [turn_id for c in checks for turn_id in getattr(c, name)]
        summary[name] = len(ids)
        summary[f"{name}_samples"] = ids[:5]
    return summary


def build_report(run: LoadRun, checks: list[ConversationCheck], unreadable: dict[str, str]) -> dict[str, Any]:
    """The numbers of one run: throughput, latency per kind, errors, and the tracker check."""
    every = [r for results in run.results.values() for r in results]
    ok = sum(r.error is None for r in every)
    errors = Counter(_error_kind(r.error) for r in every if r.error is not None)
    samples = [f"{r.turn.turn_id} {r.turn.text!r}: {r.error}" for r in every if r.error is not None][:5]
    return {
        "turns_planned": run.planned_turns,
        "turns_sent": len(every),
        "turns_ok": ok,
        "wall_s": run.wall_s,
        "throughput_turns_s": ok / run.wall_s if run.wall_s > 0 else None,
        "latency": {"all": latency_summary(every)}
        | {kind: latency_summary([r for r in every if r.turn.kind == kind]) for kind in KINDS},
        "errors": sum(errors.values()),
        "error_kinds": dict(errors),
        "error_samples": samples,
        "load_average_1m": {
            "mean": sum(run.load_samples) / len(run.load_samples) if run.load_samples else None,
            "max": max(run.load_samples, default=None),
        },
        "check": check_summary(checks, unreadable),
    }


def _error_kind(error: str) -> str:
    """Errors grouped for the report: 'HTTP 429', 'ReadTimeout', 'reply lacks …', 'empty reply'."""
    head = error.split(":", 1)[0]
    return "reply lacks the order number" if head.startswith("reply lacks") else head


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def print_report(report: dict[str, Any], profile: str, url: str) -> None:
    """A short table on stdout; the full numbers are in the JSON file."""
    print(f"\nLoad test, profile {profile!r} at {url}")
    throughput = report["throughput_turns_s"]
    print(
        f"turns: {report['turns_ok']} ok of {report['turns_sent']} sent ({report['turns_planned']} planned) "
        f"in {report['wall_s']:.1f}s = {throughput or 0:.1f} turns/s"
    )
    rows = [("kind", "sent", "ok", "errors", "p50 ms", "p95 ms", "p99 ms", "max ms")]
    for kind, s in report["latency"].items():
        rows.append(
            (
                kind,
                str(s["sent"]),
                str(s["ok"]),
                str(s["errors"]),
                _ms(s["p50_ms"]),
                _ms(s["p95_ms"]),
                _ms(s["p99_ms"]),
                _ms(s["max_ms"]),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths, strict=True))))
    print(f"errors: {report['errors']} {report['error_kinds'] or ''}")
    for sample in report["error_samples"]:
        print(f"  {sample}")
    check = report["check"]
    print(
        f"trackers: {check['conversations_clean']}/{check['conversations_checked']} clean, "
        f"{check['trackers_unreadable']} unreadable; lost turns {check['lost_turns']}, "
        f"duplicated turns {check['duplicated_turns']}, lost replies {check['lost_replies']}, "
        f"duplicated replies {check['duplicated_replies']}, mismatched replies {check['mismatched_replies']}, "
        f"unexpected replies {check['unexpected_replies']}"
    )
    load = report["load_average_1m"]
    if load["mean"] is not None:
        cpus = os.cpu_count()
        print(f"{cpus} CPUs; 1-minute load average during the run: mean {load['mean']:.1f}, max {load['max']:.1f}")


def failed(report: dict[str, Any]) -> bool:
    """Any error, unreadable tracker, or lost or duplicated turn or reply fails the run."""
    check = report["check"]
    problems = ("lost_turns", "duplicated_turns", "lost_replies", "duplicated_replies", "trackers_unreadable")
    return report["errors"] > 0 or any(check[name] for name in problems)


def write_results(path: Path, profile: str, document: dict[str, Any]) -> None:
    """Keep the latest run of each profile side by side (embedded now, scale-out later)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    existing: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        existing = json.loads(path.read_text())
    kept = existing.get("profiles")
    profiles: dict[str, Any] = kept if isinstance(kept, dict) else {}
    profiles[profile] = document
    path.write_text(json.dumps({"latest": profile, "profiles": profiles}, indent=2) + "\n")


# ---------------------------------------------------------------- main


@dataclass(frozen=True)
class Options:
    """Counts and bounds of one run, and which stack (profile) it drives."""

    conversations: int
    turns: int
    concurrency: int
    max_seconds: float
    handoff_every: int
    profile: str
    url: str | None
    customers: int
    seed: int
    out: Path | None


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=200, help="conversations (default 200)")
    parser.add_argument("--turns", type=int, default=10, help="turns per conversation (default 10)")
    parser.add_argument(
        "--concurrency", type=int, help="conversations at once (default: all of them, as the issue asks)"
    )
    parser.add_argument("--max-seconds", type=float, default=600.0, help="no new turn starts after this (default 600)")
    parser.add_argument(
        "--handoff-every", type=int, default=4, help="every Nth conversation ends with a handoff (0: none; default 4)"
    )
    parser.add_argument("--profile", help="label of the stack under test (default: STACK_PROFILE of the settings)")
    parser.add_argument("--url", help="the stack's Rasa base URL (default: RASA_URL from the settings)")
    parser.add_argument("--customers", type=int, default=20, help="demo customers the conversations take turns as")
    parser.add_argument("--seed", type=int, default=7, help="seed of the message mix")
    parser.add_argument("--out", type=Path, help="results file (default $VAR_DIR/loadtest/results.json)")
    args = parser.parse_args(argv)
    options = Options(
        conversations=args.conversations,
        turns=args.turns,
        concurrency=args.concurrency or args.conversations,
        max_seconds=args.max_seconds,
        handoff_every=args.handoff_every,
        profile=args.profile or Settings().stack_profile,
        url=args.url,
        customers=args.customers,
        seed=args.seed,
        out=args.out,
    )
    if min(options.conversations, options.turns, options.concurrency, options.customers) < 1:
        parser.error("--conversations, --turns, --concurrency and --customers must be positive")
    if options.max_seconds <= 0 or options.handoff_every < 0:
        parser.error("--max-seconds must be positive and --handoff-every not negative")
    if options.url is not None and not re.match(r"^http://(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$", options.url):
        parser.error("--url must be a loopback http://127.0.0.1:PORT (the load test never leaves the machine)")
    return options


@contextlib.contextmanager
def stack_for(settings: Settings, options: Options) -> Iterator[str]:
    """The embedded stack from the settings (started if missing, like `make bench`), or a given URL as it is."""
    if options.url is not None:
        yield options.url
        return
    with our_stack(settings):
        yield settings.rasa_url


async def warm_up(url: str, conversation: Conversation) -> None:
    """One untimed conversation first: the first knowledge question loads the embedding model."""
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client:
        for turn in conversation.turns:
            await send_turn(client, url, conversation, turn)


def main(argv: list[str] | None = None) -> int:
    os.chdir(ROOT)  # settings (.env) and var/ are relative to the repository root, as under `make`
    options = parse_options(argv)
    settings = Settings()
    run_id = uuid.uuid4().hex[:8]  # fresh senders: no tracker from an earlier run is reused
    if options.url is None and settings.channel_rate_limit_per_ip:
        log(
            f"NOTE: CHANNEL_RATE_LIMIT_PER_IP={settings.channel_rate_limit_per_ip} in these settings. Every turn "
            "comes from 127.0.0.1, so a stack started with it answers 429 past that many turns a minute; "
            "start it with CHANNEL_RATE_LIMIT_PER_IP=0 to measure the engine rather than the limiter."
        )
    customers = customer_orders(settings, options.customers)
    conversations = plan_conversations(
        run_id,
        options.conversations,
        options.turns,
        customers,
        settings.identity_secret,
        options.handoff_every,
        options.seed,
    )
    kinds = Counter(t.kind for c in conversations for t in c.turns)
    # The settings' own stack on PostgreSQL (the scale-out profile): check what the store holds.
    on_postgres = settings.tracker_db_url.startswith("postgresql")
    store = settings.tracker_db_url if options.url is None and on_postgres else None
    with stack_for(settings, options) as url:
        load_before = os.getloadavg()
        log(f"Warming up at {url} …")
        warm = plan_conversations(f"{run_id}-warm", 1, 4, customers, settings.identity_secret, 0, options.seed)[0]
        asyncio.run(warm_up(url, warm))
        log(
            f"{options.conversations} conversations × {options.turns} turns ({dict(kinds)}), "
            f"{options.concurrency} at once, at most {options.max_seconds:.0f}s; load average {load_before[0]:.1f} …"
        )
        run = asyncio.run(run_load(url, conversations, options.concurrency, options.max_seconds))
        log(f"Sent {sum(len(r) for r in run.results.values())} turns in {run.wall_s:.1f}s; checking the trackers …")
        checks, unreadable = asyncio.run(check_trackers(url, run, settings.rasa_api_token, store))
        load_after = os.getloadavg()
    report = build_report(run, checks, unreadable)
    print_report(report, options.profile, url)
    path = options.out or settings.var_dir / "loadtest" / "results.json"
    document = {
        "profile": options.profile,
        "url": url,
        "run_id": run_id,
        "finished_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "options": {**asdict(options), "out": str(path)},
        "tracker_source": "tracker store (PostgreSQL)" if store else "Rasa HTTP API",
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "load_average_after": load_after,
        **report,
    }
    write_results(path, options.profile, document)
    print(f"Results written to {path}")
    return 1 if failed(report) else 0


if __name__ == "__main__":
    sys.exit(main())
