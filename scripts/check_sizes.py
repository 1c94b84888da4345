"""Fails when one of our Python modules is over 500 lines or one of its functions over 80 (issue 19).

    .venv/bin/python scripts/check_sizes.py          # lists every offender, exit 1 when there is one

Why: a module that size does several jobs and a function that long does several steps; both are
split by job instead. `make lint` runs this, so a file grows past the limit only on purpose.
Generated configuration is exempt: Alembic's migrations (operations/migrations/versions/) are
written once by a tool and never edited, so their length says nothing about design.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MAX_MODULE_LINES = 500
MAX_FUNCTION_LINES = 80
# Folders that are not ours (environments, run-time state) or are generated configuration.
SKIPPED_DIRS = frozenset({".venv", ".venv-rasa", "var", "models", "node_modules", ".git", "build", "dist"})
GENERATED = (Path("operations") / "migrations" / "versions",)


@dataclass(frozen=True)
class Offence:
    """One module or function over its limit, as the report prints it."""

    path: Path
    line: int
    what: str
    lines: int
    limit: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.what} is {self.lines} lines (limit {self.limit})"


def our_modules(root: Path) -> Iterator[Path]:
    """Every .py file under root except environments, run-time state and generated migrations."""
    for path in sorted(root.rglob("*.py")):
        relative = path.relative_to(root)
        if any(part in SKIPPED_DIRS or part.startswith(".venv") for part in relative.parts[:-1]):
            continue
        if any(relative.is_relative_to(generated) for generated in GENERATED):
            continue
        yield path


def offences(path: Path, shown_as: Path | None = None) -> list[Offence]:
    """The module itself when over MAX_MODULE_LINES, and each function (nested ones too) over MAX_FUNCTION_LINES.

    A function's length runs from its first decorator to its last line, so a long signature or
    decorator stack counts as what a reader has to take in.
    """
    shown = shown_as or path
    source = path.read_text(encoding="utf-8")
    found: list[Offence] = []
    module_lines = len(source.splitlines())
    if module_lines > MAX_MODULE_LINES:
        found.append(Offence(shown, 1, "module", module_lines, MAX_MODULE_LINES))
    for node in ast.walk(ast.parse(source, filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            first = min([node.lineno, *(decorator.lineno for decorator in node.decorator_list)])
            length = (node.end_lineno or node.lineno) - first + 1
            if length > MAX_FUNCTION_LINES:
                found.append(Offence(shown, first, f"function {node.name}", length, MAX_FUNCTION_LINES))
    return found


def check(paths: Iterable[Path], root: Path) -> list[Offence]:
    """Every offence in the given files, paths shown relative to root."""
    found: list[Offence] = []
    for path in paths:
        found.extend(offences(path, path.relative_to(root) if path.is_relative_to(root) else path))
    return found


def main(argv: list[str] | None = None) -> int:
    """Checks the given files (all of ours when none) and prints each offence; 1 when there is one."""
    args = argv if argv is not None else sys.argv[1:]
    paths = [Path(arg).resolve() for arg in args] if args else list(our_modules(ROOT))
    found = check(paths, ROOT)
    for offence in found:
        print(offence)
    if found:
        print(
            f"{len(found)} over the limits (modules {MAX_MODULE_LINES} lines, functions {MAX_FUNCTION_LINES}): "
            "split them by job",
            file=sys.stderr,
        )
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
