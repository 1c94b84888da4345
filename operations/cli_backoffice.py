"""`assistant db ...` and `assistant demo ...`: thin wrappers over `backoffice`."""

from __future__ import annotations

import json
from typing import Annotated, Literal

import typer

from assistant.settings import get_settings

db_app = typer.Typer(help="The back-office database.", no_args_is_help=True)
demo_app = typer.Typer(help="The demo company and its accounts.", no_args_is_help=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration to the back-office database."""
    from operations.schema import upgrade

    upgrade(get_settings().backoffice_db_url)
    typer.echo("Back-office database is up to date.")


@demo_app.command("seed")
def demo_seed(
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same company.")] = 42,
    reset: Annotated[bool, typer.Option("--reset", help="Delete all back-office data first.")] = False,
) -> None:
    """Migrate, then add the demo company unless the database already has customers."""
    from backoffice.sql.engine import make_engine
    from demo.seed import seed_if_empty
    from operations.schema import reset as reset_database
    from operations.schema import upgrade

    url = get_settings().backoffice_db_url
    if reset:
        reset_database(url)
    upgrade(url)
    if seed_if_empty(make_engine(url), seed=seed):
        typer.echo(f"Seeded the demo company (seed {seed}).")
    else:
        typer.echo("The back office already has customers; nothing seeded (use --reset to start over).")


@demo_app.command("accounts")
def demo_accounts_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="How many demo accounts.")] = 5,
) -> None:
    """The demo customers to sign in as, with an order or invoice for every path."""
    from backoffice.sql.engine import make_engine
    from demo.accounts import demo_accounts

    accounts = demo_accounts(make_engine(get_settings().backoffice_db_url), limit=limit)
    if as_json:
        typer.echo(json.dumps([account.to_dict() for account in accounts], indent=2))
        return
    for account in accounts:
        typer.echo(f"{account.name} <{account.email}>  (customer {account.customer_id})")
        rows = {
            **{f"order {status}": number for status, number in account.orders.items()},
            "returnable order": account.returnable_order,
            "expired return order": account.expired_return_order,
            "open invoice": account.open_invoice,
            "overdue invoice": account.overdue_invoice,
        }
        for label, value in rows.items():
            typer.echo(f"  {label:<22} {value or '-'}")
        typer.echo("")


@demo_app.command("employees")
def demo_employees_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON list instead of a table.")] = False,
    limit: Annotated[int, typer.Option(min=1, help="How many demo employees.")] = 3,
) -> None:
    """The demo employees to sign in as on the HR side, with their manager and a pending request."""
    from backoffice.sql.engine import make_engine
    from demo.employees import demo_employees

    employees = demo_employees(make_engine(get_settings().backoffice_db_url), limit=limit)
    if as_json:
        typer.echo(json.dumps([employee.to_dict() for employee in employees], indent=2))
        return
    for employee in employees:
        typer.echo(f"{employee.name} <{employee.email}>  ({employee.number}, {employee.department})")
        rows = {
            "Slack user": employee.slack_user_id,
            "manager": f"{employee.manager_name} <{employee.manager_email}>" if employee.manager_name else None,
            "manager's Slack user": employee.manager_slack_user_id,
            "pending request": employee.pending_request,
        }
        for label, value in rows.items():
            typer.echo(f"  {label:<22} {value or '-'}")
        typer.echo("")


@demo_app.command("token")
def demo_token(
    role: Annotated[Literal["customer", "employee"], typer.Argument(help="customer or employee.")],
    person_id: Annotated[int, typer.Argument(help="The customer's or employee's id (`assistant demo accounts`).")],
    hours: Annotated[int, typer.Option(min=1, max=24 * 30, help="How long the token is valid.")] = 8,
) -> None:
    """A signed channel token for a demo customer or employee: what a page embedding a chat widget passes
    (our widget's `authToken`, rasa-webchat's `customData.auth_token`) once the person has signed in."""
    from sqlalchemy.orm import Session

    from assistant.identity import issue_channel_token
    from backoffice.sql.engine import make_engine
    from backoffice.sql.hr_models import EmployeeRow
    from backoffice.sql.models import CustomerRow
    from operations.cli_errors import NotReady, Problem

    settings = get_settings()
    if settings.assistant_env == "production":
        raise NotReady(Problem("demo tokens are not issued in production", "sign people in through the website"))
    with Session(make_engine(settings.backoffice_db_url)) as session:
        person = session.get(CustomerRow, person_id) if role == "customer" else session.get(EmployeeRow, person_id)
    if person is None:
        lists = "`assistant demo accounts`" if role == "customer" else "`assistant demo employees`"
        raise NotReady(Problem(f"there is no {role} {person_id} in the back office", f"{lists} lists them"))
    typer.echo(issue_channel_token(role, str(person_id), settings.identity_secret, person.name, hours * 3600))
