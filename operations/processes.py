"""The processes of the embedded stack and how each is started: Rasa server, action server, API.

Kept apart from the supervisor (`operations/stack.py`) so that a profile describing other
processes (`operations/scale.py`) builds on the same pieces without importing the supervisor
that chooses between the profiles.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from assistant.settings import Settings
from operations import channels

ROOT = Path(__file__).resolve().parents[1]
RASA_BIN = ROOT / ".venv-rasa" / "bin" / "rasa"
RASA_PYTHON = ROOT / ".venv-rasa" / "bin" / "python"
MODEL = ROOT / "models" / "assistant.tar.gz"


@dataclass(frozen=True)
class Service:
    """One process of the stack and how to tell it is ready."""

    name: str
    command: list[str]
    health_url: str
    env: dict[str, str] = field(default_factory=dict)
    # Written just before the process starts (path -> text): e.g. Rasa's composed credentials.
    files: dict[Path, str] = field(default_factory=dict)
    # Started as this user when the supervisor runs as root (PostgreSQL refuses to run as root).
    user: str | None = None
    # Run just before the process starts (e.g. `initdb` of a new cluster) and once it is healthy
    # (e.g. create its databases); both idempotent, since a restart runs them again.
    prepare: Callable[[], None] | None = None
    on_ready: Callable[[], None] | None = None
    # Consecutive services of one stage start together and are waited for together (the Rasa servers).
    stage: str | None = None


def port_of(url: str) -> str:
    """The port of a service URL (80 when it has none)."""
    return str(urlsplit(url).port or 80)


def lock_store_env(settings: Settings) -> dict[str, str]:
    """The Rasa server's lock store (see bot/endpoints.yml): in memory, or Redis when LOCK_STORE_URL is set.

    Several Rasa servers serving one conversation need the shared one, so that two messages
    of a conversation are never handled at the same time on two servers.
    """
    if not settings.lock_store_url:
        return {"LOCK_STORE_TYPE": "in_memory", "LOCK_STORE_HOST": "", "LOCK_STORE_PORT": "0", "LOCK_STORE_DB": "0"}
    parts = urlsplit(settings.lock_store_url)
    return {
        "LOCK_STORE_TYPE": "redis",
        "LOCK_STORE_HOST": parts.hostname or "127.0.0.1",
        "LOCK_STORE_PORT": str(parts.port or 6379),
        "LOCK_STORE_DB": parts.path.strip("/") or "1",
    }


def tracker_store_env(settings: Settings) -> dict[str, str]:
    """The Rasa server reads its tracker store from these (see bot/endpoints.yml)."""
    url = settings.tracker_db_url
    dialect = urlsplit(url).scheme.split("+")[0]
    return {
        "TRACKER_DB_URL": url,
        "TRACKER_DB_DIALECT": "postgresql" if dialect.startswith("postgres") else dialect,
    }


def reply_env(settings: Settings) -> dict[str, str]:
    """Where replies take their wording and formats from (assistant/catalog.py, assistant/formatting.py): both
    read the environment, since the Rasa engine has no settings object."""
    catalog = {"REPLY_CATALOG": str(settings.reply_catalog.resolve())} if settings.reply_catalog else {}
    return {"COMPANY_LOCALE": settings.company_locale, **catalog}


def security_env(settings: Settings) -> dict[str, str]:
    """The Rasa server's secrets, limits and tracker redaction (engine/channels/incoming.py, engine/limits.py,
    engine/redaction.py), from the settings."""
    return {
        "IDENTITY_SECRET": settings.identity_secret,
        "ACTION_SERVER_TOKEN": str(settings.action_server_token),
        "CHANNEL_MAX_MESSAGE_CHARS": str(settings.channel_max_message_chars),
        **({"RATE_LIMIT_STORAGE_URL": settings.rate_limit_storage_url} if settings.rate_limit_storage_url else {}),
        "REDACT_TRACKER": "true" if settings.redact_tracker else "false",
        "CHANNEL_RATE_LIMIT_PER_SENDER": str(settings.channel_rate_limit_per_sender),
        "CHANNEL_RATE_LIMIT_PER_IP": str(settings.channel_rate_limit_per_ip),
        "CHANNEL_MAX_REQUEST_BYTES": str(settings.channel_max_request_bytes),
    }


# The app's processes run through the masking runner (`python -m engine` installs it itself):
# personal data in a log record or on stdout/stderr is masked before it reaches var/log/.
MASKED = [sys.executable, "-m", "assistant.pii_logging"]


def action_service(settings: Settings, name: str = "actions", url: str | None = None) -> Service:
    """An action server (rasa-sdk) listening at `url` (default ACTION_SERVER_URL)."""
    url = url or settings.action_server_url
    command = [*MASKED, "rasa_sdk", "--actions", "actions", "--port", port_of(url)]
    # rasa-sdk has no --interface; it binds SANIC_HOST (default 0.0.0.0).
    # KNOWLEDGE_WARM_UP: the documents' embedding model is loaded at start, not on the first question.
    env = {"SANIC_HOST": "127.0.0.1", "KNOWLEDGE_WARM_UP": "true", **reply_env(settings)}
    return Service(name, command, f"{url}/health", env=env)


# Every engine process: Rasa without telemetry, TensorFlow without its start-up chatter.
ENGINE_ENV = {"RASA_TELEMETRY_ENABLED": "false", "TF_CPP_MIN_LOG_LEVEL": "2"}


def engine_command(settings: Settings, url: str) -> list[str]:
    """`python -m engine run` (Rasa's own command line with our engine patches applied first) on the model,
    listening at `url` on loopback, its HTTP API open only with the token. The token is joined to its option:
    a generated token may start with "-", which argparse would read as the next option (one stack in 64 did
    not start)."""
    return [
        str(RASA_PYTHON), "-m", "engine", "run", "--enable-api", f"--auth-token={settings.rasa_api_token}",
        "--interface", "127.0.0.1", "--port", port_of(url), "--model", str(MODEL),
    ]  # fmt: skip


def nlu_service(settings: Settings, stage: str | None = None) -> Service:
    """The NLU process (engine/remote_nlu.py): the same model, serving only `/model/parse` to the Rasa server.

    The API with its token, no channels (an empty credentials file), no tracker or action endpoints.
    Only the Rasa server calls it, from 127.0.0.1: the per-IP and per-sender limits, which the Rasa
    server's channels enforce on people, are off here.
    """
    url = settings.nlu_url
    credentials = settings.var_dir.resolve() / "run" / "nlu-credentials.yml"
    command = [*engine_command(settings, url), "--credentials", str(credentials)]
    env = {
        **ENGINE_ENV,
        # Never asks itself, whatever the environment it inherits names (the e2e and evaluation stacks set it).
        "NLU_SERVER_URL": "",
        "NLU_SERVER_TOKEN": "",
        "CHANNEL_RATE_LIMIT_PER_SENDER": "0",
        "CHANNEL_RATE_LIMIT_PER_IP": "0",
    }
    files = {credentials: "# The NLU process serves /model/parse to the Rasa server only: no channels.\n{}\n"}
    return Service("nlu", command, f"{url}/", env=env, files=files, stage=stage)


def nlu_env(settings: Settings) -> dict[str, str]:
    """Where the Rasa server asks for parses (engine/remote_nlu.py); nothing when it parses itself."""
    if not settings.nlu_process:
        return {}
    return {"NLU_SERVER_URL": settings.nlu_url, "NLU_SERVER_TOKEN": str(settings.rasa_api_token)}


def rasa_service(
    settings: Settings,
    name: str = "rasa",
    url: str | None = None,
    stage: str | None = None,
    behind_proxy: bool = False,
    remote_nlu: bool = False,
) -> Service:
    """A Rasa server listening at `url` (default RASA_URL), calling the actions at ACTION_SERVER_URL.

    `behind_proxy`: the client's address comes from the proxy's X-Forwarded-For (per-IP limits).
    `remote_nlu`: messages are parsed by the NLU process (`nlu_service`) when the settings run one.
    """
    url = url or settings.rasa_url
    credentials = settings.var_dir.resolve() / "run" / "credentials.yml"
    # Closed by default: the HTTP API always needs its token, and browsers are let in from listed origins only.
    rasa_command = [
        *engine_command(settings, url),
        "--endpoints", "bot/endpoints.yml", "--credentials", str(credentials),
        "--cors", *settings.allowed_origins,
    ]  # fmt: skip
    return Service(
        name,
        rasa_command,
        f"{url}/",
        env={
            "ACTION_ENDPOINT_URL": f"{settings.action_server_url}/webhook",
            **tracker_store_env(settings),
            **lock_store_env(settings),
            **channels.channel_env(settings),
            **security_env(settings),
            **reply_env(settings),
            **ENGINE_ENV,
            **({"SANIC_PROXIES_COUNT": "1"} if behind_proxy else {}),
            **(nlu_env(settings) if remote_nlu else {}),
        },
        files={credentials: channels.credentials_text(settings)},
        stage=stage,
    )


def api_service(settings: Settings) -> Service:
    command = [*MASKED, "uvicorn", "api.main:app", "--host", "127.0.0.1", "--port", port_of(settings.public_url)]
    return Service("api", command, f"{settings.public_url}/health/live")


def embedded_services(settings: Settings) -> list[Service]:
    """The embedded profile's processes, in start order (the Rasa server needs the action server).

    The NLU process and the Rasa server load their models at the same time (one stage)."""
    if not settings.nlu_process:
        return [action_service(settings), rasa_service(settings), api_service(settings)]
    engine = [nlu_service(settings, stage="engine"), rasa_service(settings, stage="engine", remote_nlu=True)]
    return [action_service(settings), *engine, api_service(settings)]
