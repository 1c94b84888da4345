"""Start, watch and stop the whole stack: Rasa server, action server, API.

One supervisor serves `make run` (foreground, Ctrl-C stops everything),
`make up` / `make down` (background, pids under `var/run/`) and the end-to-end
tests, so what the tests drive is exactly what a person starts. The settings pick
the profile: `embedded` (these three processes on SQLite) or `scale` (the same
code on PostgreSQL, Redis, a Chroma server and several Rasa and action servers
behind nginx; operations/scale.py describes its services, operations/services.py the embedded ones).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from assistant.settings import Settings
from operations import channels, scale
from operations.processes import (  # the supervisor's callers build services with these too
    ROOT,
    Service,
    embedded_services,
)


def services(settings: Settings) -> list[Service]:
    """The stack's processes, in start order (the Rasa server needs the action server)."""
    if settings.stack_profile == "scale":
        return scale.services(settings)
    return embedded_services(settings)


def stages(listed: Iterable[Service]) -> list[list[Service]]:
    """The services in start order, consecutive ones of the same stage together."""
    grouped: list[list[Service]] = []
    for service in listed:
        if grouped and service.stage is not None and grouped[-1][0].stage == service.stage:
            grouped[-1].append(service)
        else:
            grouped.append([service])
    return grouped


def _dirs(settings: Settings) -> tuple[Path, Path]:
    run_dir, log_dir = settings.var_dir / "run", settings.var_dir / "log"
    run_dir.mkdir(parents=True, exist_ok=True)
    log_dir.mkdir(parents=True, exist_ok=True)
    return run_dir, log_dir


def start(service: Service, settings: Settings) -> subprocess.Popen[bytes]:
    """Start one service in its own process group, its output in `var/log/<name>.log`."""
    run_dir, log_dir = _dirs(settings)
    for path, text in service.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    if service.prepare is not None:
        service.prepare()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONUNBUFFERED": "1", **service.env}
    user = service.user if service.user and os.geteuid() == 0 else None
    with (log_dir / f"{service.name}.log").open("ab") as log:
        process = subprocess.Popen(
            service.command,
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=user,
            group=user,
        )
    (run_dir / f"{service.name}.pid").write_text(str(process.pid))
    return process


def is_healthy(url: str) -> bool:
    """HTTP 200 from an http(s) URL; a query answered for postgresql://; PONG for redis://."""
    scheme = urlsplit(url).scheme
    if scheme.startswith("postgresql"):
        return _postgres_answers(url)
    if scheme == "redis":
        return _redis_answers(url)
    try:
        return httpx.get(url, timeout=2.0).status_code == 200
    except httpx.HTTPError:
        return False


def _postgres_answers(url: str) -> bool:
    """A server that accepts connections but is still starting up is not healthy yet."""
    try:
        import psycopg  # the `postgres` extra, installed by `make setup`

        with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=2) as connection:
            connection.execute("SELECT 1")
        return True
    except Exception:
        return False


