"""How fast the analytics are on 100,000 conversations: the fold, and the dashboard's first load.

    .venv/bin/python scripts/bench_analytics.py [--conversations 100000] [--days 90] [--keep DIR]

In a temporary folder (never the development stores): a migrated back office and an
SQLite tracker store, filled with a generated history (demo.history: 100,000
conversations over 90 days, ~1.5 million Rasa events, their handoff tickets). Then:

1. the fold from scratch (`Aggregator.refresh`), with the redaction model loaded first
   and timed apart; the knowledge-gap vectors (MiniLM) of the unanswered questions;
2. an incremental refresh after 1,000 more conversations, and one with nothing new;
3. the dashboard's first load: the real API (uvicorn) started on those stores in a fresh
   process, and the three requests the page makes at once (overview, gaps, the first page
   of conversations) for the default 30 days and for all 90 — first in the new process
   ("first load"), then warm (median of 5) — and the CSV export of all conversations.

Prints a table and writes var/bench/analytics.json. Target: the first load ≤ 1 s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ADMIN_TOKEN = "bench-admin-token-0123456789"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def timed(call: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = call(*args, **kwargs)
    return result, time.perf_counter() - started


def page_load(client: httpx.Client, params: dict[str, str]) -> float:
    """The page's requests, sent at once as the page does (Promise.all); seconds until the last answer."""
    requests = [
        ("/api/analytics/overview", params),
        ("/api/analytics/gaps", params),
        ("/api/analytics/conversations", {**params, "limit": "25"}),
    ]
    started = time.perf_counter()
    with ThreadPoolExecutor(len(requests)) as pool:
        answers = list(pool.map(lambda r: client.get(r[0], params=r[1]), requests))
    elapsed = time.perf_counter() - started
    for answer in answers:
        answer.raise_for_status()
    return elapsed


def start_api(folder: Path, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "ASSISTANT_ENV": "test",
        "VAR_DIR": str(folder),
        "DATABASE_URL": f"sqlite:///{folder / 'backoffice.db'}",
        "TRACKER_STORE_URL": f"sqlite:///{folder / 'tracker.db'}",
        "ADMIN_TOKEN": ADMIN_TOKEN,
        # Test mode refuses the development placeholders: every secret named.
        "IDENTITY_SECRET": "bench-identity-secret-0123456789abcdef",
        "DEMO_PASSWORD": "bench-demo-password",
        "AGENT_TOKENS": "Alex:bench-agent-alex-0123456789",
        "HF_HUB_OFFLINE": "1",
        "API_RATE_LIMIT_PER_IP": "0",
    }
    log = (folder / "api.log").open("wb")
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=1).status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    process.terminate()
    raise RuntimeError(f"the API did not start: see {folder / 'api.log'}")


