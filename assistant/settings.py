"""One settings object for every process of the app environment.

Values come from environment variables (and `.env`). Secrets have development
placeholders so that `make run` works on a fresh clone; outside local mode a
placeholder is refused at start-up, so a forgotten secret cannot reach production.
"""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from assistant.hours import parse_hours
from assistant.local_secrets import local_secret

PLACEHOLDER_PREFIX = "dev-"
# The modes that may run on the development placeholders: local development only.
PLACEHOLDER_MODES = frozenset({"local"})
TELEGRAM_SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,256}")


class Settings(BaseSettings):
    """Settings of the app environment (action server, API, CLI)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    assistant_env: Literal["local", "test", "production"] = Field(
        "local",
        description="`local` accepts development placeholder secrets; `test` and `production` refuse them.",
    )
    var_dir: Path = Field(Path("var"), description="Runtime state: databases, logs, pids, indexes.")
    database_url: str | None = Field(
        None,
        description="Back-office database (SQLAlchemy URL). Default: SQLite at `$VAR_DIR/backoffice.db`.",
    )
    tracker_store_url: str | None = Field(
        None,
        description="Rasa tracker store, read-only for the API. Default: SQLite at `$VAR_DIR/tracker.db`.",
    )
    rasa_url: str = Field("http://127.0.0.1:5005", description="Where the Rasa server listens.")
    action_server_url: str = Field("http://127.0.0.1:5055", description="Where the action server listens.")
    nlu_process: bool = Field(
        True,
        description="Parse messages in an NLU process beside the Rasa server (engine/remote_nlu.py): "
        "the Rasa server's event loop uses one core, the NLU process another.",
    )
    nlu_server_url: str | None = Field(
        None, description="Where that NLU process listens. Default: the Rasa server's port + 1."
    )
    public_url: str = Field(
        "http://127.0.0.1:8000", description="Public base URL of the API; payment links point here."
    )
    rasa_api_token: str | None = Field(
        None,
        description="Protects the Rasa HTTP API (`--auth-token`). Local and test modes make one under "
        "`$VAR_DIR/secrets/` when unset; production refuses to start without it.",
    )
    action_server_token: str | None = Field(
        None,
        description="Shared secret the Rasa servers send to the action server (`X-Action-Token`); made under "
        "`$VAR_DIR/secrets/` when unset outside production.",
    )
    cors_origins: str = Field(
        "",
        description="Web origins (comma-separated) allowed to call the Rasa server from a browser, besides "
        "PUBLIC_URL's own; never `*`.",
    )
    identity_secret: str = Field(
        "dev-identity-secret-change-me-0123456789",
        description="HS256 secret for identity tokens passed by trusted channels and for payment links.",
    )
    admin_token: str = Field("dev-admin-token", description="Bearer token for the admin endpoints of the API.")
    demo_password: str = Field(
        "dev-demo", description="Password of the demo intranet login (stands in for the company's single sign-on)."
    )
    backoffice_timeout_s: float = Field(2.0, gt=0, description="Time-out of one back-office call from an action.")
    verify_max_attempts: int = Field(
        3, ge=1, description="Failed identity checks in one conversation before the bot stops asking."
    )
    verify_max_failures_per_reference: int = Field(
        5, ge=0, description="Failed checks of one order/invoice number before it is locked (back-off; 0: off)."
    )
    verify_max_failures_per_email: int = Field(
        5, ge=0, description="Failed checks with one e-mail address before it is locked (back-off; 0: off)."
    )
    verify_max_failures_per_client: int = Field(
        20, ge=0, description="Failed checks from one IP address or chat account before it is locked (0: off)."
    )
    return_window_days: int = Field(30, ge=0, description="Days after delivery during which a return is accepted.")
    knowledge_dir_override: Path | None = Field(
        None,
        alias="KNOWLEDGE_DIR",
        description="Where the embedded knowledge index lives. Default: `$VAR_DIR/knowledge/chroma`.",
    )
    chroma_url: str | None = Field(
        None, description="Chroma server (client/server mode). Default: embedded, under `$VAR_DIR/knowledge/chroma`."
    )
    telegram_token: str | None = Field(
        None, description="Telegram bot token (from @BotFather); the Telegram channel is on when set."
    )
    telegram_bot_username: str | None = Field(None, description="The Telegram bot's username.")
    telegram_webhook_secret: str | None = Field(
        None,
        description="Secret Telegram sends with every update (`setWebhook` secret_token: 1–256 of A–Z a–z 0–9 _ -); "
        "required with TELEGRAM_TOKEN.",
    )
    telegram_webhook_url: str | None = Field(
        None,
        description="Public HTTPS URL Telegram posts updates to. Default: `$RASA_URL/webhooks/telegram/webhook`.",
    )
    telegram_api_url: str = Field("https://api.telegram.org", description="Telegram Bot API base URL.")
    slack_token: str | None = Field(
        None, description="Slack bot token (`xoxb-…`, OAuth & Permissions); the Slack channel is on when set."
    )
    slack_signing_secret: str | None = Field(
        None, description="Slack app's signing secret (Basic Information); required with SLACK_TOKEN."
    )
    slack_api_url: str = Field("https://slack.com/api/", description="Slack Web API base URL.")
    handoff_hours: str = Field(
        "mon-fri 08:00-18:00",
        description='When people take chats: "mon-fri 08:00-18:00[, sat 10:00-14:00]", "always" or "never"; '
        "outside them a handoff takes a message.",
    )
    handoff_timezone: str = Field("Europe/Amsterdam", description="Time zone of HANDOFF_HOURS.")
    company_locale: str = Field(
        "en_US",
        description="Babel locale that numbers, money and dates in replies are written for (assistant/formatting.py).",
    )
    reply_catalog: Path | None = Field(
        None,
        description="Another copy of domain.yml to take the replies' wording from (assistant/catalog.py); "
        "default the repository's domain.yml, the one the model is trained on.",
    )
    date_order: Literal["DMY", "MDY"] = Field(
        "DMY",
        description="How the company's people write numeric dates (12/03: DMY is 12 March, MDY is 3 December); "
        "the other order is read only when this one cannot be a date (12/21).",
    )
    agent_tokens: str = Field(
        "Alex:dev-agent-alex,Sam:dev-agent-sam",
        description='Agents of the console and their bearer tokens: "Name:token,Name:token".',
    )
    # Security and privacy (issue 8): generous defaults, a person chatting never meets them.
    redact_tracker: bool = Field(
        False, description="Store conversations in the tracker store with personal data masked (engine side)."
    )
    api_rate_limit_per_ip: int = Field(
        600, ge=0, description="Requests per minute one client IP may make to the API (0: no limit; health exempt)."
    )
    channel_rate_limit_per_sender: int = Field(
        60, ge=0, description="Messages per minute one sender may send on a chat channel (0: no limit)."
    )
    channel_rate_limit_per_ip: int = Field(
        600, ge=0, description="Requests per minute one client IP may make to the Rasa server (0: no limit)."
    )
    rate_limit_storage_url: str | None = Field(
        None,
        description="Where rate-limit counts live (`redis://host:port/db`), shared by every API process and Rasa "
        "server. Default: in each process's memory (embedded); the profile's Redis (scale).",
    )
    api_max_request_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body the API takes (document uploads: 10 MB)."
    )
    channel_max_message_chars: int = Field(
        2000, ge=1, description="Longest message any chat channel takes; longer ones get a polite refusal before NLU."
    )
    channel_max_request_bytes: int = Field(
        1024 * 1024, ge=1024, description="Largest request body the Rasa server takes (channels and its HTTP API)."
    )

    # Scale-out profile (issue 8): the same code on PostgreSQL, Redis, a Chroma server and several
    # Rasa and action servers behind nginx (assistant/scale.py). Settings only: STACK_PROFILE=scale.
    stack_profile: Literal["embedded", "scale"] = Field(
        "embedded",
        description="`embedded`: one Rasa server, one action server, SQLite and an embedded Chroma; "
        "`scale`: PostgreSQL, Redis lock store, Chroma server, SCALE_RASA_SERVERS Rasa and SCALE_ACTION_SERVERS "
        "action servers behind nginx at RASA_URL and ACTION_SERVER_URL.",
    )
    scale_port_base: int = Field(
        25100,
        ge=1024,
        le=65000,
        description="Scale profile's internal ports on 127.0.0.1: Rasa servers base+1…, action servers base+11…, "
        "PostgreSQL base+20, Redis base+21, Chroma base+22.",
    )
    scale_rasa_servers: int = Field(2, ge=1, le=9, description="Rasa servers behind nginx in the scale profile.")
    scale_action_servers: int = Field(2, ge=1, le=9, description="Action servers behind nginx in the scale profile.")
    lock_store_url: str | None = Field(
        None,
        description="Rasa's lock store: `redis://host:port/db`. Default: in memory (embedded); the profile's Redis "
        "(scale).",
    )

    @model_validator(mode="after")
    def _scale_profile_stores(self) -> Settings:
        """In the scale profile every store not given explicitly is the profile's own server on loopback."""
        if self.stack_profile == "scale":
            postgres = f"postgres@127.0.0.1:{self.scale_port_base + 20}"
            self.database_url = self.database_url or f"postgresql+psycopg://{postgres}/backoffice"
            self.tracker_store_url = self.tracker_store_url or f"postgresql://{postgres}/tracker"
            self.lock_store_url = self.lock_store_url or f"redis://127.0.0.1:{self.scale_port_base + 21}/1"
            self.rate_limit_storage_url = (
                self.rate_limit_storage_url or f"redis://127.0.0.1:{self.scale_port_base + 21}/2"
            )
            self.chroma_url = self.chroma_url or f"http://127.0.0.1:{self.scale_port_base + 22}"
        return self

    @model_validator(mode="after")
    def _telegram_needs_its_secret(self) -> Settings:
        if self.telegram_token:
            if not self.telegram_webhook_secret:
                raise ValueError("TELEGRAM_TOKEN is set but TELEGRAM_WEBHOOK_SECRET is not: updates could be forged.")
            if not TELEGRAM_SECRET_RE.fullmatch(self.telegram_webhook_secret):
                raise ValueError("TELEGRAM_WEBHOOK_SECRET must be 1-256 characters of A-Z, a-z, 0-9, _ and -.")
        return self

    @model_validator(mode="after")
    def _slack_needs_its_signing_secret(self) -> Settings:
        if self.slack_token and not (self.slack_signing_secret or "").strip():
            raise ValueError("SLACK_TOKEN is set but SLACK_SIGNING_SECRET is not: events could be forged.")
        return self

    @model_validator(mode="after")
    def _handoff_hours_readable(self) -> Settings:
        parse_hours(self.handoff_hours, self.handoff_timezone)  # InvalidHours (a ValueError) says what is wrong
        return self

    @model_validator(mode="after")
    def _refuse_placeholders_outside_local(self) -> Settings:
        """Only `local` may run on the placeholders: a test or production deployment names its own secrets."""
        if self.assistant_env in PLACEHOLDER_MODES:
            return self
        mode = f"ASSISTANT_ENV={self.assistant_env}"
        for name in ("identity_secret", "admin_token", "demo_password"):
            if str(getattr(self, name)).startswith(PLACEHOLDER_PREFIX):
                raise ValueError(
                    f"{name.upper()} still has its development placeholder; set a real secret "
                    f"({mode}: only local mode accepts placeholders)."
                )
        if any(token.startswith(PLACEHOLDER_PREFIX) for token in self.agents):
            raise ValueError(f"AGENT_TOKENS still has development placeholders; set real tokens ({mode}).")
        if len(self.identity_secret) < 32:
            raise ValueError(f"IDENTITY_SECRET must be at least 32 characters ({mode}).")
        return self

    @model_validator(mode="after")
    def _closed_by_default(self) -> Settings:
        """The Rasa API and the action server always need a token: production names them, a local stack makes them."""
        for name in ("rasa_api_token", "action_server_token"):
            if getattr(self, name):
                continue
            if self.assistant_env == "production":
                raise ValueError(f"{name.upper()} must be set in production: the service would be open to anyone.")
            setattr(self, name, local_secret(self.var_dir, name.replace("_", "-")))
        if "*" in self.allowed_origins:
            raise ValueError("CORS_ORIGINS must list origins, not `*`.")
        return self

    @property
    def day_first(self) -> bool:
        """Whether a numeric date's first number is the day (DATE_ORDER=DMY), as `assistant.dates` takes it."""
        return self.date_order == "DMY"

    @property
    def agents(self) -> dict[str, str]:
        """Agent bearer token -> the agent's display name, from AGENT_TOKENS."""
        agents = {}
        for entry in self.agent_tokens.split(","):
            name, _, token = entry.strip().partition(":")
            if name.strip() and token.strip():
                agents[token.strip()] = name.strip()
        return agents

    @property
    def allowed_origins(self) -> list[str]:
        """Origins a browser may call the Rasa server from: the public site's, then CORS_ORIGINS."""
        public = urlsplit(self.public_url)
        origins = [f"{public.scheme}://{public.netloc}"]
        origins += [origin.strip().rstrip("/") for origin in self.cors_origins.split(",") if origin.strip()]
        return list(dict.fromkeys(origins))

    @property
    def backoffice_db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.var_dir / 'backoffice.db').resolve()}"

    @property
    def tracker_db_url(self) -> str:
        return self.tracker_store_url or f"sqlite:///{(self.var_dir / 'tracker.db').resolve()}"

    @property
    def knowledge_dir(self) -> Path:
        return (self.knowledge_dir_override or self.var_dir / "knowledge" / "chroma").resolve()

    @property
    def nlu_url(self) -> str:
        """The NLU process's address: NLU_SERVER_URL, or the Rasa server's host at its port + 1."""
        if self.nlu_server_url:
            return self.nlu_server_url.rstrip("/")
        parts = urlsplit(self.rasa_url)
        return f"{parts.scheme}://{parts.hostname}:{(parts.port or 80) + 1}"

    @property
    def telegram_webhook(self) -> str:
        return self.telegram_webhook_url or f"{self.rasa_url.rstrip('/')}/webhooks/telegram/webhook"

    @property
    def slack_webhook(self) -> str:
        """The Request URL to give Slack (Event Subscriptions and Interactivity)."""
        return f"{self.rasa_url.rstrip('/')}/webhooks/slack/webhook"


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()
