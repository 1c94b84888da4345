"""Rasa's debug-log copies (engine/debug_copies.py): skipped only while debug logging is off, and only
where the module's source shows that nothing else relies on them. Runs in the real engine environment."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

CHECK = Path(__file__).with_name("debug_copies_check.py")


@pytest.fixture(scope="module")
def report(engine_check: Callable[..., Any]) -> dict[str, Any]:
    result: dict[str, Any] = engine_check(CHECK, timeout_s=300)
    return result


def test_the_stand_in_is_installed_in_rasas_policy_and_form_modules(report: dict[str, Any]) -> None:
    assert set(report["installed"]) == {
        "rasa.core.policies.memoization",
        "rasa.core.policies.rule_policy",
        "rasa.core.actions.forms",
    }
    assert set(report["installed"].values()) == {"_CopiesForDebugLogs"}


def test_a_debug_log_argument_is_copied_only_when_debug_logging_is_on(report: dict[str, Any]) -> None:
    for module, made in report["copies"].items():
        assert made == {"INFO": False, "DEBUG": True}, module


def test_only_deep_copies_passed_straight_to_a_debug_log_are_accepted(report: dict[str, Any]) -> None:
    assert report["accepted_sources"] == {
        "debug_log_argument": True,
        "info_log_argument": False,
        "kept_copy": False,
        "shallow_copy_in_debug_log": False,
        "copy_inside_a_debug_argument": False,
        "no_copy": True,
    }


def test_a_module_that_keeps_a_copy_is_refused_at_start_up(report: dict[str, Any]) -> None:
    assert report["refused_module"]