def _redis_answers(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 6379), timeout=2.0) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def wait_healthy(
    service: Service, process: subprocess.Popen[bytes] | None, settings: Settings, timeout_s: float = 240.0
) -> None:
    """Block until the service answers its health URL; fail fast if it died."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if is_healthy(service.health_url):
            if service.on_ready is not None:
                service.on_ready()
            return
        if process is not None and process.poll() is not None:
            raise RuntimeError(f"{service.name} exited with {process.returncode}; see {log_path(service, settings)}")
        time.sleep(0.5)
    raise RuntimeError(f"{service.name} not healthy after {timeout_s:.0f}s; see {log_path(service, settings)}")


def log_path(service: Service, settings: Settings) -> Path:
    return settings.var_dir / "log" / f"{service.name}.log"


def _signal_group(pid: int, sig: signal.Signals) -> bool:
    try:
        os.killpg(pid, sig)
        return True
    except (ProcessLookupError, PermissionError):
        return False


def stop_pids(pids: Iterable[int], grace_s: float = 15.0) -> None:
    """SIGTERM each process group, then SIGKILL what is still alive after the grace period."""
    alive = [pid for pid in pids if _signal_group(pid, signal.SIGTERM)]
    deadline = time.monotonic() + grace_s
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [pid for pid in alive if _exists(pid)]
    for pid in alive:
        _signal_group(pid, signal.SIGKILL)


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie child counts as gone
        waited, _ = os.waitpid(pid, os.WNOHANG)
        return waited == 0
    except ChildProcessError:
        return True


def recorded_pids(settings: Settings) -> dict[str, int]:
    run_dir, _ = _dirs(settings)
    pids = {}
    for pid_file in run_dir.glob("*.pid"):
        try:
            pids[pid_file.stem] = int(pid_file.read_text().strip())
        except ValueError:
            continue
    return pids


def up(settings: Settings, only: Callable[[Service], bool] | None = None) -> None:
    """Start every service not already healthy (or those `only` picks) and wait for all of them."""
    for stage in stages(services(settings)):
        started = []
        for service in stage:
            if (only is None or only(service)) and not is_healthy(service.health_url):
                started.append((service, start(service, settings)))
        try:
            for service, process in started:
                wait_healthy(service, process, settings)
        except RuntimeError:
            down(settings)
            raise


def down(settings: Settings) -> None:
    pids = recorded_pids(settings)
    stop_pids(pids.values())
    for name in pids:
        (settings.var_dir / "run" / f"{name}.pid").unlink(missing_ok=True)


def urls(settings: Settings) -> dict[str, str]:
    if settings.stack_profile == "scale":
        return {**_urls(settings), **scale.urls(settings)}
    return _urls(settings)


def _urls(settings: Settings) -> dict[str, str]:
    return {
        "Website & API": settings.public_url,
        "Agent console": f"{settings.public_url}/console",
        "Analytics dashboard (admin token)": f"{settings.public_url}/dashboard",
        "API docs (OpenAPI)": f"{settings.public_url}/docs",
        "Rasa server (REST channel)": f"{settings.rasa_url}/webhooks/rest/webhook",
        "Action server": settings.action_server_url,
        **{f"{c.name.capitalize()} webhook (register)": c.webhook_url for c in channels.active_channels(settings)},
    }


def _interrupt(*_: object) -> None:
    raise KeyboardInterrupt


def stop_on_sigterm() -> None:
    """A SIGTERM (`kill`, a CI time-out) ends this process the way Ctrl-C does: its `finally` blocks run,
    so a stack it started is stopped instead of left holding the ports (Python's default SIGTERM exits at once)."""
    signal.signal(signal.SIGTERM, _interrupt)


def run_foreground(settings: Settings) -> None:
    """`make run`: start everything, print the URLs, stop everything on Ctrl-C or SIGTERM."""
    processes: list[subprocess.Popen[bytes]] = []
    names: list[str] = []

    # Both explicitly: a process started in the background inherits SIGINT ignored, and Ctrl-C must still stop it.
    stop_on_sigterm()
    signal.signal(signal.SIGINT, _interrupt)
    try:
        for stage in stages(services(settings)):
            started = []
            for service in stage:
                if is_healthy(service.health_url):  # `make run` started the profile's stores already
                    continue
                started.append((service, start(service, settings)))
                names.append(service.name)
                processes.append(started[-1][1])
                print(f"  starting {service.name} …", flush=True)
            for service, process in started:
                wait_healthy(service, process, settings)
        print("\nThe assistant is up:")
        for label, url in urls(settings).items():
            print(f"  {label:<28} {url}")
        print(channels.summary(settings))
        print("\nLogs under var/log/. Press Ctrl-C to stop.", flush=True)
        while all(p.poll() is None for p in processes):
            time.sleep(1)
        dead = [name for name, p in zip(names, processes, strict=True) if p.poll() is not None]
        print(f"Stopped: {', '.join(dead)} exited; see var/log/.", file=sys.stderr)
    except KeyboardInterrupt:
        print("\nStopping …", flush=True)
    finally:
        stop_pids(p.pid for p in processes)
        down(settings)