def fold_and_refresh(folder: Path, args: argparse.Namespace, results: dict[str, Any]) -> None:
    """Write the history, fold it, embed its questions, then refresh incrementally; timings into `results`."""
    from analytics.aggregate import Aggregator, redacted
    from analytics.gaps import embed_missing_questions
    from analytics.tracker import tracker_engine
    from backoffice.sql.engine import make_engine
    from demo.history import write_history
    from operations.schema import upgrade

    backoffice_url = f"sqlite:///{folder / 'backoffice.db'}"
    upgrade(backoffice_url)
    backoffice = make_engine(backoffice_url, 60.0)
    tracker = tracker_engine(f"sqlite:///{folder / 'tracker.db'}")
    end = datetime.now(UTC) - timedelta(hours=2)

    print(f"Writing {args.conversations:,} conversations over {args.days} days into {folder} …", flush=True)
    report, seconds = timed(
        write_history, tracker, backoffice, conversations=args.conversations, days=args.days, end=end,
        keep_truth=False,
    )  # fmt: skip
    results.update(events=report.events, tickets=report.tickets, generate_s=round(seconds, 1))
    print(f"  {report.events:,} events, {report.tickets:,} tickets in {seconds:.1f} s", flush=True)

    aggregator = Aggregator.for_engines(backoffice, tracker)
    _, seconds = timed(redacted, "warm up: my name is Ann, ann@example.com")
    results["redaction_model_load_s"] = round(seconds, 1)
    print("Folding everything (the first refresh) …", flush=True)
    fold, seconds = timed(aggregator.refresh)
    results.update(fold_s=round(seconds, 1), fold_events_per_s=round(fold.events_read / seconds))
    results["fold"] = fold.to_dict()
    print(f"  {fold.events_read:,} events read, {fold.conversations_new:,} conversations in {seconds:.1f} s")
    embedded, seconds = timed(embed_missing_questions, aggregator.sessions)
    results.update(embedded_questions=embedded, embed_s=round(seconds, 1))

    _, seconds = timed(
        write_history, tracker, backoffice, conversations=1000, days=1, seed=99, end=end + timedelta(hours=1),
        keep_truth=False,
    )  # fmt: skip
    incremental, seconds = timed(aggregator.refresh)
    results.update(incremental_1000_s=round(seconds, 2), incremental_events=incremental.events_read)
    _, seconds = timed(aggregator.refresh)
    results["refresh_nothing_new_ms"] = round(seconds * 1000, 1)
    backoffice.dispose()
    tracker.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--conversations", type=int, default=100_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--keep", type=Path, help="Use (and keep) this folder instead of a temporary one.")
    parser.add_argument(
        "--load-only", action="store_true", help="With --keep: measure the dashboard on the stores already there."
    )
    parser.add_argument("--json", type=Path, default=ROOT / "var" / "bench" / "analytics.json")
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")

    folder = args.keep or Path(tempfile.mkdtemp(prefix="bench-analytics-"))
    folder.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = {"conversations": args.conversations, "days": args.days, "cpus": os.cpu_count()}
    if args.load_only and (args.keep is None or not (folder / "tracker.db").exists()):
        parser.error("--load-only needs --keep DIR with a history in it")
    if args.load_only and args.json.exists():
        results = {**json.loads(args.json.read_text()), **results}
    try:
        if not args.load_only:
            fold_and_refresh(folder, args, results)

        today = datetime.now(UTC).date()
        ranges = {
            "30 days": {"start": (today - timedelta(days=29)).isoformat(), "end": today.isoformat()},
            f"{args.days} days": {
                "start": (today - timedelta(days=args.days - 1)).isoformat(),
                "end": today.isoformat(),
            },
        }
        loads: dict[str, Any] = {}
        for name, params in ranges.items():  # each range's first load in a fresh API process
            port = free_port()
            api = start_api(folder, port)
            try:
                headers = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
                with httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=120) as client:
                    first = page_load(client, params)
                    warm = [page_load(client, params) for _ in range(5)]
                    loads[name] = {"first_s": round(first, 3), "warm_median_s": round(statistics.median(warm), 3)}
                    if name == "30 days":
                        channel = {**params, "channel": "telegram"}
                        results["dashboard_load_one_channel_s"] = round(page_load(client, channel), 3)
                    else:
                        started = time.perf_counter()
                        export = client.get("/api/analytics/export/conversations.csv", params=params)
                        export.raise_for_status()
                        results["export_all_s"] = round(time.perf_counter() - started, 2)
                        results["export_rows"] = export.text.count("\n") - 1
            finally:
                api.terminate()
                api.wait(timeout=20)
        results["dashboard_load"] = loads
    finally:
        if args.keep is None:
            shutil.rmtree(folder, ignore_errors=True)

    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(results, indent=2))
    first30 = results["dashboard_load"]["30 days"]["first_s"]
    print()
    print(f"| analytics on {args.conversations:,} conversations ({results['events']:,} events, {args.days} days) | |")
    print("|---|---|")
    print(f"| generate the history | {results['generate_s']} s |")
    print(f"| fold everything (first refresh) | {results['fold_s']} s ({results['fold_events_per_s']:,} events/s) |")
    print(f"| redaction model load (once) | {results['redaction_model_load_s']} s |")
    print(f"| embed {results['embedded_questions']} distinct unanswered questions | {results['embed_s']} s |")
    print(f"| refresh after 1,000 more conversations | {results['incremental_1000_s']} s |")
    print(f"| refresh with nothing new | {results['refresh_nothing_new_ms']} ms |")
    for name, load in results["dashboard_load"].items():
        first, warm = load["first_s"], load["warm_median_s"]
        print(f"| dashboard first load, {name} (fresh API process) | {first} s (warm {warm} s) |")
    print(f"| dashboard load, 30 days, one channel | {results['dashboard_load_one_channel_s']} s |")
    print(f"| CSV export of all {results['export_rows']:,} conversations | {results['export_all_s']} s |")
    print(f"\nTarget: first load ≤ 1 s — {'met' if first30 <= 1.0 else 'NOT met'} ({first30} s). {args.json}")


if __name__ == "__main__":
    main()
