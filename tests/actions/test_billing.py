"""Invoice balance, due dates and payment links for the verified customer only."""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from rasa_sdk import Action, Tracker
from sqlalchemy import Engine

from actions.billing import ActionInvoiceBalance, ActionInvoiceDue, ActionInvoicePay, held_in_hand, invoice_line, totals
from assistant import catalog, formatting
from assistant.identity import read_payment_token
from assistant.settings import Settings
from backoffice.domain import Invoice, InvoiceStatus
from backoffice.sql.billing import SqlBilling
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount

Run = Callable[[Action, Tracker], Awaitable[Any]]
MISSING_INVOICE = "INV-59999"
LINK_RE = re.compile(r"(\S+)/pay/(INV-\d+)\?token=([\w.-]+)")
PAYING_PAGE = (
    "# Paying an invoice\n\n## Instalments\nAn invoice can be paid in instalments: pay part of the open balance by "
    "bank transfer at any time, and the rest before the due date.\n"
)


@pytest.fixture
def void_invoice(
    app_orders: SqlOrders,
    app_engine: Engine,
    alice: DemoAccount,
    invoice_of_order: Callable[[Engine, str], str],
) -> str:
    """Alice cancels her unpaid pending order, which voids its invoice."""
    number = invoice_of_order(app_engine, alice.orders["pending"])
    app_orders.cancel_order(alice.orders["pending"], alice.customer_id)
    return number


def test_invoice_line_of_each_status() -> None:
    today = date(2025, 6, 15)

    def line(status: InvoiceStatus, paid: str = "0.00", due: date = date(2025, 6, 20)) -> str:
        invoice = Invoice(
            number="INV-50001", customer_id=1, order_number="ORD-10001", status=status,
            issued_on=date(2025, 6, 1), due_on=due, amount=Decimal("120.00"), paid=Decimal(paid), currency="EUR",
        )  # fmt: skip
        return invoice_line(invoice, today)

    assert line(InvoiceStatus.OPEN) == "INV-50001: €120.00 due Friday 20 June"
    assert line(InvoiceStatus.PARTLY_PAID, "20.00") == "INV-50001: €100.00 (partly paid) due Friday 20 June"
    assert line(InvoiceStatus.OVERDUE, due=date(2025, 6, 1)) == "INV-50001: €120.00 overdue since Sunday 1 June"
    assert line(InvoiceStatus.PAID, "120.00") == "INV-50001: paid in full"
    assert line(InvoiceStatus.VOID) == "INV-50001: cancelled with its order — nothing to pay"


# -- balance ---------------------------------------------------------------------------------


async def test_balance_lists_overdue_first_with_the_total(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling
) -> None:
    assert alice.overdue_invoice and alice.open_invoice
    owed = app_billing.list_open_invoices(alice.customer_id)
    overdue = [invoice for invoice in owed if invoice.status is InvoiceStatus.OVERDUE]
    reply = await run(ActionInvoiceBalance(), make_tracker(customer_id=alice.customer_id))
    heading, *lines = reply.text.splitlines()
    assert heading == (f"You owe {totals(owed)} in total on {len(owed)} open invoices, {len(overdue)} of them overdue:")
    assert totals(owed) == formatting.money(sum((i.balance for i in owed), Decimal("0")), "EUR")
    listed = [line.split(":")[0].removeprefix("- ") for line in lines if line.startswith("- ")]
    assert listed == [invoice.number for invoice in owed]
    assert listed.index(alice.overdue_invoice) < listed.index(alice.open_invoice)
    assert all("overdue since" in line for line in lines[: len(overdue)])


async def test_balance_leaves_out_a_void_invoice(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling, void_invoice: str
) -> None:
    owed = app_billing.list_open_invoices(alice.customer_id)
    reply = await run(ActionInvoiceBalance(), make_tracker(customer_id=alice.customer_id))
    assert void_invoice not in reply.text
    assert f"You owe {totals(owed)} in total on {len(owed)} open invoice" in reply.text


async def test_balance_of_a_named_void_invoice(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, void_invoice: str
) -> None:
    tracker = make_tracker(
        customer_id=alice.customer_id, slots={"invoice_number": void_invoice}, text=f"about {void_invoice}"
    )
    reply = await run(ActionInvoiceBalance(), tracker)
    assert reply.text == f"{void_invoice}: cancelled with its order — nothing to pay."


