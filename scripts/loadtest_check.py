"""The tracker check of a load test: every acknowledged turn once in its conversation's tracker, with its reply once.

A turn dropped or processed twice under contention is the failure that latency never
shows. The trackers are read from the tracker store itself when it is PostgreSQL (what
every Rasa server wrote, not what one of them says), else through Rasa's HTTP API.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass, field
from typing import Any

import httpx
from bench_client import REQUEST_TIMEOUT_S, reply_json
from loadtest_plan import TURN_KEY, LoadRun, TurnResult

TRACKER_FETCH_CONCURRENCY = 8
TRACKER_FETCH_ATTEMPTS = 4


@dataclass
class ConversationCheck:
    """What one conversation's tracker says about its turns, compared with what was sent.

    - lost_turns: acknowledged (HTTP 200) turns with no user event in the tracker;
    - duplicated_turns: turns with more than one user event;
    - lost_replies: turns that should have a reply and got one over HTTP, but whose bot
      events are missing (none at all, or fewer texts than the channel returned);
    - duplicated_replies: turns whose bot events hold the reply more than once;
    - mismatched_replies: bot events that differ from what the channel returned in another
      way (expected only with REDACT_TRACKER, which masks the stored texts);
    - unexpected_replies: bot events after a turn that should have had none (paused).
    """

    sender: str
    lost_turns: list[str] = field(default_factory=list)
    duplicated_turns: list[str] = field(default_factory=list)
    lost_replies: list[str] = field(default_factory=list)
    duplicated_replies: list[str] = field(default_factory=list)
    mismatched_replies: list[str] = field(default_factory=list)
    unexpected_replies: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not any(
            (
                self.lost_turns,
                self.duplicated_turns,
                self.lost_replies,
                self.duplicated_replies,
                self.mismatched_replies,
                self.unexpected_replies,
            )
        )


def _squash(texts: list[str]) -> str:
    """Texts without whitespace: the REST channel splits a reply at blank lines, the tracker keeps it whole."""
    return re.sub(r"\s+", "", "".join(texts))


def bot_texts_by_turn(events: list[dict[str, Any]]) -> dict[str, list[list[str]]]:
    """For each marked user event (by turn id, in order), the texts of the bot events up to the next user event."""
    by_turn: dict[str, list[list[str]]] = {}
    current: list[str] | None = None
    for event in events:
        kind = event.get("event")
        if kind == "user":
            metadata = event.get("metadata") or {}
            turn_id = metadata.get(TURN_KEY) if isinstance(metadata, dict) else None
            current = None  # an unmarked user event (not ours) ends the previous turn's replies
            if turn_id is not None:
                current = []
                by_turn.setdefault(str(turn_id), []).append(current)
        elif kind == "bot" and current is not None:
            text = event.get("text")
            if text:
                current.append(str(text))
    return by_turn


def check_conversation(sender: str, sent: list[TurnResult], events: list[dict[str, Any]]) -> ConversationCheck:
    """Every sent turn exactly once in the tracker, with the reply the channel returned, once."""
    check = ConversationCheck(sender)
    found = bot_texts_by_turn(events)
    for result in sent:
        turn_id = result.turn.turn_id
        occurrences = found.get(turn_id, [])
        if len(occurrences) > 1:
            check.duplicated_turns.append(turn_id)
            continue  # its replies are doubled as well: one finding, not two
        if not occurrences:
            if result.acknowledged:
                check.lost_turns.append(turn_id)
            continue  # a turn that failed over HTTP may or may not have reached the server
        stored = occurrences[0]
        if not result.turn.expects_reply:
            if stored:
                check.unexpected_replies.append(turn_id)
            continue
        if not result.acknowledged:
            continue  # its reply is unknown: nothing to compare with
        returned, kept = _squash(result.reply_texts), _squash(stored)
        if kept == returned:
            continue
        if not kept or (returned and kept in returned):
            check.lost_replies.append(turn_id)
        elif returned and kept.count(returned) >= 2 and not kept.replace(returned, ""):
            check.duplicated_replies.append(turn_id)
        else:
            check.mismatched_replies.append(turn_id)
    return check


async def fetch_tracker(
    client: httpx.AsyncClient, url: str, sender: str, token: str | None
) -> list[dict[str, Any]] | str:
    """The conversation's events through Rasa's HTTP API (all sessions), or why they could not be read.

    429 is retried after its Retry-After (capped): the per-IP limit also covers this API.
    """
    params = {"include_events": "ALL", **({"token": token} if token else {})}
    problem = "not tried"
    for _ in range(TRACKER_FETCH_ATTEMPTS):
        try:
            response = await client.get(f"{url}/conversations/{sender}/tracker", params=params)
        except httpx.HTTPError as exc:
            problem = f"{type(exc).__name__}: {exc}"
            await asyncio.sleep(1.0)
            continue
        if response.status_code == 429:
            problem = "HTTP 429"
            await asyncio.sleep(min(float(response.headers.get("Retry-After", "1") or 1), 10.0))
            continue
        if response.status_code != 200:
            return f"HTTP {response.status_code}: {response.text[:120]}"
        events = (reply_json(response) or {}).get("events")
        return events if isinstance(events, list) else "no events in the tracker"
    return problem


def fetch_tracker_from_store(tracker_db_url: str, senders: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Every sender's events straight from Rasa's SQL tracker store (its `events` table), in order.

    Each row's `data` is the event as Rasa serialises it, so this is what the HTTP API returns
    with `include_events=ALL`, without asking any Rasa server.
    """
    from sqlalchemy import bindparam, text

    from analytics.tracker import tracker_engine  # Rasa's postgresql:// URL, opened with the app's driver

    found: dict[str, list[dict[str, Any]]] = {sender: [] for sender in senders}
    query = text("SELECT sender_id, data FROM events WHERE sender_id IN :senders ORDER BY id").bindparams(
        bindparam("senders", expanding=True)
    )
    with tracker_engine(tracker_db_url).connect() as connection:
        for start in range(0, len(senders), 200):
            for sender, data in connection.execute(query, {"senders": senders[start : start + 200]}):
                found[sender].append(json.loads(data))
    return found


async def check_trackers(
    url: str, run: LoadRun, token: str | None, tracker_db_url: str | None = None
) -> tuple[list[ConversationCheck], dict[str, str]]:
    """Check every conversation that sent at least one turn: from the store, or a few trackers at a time."""
    gate = asyncio.Semaphore(TRACKER_FETCH_CONCURRENCY)
    checks: list[ConversationCheck] = []
    unreadable: dict[str, str] = {}
    if tracker_db_url is not None:
        sent_by = {sender: sent for sender, sent in run.results.items() if sent}
        stored = await asyncio.to_thread(fetch_tracker_from_store, tracker_db_url, list(sent_by))
        for sender, sent in sent_by.items():
            if stored[sender]:
                checks.append(check_conversation(sender, sent, stored[sender]))
            else:
                unreadable[sender] = "no events in the tracker store"
        return checks, unreadable

    async def one(client: httpx.AsyncClient, sender: str, sent: list[TurnResult]) -> None:
        async with gate:
            events = await fetch_tracker(client, url, sender, token)
        if isinstance(events, str):
            unreadable[sender] = events
            return
        checks.append(check_conversation(sender, sent, events))

    async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_S) as client:
        await asyncio.gather(*(one(client, sender, sent) for sender, sent in run.results.items() if sent))
    return checks, unreadable
