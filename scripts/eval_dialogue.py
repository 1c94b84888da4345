"""`make eval-dialogue`: the conversation test set (tests/conversations/) against a fresh stack.

    .venv/bin/python scripts/eval_dialogue.py [--split tune|test|all] [--only ID ...] [--json OUT]
        [--no-stories] [--set DIR]

`--set DIR` runs another folder of conversations in the same format (tests/conversations/README.md)
the same way — a fresh set written by someone who has not seen the assistant, for example; with
no `splits.yml` beside them its conversations are reported as one block ("all conversations").

Why a stack of its own: conversations cancel orders, create returns and file leave, so they
need a back office that starts as seeded and is put back after every conversation that
changed it (`dialogue_set.restore` from a snapshot taken right after seeding), and ports
and a `var/eval-dialogue/` folder no other stack uses. It is started by the same
supervisor as `make run` (`operations.throwaway_stack`, shared with the e2e suite).

Every conversation is talked through over the REST channel (signed channel tokens for
signed-in personas) and judged by `dialogue_set.run_conversation`. Out-of-hours
conversations (`handoff_hours: closed`) run last, after the action server is restarted with
the default hours in a time zone where they are closed now.
Printed: success per kind and overall for the test and tune halves, the unwanted actions,
the failing conversations with their first failed check; then, in the same run, the test
stories (`python -m engine test core`, what `make test-stories` runs).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from dialogue_report import format_report, summary  # noqa: E402
from dialogue_set import (  # noqa: E402
    SET_DIR,
    Conversation,
    Result,
    SetError,
    load_set,
    persona_metadata,
    read_calendar,
    rest_poster,
    restore,
    run_conversation,
    save_snapshot,
    snapshot,
    trail,
)

from analytics.tracker import TrackerEvents  # noqa: E402
from operations import stack, throwaway_stack  # noqa: E402
from operations.processes import MODEL, RASA_PYTHON  # noqa: E402

VAR_DIR = ROOT / "var" / "eval-dialogue"
KNOWLEDGE_DIR = ROOT / "var" / "cache" / "eval-dialogue-knowledge"
BACKOFFICE_TIMEOUT_S = 2.0
OFFICE_HOURS = "mon-fri 08:00-18:00"  # the default HANDOFF_HOURS, for out-of-hours conversations
REMOVED = throwaway_stack.FOREIGN_SETTINGS


def environment(port_base: int, identity_secret: str) -> dict[str, str]:
    """The evaluation stack's settings (`throwaway_stack.evaluation_settings`) with this run's identity
    secret (the judge signs the personas' tokens with it) and the back office's time-out."""
    return {
        **throwaway_stack.evaluation_settings(VAR_DIR, port_base, KNOWLEDGE_DIR),
        "IDENTITY_SECRET": identity_secret,
        "BACKOFFICE_TIMEOUT_S": str(BACKOFFICE_TIMEOUT_S),
    }


def closed_timezone(hours: str = OFFICE_HOURS, margin: timedelta = timedelta(hours=3)) -> str:
    """A time zone in which `hours` are closed now and for the next `margin` (somewhere it is night),
    so out-of-hours conversations meet real hours, worded as people will see them."""
    from assistant.hours import parse_hours

    now = datetime.now(UTC)
    for offset in range(-12, 15):
        zone = f"Etc/GMT{-offset:+d}" if offset else "Etc/GMT"  # Etc/GMT-5 is UTC+5
        business = parse_hours(hours, zone)
        if not any(
            business.is_open(now + timedelta(minutes=m)) for m in range(0, int(margin.total_seconds() // 60), 10)
        ):
            return zone
    raise RuntimeError(f"no time zone where {hours!r} stays closed for {margin}")


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "?"


def run_stories(out_dir: Path) -> dict[str, Any]:
    """The test stories on the trained model, as `make test-stories` runs them."""
    command = [
        str(RASA_PYTHON), "-m", "engine", "test", "core", "--model", str(MODEL),
        "--stories", "tests/stories", "--fail-on-prediction-errors", "--out", str(out_dir),
    ]  # fmt: skip
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "HF_HUB_OFFLINE": "1"}
    started = time.monotonic()
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    failed = out_dir / "failed_test_stories.yml"
    failed_text = failed.read_text() if failed.exists() else ""
    failed_count = failed_text.count("- story:")
    return {
        "passed": done.returncode == 0,
        "returncode": done.returncode,
        "failed_stories": failed_count,
        "seconds": round(time.monotonic() - started, 1),
        "tail": "\n".join((done.stdout + done.stderr).strip().splitlines()[-5:]),
    }


def run_set(conversations: list[Conversation], running: throwaway_stack.RunningStack, secret: str) -> list[Result]:
    """Each conversation in turn; the back office restored after any that changed it."""
    from backoffice.sql.engine import make_engine

    settings = running.settings
    engine = make_engine(settings.backoffice_db_url, BACKOFFICE_TIMEOUT_S)
    database = VAR_DIR / "backoffice.db"
    seeded_copy = VAR_DIR / "backoffice-seeded.db"
    save_snapshot(database, seeded_copy)
    seeded = snapshot(engine)
    calendar = read_calendar(engine)
    post = rest_poster(str(settings.rasa_url))
    tracker = TrackerEvents.from_url(settings.tracker_db_url)  # where a failed conversation's trail is read
    results: list[Result] = []
    hours = "always"
    ordered = sorted(conversations, key=lambda c: c.handoff_hours != "always")
    for number, conversation in enumerate(ordered, start=1):
        if conversation.handoff_hours != hours:
            hours = conversation.handoff_hours
            zone = closed_timezone()
            print(f"-- restarting the action server: HANDOFF_HOURS={OFFICE_HOURS} in {zone} (closed now)", flush=True)
            service = running.service_with_env("actions", HANDOFF_HOURS=OFFICE_HOURS, HANDOFF_TIMEZONE=zone)
            running.replace("actions", service)
        try:
            metadata = persona_metadata(conversation.persona, secret)
            result = run_conversation(conversation, post, metadata, engine, calendar)
        except Exception as error:  # one broken conversation must not end the run: it is reported as failed
            result = Result(conversation, "-", error=f"{type(error).__name__}: {error}")
        if not result.ok and result.sender != "-":
            result.trail = trail(list(tracker.conversation_events(result.sender, 0, None)))
        results.append(result)
        verdict = "ok" if result.ok else ("UNWANTED" if result.unwanted else "fail")
        print(f"[{number:>3}/{len(ordered)}] {verdict:<8} {conversation.id}", flush=True)
        if snapshot(engine) != seeded:
            restore(database, seeded_copy)
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--split", choices=("tune", "test", "all"), default="all")
    parser.add_argument("--only", action="append", default=[], help="run only this conversation id (repeatable)")
    parser.add_argument("--json", type=Path, help="write every conversation's checks and transcript here")
    parser.add_argument("--port-base", type=int, default=17100, help="Rasa +5, actions +55, API +80")
    parser.add_argument("--no-stories", action="store_true", help="skip the test stories")
    parser.add_argument("--set", type=Path, default=SET_DIR, help="a folder of conversations (default: %(default)s)")
    args = parser.parse_args()
    stack.stop_on_sigterm()

    try:
        conversations = load_set(args.set, args.set / "splits.yml")
    except (OSError, SetError, KeyError, TypeError, yaml.YAMLError) as error:
        parser.error(f"cannot read the conversations in {args.set}: {error}")
    if not conversations:
        parser.error(f"no conversations in {args.set} (*.yml files in the format of {SET_DIR / 'README.md'})")
    if args.split != "all":
        conversations = [c for c in conversations if c.split == args.split]
    if args.only:
        unknown = set(args.only) - {c.id for c in conversations}
        if unknown:
            parser.error(f"no such conversation(s): {sorted(unknown)}")
        conversations = [c for c in conversations if c.id in args.only]
    if not MODEL.exists():
        sys.exit(f"No trained model at {MODEL}: run `make train` first.")
    stale = throwaway_stack.newer_than_model()
    if stale:
        print(f"warning: {MODEL.name} is older than {', '.join(stale[:3])}; run `make train`.", flush=True)

    secret = secrets.token_urlsafe(32)
    env = environment(args.port_base, secret)
    started_at = datetime.now(UTC)
    load_before = load_average()
    with throwaway_stack.environment(env, remove=REMOVED) as settings:
        urls = (settings.rasa_url, settings.action_server_url, settings.public_url)
        busy = [str(url) for url in urls if throwaway_stack.port_in_use(str(url))]
        if busy and VAR_DIR.exists():
            stack.down(settings)  # a run that was killed left its processes behind
            busy = [str(url) for url in urls if throwaway_stack.port_in_use(str(url))]
        if busy:
            sys.exit(f"Ports in use: {', '.join(busy)} (another eval-dialogue run? --port-base)")
        print(f"Fresh stack in {VAR_DIR.relative_to(ROOT)} (seeding, indexing the documents, starting)…", flush=True)
        throwaway_stack.fresh_backoffice(settings, VAR_DIR, BACKOFFICE_TIMEOUT_S)
        throwaway_stack.ingest_company_documents(settings)
        running = throwaway_stack.RunningStack.of(settings)
        try:
            running.start_all()
            print(f"{len(conversations)} conversations…", flush=True)
            results = run_set(conversations, running, secret)
        finally:
            running.stop_all()
            stack.down(settings)
    load_after = load_average()

    print(format_report(results))
    stories: dict[str, Any] | None = None
    if args.no_stories:
        print("\ntest stories: skipped (run `make test-stories`)")
    else:
        print("\ntest stories (python -m engine test core --stories tests/stories)…", flush=True)
        stories = run_stories(VAR_DIR / "stories")
        verdict = "pass" if stories["passed"] else f"FAIL ({stories['failed_stories']} failed stories)"
        print(f"test stories: {verdict} in {stories['seconds']} s")
        if not stories["passed"]:
            print(stories["tail"])
    print(f"\nload average before/after: {load_before} / {load_after}; started {started_at:%Y-%m-%d %H:%M} UTC")

    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        report = {
            "started_at": started_at.isoformat(),
            "load_average": {"before": load_before, "after": load_after},
            "model_mtime": datetime.fromtimestamp(MODEL.stat().st_mtime, UTC).isoformat(),
            "summary": summary(results),
            "stories": stories,
            "results": [result.to_dict() for result in results],
        }
        args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False))
        print(f"details: {args.json}")


if __name__ == "__main__":
    main()
