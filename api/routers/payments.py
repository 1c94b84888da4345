"""The demo payment page a payment link opens.

The link carries a signed token for one invoice, so the page needs no login and
shows nothing else; a wrong, expired or other invoice's token gets a 403 page.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, HTTPException, Query, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from pydantic import BaseModel

from api.dependencies import BillingDep, SettingsDep
from api.pages import render, render_message
from assistant.formatting import money
from assistant.identity import read_payment_token
from backoffice.domain import Invoice, InvoiceStatus, normalise_invoice_number
from backoffice.errors import BackofficeUnavailable, NotAllowed, NotFound

router = APIRouter(tags=["payments"])

TokenQuery = Annotated[str, Query(max_length=2048, description="The signed token from the payment link.")]


class InvoiceView(BaseModel):
    number: str
    status: InvoiceStatus
    amount: Decimal
    paid: Decimal
    balance: Decimal
    currency: str
    issued_on: date
    due_on: date


def _authorised_invoice(invoice_number: str, token: str, billing: BillingDep, secret: str) -> Invoice:
    number = normalise_invoice_number(invoice_number)
    if number is None or read_payment_token(token, secret) != number:
        raise HTTPException(status.HTTP_403_FORBIDDEN, "this payment link is invalid or has expired")
    try:
        return billing.find_invoice(number)
    except NotFound as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such invoice") from error
    except BackofficeUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "billing is unavailable, try again later") from error


PAGE_ERRORS: dict[int | str, dict[str, Any]] = {
    403: {"description": "The link is invalid or has expired (an HTML page says so)"},
    404: {"description": "No such invoice"},
    503: {"description": "Billing is unavailable"},
}


@router.get(
    "/pay/{invoice_number}", response_class=HTMLResponse, summary="Payment page for one invoice", responses=PAGE_ERRORS
)
def payment_page(
    invoice_number: str, token: TokenQuery, billing: BillingDep, settings: SettingsDep, paid: bool = False
) -> HTMLResponse:
    try:
        invoice = _authorised_invoice(invoice_number, token, billing, settings.identity_secret)
    except HTTPException as error:
        return render_message("Payment link", f"{error.detail}.", error.status_code)
    rows = [
        ("Invoice", invoice.number),
        ("Amount", money(invoice.amount, invoice.currency)),
        ("Paid", money(invoice.paid, invoice.currency)),
        ("Open balance", money(invoice.balance, invoice.currency)),
        ("Due", f"{invoice.due_on:%d %B %Y}"),
    ]
    return render(
        "pay.html",
        title=f"Invoice {invoice.number}",
        rows=rows,
        number=invoice.number,
        token=token,
        balance=money(invoice.balance, invoice.currency),
        void=invoice.status is InvoiceStatus.VOID,
        paid_in_full=invoice.balance <= 0,
        paid_now=paid,
    )


@router.post(
    "/pay/{invoice_number}",
    status_code=status.HTTP_303_SEE_OTHER,
    response_class=RedirectResponse,
    summary="Pay the open balance (demo: no card is charged)",
    responses={**PAGE_ERRORS, 409: {"description": "The invoice cannot be paid"}},
)
def pay(
    invoice_number: str,
    token: Annotated[str, Form(max_length=2048)],
    billing: BillingDep,
    settings: SettingsDep,
) -> RedirectResponse:
    invoice = _authorised_invoice(invoice_number, token, billing, settings.identity_secret)
    try:
        billing.record_payment(invoice.number, invoice.balance, "card (demo)")
    except BackofficeUnavailable as error:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "billing is unavailable, try again later") from error
    except NotAllowed as refusal:
        # Paid or voided meanwhile (another tab, a cancelled order): the page says which.
        if refusal.reason not in ("already_paid", "invoice_void"):
            raise HTTPException(status.HTTP_409_CONFLICT, refusal.reason) from refusal
    return RedirectResponse(f"/pay/{invoice.number}?token={token}&paid=true", status.HTTP_303_SEE_OTHER)


@router.get(
    "/api/payments/{invoice_number}",
    response_model=InvoiceView,
    summary="The invoice a payment link opens",
    responses=PAGE_ERRORS,
)
def payment_invoice(
    invoice_number: str, token: TokenQuery, billing: BillingDep, settings: SettingsDep, response: Response
) -> InvoiceView:
    response.headers["Cache-Control"] = "no-store"  # opened by a signed link: no shared cache may keep it
    invoice = _authorised_invoice(invoice_number, token, billing, settings.identity_secret)
    return InvoiceView(
        number=invoice.number, status=invoice.status, amount=invoice.amount, paid=invoice.paid,
        balance=invoice.balance, currency=invoice.currency, issued_on=invoice.issued_on, due_on=invoice.due_on,
    )  # fmt: skip
