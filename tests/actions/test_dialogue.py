"""Yes, no and stop: every change is a form whose last slot is the person's yes or no.

The forms' rules are Rasa's (tested by the test stories); here: the strict reading of a
yes (actions/answers.py), the validators that reset the answer on a correction, and the
actions that make the change only after a yes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, BotUttered, SlotSet, UserUttered
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict
from sqlalchemy import Engine

from actions.dialogue import FORM_SLOTS, ActionStop
from actions.order_changes import (
    ActionAskReturnConfirmed,
    ActionOrderCancel,
    ActionOrderReturn,
    ValidateCancelForm,
    ValidateReturnForm,
)
from assistant.yes_no import read_yes_no
from backoffice.domain import InvoiceStatus, OrderStatus
from backoffice.sql.billing import SqlBilling
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount

Run = Callable[[Action, Tracker], Awaitable[Any]]


@pytest.mark.parametrize(
    "text",
    ["yes", "Yes please", "sure", "ok", "yep", "👍", "Yes, a person please", "yes, cancel it", "ok yes book it",
     "yeah sure", "ok then yes send it", "/affirm", "y", "Y.", "ok fine do it", "yes i do", "hmm ok fine, go ahead",
     "ugh fine, do it"],
)  # fmt: skip
def test_a_yes_in_the_ways_people_type_it(text: str) -> None:
    assert read_yes_no(text) is True


@pytest.mark.parametrize("text", ["no", "nope, not yet", "nah i'm good", "No, keep it", "👎", "/deny", "n"])
def test_a_no_in_the_ways_people_type_it(text: str) -> None:
    assert read_yes_no(text) is False


@pytest.mark.parametrize(
    "text",
    ["hmm maybe idk", "will I get my money back?", "", "monday afternoon then", "yes but not that one", "y is it late",
     "before i say yes, do i have to pay to send it back? im in belgium", "ok, do i have to pay to send it back",
     "yes if it's free", "ok what about 10216", "yes please, how long will it take", "hmm ok", "hmm sure maybe"],
)  # fmt: skip
def test_neither_yes_nor_no(text: str) -> None:
    assert read_yes_no(text) is None


def answering(
    make_tracker: Callable[..., Tracker],
    customer_id: int,
    text: str,
    intent: str,
    form: str,
    slots: dict[str, Any],
    set_now: dict[str, Any],
    confidence: float = 1.0,
) -> Tracker:
    """The tracker of the turn in which `text` answers the form's yes/no question; `set_now`
    are the slots Rasa's mappings set from this message (what the validator validates)."""
    latest = {"text": text, "intent": {"name": intent, "confidence": confidence}, "entities": [], "metadata": {}}
    events = [
        ActionExecuted("action_listen"),
        UserUttered(text, latest),
        *[SlotSet(name, value) for name, value in set_now.items()],
    ]
    tracker = make_tracker(customer_id=customer_id, slots=slots | set_now, text=text, events=events, active_loop=form)
    tracker.latest_message = latest
    return tracker


async def validate(action: Action, tracker: Tracker, domain: DomainDict) -> tuple[dict[str, Any], str]:
    dispatcher = CollectingDispatcher()
    events = await action.run(dispatcher, tracker, domain)
    said = " ".join(str(m.get("text") or m.get("response") or "") for m in dispatcher.messages)
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}, said


async def test_a_typed_yes_fills_the_cancel_answer(
    make_tracker: Callable[..., Tracker], domain: DomainDict, alice: DemoAccount
) -> None:
    number = alice.orders["pending"]
    slots = {"order_number": number, "requested_slot": "cancel_confirmed"}
    tracker = answering(make_tracker, alice.customer_id, "yes, cancel it", "order_cancel", "cancel_form", slots, {})
    set_slots, said = await validate(ValidateCancelForm(), tracker, domain)
    assert set_slots["cancel_confirmed"] is True
    assert said == ""


