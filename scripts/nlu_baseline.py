"""The baseline of `make eval-nlu`: Rasa's default configuration trained on our data, served.

Why: "better than Rasa's defaults" must be measured in the same run, on the same
cases, through the same channels. The baseline's config is the one `rasa init`
writes (its pipeline and policies left empty, so Rasa fills in its default
components), with our domain and training data. It is trained once per content of
the data (cached under `var/eval/baseline/`) and served by a second Rasa server on
loopback that uses the running stack's action server, so its replies (sources or
not) come from the same actions; its conversations stay in memory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venv-rasa" / "bin"
INIT_CONFIG = ROOT / ".venv-rasa/lib/python3.10/site-packages/rasa/cli/initial_project/config.yml"
CACHE = ROOT / "var" / "eval" / "baseline"
RASA_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2", "HF_HUB_OFFLINE": "1"}
START_TIMEOUT_S = 300.0


def _data_files() -> list[Path]:
    return [ROOT / "domain.yml", INIT_CONFIG, *sorted((ROOT / "bot" / "data").rglob("*.yml"))]


def data_digest() -> str:
    """Changes whenever the domain, the training data or Rasa's default config does."""
    digest = hashlib.sha256()
    for path in _data_files():
        digest.update(str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def trained_model() -> tuple[Path, float | None]:
    """(the baseline model, its training time in seconds — None when it came from the cache)."""
    model = CACHE / f"baseline-{data_digest()}.tar.gz"
    if model.exists():
        return model, None
    CACHE.mkdir(parents=True, exist_ok=True)
    for stale in CACHE.glob("baseline-*.tar.gz"):
        stale.unlink()
    with tempfile.TemporaryDirectory() as work:
        config = Path(work) / "config.yml"
        shutil.copyfile(INIT_CONFIG, config)
        started = time.perf_counter()
        subprocess.run(
            [
                str(RASA_BIN / "rasa"), "train", "--config", str(config), "--domain", "domain.yml",
                "--data", "bot/data", "--out", str(CACHE), "--fixed-model-name", model.name.removesuffix(".tar.gz"),
            ],
            cwd=ROOT,
            env={**os.environ, **RASA_ENV},
            check=True,
            stdout=subprocess.DEVNULL,
        )  # fmt: skip
        return model, time.perf_counter() - started


@contextmanager
def served(model: Path, port: int, action_server_url: str) -> Iterator[str]:
    """A Rasa server with `model` on 127.0.0.1:`port`; yields its URL, stops it afterwards."""
    with tempfile.TemporaryDirectory() as work:
        endpoints = Path(work) / "endpoints.yml"
        endpoints.write_text(f"action_endpoint:\n  url: {action_server_url.rstrip('/')}/webhook\n")
        credentials = Path(work) / "credentials.yml"
        credentials.write_text("rest:\n")
        log = (CACHE / "server.log").open("wb")
        process = subprocess.Popen(
            [
                str(RASA_BIN / "python"), "-m", "engine", "run", "--enable-api", "--interface", "127.0.0.1",
                "--port", str(port), "--model", str(model), "--endpoints", str(endpoints),
                "--credentials", str(credentials),
            ],
            cwd=ROOT,
            env={**os.environ, **RASA_ENV},
            stdout=log,
            stderr=subprocess.STDOUT,
        )  # fmt: skip
        url = f"http://127.0.0.1:{port}"
        try:
            _wait_ready(url, process)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
            log.close()


def _wait_ready(url: str, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the baseline Rasa server stopped (see {CACHE / 'server.log'})")
        try:
            if httpx.get(f"{url}/status", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(1)
    raise RuntimeError(f"the baseline Rasa server did not start within {START_TIMEOUT_S:.0f} s")
