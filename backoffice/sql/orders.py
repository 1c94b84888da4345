"""`OrdersPort` on the embedded SQL back office.

Every lookup is scoped to the verified customer, so another customer's order is
indistinguishable from a missing one (`NotFound` with the same message).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta

from sqlalchemy import Engine, Select, exc, func, select
from sqlalchemy.orm import Session, sessionmaker

from backoffice.attempts import Cap, client_key, default_caps, email_key, reference_key
from backoffice.domain import (
    CANCELLABLE_STATUSES,
    Customer,
    Order,
    OrderLine,
    OrderStatus,
    ReturnAuthorization,
    normalise_invoice_number,
    normalise_order_number,
)
from backoffice.errors import NotAllowed, NotFound
from backoffice.sql.adapter import SqlAdapter, utc_now
from backoffice.sql.models import CustomerRow, InvoiceRow, OrderRow, ReturnRow, VerificationFailureRow

CANCEL_REFUSALS = {
    OrderStatus.SHIPPED: "already_shipped",
    OrderStatus.DELIVERED: "already_delivered",
    OrderStatus.CANCELLED: "already_cancelled",
    OrderStatus.RETURNED: "already_returned",
}
RETURN_REFUSALS = {
    OrderStatus.PENDING: "not_delivered",
    OrderStatus.PAID: "not_delivered",
    OrderStatus.PACKED: "not_delivered",
    OrderStatus.SHIPPED: "not_delivered",
    OrderStatus.CANCELLED: "already_cancelled",
    OrderStatus.RETURNED: "already_returned",
}
ORDER_NOT_FOUND = "no such order for this customer"


def return_number(order_number: str) -> str:
    """`ORD-10042` -> `RMA-70042`: one return per order, so the order number makes it unique."""
    return f"RMA-{60000 + int(order_number.removeprefix('ORD-'))}"


def customer_from_row(row: CustomerRow) -> Customer:
    return Customer(id=row.id, name=row.name, email=row.email)


def order_from_row(row: OrderRow) -> Order:
    return Order(
        number=row.number,
        customer_id=row.customer_id,
        status=OrderStatus(row.status),
        placed_at=row.placed_at,
        total=row.total,
        currency=row.currency,
        lines=tuple(
            OrderLine(product_name=line.product.name, quantity=line.quantity, unit_price=line.unit_price)
            for line in row.lines
        ),
        carrier=row.carrier,
        tracking_number=row.tracking_number,
        eta=row.eta,
        delivered_on=row.delivered_on,
        cancelled_at=row.cancelled_at,
    )


def return_from_row(row: ReturnRow) -> ReturnAuthorization:
    return ReturnAuthorization(
        number=row.number,
        order_number=row.order.number,
        created_at=row.created_at,
        refund_amount=row.refund_amount,
        currency=row.order.currency,
    )


class SqlOrders(SqlAdapter):
    """Orders, cancellations, returns and identity checks against the back-office tables."""

    def __init__(
        self,
        sessions: sessionmaker[Session] | Engine,
        *,
        today: Callable[[], date] = date.today,
        return_window_days: int | None = None,
        caps: dict[str, Cap] | None = None,
        now: Callable[[], datetime] = utc_now,
    ) -> None:
        super().__init__(sessions, today=today)
        self.now = now
        if return_window_days is None:
            from assistant.settings import get_settings

            return_window_days = get_settings().return_window_days
        self.return_window_days = return_window_days
        self.caps = caps or default_caps()

    def verify_customer(self, reference: str, email: str, client: str | None = None) -> Customer | None:
        key = normalise_order_number(reference) or normalise_invoice_number(reference)
        wanted = (email or "").strip().lower()
        if key is None or not wanted:
            return None
        keys = {"reference": reference_key(key), "email": email_key(wanted)}
        if client:
            keys["client"] = client_key(client)
        with self.transaction() as session:
            now = self.now()
            if self._locked(session, keys, now):
                raise NotAllowed("too_many_attempts")
            query = self._customer_by_reference(key)
            row = (
                session.scalars(query.where(func.lower(CustomerRow.email) == wanted)).one_or_none()
                if query is not None
                else None
            )
            if row is None:
                # Counted for unknown references too, so the count says nothing about existence.
                session.add_all(VerificationFailureRow(reference=k, failed_at=now) for k in keys.values())
                return None
            return customer_from_row(row)

    def _locked(self, session: Session, keys: dict[str, str], now: datetime) -> bool:
        """Is any of the keys of this attempt locked by its cap?"""
        for kind, key in keys.items():
            cap = self.caps[kind]
            if cap.limit <= 0:
                continue
            failures = session.scalars(
                select(VerificationFailureRow.failed_at).where(
                    VerificationFailureRow.reference == key, VerificationFailureRow.failed_at >= now - cap.memory
                )
            ).all()
            if cap.locked_until(list(failures), now) is not None:
                return True
        return False

    def get_customer(self, customer_id: int) -> Customer:
        with self.transaction() as session:
            row = session.get(CustomerRow, customer_id)
            if row is None:
                raise NotFound("no such customer")
            return customer_from_row(row)

    def get_order(self, order_number: str, customer_id: int) -> Order:
        with self.transaction() as session:
            return order_from_row(self._own_order(session, order_number, customer_id))

    def list_orders(self, customer_id: int, limit: int = 5) -> list[Order]:
        query = (
            select(OrderRow)
            .where(OrderRow.customer_id == customer_id)
            .order_by(OrderRow.placed_at.desc(), OrderRow.id.desc())
            .limit(max(limit, 0))
        )
        with self.transaction() as session:
            return [order_from_row(row) for row in session.scalars(query)]

    def cancel_order(self, order_number: str, customer_id: int) -> Order:
        with self.transaction() as session:
            row = self._own_order(session, order_number, customer_id, for_update=True)
            status = OrderStatus(row.status)
            if status not in CANCELLABLE_STATUSES:
                raise NotAllowed(CANCEL_REFUSALS[status])
            now = utc_now()
            row.status = OrderStatus.CANCELLED.value
            row.cancelled_at = now
            self._void_unpaid_invoices(session, row, now)
            session.flush()
            return order_from_row(row)

    def create_return(self, order_number: str, customer_id: int, today: date) -> ReturnAuthorization:
        with self.transaction() as session:
            row = self._own_order(session, order_number, customer_id, for_update=True)
            status = OrderStatus(row.status)
            if status in RETURN_REFUSALS or row.delivered_on is None:
                raise NotAllowed(RETURN_REFUSALS.get(status, "not_delivered"))
            if row.return_authorization is not None:
                raise NotAllowed("return_exists")
            if row.delivered_on < today - timedelta(days=self.return_window_days):
                raise NotAllowed("window_expired", delivered_on=row.delivered_on)
            # The order stays `delivered` until the goods are back; the record is the authorisation.
            authorization = ReturnRow(
                number=return_number(row.number), order=row, created_at=utc_now(), refund_amount=row.total
            )
            session.add(authorization)
            try:
                session.flush()
            except exc.IntegrityError as error:  # a concurrent request authorised it first
                raise NotAllowed("return_exists") from error
            return return_from_row(authorization)

    @staticmethod
    def _void_unpaid_invoices(session: Session, order: OrderRow, now: datetime) -> None:
        """Nothing is owed for a cancelled order: void its invoices that have no payment yet.

        An invoice with payments stays as it is, for the refund (not handled here). The
        invoice rows are locked first, so a payment racing the cancellation either lands
        before (and the invoice is kept) or sees the void and is refused.
        """
        query = select(InvoiceRow).where(InvoiceRow.order_id == order.id).with_for_update(of=InvoiceRow)
        for invoice in session.scalars(query):
            if invoice.voided_at is None and not invoice.payments:
                invoice.voided_at = now

    @staticmethod
    def _customer_by_reference(reference: str) -> Select[CustomerRow] | None:
        """Customers owning the order or invoice that `reference` names, in any spelling."""
        order_number = normalise_order_number(reference)
        if order_number is not None:
            return (
                select(CustomerRow)
                .join(OrderRow, OrderRow.customer_id == CustomerRow.id)
                .where(OrderRow.number == order_number)
            )
        invoice_number = normalise_invoice_number(reference)
        if invoice_number is not None:
            return (
                select(CustomerRow)
                .join(InvoiceRow, InvoiceRow.customer_id == CustomerRow.id)
                .where(InvoiceRow.number == invoice_number)
            )
        return None

    @staticmethod
    def _own_order(session: Session, order_number: str, customer_id: int, for_update: bool = False) -> OrderRow:
        number = normalise_order_number(order_number)
        if number is None:
            raise NotFound(ORDER_NOT_FOUND)
        query = select(OrderRow).where(OrderRow.number == number, OrderRow.customer_id == customer_id)
        row = session.scalars(query.with_for_update() if for_update else query).one_or_none()
        if row is None:
            raise NotFound(ORDER_NOT_FOUND)
        return row
