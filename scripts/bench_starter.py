"""Rasa's own starter bot (`rasa init`), trained once and served on a port of its own: the benchmark's baseline.

Absolute numbers depend on the machine, so `make bench` states its targets relative to
what the plain Rasa engine does here; this is that engine, with the bot every Rasa user
starts from.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from bench_client import log

from operations import processes, stack

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
STARTER_PORT = 15105
STARTER_URL = f"http://127.0.0.1:{STARTER_PORT}"
RASA_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "HF_HUB_OFFLINE": "1"}


def starter_model(starter_dir: Path) -> Path | None:
    models = sorted((starter_dir / "models").glob("*.tar.gz"))
    return models[-1] if models and (starter_dir / "config.yml").exists() else None


def ensure_starter(starter_dir: Path) -> None:
    """`rasa init --no-prompt` once (it trains), cached so later runs start in seconds."""
    if starter_model(starter_dir) is not None:
        log(f"Starter bot cached in {starter_dir}.")
        return
    log("Creating and training Rasa's starter bot (rasa init --no-prompt; a few minutes, once) …")
    with tempfile.TemporaryDirectory(prefix="rasa-starter-") as tmp:
        result = subprocess.run(
            [str(RASA_BIN), "init", "--no-prompt"],
            cwd=tmp,
            env={**os.environ, **RASA_ENV, "PYTHONPATH": str(ROOT)},  # `engine` lives in this repository
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=1800,
            check=False,
        )
        if result.returncode != 0 or starter_model(Path(tmp)) is None:
            raise SystemExit(f"rasa init failed ({result.returncode}):\n{result.stdout[-2000:]}{result.stderr[-2000:]}")
        if starter_dir.exists():
            shutil.rmtree(starter_dir)
        starter_dir.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(tmp, starter_dir, ignore=shutil.ignore_patterns(".rasa"))


@contextmanager
def starter_server(starter_dir: Path, log_file: Path, patched: bool) -> Iterator[str]:
    """Serve the starter bot with `rasa run --enable-api` (or our patched engine), and always kill its process group."""
    if stack.is_healthy(f"{STARTER_URL}/"):
        raise SystemExit(f"Something already answers on {STARTER_URL}; refusing to benchmark an unknown server.")
    server = [str(processes.RASA_PYTHON), "-m", "engine"] if patched else [str(RASA_BIN)]
    command = [*server, "run", "--enable-api", "--port", str(STARTER_PORT), "--interface", "127.0.0.1"]
    log(f"Starting the starter bot on {STARTER_URL} ({'our patched engine' if patched else 'stock rasa run'}) …")
    with log_file.open("ab") as output:
        process = subprocess.Popen(
            command,
            cwd=starter_dir,
            env={**os.environ, **RASA_ENV, "PYTHONPATH": str(ROOT)},  # `engine` lives in this repository
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        _wait_until_up(process, log_file)
        yield STARTER_URL
    finally:
        log("Stopping the starter bot …")
        stack.stop_pids([process.pid])
        process.wait(timeout=30)


def _wait_until_up(process: subprocess.Popen[bytes], log_file: Path, timeout_s: float = 300.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if stack.is_healthy(f"{STARTER_URL}/"):
            return
        if process.poll() is not None:
            raise RuntimeError(f"starter bot exited with {process.returncode}; see {log_file}")
        time.sleep(0.5)
    raise RuntimeError(f"starter bot not up after {timeout_s:.0f}s; see {log_file}")
