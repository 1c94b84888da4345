"""Latency and throughput of our assistant, next to Rasa's own starter bot on the same machine.

Why a baseline: absolute numbers depend on the machine, so the targets are set
relative to what the plain Rasa engine does here (its `rasa init` bot served the
same way). Both bots are driven over their REST channel, loopback only, with
bounded counts and a time budget per phase, so `make bench` always ends. One timed
message is scripts/bench_client.py's; the starter bot is scripts/bench_starter.py's.

    .venv/bin/python scripts/bench.py [--requests N] [--concurrency C] [--turns T]
                                      [--phase-seconds S] [--skip-baseline] [--quick] [--patched-starter]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import httpx
from bench_client import REQUEST_TIMEOUT_S, Message, log, percentile, send_async, send_sync
from bench_processes import wait_until_idle
from bench_starter import ensure_starter, starter_server
from sqlalchemy import select

from assistant.identity import METADATA_TOKEN_KEY, issue_channel_token
from assistant.settings import Settings
from backoffice.errors import BackofficeUnavailable
from backoffice.sql.engine import make_engine, session_factory
from backoffice.sql.hr_models import EmployeeRow
from backoffice.sql.models import OrderRow
from demo.accounts import demo_accounts
from operations import stack

ROOT = Path(__file__).resolve().parents[1]
TARGET_P95_MS = 100.0
TARGET_THROUGHPUT_RATIO = 0.8  # against stock `rasa run`
TARGET_SAME_ENGINE_RATIO = 1.0  # against the starter bot served by our patched engine (the headline)
PATCHED_STARTER = "starter greeting (patched engine)"
STOCK_STARTER = "starter greeting (stock rasa run)"
WARMUP = 10
TURNS_PER_SEQ_SENDER = 10  # a fresh conversation every 10 messages, so trackers stay realistic in size

# Builds the message for (conversation index, turn index within it).
MessageMaker = Callable[[int, int], Message]


@dataclass(frozen=True)
class Options:
    """Counts and budgets of one run; `--quick` shrinks them for a smoke run."""

    requests: int
    concurrency: int
    turns: int
    skip_baseline: bool
    phase_budget_s: float
    patched_starter: bool = False


@dataclass(frozen=True)
class Scenario:
    """One bot and one kind of message, driven in both phases."""

    name: str
    url: str
    make: MessageMaker


@dataclass
class Phase:
    """Latencies and errors of one phase; the budget may cut it short, so `sent` is kept."""

    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    sent: int = 0
    wall_s: float = 0.0
    error_samples: list[str] = field(default_factory=list)

    def record(self, latency_ms: float, error: str | None) -> None:
        self.sent += 1
        if error is None:
            self.latencies_ms.append(latency_ms)
            return
        self.errors += 1
        if len(self.error_samples) < 3:
            self.error_samples.append(error)

    def summary(self) -> dict[str, Any]:
        ok = len(self.latencies_ms)
        return {
            "sent": self.sent,
            "ok": ok,
            "errors": self.errors,
            "p50_ms": percentile(self.latencies_ms, 50),
            "p95_ms": percentile(self.latencies_ms, 95),
            "mean_ms": sum(self.latencies_ms) / ok if ok else None,
            "wall_s": self.wall_s,
            "throughput_msg_s": ok / self.wall_s if self.wall_s > 0 else None,
            "error_samples": self.error_samples,
        }


# ---------------------------------------------------------------- the two phases


def run_sequential(scenario: Scenario, requests: int, run_id: str, budget_s: float) -> Phase:
    """One message at a time after a warm-up: the latency a single user sees on an idle server."""
    phase = Phase()
    prefix = f"bench-{run_id}-{scenario.name}-seq"
    with httpx.Client(timeout=REQUEST_TIMEOUT_S) as client:
        for i in range(WARMUP):
            send_sync(client, scenario.url, f"{prefix}-warm", scenario.make(10_000, i))
        started = time.perf_counter()
        for i in range(requests):
            if time.perf_counter() - started > budget_s:
                log(f"  {scenario.name}: sequential budget of {budget_s:.0f}s reached after {i} requests")
                break
            conversation, turn = divmod(i, TURNS_PER_SEQ_SENDER)
            latency, error = send_sync(
                client, scenario.url, f"{prefix}-{conversation}", scenario.make(conversation, turn)
            )
            phase.record(latency, error)
        phase.wall_s = time.perf_counter() - started
    return phase


async def _conversation(
    client: httpx.AsyncClient, scenario: Scenario, index: int, turns: int, sender: str, deadline: float, phase: Phase
) -> None:
    for turn in range(turns):
        if time.perf_counter() > deadline:
            return
        latency, error = await send_async(client, scenario.url, sender, scenario.make(index, turn))
        phase.record(latency, error)


async def _run_concurrent(scenario: Scenario, concurrency: int, turns: int, run_id: str, budget_s: float) -> Phase:
    phase = Phase()
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S, limits=limits) as client:
        started = time.perf_counter()
        deadline = started + budget_s
        await asyncio.gather(
            *(
                _conversation(client, scenario, i, turns, f"bench-{run_id}-{scenario.name}-conc-{i}", deadline, phase)
                for i in range(concurrency)
            )
        )
        phase.wall_s = time.perf_counter() - started
    return phase


def run_concurrent(scenario: Scenario, concurrency: int, turns: int, run_id: str, budget_s: float) -> Phase:
    """`concurrency` conversations at once, each `turns` messages in order: a busy server's throughput."""
    return asyncio.run(_run_concurrent(scenario, concurrency, turns, run_id, budget_s))