# -- due -------------------------------------------------------------------------------------


async def test_due_date_of_a_named_open_invoice(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling
) -> None:
    assert alice.open_invoice is not None
    invoice = app_billing.get_invoice(alice.open_invoice, alice.customer_id)
    reply = await run(
        ActionInvoiceDue(), make_tracker(customer_id=alice.customer_id, slots={"invoice_number": invoice.number})
    )
    assert reply.text == (
        f"Invoice {invoice.number} is due {formatting.on_day(invoice.due_on, date.today())}; "
        f"the open balance is {formatting.money(invoice.balance, invoice.currency)}."
    )
    assert reply.slots == {"invoice_number": invoice.number}


async def test_an_order_asked_about_with_the_invoice_is_answered_too(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount
) -> None:
    assert alice.open_invoice is not None
    order = alice.orders["shipped"]
    text = f"when is {alice.open_invoice} due and where is {order}"
    reply = await run(
        ActionInvoiceDue(),
        make_tracker(customer_id=alice.customer_id, text=text, slots={"invoice_number": alice.open_invoice}),
    )
    assert f"Invoice {alice.open_invoice} is due" in reply.text and f"Order {order}" in reply.text


async def test_due_date_of_an_overdue_invoice(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling
) -> None:
    assert alice.overdue_invoice is not None
    invoice = app_billing.get_invoice(alice.overdue_invoice, alice.customer_id)
    days = (date.today() - invoice.due_on).days
    reply = await run(
        ActionInvoiceDue(), make_tracker(customer_id=alice.customer_id, slots={"invoice_number": invoice.number})
    )
    assert f"is overdue by {days} days" in reply.text
    assert formatting.money(invoice.balance, invoice.currency) in reply.text


async def test_due_of_another_customers_invoice_reads_like_a_missing_one(
    run: Run,
    make_tracker: Callable[..., Tracker],
    alice: DemoAccount,
    bob: DemoAccount,
    app_billing: SqlBilling,
) -> None:
    assert bob.open_invoice is not None
    bobs = app_billing.get_invoice(bob.open_invoice, bob.customer_id)
    other = await run(
        ActionInvoiceDue(), make_tracker(customer_id=alice.customer_id, slots={"invoice_number": bobs.number})
    )
    missing = await run(
        ActionInvoiceDue(), make_tracker(customer_id=alice.customer_id, slots={"invoice_number": MISSING_INVOICE})
    )
    assert other.text == f"I couldn't find an invoice {bobs.number} on your account. Please check the number."
    assert other.text.replace(bobs.number, "N") == missing.text.replace(MISSING_INVOICE, "N")
    assert other.slots == missing.slots == {"invoice_number": None}
    for leak in (formatting.money(bobs.amount, bobs.currency), formatting.day(bobs.due_on), str(bobs.order_number)):
        assert leak not in other.text


async def test_due_of_a_void_invoice(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, void_invoice: str
) -> None:
    reply = await run(
        ActionInvoiceDue(), make_tracker(customer_id=alice.customer_id, slots={"invoice_number": void_invoice})
    )
    assert reply.text == (
        f"Invoice {void_invoice} was cancelled with its order {alice.orders['pending']} — there's nothing to pay."
    )


# -- paying ----------------------------------------------------------------------------------


async def test_pay_link_carries_a_token_for_that_invoice(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_settings: Settings
) -> None:
    assert alice.open_invoice is not None
    reply = await run(
        ActionInvoicePay(),
        make_tracker(
            customer_id=alice.customer_id,
            slots={"invoice_number": alice.open_invoice},
            text=f"about {alice.open_invoice}",
        ),
    )
    match = LINK_RE.search(reply.text)
    assert match is not None, reply.text
    base, number, token = match.groups()
    assert (base, number) == (app_settings.public_url, alice.open_invoice)
    assert read_payment_token(token, app_settings.identity_secret) == alice.open_invoice
    assert read_payment_token(token, "another-secret-0123456789abcdef0123") is None


