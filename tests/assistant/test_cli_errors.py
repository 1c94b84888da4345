"""A newcomer's first commands (issue 20.4): what is not set up yet is said in one line, with the fix.

The commands run as a person runs them — `python -m operations.cli ...` in a fresh process, on a
var folder where nothing was set up — and the output is read as they would read it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from assistant.identity import read_channel_token
from assistant.settings import Settings
from operations import cli_errors, processes
from operations.cli import app

ROOT = Path(__file__).resolve().parents[2]
SETTINGS_ENV = ("DATABASE_URL", "TRACKER_STORE_URL", "CHROMA_URL", "STACK_PROFILE", "KNOWLEDGE_DIR")


def assistant(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """`assistant ARGS` in a new process, with only `env` changed from a clean environment."""
    base = {key: value for key, value in os.environ.items() if key not in SETTINGS_ENV}
    return subprocess.run(
        [sys.executable, "-m", "operations.cli", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**base, "ASSISTANT_ENV": "local", **env},
        timeout=120,
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 1, result
    assert result.stdout == "", result.stdout
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


def test_demo_accounts_before_anything_was_set_up_says_to_seed(tmp_path: Path) -> None:
    line = one_line(assistant("demo", "accounts", env={"VAR_DIR": str(tmp_path)}))
    assert "has no tables yet" in line and "`make seed`" in line, line
    assert "Traceback" not in line


def test_a_database_that_does_not_answer_is_named(tmp_path: Path) -> None:
    env = {"VAR_DIR": str(tmp_path), "DATABASE_URL": "postgresql+psycopg://who:secret@127.0.0.1:9/none"}
    line = one_line(assistant("demo", "employees", env=env))
    assert "back-office database" in line and "is not answering" in line, line
    assert "secret" not in line  # the password is not printed


def test_demo_token_prints_a_signed_token_for_a_demo_person(app_db_url: str, app_settings: Settings) -> None:
    result = assistant("demo", "token", "customer", "1", env={"DATABASE_URL": app_db_url})
    assert result.returncode == 0, result.stderr
    identity = read_channel_token(result.stdout.strip(), app_settings.identity_secret)
    assert identity is not None and (identity.role, identity.subject) == ("customer", "1")
    assert identity.name

    line = one_line(assistant("demo", "token", "employee", "99999", env={"DATABASE_URL": app_db_url}))
    assert "no employee 99999" in line and "assistant demo employees" in line, line


def test_starting_the_stack_without_a_trained_model_says_to_train(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VAR_DIR", str(tmp_path))
    monkeypatch.setattr(processes, "MODEL", tmp_path / "models" / "assistant.tar.gz")
    with pytest.raises(SystemExit) as exit_info:
        app(["stack", "up"])
    assert exit_info.value.code == 1
    assert capsys.readouterr().err.strip() == (
        f"error: there is no trained model at {tmp_path / 'models' / 'assistant.tar.gz'}. "
        "Fix: `make train` (`make run` trains it)"
    )
    assert not (tmp_path / "run").exists()  # nothing was started


def test_a_service_that_does_not_answer_means_the_stack_is_not_up(app_settings: Settings) -> None:
    with pytest.raises(httpx.ConnectError) as refused:
        httpx.get("http://127.0.0.1:9/health", timeout=2)  # port 9: nothing listens
    problem = cli_errors.explain(refused.value, app_settings)
    assert problem is not None and "stack is not up" in problem.what and "`make up`" in problem.fix


def test_a_bug_keeps_its_traceback(app_settings: Settings) -> None:
    assert cli_errors.explain(KeyError("order_number"), app_settings) is None


def test_a_document_store_that_does_not_answer_is_named(tmp_path: Path) -> None:
    """`assistant knowledge ask` with CHROMA_URL pointing where nothing listens: one line, not a traceback."""
    env = {"VAR_DIR": str(tmp_path), "CHROMA_URL": "http://127.0.0.1:9"}
    line = one_line(assistant("knowledge", "ask", "what is the return policy?", "--json", env=env))
    assert "not answering" in line and "127.0.0.1:9" in line, line  # the Chroma server or the document store