async def test_a_question_at_the_return_confirmation_is_not_a_yes(
    make_tracker: Callable[..., Tracker], domain: DomainDict, alice: DemoAccount
) -> None:
    """A question that speaks of a yes, or starts with "ok", is asked before any answer: nothing is returned."""
    slots = {"order_number": alice.orders["delivered"], "requested_slot": "return_confirmed"}
    for text in ("before i say yes, do i have to pay to send it back? im in belgium", "ok, is the return free?"):
        tracker = answering(make_tracker, alice.customer_id, text, "ask_policy", "return_form", slots, {}, 0.58)
        set_slots, _ = await validate(ValidateReturnForm(), tracker, domain)
        assert set_slots.get("return_confirmed") is not True


async def test_an_unclear_yes_is_asked_again(
    make_tracker: Callable[..., Tracker], domain: DomainDict, alice: DemoAccount
) -> None:
    slots = {"order_number": alice.orders["pending"], "requested_slot": "cancel_confirmed"}
    tracker = answering(
        make_tracker, alice.customer_id, "hmm maybe", "affirm", "cancel_form", slots, {"cancel_confirmed": True}, 0.95
    )
    set_slots, said = await validate(ValidateCancelForm(), tracker, domain)
    assert set_slots["cancel_confirmed"] is None
    assert "utter_need_clear_answer" in said


async def test_a_correction_asks_again_about_the_order_meant(
    make_tracker: Callable[..., Tracker], domain: DomainDict, alice: DemoAccount
) -> None:
    first, meant = alice.orders["pending"], alice.orders["paid"]
    slots = {"order_number": first, "requested_slot": "cancel_confirmed"}
    text = f"oops no, I meant {meant}"
    tracker = answering(
        make_tracker, alice.customer_id, text, "deny", "cancel_form", slots, {"cancel_confirmed": False}
    )
    set_slots, _ = await validate(ValidateCancelForm(), tracker, domain)
    assert set_slots["order_number"] == meant
    assert set_slots["cancel_confirmed"] is None


async def test_a_clear_yes_naming_an_order_asked_about_before_confirms_it(
    make_tracker: Callable[..., Tracker], domain: DomainDict, alice: DemoAccount
) -> None:
    """Asked about ORD-A, then (a question about ORD-B) about ORD-B: "ok leave that one alone. yes cancel A
    please" confirms A, whose question the customer has seen; a yes naming an order never asked about is
    asked again first."""
    shown, other, never = alice.orders["pending"], alice.orders["paid"], alice.orders["packed"]

    def after_two_questions(named: str) -> Tracker:
        text = f"ok leave that one alone. yes cancel {named[4:]} please"
        latest = {"text": text, "intent": {"name": "order_cancel", "confidence": 0.9}, "entities": [], "metadata": {}}
        asked = [SlotSet("order_number", shown), SlotSet("requested_slot", "cancel_confirmed")]
        events = [
            ActionExecuted("action_listen"),
            UserUttered(f"i want to cancel {shown[4:]}", latest),
            *asked,
            ActionExecuted("action_listen"),
            UserUttered(f"could {other[4:]} still be cancelled too?", latest),
            SlotSet("order_number", other),
            SlotSet("requested_slot", "cancel_confirmed"),
            ActionExecuted("action_listen"),
            UserUttered(text, latest),
            SlotSet("order_number", named),
            SlotSet("cancel_confirmed", True),
        ]
        slots = {"order_number": named, "requested_slot": "cancel_confirmed", "cancel_confirmed": True}
        tracker = make_tracker(
            customer_id=alice.customer_id, slots=slots, text=text, events=events, active_loop="cancel_form"
        )
        tracker.latest_message = latest
        return tracker

    confirmed, _ = await validate(ValidateCancelForm(), after_two_questions(shown), domain)
    assert confirmed["order_number"] == shown and confirmed["cancel_confirmed"] is True
    unseen, _ = await validate(ValidateCancelForm(), after_two_questions(never), domain)
    assert unseen["order_number"] == never and unseen["cancel_confirmed"] is None


async def test_a_return_that_is_not_possible_ends_the_form_without_a_question(
    make_tracker: Callable[..., Tracker], domain: DomainDict, alice: DemoAccount
) -> None:
    number = alice.orders["shipped"]
    tracker = answering(
        make_tracker, alice.customer_id, f"return {number}", "order_return", "return_form", {}, {"order_number": number}
    )
    set_slots, said = await validate(ValidateReturnForm(), tracker, domain)
    assert set_slots["change_refused"] is True
    assert set_slots["requested_slot"] is None
    assert "hasn't been delivered" in said


