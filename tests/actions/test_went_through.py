""" "Did it go through?" right after a change gets the change's outcome again (actions/went_through.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import BotUttered

from actions.documents import ActionAnswerFromDocuments, ActionOutOfScope
from actions.went_through import asks_if_done
from assistant.settings import Settings
from tests.support.exchange import after_reply

Run = Callable[[Action, Tracker], Awaitable[Any]]
FILED = "Done — your request LR-00388 (1 day) is waiting for approval."


@pytest.mark.parametrize(
    "text", ["did it go thru", "did it go through?", "is it booked?", "so it worked?", "wait did that go through"]
)
def test_a_check_that_it_went_through(text: str) -> None:
    assert asks_if_done(text)


@pytest.mark.parametrize("text", ["did it rain yesterday", "is it free to return", "did my order ship", "is it far"])
def test_other_questions_are_not_one(text: str) -> None:
    assert not asks_if_done(text)


def history(reply: BotUttered, asked: str) -> list[dict[str, Any]]:
    return after_reply(("yep", "affirm"), reply, asked, "nlu_fallback", 0.2)


@pytest.mark.parametrize("action", [ActionAnswerFromDocuments(), ActionOutOfScope()])
async def test_right_after_a_change_the_check_gets_its_outcome(
    run: Run, make_tracker: Callable[..., Tracker], indexed: Settings, action: Action
) -> None:
    asked = "did it go thru"
    done = BotUttered(FILED, metadata={"utter_action": "utter_leave_requested"})
    reply = await run(action, make_tracker(text=asked, intent="nlu_fallback", events=history(done, asked)))
    assert reply.text.startswith("Yes, that went through.") and FILED in reply.text, reply.text
    # after a reply that changed nothing, the same words are not told that anything went through
    shown = BotUttered("Your leave for 2026: …", metadata={"utter_action": "utter_leave_balance"})
    other = await run(action, make_tracker(text=asked, intent="nlu_fallback", events=history(shown, asked)))
    assert "went through" not in other.text and FILED not in other.text, other.text
