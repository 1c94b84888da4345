"""Tables of the embedded back office (SQLAlchemy 2 declarative models).

Only what cannot be derived is stored: an order's total is the sum of its lines and
an invoice's status follows from its amount, payments and due date, so the two can
never disagree with the facts they summarise. Importing this module registers the back
office's tables (the HR ones live in `hr_models`) on `Base.metadata`; the other domain
packages register their own, and `operations/schema.py` imports them all for Alembic.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Numeric, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from backoffice.domain import OrderStatus
from backoffice.sql import hr_models  # noqa: F401  (registers the HR tables on Base.metadata)
from backoffice.sql.base import Base, UtcDateTime

Money = Numeric(12, 2)
ORDER_STATUS_VALUES = tuple(status.value for status in OrderStatus)


class CustomerRow(Base):
    __tablename__ = "customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(254), unique=True)
    phone: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class ProductRow(Base):
    __tablename__ = "products"

    sku: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    price: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))


class OrderRow(Base):
    __tablename__ = "orders"
    __table_args__ = (CheckConstraint(f"status IN {ORDER_STATUS_VALUES!r}", name="status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    placed_at: Mapped[datetime] = mapped_column(UtcDateTime())
    carrier: Mapped[str | None] = mapped_column(String(16))
    tracking_number: Mapped[str | None] = mapped_column(String(40))
    eta: Mapped[date | None] = mapped_column(Date)
    delivered_on: Mapped[date | None] = mapped_column(Date)
    cancelled_at: Mapped[datetime | None] = mapped_column(UtcDateTime())
    currency: Mapped[str] = mapped_column(String(3))

    lines: Mapped[list[OrderLineRow]] = relationship(
        back_populates="order", lazy="selectin", order_by="OrderLineRow.id"
    )
    return_authorization: Mapped[ReturnRow | None] = relationship(back_populates="order", lazy="selectin")

    @property
    def total(self) -> Decimal:
        return sum((line.quantity * line.unit_price for line in self.lines), Decimal("0.00"))


class OrderLineRow(Base):
    __tablename__ = "order_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="quantity_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id", ondelete="CASCADE"), index=True)
    product_sku: Mapped[str] = mapped_column(ForeignKey("products.sku"))
    quantity: Mapped[int]
    unit_price: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[OrderRow] = relationship(back_populates="lines")
    product: Mapped[ProductRow] = relationship(lazy="joined")


class ReturnRow(Base):
    __tablename__ = "returns"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    refund_amount: Mapped[Decimal] = mapped_column(Money)

    order: Mapped[OrderRow] = relationship(back_populates="return_authorization")


class InvoiceRow(Base):
    __tablename__ = "invoices"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(16), unique=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"), index=True)
    order_id: Mapped[int | None] = mapped_column(ForeignKey("orders.id"), index=True)
    issued_on: Mapped[date] = mapped_column(Date)
    due_on: Mapped[date] = mapped_column(Date)
    amount: Mapped[Decimal] = mapped_column(Money)
    currency: Mapped[str] = mapped_column(String(3))
    # Set when the invoice's order was cancelled before any payment: nothing is owed any more.
    voided_at: Mapped[datetime | None] = mapped_column(UtcDateTime())

    order: Mapped[OrderRow | None] = relationship(lazy="joined")
    payments: Mapped[list[PaymentRow]] = relationship(
        back_populates="invoice", lazy="selectin", order_by="PaymentRow.id"
    )

    @property
    def paid(self) -> Decimal:
        return sum((payment.amount for payment in self.payments), Decimal("0.00"))


class PaymentRow(Base):
    __tablename__ = "payments"
    __table_args__ = (CheckConstraint("amount > 0", name="amount_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoices.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money)
    paid_at: Mapped[datetime] = mapped_column(UtcDateTime())
    method: Mapped[str] = mapped_column(String(32))

    invoice: Mapped[InvoiceRow] = relationship(back_populates="payments")


class VerificationFailureRow(Base):
    """One failed identity check, under one attempt key (`backoffice.attempts`): reference, e-mail hash or client."""

    __tablename__ = "verification_failures"
    __table_args__ = (Index("ix_verification_failures_reference", "reference", "failed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(128))
    failed_at: Mapped[datetime] = mapped_column(UtcDateTime())
