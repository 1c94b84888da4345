"""Which action answers a request that had to wait for the identity check."""

from __future__ import annotations

from actions.billing import ActionInvoiceBalance, ActionInvoiceDue, ActionInvoicePay
from actions.customer import CustomerAction
from actions.orders import ActionOrderCancel, ActionOrderReturn, ActionOrderStatus

REQUESTS: dict[str, type[CustomerAction]] = {
    "order_status": ActionOrderStatus,
    "order_cancel": ActionOrderCancel,
    "order_return": ActionOrderReturn,
    "invoice_balance": ActionInvoiceBalance,
    "invoice_due": ActionInvoiceDue,
    "invoice_pay": ActionInvoicePay,
}


def action_for_request(request: str | None) -> CustomerAction | None:
    action_class = REQUESTS.get(request or "")
    return action_class() if action_class else None
