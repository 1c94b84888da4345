"""The scale-out profile (STACK_PROFILE=scale): the same code on the engines Rasa is deployed on.

What runs, all on 127.0.0.1 (ports from SCALE_PORT_BASE, see `ScalePorts`):

- PostgreSQL (Debian's binaries; a cluster under `$VAR_DIR/pg`, trust on loopback only) with
  the databases `tracker` (Rasa's tracker store) and `backoffice`;
- Redis (Debian's `redis-server`, no persistence): Rasa's lock store, so that two messages of
  one conversation are never handled at once on two Rasa servers;
- a Chroma server (`chroma run` from the app environment, its data next to the embedded index's
  place: `$KNOWLEDGE_DIR-server`, by default `$VAR_DIR/knowledge/chroma-server`);
- SCALE_ACTION_SERVERS action servers and SCALE_RASA_SERVERS Rasa servers, stateless;
- nginx (Debian's) in front: RASA_URL balances the Rasa servers round robin, ACTION_SERVER_URL
  the action servers (the Rasa servers' action endpoint); a server that refuses or fails a
  request is skipped for a while and the request goes to the next one (passive failover);
- the API, pointed at nginx like every client.

Which store each process uses comes from the settings (assistant/settings.py derives the
PostgreSQL, Redis and Chroma URLs in this profile), so `assistant demo seed` and
`assistant knowledge ingest-demo` under STACK_PROFILE=scale fill the servers, not SQLite.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from assistant.settings import Settings
from operations import processes

STORES = ("postgres", "redis", "chroma")
POSTGRES_USER = "postgres"  # the cluster's superuser; PostgreSQL refuses to run as root, so root runs it as this user
DATABASES = ("tracker", "backoffice")
CHROMA_BIN = processes.ROOT / ".venv" / "bin" / "chroma"
NGINX_BIN = Path("/usr/sbin/nginx")
REDIS_BIN = Path("/usr/bin/redis-server")
# Rasa waits for a conversation's lock at most this long (TICKET_LOCK_LIFETIME); nginx waits a bit longer.
UPSTREAM_READ_TIMEOUT_S = 120


def postgres_bin() -> Path:
    """The newest installed PostgreSQL server binaries (Debian: /usr/lib/postgresql/<major>/bin)."""
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL server binaries not found: `apt-get install -y postgresql` (.ci/run does).")
    return found[-1].parent


def missing_binaries() -> list[str]:
    """What the profile needs from Debian and the app environment that is not installed."""
    missing = [str(path) for path in (NGINX_BIN, REDIS_BIN, CHROMA_BIN) if not path.exists()]
    if not sorted(Path("/usr/lib/postgresql").glob("*/bin/postgres")):
        missing.append("/usr/lib/postgresql/*/bin/postgres")
    return missing


@dataclass(frozen=True)
class ScalePorts:
    """Where each process of the profile listens (the entry points are RASA_URL and ACTION_SERVER_URL)."""

    rasa: tuple[int, ...]
    actions: tuple[int, ...]
    postgres: int
    redis: int
    chroma: int

    @classmethod
    def of(cls, settings: Settings) -> ScalePorts:
        base = settings.scale_port_base
        return cls(
            rasa=tuple(base + 1 + i for i in range(settings.scale_rasa_servers)),
            actions=tuple(base + 11 + i for i in range(settings.scale_action_servers)),
            postgres=base + 20,
            redis=base + 21,
            chroma=base + 22,
        )


def rasa_names(settings: Settings) -> list[str]:
    return [f"rasa-{i + 1}" for i in range(settings.scale_rasa_servers)]


def action_names(settings: Settings) -> list[str]:
    return [f"actions-{i + 1}" for i in range(settings.scale_action_servers)]


def _var(settings: Settings, *parts: str) -> Path:
    return settings.var_dir.resolve().joinpath(*parts)


def _local_postgres_url(settings: Settings, database: str) -> str | None:
    """The URL of `database` when it lives on the profile's own PostgreSQL, else None (a managed one)."""
    port = ScalePorts.of(settings).postgres
    for url in (settings.tracker_db_url, settings.backoffice_db_url):
        parts = urlsplit(url)
        if parts.scheme.startswith("postgresql") and parts.hostname == "127.0.0.1" and parts.port == port:
            return f"postgresql://{POSTGRES_USER}@127.0.0.1:{port}/{database}"
    return None


