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


# Five digits, typed whole or grouped as a phone keyboard and the habit of writing thousands group them ("10 229",
# "10.229"): the groups are `head` and `tail` (`tail2` when whole; `number_of` joins them). A group among other
# digit groups is part of something else: a phone number ("+31 10 123 4567"), an amount with cents ("10,229.50").
_FIVE_DIGITS = (
    r"(?P<head>{first}\d)(?:(?<!\d[ .,]\d\d)(?P<sep>[ .,])(?P<tail>\d{{3}})(?![ .,]?\d)"
    r"|(?P<tail2>\d{{3}})(?!\d)(?![.,]\d{{1,2}}(?!\d)))"
)
ORDER_NUMBER_RE = re.compile(r"(?i)(?<![\w-])(?:ord(?:er)?)?\s*[#:\-]?\s*" + _FIVE_DIGITS.format(first=1))
INVOICE_NUMBER_RE = re.compile(r"(?i)(?<![\w-])(?:inv(?:oice)?)?\s*[#:\-]?\s*" + _FIVE_DIGITS.format(first=5))


def number_of(match: re.Match[str]) -> str:
    """The five digits an `ORDER_NUMBER_RE` or `INVOICE_NUMBER_RE` match names, without the grouping."""
    return match.group("head") + (match.group("tail") or match.group("tail2"))


def normalise_order_number(text: str) -> str | None:
    """`ord 10042`, `#10042`, `ORD-10042`, `order10042`, `10 042` -> `ORD-10042`; None if none."""
    match = ORDER_NUMBER_RE.search(text or "")
    return f"ORD-{number_of(match)}" if match else None


def normalise_invoice_number(text: str) -> str | None:
    """`inv 50042`, `#50042`, `INV-50042`, `50 042` -> `INV-50042`; None if none."""
    match = INVOICE_NUMBER_RE.search(text or "")
    return f"INV-{number_of(match)}" if match else None


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
