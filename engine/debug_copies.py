"""Rasa's debug-log copies made only when debug logging is on.

Why: Rasa 3.6 writes structured debug logs such as
`structlogger.debug("memoization.predict.actions", tracker_states=copy.deepcopy(states))`.
Python evaluates the arguments before the call, so every prediction deep-copies the whole
conversation's dialogue states even when the debug level is filtered out and the call does
nothing: 7.7% of the Rasa server's CPU under an order-status load (py-spy, 32 concurrent
conversations), for a log line nobody writes.

The fix: in the Rasa modules listed below, the module's name `copy` is bound to a stand-in whose
`deepcopy` returns its argument as it is while structlog filters debug out, and copies as before
when debug logging is on. It is installed only where every use of `copy` in the module's source
is a `copy.deepcopy(...)` argument of a `structlogger.debug(...)` call (checked on the source at
start-up), so no copy anything relies on is ever skipped; a Rasa upgrade that uses `copy` for
anything else in those modules fails loudly at start-up.
"""

from __future__ import annotations

import ast
import copy as _copy
import importlib
import inspect
import logging
from typing import Any

from engine.patches import PatchTargetChanged

logger = logging.getLogger(__name__)

# The modules whose debug logs copied dialogue states or form slots on every turn.
MODULES = (
    "rasa.core.policies.memoization",
    "rasa.core.policies.rule_policy",
    "rasa.core.actions.forms",
)
LOGGER_NAME = "structlogger"


def structlog_debug_on() -> bool:
    """Whether structlog writes debug events (Rasa configures a filtering logger; a filtered level is a no-op)."""
    import structlog

    wrapper = structlog.get_config().get("wrapper_class")
    debug = getattr(wrapper, "debug", None)
    return debug is None or getattr(debug, "__name__", "") != "_nop"


class _CopiesForDebugLogs:
    """Stands in for the `copy` module where its only use is to copy debug-log arguments."""

    def deepcopy(self, value: Any, memo: dict[int, Any] | None = None) -> Any:
        return _copy.deepcopy(value, memo) if structlog_debug_on() else value

    def __getattr__(self, name: str) -> Any:
        return getattr(_copy, name)


def copies_only_for_debug_logs(source: str) -> bool:
    """Whether every `copy.<x>` in the source is `copy.deepcopy(...)` passed to `structlogger.debug(...)`."""
    tree = ast.parse(source)
    allowed: set[int] = set()
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "debug"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == LOGGER_NAME
        ):
            for value in [*node.args, *(keyword.value for keyword in node.keywords)]:
                if isinstance(value, ast.Call):
                    allowed.add(id(value.func))
    uses = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id == "copy"
    ]
    return all(use.attr == "deepcopy" and id(use) in allowed for use in uses)


def install(modules: tuple[str, ...] = MODULES) -> None:
    """Bind `copy` in each module to the stand-in, after checking the module's source; idempotent."""
    for name in modules:
        module = importlib.import_module(name)
        if isinstance(getattr(module, "copy", None), _CopiesForDebugLogs):
            continue
        if getattr(module, "copy", None) is not _copy or not copies_only_for_debug_logs(inspect.getsource(module)):
            raise PatchTargetChanged(f"{name} uses `copy` beyond debug logs; review engine/debug_copies.py")
        module.copy = _CopiesForDebugLogs()  # type: ignore[attr-defined]
    logger.debug("engine patch: debug-log copies only with debug logging on (%s)", ", ".join(modules))