def run_scenario(scenario: Scenario, options: Options, run_id: str) -> dict[str, Any]:
    log(f"- {scenario.name}: {options.requests} sequential requests …")
    sequential = run_sequential(scenario, options.requests, run_id, options.phase_budget_s)
    log(f"- {scenario.name}: {options.concurrency} concurrent conversations × {options.turns} turns …")
    concurrent = run_concurrent(scenario, options.concurrency, options.turns, run_id, options.phase_budget_s)
    for label, phase in (("sequential", sequential), ("concurrent", concurrent)):
        for sample in phase.error_samples:
            log(f"  {scenario.name} {label} error: {sample}")
    return {"url": scenario.url, "sequential": sequential.summary(), "concurrent": concurrent.summary()}


# ---------------------------------------------------------------- scenarios


def greeting() -> MessageMaker:
    """Small talk: the engine's own cost (NLU + policies + tracker store), no action server involved."""
    return lambda _conversation, _turn: ("hello there", {}, None)


def customer_orders(settings: Settings, customers: int = 20) -> list[tuple[int, list[str]]]:
    """(customer id, their order numbers) from the demo accounts, so every question is about one's own order."""
    sessions = session_factory(make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s))
    try:
        accounts = demo_accounts(sessions, limit=customers)
        pairs = [(a.customer_id, sorted(set(a.orders.values()))) for a in accounts]
    except BackofficeUnavailable as exc:
        # demo_accounts also reads invoices; an out-of-date schema there must not stop an orders benchmark.
        cause = str(exc.__cause__ or exc).splitlines()[0]
        log(f"WARNING: demo_accounts failed ({cause}); reading customers' orders directly")
        pairs = _orders_directly(sessions, customers)
    pairs = [(customer, numbers) for customer, numbers in pairs if numbers]
    if not pairs:
        raise SystemExit("No demo customer with orders in the back office; run `make seed` first.")
    return pairs


def _orders_directly(sessions: Any, customers: int) -> list[tuple[int, list[str]]]:
    with sessions() as session:
        rows = session.execute(select(OrderRow.customer_id, OrderRow.number).order_by(OrderRow.customer_id)).all()
    by_customer: dict[int, list[str]] = {}
    for customer_id, number in rows:
        if customer_id in by_customer or len(by_customer) < customers:
            by_customer.setdefault(customer_id, []).append(number)
    return list(by_customer.items())


