"""Direct reads of a running stack's back office, to check what a conversation changed.

Through its own engine, never through the app's process-wide caches (the stack's processes
have theirs).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from backoffice.sql.billing import SqlBilling
from backoffice.sql.models import OrderRow, ReturnRow
from backoffice.sql.orders import SqlOrders


@dataclass
class BackofficeReader:
    """Direct reads of the e2e back office, to check what a conversation changed."""

    engine: Engine
    orders: SqlOrders
    billing: SqlBilling

    def order_status(self, number: str) -> str:
        with Session(self.engine) as session:
            return session.scalars(select(OrderRow.status).where(OrderRow.number == number)).one()

    def returns_of(self, number: str) -> list[str]:
        with Session(self.engine) as session:
            query = select(ReturnRow.number).join(OrderRow).where(OrderRow.number == number)
            return list(session.scalars(query))

    def snapshot(self) -> dict[str, Any]:
        """Orders (count and every status) and returns: equal snapshots, nothing changed."""
        with Session(self.engine) as session:
            statuses = {number: status for number, status in session.execute(select(OrderRow.number, OrderRow.status))}
            returns = session.scalar(select(func.count()).select_from(ReturnRow))
        return {"orders": len(statuses), "statuses": statuses, "returns": returns}
