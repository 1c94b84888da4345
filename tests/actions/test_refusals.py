""" "Why not?" and "what can I do then" right after a refusal: its reason or the way forward (actions/refusals.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import BotUttered

from actions.documents import ActionAnswerFromDocuments, ActionOutOfScope
from assistant.settings import Settings
from tests.support.exchange import after_reply

Run = Callable[[Action, Tracker], Awaitable[Any]]
SHIPPED = "Order ORD-10229 has already shipped, so it can't be cancelled any more."
OVERLAP = "That overlaps with a leave request you already have (LR-00388)."


def history(reply: BotUttered, asked: str) -> list[dict[str, Any]]:
    return after_reply(("cancel 10229", "order_cancel"), reply, asked, "ask_policy", 1.0)


@pytest.mark.parametrize(
    ("asked", "said"),
    [
        ("why not?", "with the carrier"),
        ("ok so what can i do then, i dont want it anymore", "refuse the parcel at the door"),
    ],
)
async def test_after_a_refused_cancellation(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings, asked: str, said: str
) -> None:
    refused = BotUttered(SHIPPED, metadata={"utter_action": "utter_cancel_refused_shipped"})
    tracker = make_tracker(text=asked, intent="ask_policy", events=history(refused, asked))
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert said in reply.text, reply.text
    assert not any(message.get("json_message") or message.get("custom") for message in reply.messages)  # no sources


async def test_the_way_forward_names_what_the_refusal_named(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    refused = BotUttered(OVERLAP, metadata={"utter_action": "utter_leave_refused_overlaps"})
    asked = "what can i do then"
    reply = await run(
        ActionAnswerFromDocuments(), make_tracker(text=asked, intent="ask_policy", events=history(refused, asked))
    )
    assert "cancel LR-00388" in reply.text, reply.text


async def test_after_a_reply_that_refused_nothing_the_documents_answer(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    shown = BotUttered("Order ORD-10229 (…) is shipped.", metadata={"utter_action": "utter_order_in_status"})
    asked = "what can i do then"
    reply = await run(
        ActionAnswerFromDocuments(), make_tracker(text=asked, intent="ask_policy", events=history(shown, asked))
    )
    assert "carrier brings it back" not in reply.text and "with the carrier, and" not in reply.text, reply.text


@pytest.mark.parametrize("action", [ActionAnswerFromDocuments(), ActionOutOfScope()])
async def test_an_employee_asking_the_assistant_to_approve_leave_is_told_who_decides_and_where(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings, action: Action
) -> None:
    asked = "i meant nora's one, can u approve LR-00355"
    tracker = make_tracker(text=asked, intent="ask_policy", slots={"employee_verified": True})
    reply = await run(action, tracker)
    assert "can't approve or reject" in reply.text and "Approvals" in reply.text, reply.text
    assert not any(message.get("json_message") for message in reply.messages)  # the catalog, not a cited passage
    # the same words from a customer are not refused as an HR request
    customer = await run(action, make_tracker(text=asked, intent="ask_policy", customer_id=1))
    assert "can't approve or reject" not in customer.text, customer.text


async def test_why_not_after_it_is_the_reason(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    refused = BotUttered("I can't approve…", metadata={"utter_action": "utter_hr_leave_decided_by_managers"})
    events = after_reply(("approve julia's leave please", "ask_policy"), refused, "why not?", "ask_policy", 1.0)
    tracker = make_tracker(text="why not?", intent="ask_policy", events=events, slots={"employee_verified": True})
    reply = await run(ActionAnswerFromDocuments(), tracker)
    assert "decided by the employee's manager" in reply.text, reply.text
