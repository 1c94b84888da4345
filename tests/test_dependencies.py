"""Every third-party package our code imports is declared where its environment is installed from (issue 19).

A package that arrives only as some other package's dependency works until that package
drops it or pins another version; then a fresh `make setup` breaks far from the import.
So each module's imports (all of them, lazy ones in functions included; not the optional
ones inside `try` or under `TYPE_CHECKING`) are mapped to their distributions with
`importlib.metadata.packages_distributions()` of the environment that runs the module, and
each must be named in that environment's list:

- the app environment (.venv, Python 3.11): pyproject.toml's dependencies and its `postgres`
  extra (`make setup` always installs it; the scale profile's code imports psycopg), and for
  scripts and tests also its `dev` extra;
- the engine environment (.venv-rasa, Python 3.10): requirements-rasa.txt, for engine/, the
  checks tests/engine/*_check.py and scripts/committee_votes.py run there, and every module of ours those import (say
  assistant.pii, which the engine's log redaction uses).
"""

from __future__ import annotations

import ast
import importlib.metadata
import json
import re
import subprocess
import sys
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
PACKAGES = (
    "assistant", "backoffice", "knowledge", "handoff", "analytics", "privacy", "demo", "actions", "api",
    "operations", "rasa_sdk_plugins", "engine",
)  # fmt: skip
# Scripts import each other by file name (scripts/ is on their path) and tests their conftest.
LOCAL_NAMES = frozenset(
    {path.stem for folder in ("scripts", "tests") for path in (ROOT / folder).rglob("*.py")} | {"tests"}
)


@dataclass(frozen=True)
class Import:
    """One imported top-level name and where."""

    name: str
    path: Path
    line: int


def normalised(distribution: str) -> str:
    """PEP 503: `Python_Socketio` and `python-socketio` are one distribution."""
    return re.sub(r"[-_.]+", "-", distribution).lower()


def _optional_lines(tree: ast.AST) -> set[int]:
    """Lines of imports that may fail on purpose: inside `try` (with a handler) or `if TYPE_CHECKING`."""
    lines: set[int] = set()
    for node in ast.walk(tree):
        guarded: list[ast.stmt] = []
        if (isinstance(node, ast.Try) and node.handlers) or (
            isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
        ):
            guarded = node.body
        for statement in guarded:
            for inner in ast.walk(statement):
                if isinstance(inner, ast.Import | ast.ImportFrom):
                    lines.add(inner.lineno)
    return lines


