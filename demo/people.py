"""Who the demo website's sign-in offers: a few demo customers and employees of the seeded company.

Read from the back office through its ports, so the list matches whatever the database holds
now (after a demo has cancelled an order, say). Only the SQL adapters can list demo people; with
any other back office behind the ports the sign-in simply offers nobody.
"""

from __future__ import annotations

from dataclasses import dataclass

DEMO_CUSTOMERS = 3
DEMO_EMPLOYEES = 2


@dataclass(frozen=True)
class DemoPerson:
    """Someone the demo sign-in offers: `key` is what the form sends (`customer:1`)."""

    key: str
    role: str
    subject: str
    name: str
    detail: str
    open_invoice: str | None = None


def demo_people() -> list[DemoPerson]:
    """A few demo customers and employees, read from the back office (so they match its data)."""
    from backoffice.sql.hr import SqlHR
    from backoffice.sql.orders import SqlOrders
    from backoffice.wiring import hr_port, orders_port
    from demo.accounts import demo_accounts
    from demo.employees import demo_employees

    people: list[DemoPerson] = []
    orders, hr = orders_port(), hr_port()
    if isinstance(orders, SqlOrders):
        people += [
            DemoPerson(f"customer:{a.customer_id}", "customer", str(a.customer_id), a.name, a.email, a.open_invoice)
            for a in demo_accounts(orders, DEMO_CUSTOMERS)
        ]
    if isinstance(hr, SqlHR):
        people += [
            DemoPerson(f"employee:{e.employee_id}", "employee", str(e.employee_id), e.name, e.department)
            for e in demo_employees(hr, DEMO_EMPLOYEES)
        ]
    return people
