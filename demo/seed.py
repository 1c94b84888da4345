"""Deterministic demo data for "Northwind Goods", a home & outdoor shop.

Dates are relative to `today`, so a freshly seeded demo always has parcels on the
road, recent deliveries that can still be returned and old ones that cannot. The
same `seed` and `today` always give the same rows. The first five customers are
the demo accounts: each has an order in every status and an open and an overdue
invoice, so every conversation path can be shown with any of them. The staff side
(employees, leave, holidays, pay dates) comes from `hr_seed`, from its own random
stream, so it never changes the customer data for a seed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from enum import Enum

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backoffice.domain import OrderStatus
from backoffice.sql.models import (
    CustomerRow,
    InvoiceRow,
    OrderLineRow,
    OrderRow,
    PaymentRow,
    ProductRow,
    ReturnRow,
)
from backoffice.sql.orders import return_number
from demo.emails import email_part
from demo.hr_seed import add_hr, has_employees

CURRENCY = "EUR"
CUSTOMER_COUNT = 60
ORDER_COUNT = 300
INVOICE_COUNT = 300
DEMO_ACCOUNTS = 5
FIRST_ORDER_NUMBER = 10001
FIRST_INVOICE_NUMBER = 50001
CENT = Decimal("0.01")

# fmt: off
FIRST_NAMES = (
    "Anna", "Lukas", "Sofia", "Jonas", "Emma", "Mateo", "Chloé", "Noah", "Amelia", "Finn",
    "Yuki", "Oliver", "Priya", "Liam", "Fatima", "Elias", "Zoë", "Hugo", "Ingrid", "Tomás",
    "Aisha", "Henrik", "Marta", "Kwame", "Léa", "Rafael", "Hannah", "Dmitri", "Isabel", "Omar",
    "Freya", "Mei", "Jakob", "Nadia", "Samuel", "Eva", "Ravi", "Clara", "Björn", "Lucía",
)
LAST_NAMES = (
    "Schneider", "Rossi", "Johansson", "García", "Müller", "Dubois", "Novak", "Kowalski", "Okafor",
    "Tanaka", "Fischer", "O'Brien", "Jansen", "Silva", "Nowak", "Larsen", "Moreau", "Weber", "Costa",
    "Nakamura", "Hoffmann", "Petrov", "Lindqvist", "Mensah", "Becker", "Fernández", "Virtanen",
    "Wagner", "Kaya", "Andersson", "De Vries", "Ricci", "Horvat", "Schmidt", "Ahmed", "Bauer",
)
# fmt: on
EMAIL_DOMAINS = ("example.com", "example.org", "example.net")
PHONE_PREFIXES = ("+49 30", "+49 89", "+43 1", "+31 20", "+33 1", "+45 33", "+46 8")

PRODUCTS = (
    ("NWG-1001", "Acacia garden bench", "189.00"),
    ("NWG-1002", "Folding bistro chair", "49.90"),
    ("NWG-1003", "Teak side table", "129.00"),
    ("NWG-1004", "Outdoor cushion set", "39.90"),
    ("NWG-1005", "Cantilever parasol 3 m", "219.00"),
    ("NWG-1006", "Solar string lights", "24.90"),
    ("NWG-1007", "Cast iron fire pit", "159.00"),
    ("NWG-1008", "Raised cedar planter", "89.00"),
    ("NWG-1009", "Terracotta plant pot set", "34.50"),
    ("NWG-1010", "Garden hose reel 30 m", "64.90"),
    ("NWG-1011", "Stainless steel trowel", "14.90"),
    ("NWG-1012", "Bird feeding station", "42.00"),
    ("NWG-1013", "Hammock with stand", "149.00"),
    ("NWG-1014", "Charcoal kettle grill", "179.00"),
    ("NWG-1015", "Picnic blanket, waterproof", "29.90"),
    ("NWG-1016", "Two-person dome tent", "119.00"),
    ("NWG-1017", "Down sleeping bag", "199.00"),
    ("NWG-1018", "Insulated camping mug", "19.90"),
    ("NWG-1019", "LED camping lantern", "27.50"),
    ("NWG-1020", "Wool throw blanket", "69.00"),
    ("NWG-1021", "Linen cushion cover", "22.90"),
    ("NWG-1022", "Scented soy candle", "16.50"),
    ("NWG-1023", "Oak serving board", "38.00"),
    ("NWG-1024", "Stoneware dinner set, 12 pieces", "94.00"),
    ("NWG-1025", "Cotton bath towel set", "45.00"),
    ("NWG-1026", "Jute area rug 160x230", "139.00"),
    ("NWG-1027", "Rattan storage basket", "32.00"),
    ("NWG-1028", "Glass table lamp", "79.00"),
    ("NWG-1029", "Doormat, coir", "24.00"),
    ("NWG-1030", "Wall clock, walnut", "58.00"),
)
CARRIERS = ("DHL", "UPS", "DPD", "GLS")
PAYMENT_METHODS = ("card", "paypal", "bank_transfer", "sepa_direct_debit")

# Share of each status among the orders that are not the demo accounts' fixed set.
STATUS_WEIGHTS = {
    OrderStatus.PENDING: 8,
    OrderStatus.PAID: 8,
    OrderStatus.PACKED: 6,
    OrderStatus.SHIPPED: 12,
    OrderStatus.DELIVERED: 50,
    OrderStatus.CANCELLED: 8,
    OrderStatus.RETURNED: 8,
}
RECENT_DELIVERY_DAYS = (1, 28)  # safely inside a 30-day return window
OLD_DELIVERY_DAYS = (35, 150)  # safely outside it


class Pay(Enum):
    """How much of an order's invoice has been paid by `today`."""

    FULL = "full"
    NONE = "none"
    PARTIAL = "partial"


