"""Faults on the scale-out profile (STACK_PROFILE=scale, operations/scale.py): two Rasa servers and
two action servers behind nginx, PostgreSQL tracker store and back office, Redis lock store, a
Chroma server.

- One action server and one Rasa server are SIGKILLed during a bounded load (30 signed-in
  customers × 6 turns through nginx, scripts/loadtest.py's conversations and tracker check):
  the other servers keep serving, every conversation's last turn is answered, and every turn a
  client was answered for is in its tracker once, with the reply it was given (nothing lost,
  nothing doubled); the turns that failed while a server died are counted and reported.
- The same message delivered at once to the two Rasa servers for one conversation: the Redis
  lock store makes one wait for the other (both turns complete in the tracker, in order).

The profile is started by the scale suite's `running_scale_stack` (tests/support/scale_stack.py) on this
module's ports, with the Chroma server's data copied from an index already built where there is one.
"""

from __future__ import annotations

import asyncio
import shutil
import sys
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from assistant.identity import METADATA_TOKEN_KEY
from tests.support.e2e_config import E2E_KNOWLEDGE_DIR, PORT_OFFSET, ROOT
from tests.support.fault_stack import CHROMA_DATA, run_duplicates
from tests.support.rest import RestConversation, tracker_turns
from tests.support.scale_stack import ScaleStack, running_scale_stack

sys.path.insert(0, str(ROOT / "scripts"))
import loadtest

pytestmark = pytest.mark.e2e

# Ports from here (tests/support/scale_stack.py's layout: +5, +55, +80, +100…+122); its own suite uses 25500.
PORT_BASE = 25700 + PORT_OFFSET
CONVERSATIONS = 30
TURNS = 6
KILL_ACTIONS_AT = 0.25  # share of the planned turns answered when an action server is killed
KILL_RASA_AT = 0.45  # ... and a Rasa server
MAX_SECONDS = 420.0


@pytest.fixture(scope="module")
def scale_stack() -> Iterator[ScaleStack]:
    """The scale profile as its own suite starts it, on this module's ports; the documents already indexed."""
    knowledge = ROOT / "var" / "cache" / f"scale-knowledge-{PORT_BASE}" / "chroma"
    server_data = knowledge.with_name("chroma-server")
    for indexed in (CHROMA_DATA, E2E_KNOWLEDGE_DIR):  # an index already built: ingestion only checks hashes
        if not server_data.exists() and (indexed / "chroma.sqlite3").exists():
            shutil.copytree(indexed, server_data)
    with running_scale_stack(PORT_BASE) as running:
        yield running


def rasa_urls(scale_stack: ScaleStack) -> list[str]:
    return [f"http://127.0.0.1:{port}" for port in scale_stack.ports.rasa]


# -- the same message twice at once, on two Rasa servers ------------------------------------------


def test_the_same_message_on_two_rasa_servers_at_once_is_serialised_by_redis(scale_stack: ScaleStack) -> None:
    talk = RestConversation(scale_stack.settings.rasa_url)
    first, second = rasa_urls(scale_stack)[:2]
    try:
        overlapped, slowest = run_duplicates([first, second], talk, "do you ship to Canada?")
    finally:
        stored = [event.get("text") for event in scale_stack.tracker_events(talk.sender) if event["event"] == "user"]
        print(f"user events in the tracker store (PostgreSQL): {len(stored)}")
    assert len(stored) == 6, stored
    assert overlapped >= 1, "the two deliveries were in flight at the same time"
    history = tracker_turns(talk.tracker_events())
    assert [text for text, _, _ in history] == ["do you ship to Canada?"] * 6, history
    print(f"duplicates across two Rasa servers: {overlapped} of 3 rounds overlapped, slowest {slowest:.1f}s")


# -- servers killed under load --------------------------------------------------------------------


async def _load_with_kills(scale_stack: ScaleStack, conversations: list[Any]) -> tuple[Any, dict[str, float]]:
    """The load through nginx; kill actions-1 and rasa-1 once enough turns were answered."""
    url = scale_stack.settings.rasa_url
    run = loadtest.LoadRun(planned_turns=sum(len(c.turns) for c in conversations))
    killed: dict[str, float] = {}
    gate = asyncio.Semaphore(len(conversations))
    started = time.perf_counter()
    deadline = started + MAX_SECONDS

    def answered() -> int:
        return sum(len(results) for results in run.results.values())

    async def killer() -> None:
        for name, share in (("actions-1", KILL_ACTIONS_AT), ("rasa-1", KILL_RASA_AT)):
            while answered() < share * run.planned_turns and time.perf_counter() < deadline:
                await asyncio.sleep(0.05)
            await asyncio.to_thread(scale_stack.kill, name)
            killed[name] = time.perf_counter() - started

    limits = httpx.Limits(max_connections=len(conversations), max_keepalive_connections=len(conversations))
    async with httpx.AsyncClient(timeout=loadtest.REQUEST_TIMEOUT_S, limits=limits) as client:
        await asyncio.gather(killer(), *(loadtest._drive(client, url, c, gate, deadline, run) for c in conversations))
    run.wall_s = time.perf_counter() - started
    return run, killed


