"""Who the customer is: the guard in every customer action, the verify form, and resuming."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.billing import ActionInvoiceBalance, ActionInvoiceDue, ActionInvoicePay
from actions.identity import ActionVerifyDone, ActionWhyAsked, ValidateVerifyForm
from actions.order_changes import ActionOrderCancel, ActionOrderReturn
from actions.orders import ActionOrderStatus
from actions.session import ActionSessionStart
from assistant import catalog
from assistant.identity import issue_channel_token, issue_session_proof, read_session_proof
from assistant.settings import Settings
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount

Run = Callable[[Action, Tracker], Awaitable[Any]]
CUSTOMER_ACTIONS = [
    ActionOrderStatus(),
    ActionOrderCancel(),
    ActionOrderReturn(),
    ActionInvoiceBalance(),
    ActionInvoiceDue(),
    ActionInvoicePay(),
]
WRONG_SECRET = "not-the-identity-secret-0123456789abcdef"
NO_MATCH = (
    "Sorry, those details don't match our records. Please check the e-mail address "
    "(or give me a different order number)."
)


def is_refused(reply: Any) -> bool:
    """Sent to the identity check, having said nothing at all."""
    return bool(
        reply.events == [{"event": "followup", "timestamp": None, "name": "verify_form"}] and not reply.messages
    )


# -- the guard in every customer action ------------------------------------------------------


@pytest.mark.parametrize("action", CUSTOMER_ACTIONS, ids=lambda action: action.name())
async def test_unverified_conversation_is_sent_to_the_identity_check(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, action: Action
) -> None:
    tracker = make_tracker(slots={"order_number": alice.orders["shipped"], "invoice_number": alice.open_invoice})
    assert is_refused(await run(action, tracker))


@pytest.mark.parametrize("action", CUSTOMER_ACTIONS, ids=lambda action: action.name())
async def test_a_session_proof_of_another_conversation_is_refused(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_settings: Settings, action: Action
) -> None:
    proof = issue_session_proof(alice.customer_id, "someone-elses-conversation", app_settings.identity_secret)
    tracker = make_tracker(
        slots={"customer_proof": proof, "customer_verified": True, "order_number": alice.orders["shipped"]}
    )
    assert is_refused(await run(action, tracker))


async def test_the_customer_verified_slot_alone_proves_nothing(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    tracker = make_tracker(slots={"customer_verified": True, "order_number": alice.orders["shipped"]})
    assert is_refused(await run(ActionOrderStatus(), tracker))


async def test_a_channel_token_counts_as_verified(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_settings: Settings
) -> None:
    token = issue_channel_token("customer", str(alice.customer_id), app_settings.identity_secret)
    number = alice.orders["shipped"]
    tracker = make_tracker(slots={"order_number": number}, metadata={"auth_token": token})
    reply = await run(ActionOrderStatus(), tracker)
    assert reply.followups == []
    assert f"Order {number}" in reply.text and "is on its way" in reply.text


@pytest.mark.parametrize(
    "token",
    [
        pytest.param(lambda subject, secret: issue_channel_token("customer", subject, secret, ttl_s=-5), id="expired"),
        pytest.param(lambda subject, secret: "garbage.not.a-token", id="garbage"),
        pytest.param(lambda subject, secret: issue_channel_token("customer", subject, WRONG_SECRET), id="wrong-secret"),
        pytest.param(lambda subject, secret: issue_channel_token("employee", subject, secret), id="employee"),
        pytest.param(lambda subject, secret: issue_session_proof(int(subject), "x", secret), id="session-proof"),
    ],
)
async def test_a_bad_channel_token_does_not_count(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    app_settings: Settings,
    token: Callable[[str, str], str],
) -> None:
    metadata = {"auth_token": token(str(alice.customer_id), app_settings.identity_secret)}
    tracker = make_tracker(slots={"order_number": alice.orders["shipped"]}, metadata=metadata)
    assert is_refused(await run(ActionOrderStatus(), tracker))


def session_tracker(make_tracker: Callable[..., Tracker], metadata: dict[str, Any] | None, **kwargs: Any) -> Tracker:
    """A tracker as Rasa sends it to action_session_start: the first message's metadata in its slot."""
    tracker = make_tracker(events=[], **kwargs)
    tracker.slots["session_started_metadata"] = metadata
    return tracker


async def test_the_session_start_sets_the_identity_once_from_token_or_proof(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_settings: Settings
) -> None:
    token = issue_channel_token("customer", str(alice.customer_id), app_settings.identity_secret, name="Alice A")
    by_token = await run(ActionSessionStart(), session_tracker(make_tracker, {"auth_token": token}))
    assert by_token.events[0]["event"] == "session_started" and by_token.events[-1]["name"] == "action_listen"
    assert by_token.slots["customer_verified"] is True and by_token.slots["customer_name"] == "Alice A"
    assert by_token.slots["employee_verified"] is False
    # A proof the identity check left in the last session is carried over and still counts.
    by_proof = await run(ActionSessionStart(), session_tracker(make_tracker, None, customer_id=alice.customer_id))
    assert by_proof.slots["customer_verified"] is True and by_proof.slots["customer_proof"]
    # A forged proof or a token under the wrong key makes nobody verified, whatever the slot said.
    stale = session_tracker(make_tracker, None, slots={"customer_verified": True, "customer_proof": "forged"})
    assert (await run(ActionSessionStart(), stale)).slots["customer_verified"] is False
    forged = issue_channel_token("customer", str(alice.customer_id), WRONG_SECRET, name="Alice A")
    wrong_key = await run(ActionSessionStart(), session_tracker(make_tracker, {"auth_token": forged}))
    assert wrong_key.slots["customer_verified"] is False and "customer_name" not in wrong_key.slots