@dataclass
class _OrderPlan:
    customer: CustomerRow
    status: OrderStatus
    placed_at: datetime
    lines: list[tuple[ProductRow, int]]
    pay: Pay | None  # None: no invoice (cancelled before invoicing)
    carrier: str | None = None
    tracking_number: str | None = None
    eta: date | None = None
    delivered_on: date | None = None
    cancelled_at: datetime | None = None
    returned_at: datetime | None = None
    row: OrderRow | None = field(default=None, repr=False)

    @property
    def total(self) -> Decimal:
        return sum((product.price * quantity for product, quantity in self.lines), Decimal("0.00"))


@dataclass
class _InvoicePlan:
    customer: CustomerRow
    order: _OrderPlan | None
    issued_on: date
    due_days: int
    amount: Decimal
    pay: Pay
    first_paid_at: datetime


class _Generator:
    """All randomness of one seeding run, drawn from one `random.Random(seed)` in a fixed order."""

    def __init__(self, seed: int, today: date) -> None:
        self.rng = random.Random(seed)
        self.today = today

    def moment(self, day: date) -> datetime:
        """A time during the shop's working day (07:00-21:59 UTC) on `day`."""
        return datetime.combine(day, time(self.rng.randint(7, 21), self.rng.randint(0, 59)), tzinfo=UTC)

    def days_ago(self, low: int, high: int) -> date:
        return self.today - timedelta(days=self.rng.randint(low, high))

    # -- customers and products -------------------------------------------------------------

    def customers(self) -> list[CustomerRow]:
        pairs = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES]
        rows = []
        for first, last in self.rng.sample(pairs, CUSTOMER_COUNT):
            phone = None
            if self.rng.random() < 0.8:
                phone = f"{self.rng.choice(PHONE_PREFIXES)} {self.rng.randint(1000000, 9999999)}"
            rows.append(
                CustomerRow(
                    name=f"{first} {last}",
                    email=f"{email_part(first)}.{email_part(last)}@{self.rng.choice(EMAIL_DOMAINS)}",
                    phone=phone,
                    created_at=self.moment(self.days_ago(200, 1100)),
                )
            )
        return rows

    # -- orders -----------------------------------------------------------------------------

    def order(
        self,
        customer: CustomerRow,
        products: list[ProductRow],
        status: OrderStatus,
        delivered_days: tuple[int, int] | None = None,
        pay: Pay | None = None,
    ) -> _OrderPlan:
        """One order in `status`, with dates that make sense for it relative to today."""
        count = self.rng.choices((1, 2, 3, 4), weights=(40, 30, 20, 10))[0]
        lines = [
            (product, self.rng.choices((1, 2, 3), weights=(70, 20, 10))[0])
            for product in self.rng.sample(products, count)
        ]
        plan = _OrderPlan(customer, status, self.moment(self.today), lines, pay=None)
        if status in (OrderStatus.PENDING, OrderStatus.PAID, OrderStatus.PACKED):
            plan.placed_at = self.moment(self.days_ago(1, 4))
        elif status is OrderStatus.SHIPPED:
            plan.placed_at = self.moment(self.days_ago(2, 6))
            self.ship(plan, eta=self.today + timedelta(days=self.rng.randint(1, 4)))
        elif status is OrderStatus.CANCELLED:
            plan.placed_at = self.moment(self.days_ago(1, 60))
            plan.cancelled_at = plan.placed_at + timedelta(hours=self.rng.randint(1, 20))
        else:  # delivered or returned
            if delivered_days is None:
                recent = status is OrderStatus.DELIVERED and self.rng.random() < 0.5
                delivered_days = RECENT_DELIVERY_DAYS if recent else OLD_DELIVERY_DAYS
            delivered_on = self.days_ago(*delivered_days)
            plan.placed_at = self.moment(delivered_on - timedelta(days=self.rng.randint(2, 6)))
            self.ship(plan, eta=delivered_on)
            plan.delivered_on = delivered_on
            if status is OrderStatus.RETURNED:
                back_after = self.rng.randint(1, min(14, (self.today - delivered_on).days))
                plan.returned_at = self.moment(delivered_on + timedelta(days=back_after))
        plan.pay = self.payment_plan(status) if pay is None else pay
        return plan

    def ship(self, plan: _OrderPlan, eta: date) -> None:
        plan.carrier = self.rng.choice(CARRIERS)
        plan.tracking_number = self.tracking_number(plan.carrier)
        plan.eta = eta

    def characters(self, alphabet: str, count: int) -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(count))

    def tracking_number(self, carrier: str) -> str:
        """Numbers shaped like each carrier's own, so they look right in the demo."""
        digits = "0123456789"
        if carrier == "UPS":
            return f"1Z{self.characters('ABCDEFGHJKLMNPRSTVWXY' + digits, 6)}68{self.characters(digits, 8)}"
        if carrier == "DHL":
            return f"00340434{self.characters(digits, 12)}"
        if carrier == "DPD":
            return f"0{self.characters(digits, 13)}"
        return self.characters(digits, 11)

    def payment_plan(self, status: OrderStatus) -> Pay | None:
        """Prepaid orders are paid; pending ones await payment; deliveries may be paid on invoice."""
        if status is OrderStatus.CANCELLED:
            return None
        if status is OrderStatus.PENDING:
            return Pay.PARTIAL if self.rng.random() < 0.2 else Pay.NONE
        if status is OrderStatus.DELIVERED:
            return self.rng.choices((Pay.FULL, Pay.NONE, Pay.PARTIAL), weights=(70, 18, 12))[0]
        return Pay.FULL

    def demo_orders(self, customer: CustomerRow, products: list[ProductRow]) -> list[_OrderPlan]:
        """The fixed set every demo account gets: one order per status, plus the invoice cases."""
        return [
            self.order(customer, products, OrderStatus.PENDING, pay=Pay.NONE),  # -> open invoice
            self.order(customer, products, OrderStatus.PAID),
            self.order(customer, products, OrderStatus.PACKED),
            self.order(customer, products, OrderStatus.SHIPPED),
            self.order(customer, products, OrderStatus.DELIVERED, delivered_days=(2, 10), pay=Pay.FULL),
            # Delivered long ago and never paid -> outside the return window and overdue.
            self.order(customer, products, OrderStatus.DELIVERED, delivered_days=(45, 90), pay=Pay.NONE),
            self.order(customer, products, OrderStatus.CANCELLED),
            self.order(customer, products, OrderStatus.RETURNED),
        ]

    def orders(self, customers: list[CustomerRow], products: list[ProductRow]) -> list[_OrderPlan]:
        plans = [plan for customer in customers[:DEMO_ACCOUNTS] for plan in self.demo_orders(customer, products)]
        statuses = list(STATUS_WEIGHTS)
        weights = list(STATUS_WEIGHTS.values())
        while len(plans) < ORDER_COUNT:
            status = self.rng.choices(statuses, weights=weights)[0]
            plans.append(self.order(self.rng.choice(customers), products, status))
        # Numbers follow the order in which orders were placed, as in a real shop.
        return sorted(plans, key=lambda plan: plan.placed_at)

    # -- invoices ---------------------------------------------------------------------------

    def invoices(self, customers: list[CustomerRow], orders: list[_OrderPlan]) -> list[_InvoicePlan]:
        plans = [
            _InvoicePlan(
                order.customer,
                order,
                order.placed_at.date(),
                self.rng.choice((14, 30)),
                order.total,
                order.pay,
                order.placed_at + timedelta(minutes=self.rng.randint(1, 90)),
            )
            for order in orders
            if order.pay is not None
        ]
        # The rest are invoices without an order (assembly and delivery services, gift cards).
        while len(plans) < INVOICE_COUNT:
            issued = self.days_ago(1, 90)
            plans.append(
                _InvoicePlan(
                    self.rng.choice(customers),
                    None,
                    issued,
                    self.rng.choice((14, 30)),
                    Decimal(self.rng.randint(1500, 25000)) / 100,
                    self.rng.choice((Pay.FULL, Pay.NONE, Pay.PARTIAL)),
                    self.moment(issued),
                )
            )
        return sorted(plans, key=lambda plan: (plan.issued_on, plan.first_paid_at))

    def payments(self, plan: _InvoicePlan) -> list[PaymentRow]:
        method = self.rng.choice(PAYMENT_METHODS)
        if plan.pay is Pay.NONE:
            return []
        if plan.pay is Pay.FULL:
            return [PaymentRow(amount=plan.amount, paid_at=plan.first_paid_at, method=method)]
        part = (plan.amount * Decimal(self.rng.randint(20, 60)) / 100).quantize(CENT)
        return [PaymentRow(amount=max(part, CENT), paid_at=plan.first_paid_at, method=method)]


