"""The payment page a payment link opens: one invoice, only with its own valid token."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from assistant.formatting import money
from assistant.identity import issue_channel_token, issue_payment_token
from assistant.settings import Settings
from backoffice.domain import InvoiceStatus
from backoffice.sql.billing import SqlBilling
from backoffice.sql.models import InvoiceRow, PaymentRow
from backoffice.sql.orders import SqlOrders
from demo.accounts import DemoAccount

OTHER_SECRET = "not-the-identity-secret-0123456789abcdef"


def payment_count(engine: Engine, invoice_number: str) -> int:
    with Session(engine) as session:
        query = select(func.count()).select_from(PaymentRow).join(InvoiceRow).where(InvoiceRow.number == invoice_number)
        return session.scalar(query) or 0


@pytest.fixture
def account(app_accounts: list[DemoAccount]) -> DemoAccount:
    return app_accounts[0]


@pytest.fixture
def invoice_number(account: DemoAccount) -> str:
    """An open invoice of the first demo account."""
    assert account.open_invoice is not None
    return account.open_invoice


@pytest.fixture
def token_for(app_settings: Settings) -> Callable[[str], str]:
    return lambda number: issue_payment_token(number, app_settings.identity_secret)


def test_page_shows_the_invoice(
    client: TestClient, app_billing: SqlBilling, invoice_number: str, token_for: Callable[[str], str]
) -> None:
    token = token_for(invoice_number)
    response = client.get(f"/pay/{invoice_number}", params={"token": token})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    invoice = app_billing.find_invoice(invoice_number)
    page = response.text
    assert f"<dd>{invoice_number}</dd>" in page
    assert f"<dd>{escape(money(invoice.balance, invoice.currency))}</dd>" in page
    assert f'<form method="post" action="/pay/{invoice_number}">' in page
    assert f'<input type="hidden" name="token" value="{token}">' in page


def test_a_lowercase_number_opens_the_same_invoice(
    client: TestClient, invoice_number: str, token_for: Callable[[str], str]
) -> None:
    response = client.get(f"/pay/{invoice_number.lower()}", params={"token": token_for(invoice_number)})
    assert response.status_code == 200 and f"<dd>{invoice_number}</dd>" in response.text


def test_whatever_is_reflected_is_escaped(client: TestClient, invoice_number: str) -> None:
    script = "<script>alert(1)</script>"
    for path, token in [(f"/pay/{invoice_number}", script), ("/pay/INV-5%3Cscript%3E", "x")]:
        response = client.get(path, params={"token": token})
        assert response.status_code == 403
        assert "<script>" not in response.text
        assert "this payment link is invalid or has expired" in response.text


@pytest.mark.parametrize("case", ["garbage", "other-invoice", "expired", "other-secret", "channel-token"])
def test_a_wrong_token_is_forbidden(
    client: TestClient,
    app_settings: Settings,
    app_billing: SqlBilling,
    account: DemoAccount,
    invoice_number: str,
    app_engine: Engine,
    case: str,
) -> None:
    secret = app_settings.identity_secret
    assert account.overdue_invoice is not None
    token = {
        "garbage": "not-a-token",
        "other-invoice": issue_payment_token(account.overdue_invoice, secret),
        "expired": issue_payment_token(invoice_number, secret, ttl_s=-1),
        "other-secret": issue_payment_token(invoice_number, OTHER_SECRET),
        "channel-token": issue_channel_token("customer", str(account.customer_id), secret),
    }[case]
    page = client.get(f"/pay/{invoice_number}", params={"token": token})
    assert page.status_code == 403
    invoice = app_billing.find_invoice(invoice_number)
    assert "<dd>" not in page.text and money(invoice.amount, invoice.currency) not in page.text
    assert client.get(f"/api/payments/{invoice_number}", params={"token": token}).status_code == 403
    before = payment_count(app_engine, invoice_number)
    paid = client.post(f"/pay/{invoice_number}", data={"token": token}, follow_redirects=False)
    assert paid.status_code == 403
    assert payment_count(app_engine, invoice_number) == before


def test_paying_the_balance_then_paying_again(
    client: TestClient,
    app_billing: SqlBilling,
    app_engine: Engine,
    invoice_number: str,
    token_for: Callable[[str], str],
) -> None:
    token = token_for(invoice_number)
    balance = app_billing.find_invoice(invoice_number).balance
    assert balance > 0
    response = client.post(f"/pay/{invoice_number}", data={"token": token}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == f"/pay/{invoice_number}?token={token}&paid=true"
    paid = app_billing.find_invoice(invoice_number)
    assert paid.status is InvoiceStatus.PAID and paid.balance == 0 and paid.paid == balance
    assert payment_count(app_engine, invoice_number) == 1
    # A second click (another tab, a reload) is harmless: nothing more is charged.
    again = client.post(f"/pay/{invoice_number}", data={"token": token})
    assert again.status_code == 200
    assert "Thank you — this invoice is paid in full." in again.text
    assert payment_count(app_engine, invoice_number) == 1
    assert app_billing.find_invoice(invoice_number) == paid


def test_invoice_json_for_a_valid_link(
    client: TestClient, app_billing: SqlBilling, invoice_number: str, token_for: Callable[[str], str]
) -> None:
    response = client.get(f"/api/payments/{invoice_number}", params={"token": token_for(invoice_number)})
    assert response.status_code == 200
    invoice = app_billing.find_invoice(invoice_number)
    body = response.json()
    assert (body["number"], body["status"], body["currency"]) == (invoice_number, "open", invoice.currency)
    assert body["balance"] == str(invoice.balance)


def test_a_link_to_a_voided_invoice_charges_nothing(
    client: TestClient,
    app_orders: SqlOrders,
    app_engine: Engine,
    account: DemoAccount,
    token_for: Callable[[str], str],
    invoice_of_order: Callable[[Engine, str], str],
) -> None:
    """A link sent before the order was cancelled: the page says so, and paying does nothing."""
    number = invoice_of_order(app_engine, account.orders["pending"])
    token = token_for(number)
    app_orders.cancel_order(account.orders["pending"], account.customer_id)
    page = client.get(f"/pay/{number}", params={"token": token})
    assert page.status_code == 200
    assert "cancelled with its order" in page.text and "<form" not in page.text
    paid = client.post(f"/pay/{number}", data={"token": token})
    assert paid.status_code == 200 and "cancelled with its order" in paid.text
    assert payment_count(app_engine, number) == 0
    assert client.get(f"/api/payments/{number}", params={"token": token}).json()["status"] == "void"