async def test_the_return_question_gives_the_amount_and_says_it_covers_the_whole_order(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    number = alice.orders["delivered"]
    before = app_dump()
    reply = await run(
        ActionAskReturnConfirmed(), make_tracker(customer_id=alice.customer_id, slots={"order_number": number})
    )
    assert number in reply.text and "€" in reply.text and "whole order" in reply.text
    assert [button["payload"] for button in reply.buttons] == ["/affirm", "/deny"]
    assert app_dump() == before  # only asked


async def test_yes_cancels_and_voids_the_unpaid_invoice(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    app_orders: SqlOrders,
    app_billing: SqlBilling,
    app_engine: Engine,
    invoice_of_order: Callable[[Engine, str], str],
) -> None:
    number = alice.orders["pending"]
    invoice = invoice_of_order(app_engine, number)
    tracker = make_tracker(customer_id=alice.customer_id, slots={"order_number": number, "cancel_confirmed": True})
    reply = await run(ActionOrderCancel(), tracker)
    assert reply.text.startswith(f"Done — order {number} is cancelled.")
    assert "5–10 working days" in reply.text
    assert reply.slots["cancel_confirmed"] is None
    assert app_orders.get_order(number, alice.customer_id).status is OrderStatus.CANCELLED
    assert app_billing.get_invoice(invoice, alice.customer_id).status is InvoiceStatus.VOID


@pytest.mark.parametrize("answer", [False, None])
async def test_no_answer_or_a_no_changes_nothing(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    app_dump: Callable[[], object],
    answer: bool | None,
) -> None:
    before = app_dump()
    for action, slot, key in (
        (ActionOrderCancel(), "cancel_confirmed", "pending"),
        (ActionOrderReturn(), "return_confirmed", "delivered"),
    ):
        number = alice.orders[key]
        tracker = make_tracker(customer_id=alice.customer_id, slots={"order_number": number, slot: answer})
        reply = await run(action, tracker)
        assert number in reply.text and "Okay" in reply.text
    assert app_dump() == before


async def test_yes_to_the_return_creates_it(run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount) -> None:
    number = alice.orders["delivered"]
    tracker = make_tracker(customer_id=alice.customer_id, slots={"order_number": number, "return_confirmed": True})
    reply = await run(ActionOrderReturn(), tracker)
    assert "Your return is authorised" in reply.text and "RMA-" in reply.text


async def test_without_a_verified_customer_a_yes_changes_nothing(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_dump: Callable[[], object]
) -> None:
    before = app_dump()
    tracker = make_tracker(slots={"order_number": alice.orders["pending"], "cancel_confirmed": True})
    reply = await run(ActionOrderCancel(), tracker)
    assert reply.followups == ["verify_form"]
    assert app_dump() == before


async def test_stop_leaves_the_form_and_forgets_what_it_had(run: Run, make_tracker: Callable[..., Tracker]) -> None:
    reply = await run(ActionStop(), make_tracker(text="stop", active_loop="cancel_form"))
    assert "stopped" in reply.text
    assert all(reply.slots[slot] is None for slot in FORM_SLOTS)
    assert {"event": "active_loop", "name": None} in [
        {"event": e["event"], "name": e.get("name")} for e in reply.events if e["event"] == "active_loop"
    ]


async def test_a_stop_with_more_to_say_and_nothing_running_goes_to_the_documents(
    run: Run, make_tracker: Callable[..., Tracker]
) -> None:
    """ "stop sending me these reminder e-mails" is a question about reminders, not a stop."""
    text = "stop sending me these reminder e-mails please"
    about = await run(ActionStop(), make_tracker(text=text, intent="stop"))
    assert about.followups == ["action_answer_from_documents"] and not about.messages
    # A bare stop, or the same words while a form runs, still stops.
    assert "stopped" in (await run(ActionStop(), make_tracker(text="ok stop", intent="stop"))).text
    running = await run(ActionStop(), make_tracker(text=text, intent="stop", active_loop="leave_form"))
    assert "stopped" in running.text and not running.followups


async def test_where_another_order_is_at_a_confirmation_is_answered_and_the_question_asked_again(
    make_tracker: Callable[..., Tracker], domain: DomainDict, alice: DemoAccount
) -> None:
    """ "hold on first, where is B" while "Do you want me to cancel A?" waits: B's status, and the form stays on A
    (the question is asked again about A); "sorry, I meant B" is still a correction."""
    first, other = alice.orders["pending"], alice.orders["shipped"]

    def at_the_question(text: str, intent: str, second: str = "nlu_fallback") -> Tracker:
        latest = {"text": text, "intent": {"name": intent, "confidence": 0.5}, "entities": [], "metadata": {}}
        latest["intent_ranking"] = [{"name": intent, "confidence": 0.37}, {"name": second, "confidence": 0.28}]
        events = [
            ActionExecuted("action_listen"),
            UserUttered(f"cancel {first[4:]}", latest),
            SlotSet("order_number", first),
            SlotSet("requested_slot", "cancel_confirmed"),
            ActionExecuted("action_listen"),
            UserUttered(text, latest),
            SlotSet("order_number", other[4:]),
        ]
        slots = {"order_number": other[4:], "requested_slot": "cancel_confirmed"}
        tracker = make_tracker(
            customer_id=alice.customer_id, slots=slots, text=text, events=events, active_loop="cancel_form"
        )
        tracker.latest_message = latest
        return tracker

    kept, said = await validate(
        ValidateCancelForm(), at_the_question(f"hold on first, where is {other[4:]}", "order_status"), domain
    )
    assert kept["order_number"] == first and kept.get("cancel_confirmed") is None, kept
    assert other in said and "change_refused" not in kept, said
    # Out of scope to the NLU, the status its second reading: the question shape and the number settle it.
    aside = at_the_question(f"hold on where's {other[4:]} at", "out_of_scope", second="order_status")
    kept, said = await validate(ValidateCancelForm(), aside, domain)
    assert kept["order_number"] == first and other in said, (kept, said)
    corrected, _ = await validate(
        ValidateCancelForm(), at_the_question(f"sorry, I meant {other[4:]}", "inform"), domain
    )
    assert corrected["order_number"] == other and corrected["change_refused"] is True


async def test_a_question_read_as_a_refused_return_gets_the_documents_answer_first(
    make_tracker: Callable[..., Tracker],
    domain: DomainDict,
    alice: DemoAccount,
    index_page: Callable[[str, str, str], None],
) -> None:
    """ "and I get back my money for it?" right after a cancellation, read as a return of the cancelled order (0.6,
    the policy question second): the documents' answer to what it asks, then why there is nothing to return. A
    return asked for plainly gets the refusal alone."""
    index_page(
        "cancelling.md",
        "# Cancelling an order\n\nWhen a paid order is cancelled, the money goes back to your original payment "
        "method within 5–10 working days.\n",
        "public",
    )
    number = alice.orders["cancelled"]
    asked = "and I get back my money for it?"
    tracker = answering(
        make_tracker, alice.customer_id, asked, "order_return", "return_form", {}, {"order_number": number}, 0.6
    )
    tracker.latest_message["intent_ranking"] = [
        {"name": "order_return", "confidence": 0.6},
        {"name": "ask_policy", "confidence": 0.25},
    ]
    cancelled = f"please cancel {number}"
    tracker.events[:0] = [  # the cancellation it follows
        ActionExecuted("action_listen"),
        UserUttered(cancelled, {"text": cancelled, "intent": {"name": "order_cancel", "confidence": 0.95}}),
        BotUttered(f"Done — order {number} is cancelled."),
    ]
    set_slots, said = await validate(ValidateReturnForm(), tracker, domain)
    assert set_slots["change_refused"] is True
    assert "5–10 working days" in said and said.index("5–10 working days") < said.index("nothing to return"), said
    plain = answering(
        make_tracker, alice.customer_id, f"return {number}", "order_return", "return_form", {}, {"order_number": number}
    )
    _, said = await validate(ValidateReturnForm(), plain, domain)
    assert "working days" not in said and "nothing to return" in said