def order_status(settings: Settings, pairs: list[tuple[int, list[str]]]) -> MessageMaker:
    """A logged-in customer (channel token) asking about one of their orders; the reply must name it."""
    tokens = {
        customer: issue_channel_token("customer", str(customer), settings.identity_secret) for customer, _ in pairs
    }

    def make(conversation: int, turn: int) -> Message:
        customer, numbers = pairs[conversation % len(pairs)]
        number = numbers[turn % len(numbers)]
        return f"where is my order {number}", {METADATA_TOKEN_KEY: tokens[customer]}, number

    return make


def leave_balance(settings: Settings, employee_ids: list[int]) -> MessageMaker:
    """An employee signed in on the intranet (channel token) asking for their leave balance."""
    tokens = {e: issue_channel_token("employee", str(e), settings.identity_secret) for e in employee_ids}

    def make(conversation: int, _turn: int) -> Message:
        employee = employee_ids[conversation % len(employee_ids)]
        return "how many vacation days do I have left", {METADATA_TOKEN_KEY: tokens[employee]}, "left of"

    return make


def employees(settings: Settings, count: int = 20) -> list[int]:
    """Employee ids from the back office (any employee can ask for their own balance)."""
    sessions = session_factory(make_engine(settings.backoffice_db_url, settings.backoffice_timeout_s))
    with sessions() as session:
        ids = list(session.scalars(select(EmployeeRow.id).order_by(EmployeeRow.id).limit(count)))
    if not ids:
        raise SystemExit("No employees in the back office; run `make seed` first.")
    return ids


# ---------------------------------------------------------------- our stack


def healthy_services(settings: Settings) -> set[str]:
    return {s.name for s in stack.services(settings) if stack.is_healthy(s.health_url)}


@contextmanager
def our_stack(settings: Settings) -> Iterator[None]:
    """Use the running stack; start whatever is missing and stop only that afterwards."""
    already = healthy_services(settings)
    names = {s.name for s in stack.services(settings)}
    if already == names:
        log(f"Our stack is already up at {settings.rasa_url}; using it (its own rate limits: a 429 is an error).")
        yield
        return
    log(f"Starting our stack ({', '.join(sorted(names - already))}) …")
    try:
        stack.up(settings)
        wait_until_idle(list(stack.recorded_pids(settings).values()))
        yield
    finally:
        _stop_started(settings, names - already, all_started=not already)


def _stop_started(settings: Settings, started: set[str], all_started: bool) -> None:
    """`stack.down` when we started everything; else only our services, never one someone else runs."""
    log("Stopping what the benchmark started …")
    if all_started:
        stack.down(settings)
        return
    pids = stack.recorded_pids(settings)
    stack.stop_pids(pids[name] for name in started if name in pids)
    for name in started:
        (settings.var_dir / "run" / f"{name}.pid").unlink(missing_ok=True)


# ---------------------------------------------------------------- report


