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
import json
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
TRAIN_LOCK = "/tmp/rasa-train.lock"  # every `rasa train` on this machine takes it


def export_head(dest: Path, ref: str = "HEAD") -> Path:
    """The committed training inputs at `ref` (config.yml, domain.yml, bot/data) exported into `dest`.

    Why: the working tree is shared; half-finished data of someone else must neither break the
    models under measurement nor make the two be trained on different examples."""
    if dest.exists():
        shutil.rmtree(dest)
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "archive", ref, "config.yml", "domain.yml", "bot/data"], cwd=ROOT, check=True, capture_output=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    return dest


def _digest(paths: list[Path], base: Path) -> str:
    digest = hashlib.sha256()
    for path in paths:
        digest.update(str(path.relative_to(base) if path.is_relative_to(base) else path.name).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _data(data_root: Path) -> list[Path]:
    return sorted((data_root / "bot" / "data").rglob("*.yml"))


def data_digest(data_root: Path = ROOT) -> str:
    """Changes whenever the domain, the training data or Rasa's default config does."""
    return _digest(
        [data_root / "domain.yml", INIT_CONFIG, *sorted((data_root / "bot" / "data").rglob("*.yml"))], data_root
    )


def ours_digest(data_root: Path) -> str:
    """Changes whenever our config, domain, data or the engine's own components do."""
    engine = sorted((ROOT / "engine").glob("*.py"))
    return _digest(
        [
            data_root / "config.yml",
            data_root / "domain.yml",
            *sorted((data_root / "bot" / "data").rglob("*.yml")),
            *engine,
        ],
        data_root,
    )


def _train(config: Path, data_root: Path, model: Path, nlu_only: bool) -> float:
    """`rasa train` under the shared training lock, from cold; the seconds it took (waiting for the lock excluded)."""
    CACHE.mkdir(parents=True, exist_ok=True)
    command = [
        str(RASA_BIN / "rasa"), "train", *(["nlu"] if nlu_only else []), "--config", str(config),
        *([] if nlu_only else ["--domain", str(data_root / "domain.yml")]),
        "--data", str(data_root / "bot" / "data" / ("nlu" if nlu_only else "")), "--out", str(model.parent),
        "--fixed-model-name", model.name.removesuffix(".tar.gz"),
    ]  # fmt: skip
    timer = model.with_suffix(".seconds")
    # The time is taken inside the lock: `sh -c` starts the clock once flock has it.
    script = 'start=$(date +%s.%N); "$@"; rc=$?; echo "$(date +%s.%N) - $start" | bc > "$TIMER"; exit $rc'
    # A cache of its own, empty: Rasa's shared cache (~/.rasa/cache) would restore components another
    # training made from the same data, and the time would say nothing (11 s for our whole model).
    with tempfile.TemporaryDirectory() as rasa_cache:
        subprocess.run(
            ["flock", TRAIN_LOCK, "sh", "-c", script, "train", *command],
            cwd=ROOT,
            env={**os.environ, **RASA_ENV, "TIMER": str(timer), "RASA_CACHE_DIRECTORY": rasa_cache},
            check=True,
            stdout=subprocess.DEVNULL,
        )
    seconds = float(timer.read_text())
    meta = {"seconds": seconds, "trained": time.strftime("%Y-%m-%d %H:%M"), "load": round(os.getloadavg()[0], 1)}
    (model.parent / f"{model.name}.json").write_text(json.dumps(meta))
    return seconds


def _cached(model: Path) -> tuple[Path, float, bool] | None:
    meta = model.parent / f"{model.name}.json"
    if model.exists() and meta.exists():
        return model, float(json.loads(meta.read_text())["seconds"]), False
    return None


def training_note(model: Path) -> str:
    """When and at what load `model` was trained, as recorded by `_train`."""
    meta = model.parent / f"{model.name}.json"
    if not meta.exists():
        return "training not recorded"
    data = json.loads(meta.read_text())
    return f"trained {data['trained']} in {data['seconds']:.0f} s at load {data.get('load', '?')}"


def trained_model(data_root: Path = ROOT, nlu_only: bool = False) -> tuple[Path, float, bool]:
    """(the baseline model, its training time in seconds, whether it was trained in this run)."""
    kind = "baseline-nlu" if nlu_only else "baseline"
    model = CACHE / f"{kind}-{data_digest(data_root)}.tar.gz"
    cached = _cached(model)
    if cached:
        return cached
    for stale in CACHE.glob(f"{kind}-*.tar.gz"):
        stale.unlink()
    with tempfile.TemporaryDirectory() as work:
        config = Path(work) / "config.yml"
        shutil.copyfile(INIT_CONFIG, config)
        return model, _train(config, data_root, model, nlu_only), True


def our_model(data_root: Path) -> tuple[Path, float, bool]:
    """Our model trained on `data_root` (an export of the committed tree), as `make train` trains it."""
    model = CACHE / f"ours-{ours_digest(data_root)}.tar.gz"
    cached = _cached(model)
    if cached:
        return cached
    for stale in CACHE.glob("ours-*.tar.gz"):
        stale.unlink()
    return model, _train(data_root / "config.yml", data_root, model, nlu_only=False), True


@contextmanager
def served(model: Path, port: int, action_server_url: str, action_token: str | None = None) -> Iterator[str]:
    """A Rasa server with `model` on 127.0.0.1:`port`; yields its URL, stops it afterwards.

    `action_token`: the action server's shared secret (X-Action-Token), which it requires of every Rasa
    server; without it every custom action of the baseline fails and its replies carry no sources."""
    with tempfile.TemporaryDirectory() as work:
        endpoints = Path(work) / "endpoints.yml"
        endpoint = f"action_endpoint:\n  url: {action_server_url.rstrip('/')}/webhook\n"
        if action_token:
            endpoint += f"  headers:\n    X-Action-Token: {action_token}\n"
        endpoints.write_text(endpoint)
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