def imports_of(path: Path) -> Iterator[Import]:
    """The top-level names a module imports (absolute imports only; relative ones are ours)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    optional = _optional_lines(tree)
    for node in ast.walk(tree):
        if getattr(node, "lineno", None) in optional:
            continue
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(alias.name.split(".")[0], path, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            yield Import(node.module.split(".")[0], path, node.lineno)


def module_path(dotted: str) -> Path | None:
    """The file of one of our modules (`assistant.pii` -> assistant/pii.py), if it is one."""
    base = ROOT.joinpath(*dotted.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def ours_imported_by(path: Path) -> Iterator[Path]:
    """Our modules a file imports, by their full dotted names (`from assistant import catalog` included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        for name in names:
            if name.split(".")[0] in PACKAGES:
                parts = name.split(".")
                for end in range(1, len(parts) + 1):  # a package's __init__ runs too
                    found = module_path(".".join(parts[:end]))
                    if found is not None:
                        yield found


def closure(start: Iterable[Path]) -> set[Path]:
    """The start files and every module of ours they import, transitively."""
    seen: set[Path] = set()
    todo = list(start)
    while todo:
        path = todo.pop()
        if path in seen:
            continue
        seen.add(path)
        todo.extend(ours_imported_by(path))
    return seen


def python_files(*folders: str) -> list[Path]:
    return sorted(path for folder in folders for path in (ROOT / folder).rglob("*.py"))


# Scripts run by the engine's Python (they load a trained model): scripts/tune_committee.py runs this one.
ENGINE_SCRIPTS = [ROOT / "scripts" / "committee_votes.py"]


def engine_files() -> set[Path]:
    """What runs in the Rasa engine's environment, with the modules of ours it imports."""
    return closure([*python_files("engine"), *(ROOT / "tests" / "engine").glob("*_check.py"), *ENGINE_SCRIPTS])


def app_files() -> tuple[list[Path], list[Path]]:
    """The app environment's runtime modules, and its scripts and tests (which may use the extras)."""
    runtime = [path for package in PACKAGES if package != "engine" for path in python_files(package)]
    checks = set((ROOT / "tests" / "engine").glob("*_check.py")) | set(ENGINE_SCRIPTS)
    tooling = [path for path in python_files("scripts", "tests") if path not in checks]
    return runtime, tooling


def declared_app(dev: bool) -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    lines = [*project["dependencies"], *extras["postgres"], *(extras["dev"] if dev else [])]
    return {normalised(Requirement(line).name) for line in lines}


def declared_engine() -> set[str]:
    lines = (ROOT / "requirements-rasa.txt").read_text().splitlines()
    return {normalised(Requirement(line).name) for line in (line.split("#")[0].strip() for line in lines) if line}


def undeclared(files: Iterable[Path], distributions: dict[str, list[str]], declared: set[str]) -> list[str]:
    """'path:line imports X (distribution D)' for every third-party import whose distribution is not declared."""
    missing: list[str] = []
    for path in sorted(set(files)):
        for found in imports_of(path):
            name = found.name
            if name in sys.stdlib_module_names or name in PACKAGES or name in LOCAL_NAMES or name == "__future__":
                continue
            # A distribution without a file list (rasa's wheel) is missing from the map: its own name then.
            owners = {normalised(owner) for owner in distributions.get(name, [name])}
            if not owners & declared:
                shown = ", ".join(sorted(owners)) or "not installed"
                shown_path = path.relative_to(ROOT) if path.is_relative_to(ROOT) else path
                missing.append(f"{shown_path}:{found.line} imports {name} ({shown})")
    return missing


def test_the_app_environment_declares_what_its_modules_import() -> None:
    runtime, tooling = app_files()
    distributions = {name: list(owners) for name, owners in importlib.metadata.packages_distributions().items()}
    missing = undeclared(runtime, distributions, declared_app(dev=False))
    missing += undeclared(tooling, distributions, declared_app(dev=True))
    assert not missing, "declare in pyproject.toml:\n" + "\n".join(missing)


@pytest.mark.skipif(not RASA_PYTHON.exists(), reason="the engine environment (.venv-rasa) is not set up")
def test_the_engine_environment_declares_what_its_modules_import() -> None:
    dump = "import importlib.metadata, json; print(json.dumps(importlib.metadata.packages_distributions()))"
    result = subprocess.run([str(RASA_PYTHON), "-c", dump], capture_output=True, text=True, timeout=120, check=True)
    distributions: dict[str, list[str]] = json.loads(result.stdout)
    missing = undeclared(engine_files(), distributions, declared_engine())
    assert not missing, "declare in requirements-rasa.txt:\n" + "\n".join(missing)


def test_the_walk_finds_imports_and_skips_optional_ones(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text(
        "import os, yaml.constructor\nfrom httpx import Client\nfrom . import sibling\n"
        "try:\n    import spacy\nexcept ImportError:\n    spacy = None\n"
        "def lazy():\n    import numpy\n"
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import torch\n"
    )
    assert sorted(found.name for found in imports_of(module)) == ["httpx", "numpy", "os", "typing", "yaml"]
    distributions = {"yaml": ["PyYAML"], "httpx": ["httpx"], "numpy": ["numpy"]}
    report = [line.split(" imports ")[1] for line in undeclared([module], distributions, {"httpx", "pyyaml"})]
    assert report == ["numpy (numpy)"]


def test_the_engine_closure_follows_our_imports() -> None:
    """engine/redaction.py masks logs with assistant.pii, so assistant.pii must install in the engine too."""
    assert ROOT / "assistant" / "pii.py" in engine_files()