def _ms(value: float | None) -> str:
    return "—" if value is None else f"{value:.0f}"


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def table(results: dict[str, dict[str, Any]]) -> str:
    header = ("scenario", "seq p50", "seq p95", "seq mean", "conc p50", "conc p95", "msg/s", "errors")
    rows = [header]
    for name, result in results.items():
        seq, conc = result["sequential"], result["concurrent"]
        rows.append(
            (
                name,
                _ms(seq["p50_ms"]),
                _ms(seq["p95_ms"]),
                _ms(seq["mean_ms"]),
                _ms(conc["p50_ms"]),
                _ms(conc["p95_ms"]),
                _rate(conc["throughput_msg_s"]),
                f"{seq['errors'] + conc['errors']}/{seq['sent'] + conc['sent']}",
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = [
        "  ".join(_cell(i, cell, width) for i, (cell, width) in enumerate(zip(row, widths, strict=True)))
        for row in rows
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def _cell(column: int, text: str, width: int) -> str:
    return text.ljust(width) if column == 0 else text.rjust(width)


def ratios(results: dict[str, dict[str, Any]]) -> dict[str, float | None]:
    """The numbers the targets are stated in."""

    def throughput(name: str) -> float | None:
        return results.get(name, {}).get("concurrent", {}).get("throughput_msg_s")

    def ratio(a: float | None, b: float | None) -> float | None:
        return a / b if a is not None and b else None

    def p95(name: str) -> float | None:
        return results.get(name, {}).get("sequential", {}).get("p95_ms")

    numbers: dict[str, float | None] = {
        "order_status_seq_p95_ms": p95("ours order-status"),
        "leave_balance_seq_p95_ms": p95("ours leave-balance"),
    }
    for baseline, prefix in ((PATCHED_STARTER, "same_engine_"), (STOCK_STARTER, "stock_")):
        for label in ("greeting", "order_status", "leave_balance"):
            ours = throughput(f"ours {label.replace('_', '-')}")
            numbers[f"{prefix}{label}_throughput_ratio"] = ratio(ours, throughput(baseline))
    return numbers


def verdict(value: float | None, ok: bool) -> str:
    return "n/a" if value is None else ("MET" if ok else "NOT MET")


def report(results: dict[str, dict[str, Any]], options: Options) -> dict[str, float | None]:
    numbers = ratios(results)
    c = options.concurrency
    print()
    print(f"Latency in ms; throughput = successful replies/s over the concurrent phase ({c} conversations).")
    print(f"errors = failed/sent; a phase stops early after {options.phase_budget_s:.0f}s, so sent may be lower.")
    print(table(results))
    print()
    for label, key in (("order-status", "order_status"), ("leave-balance", "leave_balance")):
        p95 = numbers[f"{key}_seq_p95_ms"]
        p95_ok = p95 is not None and p95 <= TARGET_P95_MS
        print(f"{label} p95 sequential = {_ms(p95)} ms (target ≤ {TARGET_P95_MS:.0f} ms): {verdict(p95, p95_ok)}")
    for prefix, baseline, target in (
        ("same_engine_", PATCHED_STARTER, TARGET_SAME_ENGINE_RATIO),
        ("stock_", STOCK_STARTER, TARGET_THROUGHPUT_RATIO),
    ):
        for label in ("greeting", "order-status", "leave-balance"):
            value = numbers[f"{prefix}{label.replace('-', '_')}_throughput_ratio"]
            met = value is not None and value >= target
            print(
                f"throughput at {c} concurrent: ours {label} / {baseline} = {_ratio(value)} "
                f"(target ≥ {target}): {verdict(value, met)}"
            )
    return numbers


def _ratio(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


# ---------------------------------------------------------------- main


def parse_options(argv: list[str] | None = None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, help="sequential requests per scenario (default 200; quick 20)")
    parser.add_argument("--concurrency", type=int, help="concurrent conversations (default 32; quick 8)")
    parser.add_argument("--turns", type=int, help="messages per concurrent conversation (default 10; quick 3)")
    parser.add_argument("--skip-baseline", action="store_true", help="do not create or run Rasa's starter bot")
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument(
        "--patched-starter",
        action="store_true",
        help="the starter bot through our patched engine only (the headline comparison), without stock `rasa run`",
    )
    parser.add_argument(
        "--phase-seconds", type=float, help="time budget of one phase; it stops early past it (default 60; quick 30)"
    )
    args = parser.parse_args(argv)
    # Six phases of at most 60 s keep a default run near six minutes even on a loaded machine.
    defaults = (20, 8, 3, 30.0) if args.quick else (200, 32, 10, 60.0)
    options = Options(
        requests=args.requests if args.requests is not None else defaults[0],
        concurrency=args.concurrency if args.concurrency is not None else defaults[1],
        turns=args.turns if args.turns is not None else defaults[2],
        skip_baseline=args.skip_baseline,
        phase_budget_s=args.phase_seconds if args.phase_seconds is not None else defaults[3],
        patched_starter=args.patched_starter,
    )
    if min(options.requests, options.concurrency, options.turns) < 1 or options.phase_budget_s <= 0:
        parser.error("--requests, --concurrency, --turns and --phase-seconds must be positive")
    return options


def bench_ours(settings: Settings, options: Options, run_id: str) -> dict[str, dict[str, Any]]:
    pairs = customer_orders(settings)
    log(f"Order-status conversations use {len(pairs)} demo customers and their own orders.")
    results: dict[str, dict[str, Any]] = {}
    with our_stack(settings):
        for scenario in (
            Scenario("ours greeting", settings.rasa_url, greeting()),
            Scenario("ours order-status", settings.rasa_url, order_status(settings, pairs)),
            Scenario("ours leave-balance", settings.rasa_url, leave_balance(settings, employees(settings))),
        ):
            results[scenario.name] = run_scenario(scenario, options, run_id)
    return results


def bench_starter(bench_dir: Path, options: Options, run_id: str) -> dict[str, dict[str, Any]]:
    """Rasa's starter bot served by our patched engine (the same engine as ours: the headline) and, unless
    `--patched-starter`, by stock `rasa run` beside it."""
    starter_dir = bench_dir / "starter"
    ensure_starter(starter_dir)
    results: dict[str, dict[str, Any]] = {}
    for name, patched in ((PATCHED_STARTER, True), (STOCK_STARTER, False)):
        if not patched and options.patched_starter:
            continue
        with starter_server(starter_dir, bench_dir / "starter-rasa.log", patched) as url:
            scenario = Scenario(name, url, greeting())
            results[name] = run_scenario(scenario, options, run_id)
    return results


def main(argv: list[str] | None = None) -> None:
    # Settings (.env) and var/ are relative to the repository root, as under `make`.
    os.chdir(ROOT)
    options = parse_options(argv)
    stack.stop_on_sigterm()
    # Every bench request comes from 127.0.0.1: the channels' per-IP and per-sender limits (600 and 60 a
    # minute) would answer 429 within a phase. The stack the bench starts runs without them; a stack
    # already up keeps its own settings (the warning below says so).
    os.environ.setdefault("CHANNEL_RATE_LIMIT_PER_IP", "0")
    os.environ.setdefault("CHANNEL_RATE_LIMIT_PER_SENDER", "0")
    settings = Settings()
    bench_dir = settings.var_dir / "bench"
    bench_dir.mkdir(parents=True, exist_ok=True)
    run_id = uuid.uuid4().hex[:8]  # fresh senders, so no tracker from an earlier run is reused
    started = time.perf_counter()
    load_before = os.getloadavg()
    results = bench_ours(settings, options, run_id)
    if not options.skip_baseline:
        results.update(bench_starter(bench_dir, options, run_id))
    numbers = report(results, options)
    load = ", ".join(f"{x:.1f}" for x in load_before)
    print(f"\n{os.cpu_count()} CPUs, load average before the run: {load}; total {time.perf_counter() - started:.0f}s")
    document = {
        "run_id": run_id,
        "options": asdict(options),
        "cpus": os.cpu_count(),
        "load_average_before": load_before,
        "results": results,
        "targets": {
            "order_status_seq_p95_ms_max": TARGET_P95_MS,
            "same_engine_throughput_ratio_min": TARGET_SAME_ENGINE_RATIO,
            "stock_throughput_ratio_min": TARGET_THROUGHPUT_RATIO,
        },
        **numbers,
    }
    (bench_dir / "results.json").write_text(json.dumps(document, indent=2) + "\n")
    print(f"Results written to {bench_dir / 'results.json'}")


if __name__ == "__main__":
    main()
