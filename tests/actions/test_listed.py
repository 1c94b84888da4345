""" "Which one is overdue?" right after a listing gets the listed records that say so (actions/listed.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import BotUttered

from actions.documents import ActionAnswerFromDocuments, ActionOutOfScope
from actions.listed import WHICH_RE
from assistant.settings import Settings
from tests.support.exchange import after_reply

Run = Callable[[Action, Tracker], Awaitable[Any]]
BALANCE = (
    "You owe €364.70 in total on 3 open invoices, 2 of them overdue:\n"
    "- INV-50114: €107.90 overdue since Saturday 14 November\n"
    "- INV-50149: €38.00 overdue since Wednesday 25 November\n"
    "- INV-50298: €218.80 due Sunday 20 December\n"
    'Say "pay my invoice" to get a payment link.'
)
REQUESTS = (
    "Your leave requests:\n- LR-00380: sick leave, Wednesday 2 December (1 day) — approved\n"
    "- LR-00391: vacation, 4 January (1 day) — pending"
)


@pytest.mark.parametrize(
    "text", ["which one is overdue", "which ones are overdue?", "ok which invoice is late", "which of them is pending"]
)
def test_a_question_which_listed_one(text: str) -> None:
    assert WHICH_RE.match(text)


@pytest.mark.parametrize("text", ["which invoices can i pay by card and how", "which one do you recommend for a patio"])
def test_other_questions_are_not_one(text: str) -> None:
    assert not WHICH_RE.match(text)


def history(listing: str, asked: str) -> list[dict[str, Any]]:
    return after_reply(("how much do i owe u", "invoice_balance"), BotUttered(listing), asked, "ask_policy", 0.6)


@pytest.mark.parametrize("action", [ActionAnswerFromDocuments(), ActionOutOfScope()])
async def test_the_listed_ones_that_say_so(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings, action: Action
) -> None:
    asked = "which one is overdue"
    reply = await run(action, make_tracker(text=asked, intent="ask_policy", events=history(BALANCE, asked)))
    assert "INV-50114" in reply.text and "INV-50149" in reply.text and "INV-50298" not in reply.text, reply.text
    pending = "so which is pending"
    one = await run(action, make_tracker(text=pending, intent="ask_policy", events=history(REQUESTS, pending)))
    assert one.text == "That's LR-00391: vacation, 4 January (1 day) — pending.", one.text


async def test_without_a_listing_the_documents_answer(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings
) -> None:
    asked = "which one is overdue"
    reply = await run(
        ActionAnswerFromDocuments(), make_tracker(text=asked, intent="ask_policy", events=history("Hi!", asked))
    )
    assert not reply.text.startswith(("That's", "These ones")), reply.text
