"""The demo website's sign-in offers the first demo customers and employees, as the back office has them."""

from __future__ import annotations

from sqlalchemy import Engine

from demo.accounts import DemoAccount
from demo.employees import demo_employees
from demo.people import DEMO_CUSTOMERS, DEMO_EMPLOYEES, demo_people


def test_the_first_demo_customers_then_employees(app_accounts: list[DemoAccount], app_engine: Engine) -> None:
    people = demo_people()
    customers = [person for person in people if person.role == "customer"]
    employees = [person for person in people if person.role == "employee"]
    assert people == customers + employees
    assert [(p.key, p.name, p.detail, p.open_invoice) for p in customers] == [
        (f"customer:{a.customer_id}", a.name, a.email, a.open_invoice) for a in app_accounts[:DEMO_CUSTOMERS]
    ]
    assert [(p.key, p.name, p.detail) for p in employees] == [
        (f"employee:{e.employee_id}", e.name, e.department) for e in demo_employees(app_engine, DEMO_EMPLOYEES)
    ]
    assert all(person.open_invoice for person in customers), "each demo customer has an invoice to pay"
