"""Fault: the same message delivered twice at once for one conversation (a channel's retry, a
double click): Rasa's lock store lets one message at a time through per conversation.

Both deliveries are answered in full; the tracker shows the two user turns one after the
other, each followed by its complete reply and `action_listen`, never interleaved, no event
lost. Here on the embedded profile (one Rasa server, in-memory lock store); the scale
profile's version (two Rasa servers, Redis lock store) is in `test_scale_faults.py`.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import httpx
import pytest

from backoffice.demo import DemoAccount
from tests.faults.conftest import FaultStack, Talk, token_of, turns

pytestmark = pytest.mark.e2e

ROUNDS = 3


def deliver_at_once(urls: list[str], talk: Talk, message: str) -> list[tuple[float, float, httpx.Response]]:
    """POST `message` for `talk.sender` to each URL at the same instant; (start, end, response) each."""
    barrier = threading.Barrier(len(urls))
    results: list[Any] = [None] * len(urls)

    def deliver(index: int, url: str) -> None:
        payload = {"sender": talk.sender, "message": message, "metadata": talk.metadata or {}}
        with httpx.Client(timeout=60.0) as client:
            barrier.wait()
            started = time.monotonic()
            response = client.post(f"{url}/webhooks/rest/webhook", json=payload)
            results[index] = (started, time.monotonic(), response)

    threads = [threading.Thread(target=deliver, args=(i, url)) for i, url in enumerate(urls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(90)
    assert all(results), "every delivery was answered"
    return results


def check_serialised(talk: Talk, message: str, deliveries: int, replies: list[list[dict[str, Any]]]) -> None:
    """Every delivery is a complete turn in the tracker, one after the other, and answered alike."""
    history = turns(talk.tracker_events())
    assert [text for text, _, _ in history] == [message] * deliveries, history
    for _, bot, listening in history:
        assert bot and listening, f"an incomplete or interleaved turn: {history}"
    answered = ["\n".join(reply["text"] for reply in replies_of if reply.get("text")) for replies_of in replies]
    assert all(answered), answered
    stored = ["\n".join(text for text in bot if text) for _, bot, _ in history]
    assert sorted(stored) == sorted(answered), "each response is the turn the tracker holds"


def run_duplicates(urls: list[str], talk: Talk, message: str) -> tuple[int, float]:
    """Deliver `message` twice at once, ROUNDS times; how many deliveries overlapped in time, the slowest."""
    overlapped = 0
    slowest = 0.0
    replies = []
    for _ in range(ROUNDS):
        results = deliver_at_once(urls, talk, message)
        for _, _, response in results:
            assert response.status_code == 200, response.text[:300]
            replies.append(response.json())
        (start_a, end_a, _), (start_b, end_b, _) = results
        overlapped += start_a < end_b and start_b < end_a
        slowest = max(slowest, end_a - start_a, end_b - start_b)
    check_serialised(talk, message, len(urls) * ROUNDS, replies)
    return overlapped, slowest


def test_the_same_message_twice_at_once_is_handled_once_after_the_other(
    faults: FaultStack, fault_accounts: list[DemoAccount]
) -> None:
    account = fault_accounts[1]
    number = next(iter(account.orders.values()))
    talk = Talk(faults.rasa_url, token_of("customer", account.customer_id, faults.settings))
    overlapped, _ = run_duplicates([faults.rasa_url, faults.rasa_url], talk, f"where is my order {number}?")
    assert overlapped == ROUNDS, "the two deliveries were in flight at the same time"


def test_a_knowledge_question_twice_at_once_keeps_both_answers_with_their_sources(faults: FaultStack) -> None:
    talk = Talk(faults.rasa_url)
    message = "do you ship to Canada?"
    results = deliver_at_once([faults.rasa_url, faults.rasa_url], talk, message)
    for _, _, response in results:
        assert response.status_code == 200
        sources = [s for reply in response.json() for s in (reply.get("custom") or {}).get("sources") or []]
        assert sources, response.json()
    check_serialised(talk, message, 2, [response.json() for _, _, response in results])
