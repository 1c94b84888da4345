"""A SIGTERM stops what a long-running script started (operations.stack.stop_on_sigterm).

Why: `make bench`, `make eval-nlu` and `make eval-dialogue` start stacks of their own and stop them in
`finally` blocks; Python's default SIGTERM ends the process without running them, and a killed bench
left the action server, Rasa and the API holding their ports (the next `make run` then found a stack
"already up"). Tested in a real child process with a real signal.
"""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CHILD = """
import sys, time
from operations.stack import stop_on_sigterm
{install}
try:
    print("ready", flush=True)
    time.sleep(60)
finally:
    open(sys.argv[1], "w").write("stopped what it started")
"""


def terminate_child(tmp_path: Path, install: bool) -> tuple[int, str | None]:
    marker = tmp_path / "cleanup.txt"
    code = CHILD.format(install="stop_on_sigterm()" if install else "")
    child = subprocess.Popen(
        [sys.executable, "-c", code, str(marker)], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert child.stdout is not None and child.stdout.readline().strip() == "ready"
    child.send_signal(signal.SIGTERM)
    child.wait(timeout=30)
    return child.returncode, marker.read_text() if marker.exists() else None


def test_a_sigterm_runs_the_finally_blocks_that_stop_a_stack(tmp_path: Path) -> None:
    returncode, cleanup = terminate_child(tmp_path, install=True)
    assert cleanup == "stopped what it started"
    assert returncode != 0, "it still ends as interrupted, not as a success"


def test_without_it_python_skips_them(tmp_path: Path) -> None:
    """The control: what the scripts did before (the test above is not passing for another reason)."""
    returncode, cleanup = terminate_child(tmp_path, install=False)
    assert cleanup is None and returncode == -signal.SIGTERM
