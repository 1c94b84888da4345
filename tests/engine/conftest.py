"""Running a check script inside the engine environment (Python 3.10, rasa 3.6) and reading its report.

The engine's code can only be exercised where Rasa is installed; each `*_check.py` here runs
there, prints one `ENGINE-CHECK {json}` line, and the app environment's tests assert on it.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
ENGINE_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
ENGINE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"}
PREFIX = "ENGINE-CHECK "


def run_engine_check(script: Path, *args: str, stdin: str | None = None, timeout_s: float = 600) -> Any:
    """The report `script` prints when run by the engine's Python from the repository root."""
    if not ENGINE_PYTHON.exists():
        pytest.fail("The engine checks need .venv-rasa: run `make setup`.", pytrace=False)
    result = subprocess.run(
        [str(ENGINE_PYTHON), str(script), *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=timeout_s,
        cwd=ROOT,
        env=ENGINE_ENV,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith(PREFIX)]
    failure = f"{script.name} failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    assert result.returncode == 0 and lines, failure
    return json.loads(lines[-1].removeprefix(PREFIX))


@pytest.fixture(scope="session")
def engine_check() -> Callable[..., Any]:
    return run_engine_check