# ---------------------------------------------------------------- PostgreSQL


def _as_postgres_user(path: Path) -> None:
    if os.geteuid() == 0:
        shutil.chown(path, POSTGRES_USER, POSTGRES_USER)


def init_postgres(settings: Settings) -> None:
    """A new cluster under `$VAR_DIR/pg/data` unless there is one: trust auth, loopback only."""
    data = _var(settings, "pg", "data")
    if (data / "PG_VERSION").exists():
        return
    data.mkdir(parents=True, exist_ok=True)
    _as_postgres_user(data.parent)
    _as_postgres_user(data)
    user = POSTGRES_USER if os.geteuid() == 0 else None
    subprocess.run(
        [str(postgres_bin() / "initdb"), "-D", str(data), "-U", POSTGRES_USER, "-A", "trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
        timeout=180,
        user=user,
        group=user,
    )


def create_databases(settings: Settings) -> None:
    """The tracker and back-office databases, and the back office's schema (Alembic), if missing."""
    import psycopg

    admin = _local_postgres_url(settings, "postgres")
    if admin is None:
        return
    with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
        existing = {row[0] for row in connection.execute("SELECT datname FROM pg_database")}
        for name in DATABASES:
            if name not in existing:
                connection.execute(f'CREATE DATABASE "{name}"')
    from operations.schema import upgrade

    upgrade(settings.backoffice_db_url)


def postgres_service(settings: Settings) -> processes.Service:
    ports = ScalePorts.of(settings)
    command = [
        str(postgres_bin() / "postgres"), "-D", str(_var(settings, "pg", "data")),
        "-p", str(ports.postgres), "-c", "listen_addresses=127.0.0.1", "-c", "unix_socket_directories=",
        # Each Rasa server, action server and the API hold a small pool; the load test's burst needs more.
        "-c", "max_connections=200",
    ]  # fmt: skip
    return processes.Service(
        "postgres",
        command,
        f"postgresql://{POSTGRES_USER}@127.0.0.1:{ports.postgres}/postgres",
        user=POSTGRES_USER,
        prepare=lambda: init_postgres(settings),
        on_ready=lambda: create_databases(settings),
    )


# ---------------------------------------------------------------- Redis and Chroma


def redis_service(settings: Settings) -> processes.Service:
    """Locks only, so nothing to keep: no snapshots, no append-only file."""
    port = ScalePorts.of(settings).redis
    directory = _var(settings, "redis")
    command = [
        str(REDIS_BIN), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
        "--dir", str(directory), "--daemonize", "no", "--protected-mode", "yes",
    ]  # fmt: skip
    return processes.Service(
        "redis", command, f"redis://127.0.0.1:{port}", prepare=lambda: directory.mkdir(parents=True, exist_ok=True)
    )


def chroma_service(settings: Settings) -> processes.Service:
    port = ScalePorts.of(settings).chroma
    path = settings.knowledge_dir.with_name(settings.knowledge_dir.name + "-server")
    command = [str(CHROMA_BIN), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)]
    return processes.Service("chroma", command, f"http://127.0.0.1:{port}/api/v2/heartbeat")


# ---------------------------------------------------------------- nginx


