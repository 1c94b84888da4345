"""The size check `make lint` runs (scripts/check_sizes.py) catches what it should and nothing else."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from check_sizes import MAX_FUNCTION_LINES, MAX_MODULE_LINES, main, offences, our_modules


def _function(name: str, body_lines: int, indent: str = "") -> str:
    """A function whose def line plus body come to body_lines + 1 lines."""
    body = "".join(f"{indent}    x{i} = {i}\n" for i in range(body_lines))
    return f"{indent}def {name}() -> None:\n{body}"


def test_an_oversized_module_is_caught(tmp_path: Path) -> None:
    module = tmp_path / "big.py"
    module.write_text("".join(f"X{i} = {i}\n" for i in range(MAX_MODULE_LINES + 1)))
    [offence] = offences(module)
    assert (offence.what, offence.lines, offence.line) == ("module", MAX_MODULE_LINES + 1, 1)
    assert "big.py:1: module is 501 lines (limit 500)" in str(offence)


def test_a_module_at_the_limit_passes(tmp_path: Path) -> None:
    module = tmp_path / "full.py"
    module.write_text("".join(f"X{i} = {i}\n" for i in range(MAX_MODULE_LINES)))
    assert offences(module) == []


def test_an_oversized_function_is_caught_and_one_at_the_limit_is_not(tmp_path: Path) -> None:
    module = tmp_path / "functions.py"
    module.write_text(_function("fits", MAX_FUNCTION_LINES - 1) + "\n\n" + _function("too_long", MAX_FUNCTION_LINES))
    [offence] = offences(module)
    assert (offence.what, offence.lines) == ("function too_long", MAX_FUNCTION_LINES + 1)


def test_decorators_nested_and_async_functions_count(tmp_path: Path) -> None:
    module = tmp_path / "nested.py"
    decorated = "import functools\n\n\n@functools.cache\n@functools.cache\n" + _function(
        "decorated", MAX_FUNCTION_LINES - 2
    )
    nested = "class Holder:\n" + _function("method", MAX_FUNCTION_LINES, indent="    ")
    asynchronous = _function("waits", MAX_FUNCTION_LINES).replace("def waits", "async def waits")
    module.write_text(decorated + "\n\n" + nested + "\n\n" + asynchronous)
    found = {offence.what: offence.lines for offence in offences(module)}
    assert found == {
        "function decorated": MAX_FUNCTION_LINES + 1,
        "function method": MAX_FUNCTION_LINES + 1,
        "function waits": MAX_FUNCTION_LINES + 1,
    }


def test_main_fails_listing_the_offenders_and_passes_clean_files(tmp_path: Path, capsys) -> None:
    clean = tmp_path / "clean.py"
    clean.write_text(_function("short", 3))
    big = tmp_path / "big.py"
    big.write_text(_function("long", MAX_FUNCTION_LINES + 5))
    assert main([str(clean)]) == 0
    assert main([str(clean), str(big)]) == 1
    printed = capsys.readouterr().out
    assert "function long is 86 lines" in printed
    assert "clean.py" not in printed


def test_migrations_and_environments_are_not_ours(tmp_path: Path) -> None:
    for relative in ("pkg/mod.py", "operations/migrations/versions/0001_x.py", ".venv/lib/x.py", "var/y.py"):
        (tmp_path / relative).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / relative).write_text("")
    assert [path.relative_to(tmp_path).as_posix() for path in our_modules(tmp_path)] == ["pkg/mod.py"]
