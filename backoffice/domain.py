"""Plain records the ports return: frozen, detached from any database session."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum


class OrderStatus(StrEnum):
    PENDING = "pending"
    PAID = "paid"
    PACKED = "packed"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"
    RETURNED = "returned"


CANCELLABLE_STATUSES = frozenset({OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PACKED})


class InvoiceStatus(StrEnum):
    OPEN = "open"
    PARTLY_PAID = "partly_paid"
    PAID = "paid"
    OVERDUE = "overdue"
    VOID = "void"  # its order was cancelled before anything was paid: nothing is owed


ORDER_NUMBER_RE = re.compile(r"(?i)(?<![\w-])(?:ord(?:er)?)?\s*[#:\-]?\s*(1\d{4})(?!\d)")
INVOICE_NUMBER_RE = re.compile(r"(?i)(?<![\w-])(?:inv(?:oice)?)?\s*[#:\-]?\s*(5\d{4})(?!\d)")


def normalise_order_number(text: str) -> str | None:
    """`ord 10042`, `#10042`, `ORD-10042`, `order10042` -> `ORD-10042`; None if none."""
    match = ORDER_NUMBER_RE.search(text or "")
    return f"ORD-{match.group(1)}" if match else None


def normalise_invoice_number(text: str) -> str | None:
    """`inv 50042`, `#50042`, `INV-50042` -> `INV-50042`; None if none."""
    match = INVOICE_NUMBER_RE.search(text or "")
    return f"INV-{match.group(1)}" if match else None


@dataclass(frozen=True)
class Customer:
    id: int
    name: str
    email: str


@dataclass(frozen=True)
class OrderLine:
    product_name: str
    quantity: int
    unit_price: Decimal


@dataclass(frozen=True)
class Order:
    number: str
    customer_id: int
    status: OrderStatus
    placed_at: datetime
    total: Decimal
    currency: str
    lines: tuple[OrderLine, ...] = field(default_factory=tuple)
    carrier: str | None = None
    tracking_number: str | None = None
    eta: date | None = None
    delivered_on: date | None = None
    cancelled_at: datetime | None = None


@dataclass(frozen=True)
class ReturnAuthorization:
    number: str
    order_number: str
    created_at: datetime
    refund_amount: Decimal
    currency: str


@dataclass(frozen=True)
class Invoice:
    number: str
    customer_id: int
    order_number: str | None
    status: InvoiceStatus
    issued_on: date
    due_on: date
    amount: Decimal
    paid: Decimal
    currency: str

    @property
    def balance(self) -> Decimal:
        """What is still owed; a void invoice owes nothing, whatever its amount."""
        if self.status is InvoiceStatus.VOID:
            return Decimal("0.00")
        return self.amount - self.paid


@dataclass(frozen=True)
class Payment:
    invoice_number: str
    amount: Decimal
    paid_at: datetime
    method: str