def served_again(rasa_url: str, conversation: Any) -> bool:
    """One more message in `conversation` (its customer's token) gets a reply from the servers left."""
    metadata = {METADATA_TOKEN_KEY: conversation.token}
    body = {"sender": conversation.sender, "message": "hello", "metadata": metadata}
    response = httpx.post(f"{rasa_url}/webhooks/rest/webhook", json=body, timeout=90)
    return response.status_code == 200 and any(m.get("text") for m in response.json())


def test_killing_an_action_server_and_a_rasa_server_under_load_loses_no_conversation(
    scale_stack: ScaleStack,
) -> None:
    settings = scale_stack.settings
    customers = loadtest.customer_orders(settings, 10)
    run_id = f"faults{int(time.time())}"
    conversations = loadtest.plan_conversations(
        run_id, CONVERSATIONS, TURNS, customers, settings.identity_secret, handoff_every=0
    )
    run, killed = asyncio.run(_load_with_kills(scale_stack, conversations))
    checks, unreadable = asyncio.run(loadtest.check_trackers(settings.rasa_url, run, settings.rasa_api_token))
    report = loadtest.build_report(run, checks, unreadable)
    check = report["check"]
    print(
        f"\nscale faults: killed {', '.join(f'{n} at {t:.1f}s' for n, t in killed.items())}; "
        f"{report['turns_sent']} turns in {run.wall_s:.1f}s, {report['turns_ok']} ok, errors {report['errors']} "
        f"{report['error_kinds']} {report['error_samples'][:3]}; lost turns {check['lost_turns']}, duplicated "
        f"{check['duplicated_turns']}, lost replies {check['lost_replies']}, duplicated replies "
        f"{check['duplicated_replies']}, unreadable {check['trackers_unreadable']}"
    )

    assert set(killed) == {"actions-1", "rasa-1"}, "both servers were killed during the load"
    assert report["turns_sent"] == CONVERSATIONS * TURNS, "no conversation gave up"
    assert check["conversations_checked"] == CONVERSATIONS and check["trackers_unreadable"] == 0, check
    for name in ("lost_turns", "duplicated_turns", "lost_replies", "duplicated_replies"):
        assert check[name] == 0, (name, check[f"{name}_samples"])
    # A turn in flight on a server as it died may fail (reported above); never more than were in flight.
    assert report["errors"] <= 2 * CONVERSATIONS, report["error_samples"]
    # Every user turn in every tracker has its reply, except turns the client was told failed.
    failed = {result.turn.turn_id for results in run.results.values() for result in results if result.error}
    unanswered = unanswered_turns(settings.rasa_url, [c.sender for c in conversations], str(settings.rasa_api_token))
    print(f"turns stored without a bot reply: {len(unanswered)} {sorted(unanswered)[:5]}")
    assert unanswered <= failed, sorted(unanswered - failed)
    # The other servers keep serving every conversation. A conversation whose last turn was in flight
    # on a killed server, or waited on the dead server's lock ticket (60 s), ends on an error; it is
    # still served: one more message, once the ticket's lifetime is over, gets its reply.
    by_sender = {c.sender: c for c in conversations}
    stopped = [sender for sender, results in run.results.items() if results[-1].error is not None]
    served = [served_again(settings.rasa_url, by_sender[sender]) for sender in stopped]
    assert all(served), [
        (sender, run.results[sender][-1].error) for sender, ok in zip(stopped, served, strict=True) if not ok
    ]


def unanswered_turns(url: str, senders: list[str], token: str) -> set[str]:
    """The load test's turn ids whose user event in the tracker is followed by no bot utterance."""
    found: set[str] = set()
    for sender in senders:
        params = {"include_events": "ALL", "token": token}
        response = httpx.get(f"{url}/conversations/{sender}/tracker", params=params, timeout=60)
        events = response.json()["events"]
        turn_id: str | None = None
        replied = True
        for event in [*events, {"event": "user", "metadata": {}}]:
            if event.get("event") == "user":
                if turn_id is not None and not replied:
                    found.add(turn_id)
                turn_id = (event.get("metadata") or {}).get(loadtest.TURN_KEY)
                replied = False
            elif event.get("event") == "bot" and event.get("text"):
                replied = True
    return found