async def test_pay_without_a_number_asks_which_of_the_own_invoices(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling
) -> None:
    owed = app_billing.list_open_invoices(alice.customer_id)
    assert len(owed) > 1
    reply = await run(ActionInvoicePay(), make_tracker(customer_id=alice.customer_id))
    assert reply.text == "Which invoice would you like to pay?"
    assert [button["payload"] for button in reply.buttons] == [
        f'/invoice_pay{{"invoice_number": "{invoice.number}"}}' for invoice in owed
    ]


async def test_pay_without_a_number_is_for_the_invoice_talked_about(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling
) -> None:
    """ "got a reminder about INV-…" (its status shown) -> "whatever, just send me a card payment link": the link
    for that invoice, not "which one?" among all of them; with the talk on a void one, the open ones are asked."""
    owed = app_billing.list_open_invoices(alice.customer_id)
    assert len(owed) > 1
    talked_about = owed[-1].number
    text = "whatever, just send me a card payment link"
    tracker = make_tracker(customer_id=alice.customer_id, slots={"invoice_number": talked_about}, text=text)
    reply = await run(ActionInvoicePay(), tracker)
    match = LINK_RE.search(reply.text)
    assert match is not None and match.group(2) == talked_about, reply.text
    assert reply.slots == {"invoice_number": talked_about}


async def test_pay_asks_which_when_the_invoice_talked_about_is_not_open(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, void_invoice: str
) -> None:
    tracker = make_tracker(customer_id=alice.customer_id, slots={"invoice_number": void_invoice}, text="pay it pls")
    reply = await run(ActionInvoicePay(), tracker)
    assert reply.text == "Which invoice would you like to pay?"
    assert void_invoice not in str(reply.buttons)
    assert reply.slots == {"invoice_number": None}


@pytest.mark.parametrize("action", [ActionInvoiceBalance(), ActionInvoiceDue()])
async def test_a_list_of_invoices_shown_leaves_no_invoice_talked_about(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling, action: Action
) -> None:
    """After "how much do I owe?" lists four invoices, "send me the link" means "which one?", not the invoice
    named before the list."""
    owed = app_billing.list_open_invoices(alice.customer_id)
    assert len(owed) > 1
    slots = {"invoice_number": owed[0].number} if isinstance(action, ActionInvoiceBalance) else {}
    reply = await run(action, make_tracker(customer_id=alice.customer_id, slots=slots, text="what do i owe"))
    assert all(invoice.number in reply.text for invoice in owed)
    assert reply.slots == {"invoice_number": None}
    listed = make_tracker(customer_id=alice.customer_id, slots=reply.slots, text="send me the link")
    assert (await run(ActionInvoicePay(), listed)).text == "Which invoice would you like to pay?"


async def test_a_pay_request_that_also_asks_a_question_gets_the_documents_answer_first(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, index_page: Callable[..., None]
) -> None:
    """ "can i pay my invoice in instalments?" read as a payment request with the policy question a strong second
    reading: the documents' answer (with its source), then the request's reply; a sure request gets no aside."""
    index_page("paying.md", PAYING_PAGE)
    question = "can i pay my invoice in instalments?"
    unsure = make_tracker(
        customer_id=alice.customer_id,
        text=question,
        intent="invoice_pay",
        confidence=0.6,
        ranking=[("invoice_pay", 0.6), ("ask_policy", 0.3), ("invoice_due", 0.05)],
    )
    reply = await run(ActionInvoicePay(), unsure)
    assert "paid in instalments" in reply.messages[0]["text"], reply.text
    assert reply.messages[0]["custom"]["sources"][0]["path"].endswith("paying.md")
    assert reply.messages[-1]["response"] == "utter_which_invoice_to_pay"
    for ranking in ([("invoice_pay", 0.6), ("ask_policy", 0.2)], [("invoice_pay", 1.0), ("ask_policy", 0.3)]):
        sure = make_tracker(
            customer_id=alice.customer_id,
            text=question,
            intent="invoice_pay",
            confidence=ranking[0][1],
            ranking=ranking,
        )
        assert "instalments" not in (await run(ActionInvoicePay(), sure)).text


