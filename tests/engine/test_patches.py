"""The engine patches (engine/patches.py) keep Rasa's results exactly: checked inside the real engine.

The check runs in the engine environment (Python 3.10, rasa 3.6) on the trained model;
this test, in the app environment, runs it and asserts on what it reports.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

ROOT = Path(__file__).resolve().parents[2]
ENGINE_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
MODEL = ROOT / "models" / "assistant.tar.gz"
CHECK = Path(__file__).with_name("engine_patch_check.py")


@pytest.fixture(scope="module")
def report() -> dict[str, Any]:
    if not ENGINE_PYTHON.exists() or not MODEL.exists():
        pytest.fail("The engine check needs .venv-rasa and a trained model: run `make setup train`.", pytrace=False)
    result = subprocess.run(
        [str(ENGINE_PYTHON), str(CHECK), str(MODEL)],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
        env={"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "PATH": "/usr/bin:/bin"},
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("ENGINE-CHECK ")]
    assert result.returncode == 0 and lines, f"engine check failed:\n{result.stdout[-2000:]}\n{result.stderr[-4000:]}"
    return json.loads(lines[-1].removeprefix("ENGINE-CHECK "))


def test_action_replies_are_accepted_and_rejected_exactly_as_by_rasa(report: dict[str, Any]) -> None:
    validator = report["validator"]
    assert validator["patched"]
    cases = validator["cases"]
    assert any(c["original"] is None for c in cases) and any(c["original"] is not None for c in cases)
    for case in cases:
        assert case["patched"] == case["original"], case


def test_ted_predictions_from_the_cache_equal_rasas_own(report: dict[str, Any]) -> None:
    ted = report["ted"]
    assert ted["patched"]
    assert ted["compared"] >= 200  # every action of every story, each predicted twice
    assert ted["cache_hits"] >= ted["compared"] // 2  # the second prediction of each state is a hit
    assert ted["mismatches"] == 0, ted
    assert ted["max_abs_difference"] <= 1e-6