def nginx_config(settings: Settings) -> str:
    """Round robin over the Rasa servers (RASA_URL) and the action servers (ACTION_SERVER_URL).

    Passive failover: a request that a server refuses, times out on or answers 502/503 goes to
    the next server, and three such failures mark it down for `fail_timeout`. A dead server
    refuses at once; a busy one may be slow to accept (Rasa handles NLU and SQL on its event
    loop, with a listen backlog of 100), so the connect time-out is generous, and idle
    connections are kept (`keepalive`) so that few new ones are needed: under the load test a
    2-second connect time-out and one strike marked a busy server down for 10 s, and the
    other one, alone with all conversations, fell behind. For the Rasa servers
    that includes a POST already sent (`non_idempotent`): a Rasa server saves a turn only
    once it has handled it, so a server that died on it has saved nothing and the next one
    handles it once (it waits for the conversation's lock in Redis first); one that died after
    its save, or was too slow, has — so every request carries an id (`X-Request-ID`, the
    client's or nginx's `$request_id`, the same on every re-send) and the next server answers a
    delivery it finds in the conversation from the tracker (engine/redelivery.py). Action calls are
    not re-sent once sent: an action may have changed the back office before its server died.
    The widget's socket.io connections stick to one Rasa server per client address (its
    session lives in that server's memory). The access log names the upstream of each request.
    The text is operations/templates/nginx.conf.j2 (generated configuration, kept out of the code).
    """
    ports = ScalePorts.of(settings)
    return _nginx_template().render(
        nginx_dir=_var(settings, "nginx"),
        log_dir=_var(settings, "log"),
        body_limit=settings.channel_max_request_bytes + 64 * 1024,  # Rasa answers 413 itself, with its JSON body
        read_timeout_s=UPSTREAM_READ_TIMEOUT_S,
        rasa_ports=ports.rasa,
        action_ports=ports.actions,
        rasa_port=processes.port_of(settings.rasa_url),
        action_port=processes.port_of(settings.action_server_url),
    )


@functools.cache
def _nginx_template() -> jinja2.Template:
    """operations/templates/nginx.conf.j2, loaded once; a missing variable is an error, not an empty line."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,  # an nginx configuration, not HTML
    )
    return environment.get_template("nginx.conf.j2")


def nginx_service(settings: Settings) -> processes.Service:
    nginx_dir = _var(settings, "nginx")
    config = nginx_dir / "nginx.conf"

    def prepare() -> None:
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (nginx_dir / "tmp" / name).mkdir(parents=True, exist_ok=True)

    return processes.Service(
        "nginx",
        [str(NGINX_BIN), "-p", str(nginx_dir), "-c", str(config)],
        f"{settings.rasa_url}/nginx-health",
        files={config: nginx_config(settings)},
        prepare=prepare,
        # The action servers warm their document search themselves at start (KNOWLEDGE_WARM_UP,
        # processes.action_service); a question that comes first waits for it instead of failing.
    )


# ---------------------------------------------------------------- the profile


def services(settings: Settings) -> list[processes.Service]:
    """The stores first (they hold the state), then the stateless servers, nginx, the API."""
    ports = ScalePorts.of(settings)
    listed = []
    if _local_postgres_url(settings, "postgres") is not None:
        listed.append(postgres_service(settings))
    if settings.lock_store_url == f"redis://127.0.0.1:{ports.redis}/1":
        listed.append(redis_service(settings))
    if settings.chroma_url == f"http://127.0.0.1:{ports.chroma}":
        listed.append(chroma_service(settings))
    listed += [
        processes.action_service(settings, name, f"http://127.0.0.1:{port}")
        for name, port in zip(action_names(settings), ports.actions, strict=True)
    ]
    listed.append(nginx_service(settings))
    listed += [
        processes.rasa_service(settings, name, f"http://127.0.0.1:{port}", stage="rasa", behind_proxy=True)
        for name, port in zip(rasa_names(settings), ports.rasa, strict=True)
    ]
    listed.append(processes.api_service(settings))
    return listed


def urls(settings: Settings) -> dict[str, str]:
    ports = ScalePorts.of(settings)
    return {
        "Rasa servers (behind nginx)": ", ".join(f"127.0.0.1:{port}" for port in ports.rasa),
        "Action servers (behind nginx)": ", ".join(f"127.0.0.1:{port}" for port in ports.actions),
        "Tracker store": settings.tracker_db_url,
        "Back office": settings.backoffice_db_url,
        "Lock store": settings.lock_store_url or "in memory",
        "Chroma server": settings.chroma_url or "embedded",
    }