async def test_a_question_about_what_follows_read_as_a_request_gets_the_documents_answer_first(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, index_page: Callable[..., None]
) -> None:
    """ "do i still have to pay the invoice for it?" after a cancellation, a payment request to the NLU with no
    policy reading to speak of: what follows is asked — the documents' answer, then the request's reply; the
    request itself ("can i pay my invoice?") gets no aside."""
    page = "# Cancelled orders\n\nYou do not have to pay the invoice of a cancelled order: the invoice is voided.\n"
    index_page("cancelling.md", page)

    def asking(text: str) -> Tracker:
        ranking = [("invoice_pay", 0.85), ("ask_policy", 0.04)]
        return make_tracker(
            customer_id=alice.customer_id, text=text, intent="invoice_pay", confidence=0.85, ranking=ranking
        )

    reply = await run(ActionInvoicePay(), asking("do i still have to pay the invoice for it?"))
    assert "voided" in reply.messages[0]["text"] and reply.messages[0]["custom"]["sources"], reply.text
    assert reply.messages[-1]["response"] == "utter_which_invoice_to_pay"
    assert "voided" not in (await run(ActionInvoicePay(), asking("can i pay my invoice?"))).text


async def test_pay_asked_before_the_identity_check_is_for_the_invoice_given_to_it(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling
) -> None:
    """ "I want to pay my invoice" -> "INV-…" (to the identity check) -> e-mail: the link for that invoice, not
    the list of all of them; the same request made later by a verified customer still asks which one."""
    owed = app_billing.list_open_invoices(alice.customer_id)
    given = owed[-1].number
    carried = {"pending_request": "invoice_pay", "verify_reference": given}
    after_check = make_tracker(customer_id=alice.customer_id, slots=carried, text="alice@example.com", intent="inform")
    reply = await run(ActionInvoicePay(), after_check)
    match = LINK_RE.search(reply.text)
    assert match is not None and match.group(2) == given, reply.text
    asked_again = make_tracker(
        customer_id=alice.customer_id, slots=carried, text="pay my invoice", intent="invoice_pay"
    )
    assert (await run(ActionInvoicePay(), asked_again)).text == "Which invoice would you like to pay?"


def test_the_late_one_among_several_is_the_one_verified_with(
    make_tracker: Callable[..., Tracker], alice: DemoAccount, app_billing: SqlBilling
) -> None:
    """ "gimme a link to pay the late one" with two overdue, after being verified with one of them: that one; a
    plain "pay my invoice", or an invoice verified with that is not among them, leaves the choice to the person."""
    owed = app_billing.list_open_invoices(alice.customer_id)
    assert len(owed) > 1
    given = owed[-1].number

    def asking(text: str, verified_with: str) -> Tracker:
        return make_tracker(customer_id=alice.customer_id, slots={"verify_reference": verified_with}, text=text)

    assert held_in_hand(asking("ok gimme a link to pay the late one", given), owed) == [owed[-1]]
    assert held_in_hand(asking("pay my invoice", given), owed) == []
    assert held_in_hand(asking("pay the overdue invoice", "INV-99999"), owed) == []


async def test_pay_of_another_customers_invoice_gives_no_link(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, bob: DemoAccount
) -> None:
    assert bob.open_invoice is not None
    reply = await run(
        ActionInvoicePay(),
        make_tracker(
            customer_id=alice.customer_id, slots={"invoice_number": bob.open_invoice}, text=f"about {bob.open_invoice}"
        ),
    )
    assert reply.text.startswith(f"I couldn't find an invoice {bob.open_invoice}")
    assert "token=" not in reply.text


async def test_pay_of_a_void_invoice_gives_no_link(
    run: Run, make_tracker: Callable[..., Tracker], alice: DemoAccount, void_invoice: str
) -> None:
    reply = await run(
        ActionInvoicePay(),
        make_tracker(
            customer_id=alice.customer_id, slots={"invoice_number": void_invoice}, text=f"about {void_invoice}"
        ),
    )
    assert "cancelled with its order" in reply.text and "nothing to pay" in reply.text
    assert "token=" not in reply.text


# -- back office down ------------------------------------------------------------------------


@pytest.mark.parametrize("action", [ActionInvoiceBalance(), ActionInvoiceDue(), ActionInvoicePay()])
async def test_back_office_down_gets_an_apology_not_a_crash(
    run: Run, make_tracker: Callable[..., Tracker], backoffice_down: object, action: Action
) -> None:
    for slots in ({"invoice_number": "INV-50001"}, {}):
        reply = await run(action, make_tracker(customer_id=1, slots=slots))
        assert reply.text == catalog.text("utter_backoffice_unavailable")
