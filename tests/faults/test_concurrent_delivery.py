"""Fault: the same message delivered twice at once for one conversation (a channel's retry, a
double click): Rasa's lock store lets one message at a time through per conversation.

Both deliveries are answered in full; the tracker shows the two user turns one after the
other, each followed by its complete reply and `action_listen`, never interleaved, no event
lost. Here on the embedded profile (one Rasa server, in-memory lock store); the scale
profile's version (two Rasa servers, Redis lock store) is in `test_scale_faults.py`.
"""

from __future__ import annotations

import pytest

from demo.accounts import DemoAccount
from tests.support.fault_stack import (
    ROUNDS,
    FaultStack,
    check_serialised,
    deliver_at_once,
    run_duplicates,
    warm_documents,
)
from tests.support.rest import RestConversation, token_of

pytestmark = pytest.mark.e2e


def test_the_same_message_twice_at_once_is_handled_once_after_the_other(
    faults: FaultStack, fault_accounts: list[DemoAccount]
) -> None:
    account = fault_accounts[1]
    number = next(iter(account.orders.values()))
    talk = RestConversation(faults.rasa_url, token_of("customer", account.customer_id, faults.settings.identity_secret))
    overlapped, _ = run_duplicates([faults.rasa_url, faults.rasa_url], talk, f"where is my order {number}?")
    assert overlapped == ROUNDS, "the two deliveries were in flight at the same time"


def test_a_knowledge_question_twice_at_once_keeps_both_answers_with_their_sources(faults: FaultStack) -> None:
    warm_documents(faults.rasa_url)
    talk = RestConversation(faults.rasa_url)
    message = "do you ship to Canada?"
    results = deliver_at_once([faults.rasa_url, faults.rasa_url], talk, message)
    for _, _, response in results:
        assert response.status_code == 200
        sources = [s for reply in response.json() for s in (reply.get("custom") or {}).get("sources") or []]
        assert sources, response.json()
    check_serialised(talk, message, 2, [response.json() for _, _, response in results])
