"""`assistant db upgrade`, `assistant demo seed` and `assistant demo accounts` end to end."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from assistant.settings import get_settings
from backoffice.sql.engine import dispose_engines
from operations.cli import app


@pytest.fixture
def var_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    get_settings.cache_clear()
    yield tmp_path
    dispose_engines(get_settings().backoffice_db_url)
    get_settings.cache_clear()


def test_seed_once_list_accounts_and_reset(var_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    assert (var_dir / "backoffice.db").exists()

    first = runner.invoke(app, ["demo", "seed"])
    assert first.exit_code == 0 and "Seeded" in first.output
    again = runner.invoke(app, ["demo", "seed"])
    assert again.exit_code == 0 and "nothing seeded" in again.output

    listed = runner.invoke(app, ["demo", "accounts", "--json", "--limit", "2"])
    assert listed.exit_code == 0
    accounts = json.loads(listed.output)
    assert len(accounts) == 2 and accounts[0]["email"] and accounts[0]["orders"]["shipped"].startswith("ORD-")

    table = runner.invoke(app, ["demo", "accounts"])
    assert table.exit_code == 0 and accounts[0]["email"] in table.output and "overdue invoice" in table.output

    reseeded = runner.invoke(app, ["demo", "seed", "--reset", "--seed", "7"])
    assert reseeded.exit_code == 0 and "Seeded" in reseeded.output
    other = json.loads(runner.invoke(app, ["demo", "accounts", "--json", "--limit", "2"]).output)
    assert other != accounts


def test_demo_employees(var_dir: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["demo", "seed"]).exit_code == 0

    listed = runner.invoke(app, ["demo", "employees", "--json"])
    assert listed.exit_code == 0
    employees = json.loads(listed.output)
    assert len(employees) == 3
    first = employees[0]
    assert first["email"].endswith("@northwind.example") and first["slack_user_id"].startswith("U0NW")
    assert first["manager_email"] and first["pending_request"].startswith("LR-")

    table = runner.invoke(app, ["demo", "employees", "--limit", "1"])
    assert table.exit_code == 0 and first["email"] in table.output and first["manager_name"] in table.output
    assert employees[1]["email"] not in table.output
