"""An HR reading for someone who is not an employee (actions/hr_access.py): an unsure one is answered from the
public documents when they can; a sure one, or one they cannot answer, gets the employees-only reply."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, UserUttered

from actions.documents import UNSURE_POLICY_CONFIDENCE
from actions.hr_access import ActionEmployeesOnly
from assistant.settings import Settings
from knowledge.ingest import ingest
from knowledge.store import KnowledgeStore

Run = Callable[[Action, Tracker], Awaitable[Any]]
REFUNDS = (
    "# Returns and refunds\n\n## Refunds\nRefunds are paid to the original payment method within 5–10 working "
    "days after the returned parcel arrives back with us.\n"
)
SIGN_IN = "only for Northwind employees"


@pytest.fixture
def public_refunds(app_settings: Settings, tmp_path: Path) -> Settings:
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "refunds.md").write_text(REFUNDS)
    ingest(folder, "public", "public", KnowledgeStore.open(app_settings.knowledge_dir))
    return app_settings


def sources_of(reply: Any) -> list[dict[str, Any]]:
    return [source for m in reply.messages if m.get("custom") for source in m["custom"]["sources"]]


async def test_an_unsure_hr_reading_of_a_customers_question_is_answered_from_the_documents(
    run: Run, make_tracker: Callable[..., Tracker], public_refunds: Settings
) -> None:
    tracker = make_tracker(text="when are refunds paid back to me?", intent="payday", confidence=0.41)
    reply = await run(ActionEmployeesOnly(), tracker)
    assert "5–10 working days" in reply.text and sources_of(reply)[0]["path"] == "refunds.md"
    assert SIGN_IN not in reply.text


async def test_a_sure_hr_reading_or_one_the_documents_cannot_answer_gets_the_employees_only_reply(
    run: Run, make_tracker: Callable[..., Tracker], public_refunds: Settings
) -> None:
    sure = make_tracker(text="when are refunds paid back to me?", intent="payday", confidence=UNSURE_POLICY_CONFIDENCE)
    reply = await run(ActionEmployeesOnly(), sure)
    assert SIGN_IN in reply.text and not sources_of(reply)
    unanswered = make_tracker(text="how many vacation days are left for me", intent="leave_balance", confidence=0.5)
    reply = await run(ActionEmployeesOnly(), unanswered)
    assert SIGN_IN in reply.text and not sources_of(reply)


async def test_a_customers_follow_up_read_as_hr_continues_their_order_request(
    run: Run, make_tracker: Callable[..., Tracker], public_refunds: Settings
) -> None:
    """ "why is it stuck on pending" right after an order's status, read as a leave request's status with the
    order's status third: said again as the order status it continues, not refused as an HR request."""
    text = "why is it stuck on pending"
    ranking = [("leave_request_status", 0.55), ("ask_policy", 0.22), ("order_status", 0.04)]
    latest = {
        "text": text,
        "intent": {"name": "leave_request_status", "confidence": 0.55},
        "entities": [],
        "metadata": {},
        "intent_ranking": [{"name": n, "confidence": c} for n, c in ranking],
    }
    earlier = {"intent": {"name": "order_status", "confidence": 0.51}, "entities": [], "metadata": {}}
    events = [
        ActionExecuted("action_listen"),
        UserUttered("and 10283? whats happening with that one", earlier),
        BotUttered("Order ORD-10283 (…) was placed on 4 December and is waiting for payment."),
        ActionExecuted("action_listen"),
        UserUttered(text, latest),
    ]
    tracker = make_tracker(text=text, intent="leave_request_status", confidence=0.55, ranking=ranking, events=events)
    reply = await run(ActionEmployeesOnly(), tracker)
    assert not reply.messages and reply.events[0]["event"] == "rewind", reply.events
    assert reply.events[-1]["parse_data"]["intent"]["name"] == "order_status"
    alone = make_tracker(text=text, intent="leave_request_status", confidence=0.55, ranking=ranking)
    assert SIGN_IN in (await run(ActionEmployeesOnly(), alone)).text
