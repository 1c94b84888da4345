"""Run under the engine environment (`.venv-rasa/bin/python`): Rasa's debug-log copies (engine/debug_copies.py).

Installs the stand-in in Rasa's modules and reports, with structlog configured by Rasa at info and at
debug level, whether a debug-log copy is made; which sources the install accepts; and whether a module
that uses `copy` for anything else is refused. Prints one `ENGINE-CHECK {...}` line for
`test_debug_copies.py`.
"""

from __future__ import annotations

import importlib
import json
import logging
import sys
import tempfile
from pathlib import Path

from rasa.utils.log_utils import configure_structlog

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine import debug_copies  # noqa: E402

SOURCES = {
    "debug_log_argument": 'structlogger.debug("event", states=copy.deepcopy(states))\n',
    "info_log_argument": 'structlogger.info("event", states=copy.deepcopy(states))\n',
    "kept_copy": "kept = copy.deepcopy(states)\n",
    "shallow_copy_in_debug_log": 'structlogger.debug("event", states=copy.copy(states))\n',
    "copy_inside_a_debug_argument": 'structlogger.debug("event", n=len(copy.deepcopy(states)))\n',
    "no_copy": 'structlogger.debug("event", states=states)\n',
}


def copies(module_name: str) -> dict[str, bool]:
    """At info and at debug level: does `copy.deepcopy` in the module return a new object?"""
    module = importlib.import_module(module_name)
    value = [{"intent": "greet"}]
    made = {}
    for level in (logging.INFO, logging.DEBUG):
        configure_structlog(level)
        copied = module.copy.deepcopy(value)
        made[logging.getLevelName(level)] = copied is not value and copied == value
    return made


def refused_module() -> bool:
    """A module that keeps a deep copy (not a log argument) is refused at install."""
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "keeps_a_copy.py").write_text(
            "import copy\nimport structlog\nstructlogger = structlog.get_logger()\n"
            "def f(states):\n    kept = copy.deepcopy(states)\n"
            '    structlogger.debug("event", states=copy.deepcopy(states))\n    return kept\n'
        )
        sys.path.insert(0, folder)
        try:
            debug_copies.install(("keeps_a_copy",))
        except debug_copies.PatchTargetChanged:
            return True
        finally:
            sys.path.remove(folder)
        return False


def main() -> None:
    debug_copies.install()
    debug_copies.install()  # idempotent
    report = {
        "installed": {name: type(importlib.import_module(name).copy).__name__ for name in debug_copies.MODULES},
        "copies": {name: copies(name) for name in debug_copies.MODULES},
        "accepted_sources": {name: debug_copies.copies_only_for_debug_logs(source) for name, source in SOURCES.items()},
        "refused_module": refused_module(),
    }
    print("ENGINE-CHECK " + json.dumps(report))


if __name__ == "__main__":
    main()