async def test_the_session_start_carries_the_other_slots_over(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    tracker = session_tracker(make_tracker, None, slots={"order_number": alice.orders["shipped"]})
    assert (await run(ActionSessionStart(), tracker)).slots["order_number"] == alice.orders["shipped"]


async def test_a_token_that_arrives_mid_session_finishes_the_identity_check_at_once(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_settings: Settings
) -> None:
    """Signed in on the website after the session began: the form asks nothing and says who it is."""
    token = issue_channel_token("customer", str(alice.customer_id), app_settings.identity_secret, name="Alice A")
    tracker = make_tracker(
        text="where is my order", intent="order_status", metadata={"auth_token": token}, active_loop="verify_form"
    )
    reply = await run(ValidateVerifyForm(), tracker)
    assert reply.slots["customer_verified"] is True and reply.slots["customer_name"] == "Alice A"
    assert not reply.messages


# -- the verify form -------------------------------------------------------------------------


def form_tracker(make_tracker: Callable[..., Tracker], text: str, requested: str, **slots: Any) -> Tracker:
    """The latest message answers the form's question for `requested`."""
    return make_tracker(
        text=text, intent="inform", active_loop="verify_form", slots={"requested_slot": requested, **slots}
    )


async def test_right_order_and_email_verify_this_conversation(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_settings: Settings
) -> None:
    number = alice.orders["pending"]
    tracker = form_tracker(make_tracker, f"it's {number}, {alice.email.upper()}", "verify_reference")
    reply = await run(ValidateVerifyForm(), tracker)
    assert reply.text == f"Thanks, {alice.name.split()[0]} — you're verified."
    slots = reply.slots
    assert slots["customer_verified"] is True
    assert slots["customer_name"] == alice.name
    assert slots["order_number"] == number
    assert slots["verify_attempts"] == 0
    secret = app_settings.identity_secret
    assert read_session_proof(slots["customer_proof"], tracker.sender_id, secret) == alice.customer_id
    assert read_session_proof(slots["customer_proof"], "another-conversation", secret) is None


async def test_email_answer_after_the_order_number_verifies(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    assert alice.open_invoice is not None
    tracker = form_tracker(
        make_tracker,
        alice.email,
        "verify_email",
        verify_reference=alice.open_invoice,
        pending_request="invoice_balance",
    )
    reply = await run(ValidateVerifyForm(), tracker)
    assert reply.slots["customer_verified"] is True
    assert "invoice_number" not in reply.slots  # verified with it; a balance is still the whole account (issue 21.4)
    # With nothing asked, the check was about the invoice given: it is shown after the check.
    tracker = form_tracker(make_tracker, alice.email, "verify_email", verify_reference=alice.open_invoice)
    alone = await run(ValidateVerifyForm(), tracker)
    assert alone.slots["invoice_number"] == alice.open_invoice and alone.slots["pending_request"] == "invoice_due"


async def test_order_number_answer_after_the_email_verifies(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    number = alice.orders["paid"]
    tracker = form_tracker(make_tracker, f"#{number[4:]}", "verify_reference", verify_email=alice.email)
    reply = await run(ValidateVerifyForm(), tracker)
    assert reply.text == f"Thanks, {alice.name.split()[0]} — you're verified."
    assert reply.slots["customer_verified"] is True and reply.slots["order_number"] == number


async def test_a_mismatch_counts_once_and_does_not_say_whether_the_order_exists(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, bob: DemoAccount
) -> None:
    replies = []
    for reference, email in [
        (alice.orders["pending"], bob.email),  # real order, someone else's address
        ("ORD-19999", alice.email),  # no such order
    ]:
        reply = await run(ValidateVerifyForm(), form_tracker(make_tracker, f"{reference} {email}", "verify_reference"))
        assert reply.slots["verify_attempts"] == 1
        assert reply.slots["verify_email"] is None
        assert "customer_verified" not in reply.slots and "customer_proof" not in reply.slots
        replies.append(reply.text)
    assert replies == [NO_MATCH, NO_MATCH]


async def test_third_mismatch_locks_the_form(
    run: Run, make_tracker: Callable[..., Tracker], domain: DomainDict, alice: DemoAccount
) -> None:
    tracker = form_tracker(
        make_tracker,
        "nobody@example.com",
        "verify_email",
        verify_reference=alice.orders["pending"],
        verify_attempts=2,
    )
    reply = await run(ValidateVerifyForm(), tracker)
    assert reply.slots["verify_locked"] is True
    assert reply.slots["verify_attempts"] == 3
    assert reply.slots["requested_slot"] is None  # the form stops asking
    locked = form_tracker(make_tracker, alice.email, "verify_email", verify_locked=True)
    form = ValidateVerifyForm()
    required = await form.required_slots(form.domain_slots(domain), CollectingDispatcher(), locked, domain)
    assert form.domain_slots(domain) == ["verify_reference", "verify_email"]
    assert required == []
    # Even the right details are not checked any more once locked.
    assert "customer_verified" not in (await run(form, locked)).slots


@pytest.mark.parametrize(
    ("text", "requested", "message"),
    [
        ("my order from last week", "verify_reference", "That doesn't look like an order number."),
        ("alice at example dot com", "verify_email", "That doesn't look like an e-mail address."),
    ],
)
async def test_answers_in_the_wrong_format_are_explained(
    run: Run, make_tracker: Callable[..., Tracker], text: str, requested: str, message: str
) -> None:
    reply = await run(ValidateVerifyForm(), form_tracker(make_tracker, text, requested))
    assert reply.text.startswith(message)
    assert reply.slots[requested] is None
    assert "verify_attempts" not in reply.slots  # a typo is not a failed check


# -- resuming the request --------------------------------------------------------------------


async def test_after_the_check_a_request_nobody_named_is_the_status_of_the_order_given(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    """ "where is ORD-…? my email is …" said as details: the form queues the order's status (rules resume it)."""
    number = alice.orders["shipped"]
    reply = await run(ValidateVerifyForm(), form_tracker(make_tracker, f"{number} {alice.email}", "verify_reference"))
    assert reply.slots["customer_verified"] is True
    assert reply.slots["pending_request"] == "order_status"
    assert "invoice_number" not in reply.slots  # the reference proves who it is, it is not the topic


async def test_a_question_at_the_check_is_left_to_the_rules(run: Run, make_tracker: Callable[..., Tracker]) -> None:
    tracker = form_tracker(make_tracker, "wait, how long do I have to return stuff?", "verify_reference")
    tracker.latest_message["intent"] = {"name": "ask_policy", "confidence": 0.9}
    reply = await run(ValidateVerifyForm(), tracker)
    assert reply.slots.get("verify_reference") is None and reply.messages == []  # the form is rejected


async def test_verify_done_without_verification_reveals_nothing(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    slots = {"pending_request": "order_status", "order_number": alice.orders["shipped"]}
    unverified = await run(ActionVerifyDone(), make_tracker(slots=slots))
    assert unverified.messages == []
    locked = await run(ActionVerifyDone(), make_tracker(slots={**slots, "verify_locked": True}))
    assert "I couldn't verify your details" in locked.text
    assert alice.orders["shipped"] not in locked.text


async def test_verify_done_with_nothing_pending(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    reply = await run(ActionVerifyDone(), make_tracker(customer_id=alice.customer_id))
    assert [message["response"] for message in reply.messages] == ["utter_anything_else"]


# -- back office down ------------------------------------------------------------------------


async def test_back_office_down_during_the_check_gets_an_apology(
    run: Run, make_tracker: Callable[..., Tracker], backoffice_down: Settings
) -> None:
    tracker = form_tracker(make_tracker, "ORD-10001 someone@example.com", "verify_reference")
    reply = await run(ValidateVerifyForm(), tracker)
    assert reply.text == catalog.text("utter_backoffice_unavailable")
    assert "verify_attempts" not in reply.slots  # our outage is not the customer's failed attempt


async def test_a_reference_guessed_at_from_other_conversations_locks_this_one_too(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_orders: SqlOrders
) -> None:
    """New conversations do not reset the count: the back office keeps it per reference."""
    number = alice.orders["shipped"]
    for attempt in range(app_orders.caps["reference"].limit):
        app_orders.verify_customer(number, f"guess{attempt}@example.com")
    fresh = form_tracker(make_tracker, alice.email, "verify_email", verify_reference=number)
    reply = await run(ValidateVerifyForm(), fresh)
    assert reply.slots["verify_locked"] is True
    assert reply.slots["requested_slot"] is None
    assert "customer_verified" not in reply.slots and "customer_proof" not in reply.slots


@pytest.mark.parametrize(
    ("text", "active_loop", "about_the_check"),
    [
        ("why do you need that?", "verify_form", True),
        ("why did you need my email for that", None, True),
        ("do i have to say why?", "leave_form", False),
        ("do i have to say why?", None, False),
    ],
)
async def test_why_is_answered_with_the_checks_reason_only_when_it_is_about_the_check(
    run: Run, make_tracker: Callable[..., Tracker], text: str, active_loop: str | None, about_the_check: bool
) -> None:
    """ "do i have to say why?" at a leave request's summary is a question for the documents, not "I ask to
    protect your account"; asked while the check runs, or naming what it asks for, it is about the check."""
    tracker = make_tracker(text=text, intent="why_verify", active_loop=active_loop)
    reply = await run(ActionWhyAsked(), tracker)
    if about_the_check:
        assert reply.text == catalog.text("utter_why_verify") and not reply.followups
    else:
        assert reply.text == "" and reply.followups == ["action_answer_from_documents"]