def _add_customers(session: Session, seed: int, today: date) -> dict[str, int]:
    generator = _Generator(seed, today)
    customers = generator.customers()
    products = [
        ProductRow(sku=sku, name=name, price=Decimal(price), currency=CURRENCY) for sku, name, price in PRODUCTS
    ]
    session.add_all(customers)
    session.add_all(products)
    session.flush()  # customer ids, in insertion order: the first five are the demo accounts

    order_plans = generator.orders(customers, products)
    for offset, plan in enumerate(order_plans):
        plan.row = OrderRow(
            number=f"ORD-{FIRST_ORDER_NUMBER + offset}",
            customer_id=plan.customer.id,
            status=plan.status.value,
            placed_at=plan.placed_at,
            carrier=plan.carrier,
            tracking_number=plan.tracking_number,
            eta=plan.eta,
            delivered_on=plan.delivered_on,
            cancelled_at=plan.cancelled_at,
            currency=CURRENCY,
            lines=[
                OrderLineRow(product=product, quantity=qty, unit_price=product.price) for product, qty in plan.lines
            ],
        )
        if plan.returned_at is not None:
            plan.row.return_authorization = ReturnRow(
                number=return_number(plan.row.number), created_at=plan.returned_at, refund_amount=plan.total
            )
        session.add(plan.row)

    invoice_plans = generator.invoices(customers, order_plans)
    for offset, invoice in enumerate(invoice_plans):
        session.add(
            InvoiceRow(
                number=f"INV-{FIRST_INVOICE_NUMBER + offset}",
                customer_id=invoice.customer.id,
                order=invoice.order.row if invoice.order is not None else None,
                issued_on=invoice.issued_on,
                due_on=invoice.issued_on + timedelta(days=invoice.due_days),
                amount=invoice.amount,
                currency=CURRENCY,
                payments=generator.payments(invoice),
            )
        )
    session.flush()
    return {
        "customers": len(customers),
        "products": len(products),
        "orders": len(order_plans),
        "invoices": len(invoice_plans),
    }


def _add_all(session: Session, seed: int, today: date) -> dict[str, int]:
    return {**_add_customers(session, seed, today), **add_hr(session, seed, today)}


def seed(session_or_engine: Session | Engine, seed: int = 42, today: date | None = None) -> dict[str, int]:
    """Add the demo company; returns row counts. A session is only flushed: its owner commits."""
    day = today or date.today()
    if isinstance(session_or_engine, Session):
        return _add_all(session_or_engine, seed, day)
    with Session(session_or_engine) as session, session.begin():
        return _add_all(session, seed, day)


def seed_if_empty(engine: Engine, seed: int = 42, today: date | None = None) -> bool:
    """Seed each side of the company (customers, HR) that has no rows yet, so start-up scripts
    can always call it and a database from before the HR tables gets its staff too."""
    day = today or date.today()
    with Session(engine) as session, session.begin():
        seeded = False
        if not session.scalar(select(func.count()).select_from(CustomerRow)):
            _add_customers(session, seed, day)
            seeded = True
        if not has_employees(session):
            add_hr(session, seed, day)
            seeded = True
        return seeded
