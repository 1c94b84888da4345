"""Settings: development placeholders work locally and are refused in every other mode (test, production)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from assistant.settings import Settings, get_settings

REAL_SECRET = "a-real-identity-secret-0123456789abcdef"
REAL_ADMIN_TOKEN = "a-real-admin-token-0123456789"
REAL_DEMO_PASSWORD = "a-real-demo-password"
REAL_AGENT_TOKENS = "Alex:a-real-agent-token-0123456789,Sam:another-real-agent-token-0123"
SETTING_VARIABLES = (
    "ASSISTANT_ENV", "IDENTITY_SECRET", "ADMIN_TOKEN", "DEMO_PASSWORD", "DATABASE_URL", "VAR_DIR", "TRACKER_STORE_URL",
    "RASA_API_TOKEN", "ACTION_SERVER_TOKEN", "CORS_ORIGINS",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No setting from the caller's environment or a `.env` file in the working directory."""
    for name in SETTING_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_local_accepts_placeholders_and_short_secrets() -> None:
    assert settings(assistant_env="local").identity_secret.startswith("dev-")
    assert settings(assistant_env="local", identity_secret="short").identity_secret == "short"
    assert settings().assistant_env == "local", "a fresh clone runs in local mode"


REAL = {
    "identity_secret": REAL_SECRET,
    "admin_token": REAL_ADMIN_TOKEN,
    "demo_password": REAL_DEMO_PASSWORD,
    "agent_tokens": REAL_AGENT_TOKENS,
    "rasa_api_token": "a-real-rasa-api-token-0123456789",
    "action_server_token": "a-real-action-server-token-0123456789",
}


@pytest.mark.parametrize("env", ["test", "production"])
@pytest.mark.parametrize(
    ("setting", "placeholder", "message"),
    [
        ("identity_secret", "dev-identity-secret-change-me-0123456789", "IDENTITY_SECRET still has"),
        ("admin_token", "dev-admin-token", "ADMIN_TOKEN still has"),
        ("demo_password", "dev-demo", "DEMO_PASSWORD still has"),
        ("agent_tokens", "Alex:dev-agent-alex,Sam:dev-agent-sam", "AGENT_TOKENS still has"),
        ("identity_secret", "short", "IDENTITY_SECRET must be at least 32"),
    ],
)
def test_every_mode_but_local_refuses_a_placeholder_naming_the_setting(
    env: str, setting: str, placeholder: str, message: str
) -> None:
    with pytest.raises(ValidationError, match=rf"{message}.*ASSISTANT_ENV={env}"):
        settings(assistant_env=env, **{**REAL, setting: placeholder})


@pytest.mark.parametrize("env", ["test", "production"])
def test_every_mode_but_local_starts_with_real_secrets(env: str) -> None:
    assert settings(assistant_env=env, **REAL).assistant_env == env


def test_test_mode_refuses_the_defaults_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """What a process started with only ASSISTANT_ENV=test sees: it must not start on the placeholders."""
    monkeypatch.setenv("ASSISTANT_ENV", "test")
    with pytest.raises(ValidationError, match="IDENTITY_SECRET still has its development placeholder"):
        Settings(_env_file=None)  # type: ignore[call-arg]


def test_production_refuses_the_placeholder_identity_secret() -> None:
    with pytest.raises(ValidationError, match="IDENTITY_SECRET still has its development placeholder"):
        settings(assistant_env="production", admin_token=REAL_ADMIN_TOKEN)


def test_production_refuses_the_placeholder_admin_token() -> None:
    with pytest.raises(ValidationError, match="ADMIN_TOKEN still has its development placeholder"):
        settings(assistant_env="production", identity_secret=REAL_SECRET)


@pytest.mark.parametrize("secret", ["x" * 31, "short", "dev-" + "x" * 40])
def test_production_refuses_short_or_placeholder_secrets(secret: str) -> None:
    with pytest.raises(ValidationError):
        settings(assistant_env="production", identity_secret=secret, admin_token=REAL_ADMIN_TOKEN)


def test_production_accepts_real_secrets() -> None:
    configured = settings(
        assistant_env="production",
        identity_secret="x" * 32,
        admin_token=REAL_ADMIN_TOKEN,
        demo_password=REAL_DEMO_PASSWORD,
        agent_tokens=REAL_AGENT_TOKENS,
        rasa_api_token=REAL["rasa_api_token"],
        action_server_token=REAL["action_server_token"],
    )
    assert configured.identity_secret == "x" * 32
    assert configured.agents == {"a-real-agent-token-0123456789": "Alex", "another-real-agent-token-0123": "Sam"}


def test_production_refuses_placeholders_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_ENV", "production")
    monkeypatch.setenv("ADMIN_TOKEN", REAL_ADMIN_TOKEN)
    monkeypatch.setenv("DEMO_PASSWORD", REAL_DEMO_PASSWORD)
    monkeypatch.setenv("AGENT_TOKENS", REAL_AGENT_TOKENS)
    monkeypatch.setenv("RASA_API_TOKEN", str(REAL["rasa_api_token"]))
    monkeypatch.setenv("ACTION_SERVER_TOKEN", str(REAL["action_server_token"]))
    get_settings.cache_clear()
    try:
        with pytest.raises(ValidationError):
            get_settings()
        monkeypatch.setenv("IDENTITY_SECRET", REAL_SECRET)
        get_settings.cache_clear()
        assert get_settings().identity_secret == REAL_SECRET
    finally:
        get_settings.cache_clear()


def test_production_refuses_placeholder_agent_tokens() -> None:
    real = {"identity_secret": REAL_SECRET, "admin_token": REAL_ADMIN_TOKEN, "demo_password": REAL_DEMO_PASSWORD}
    with pytest.raises(ValidationError, match="AGENT_TOKENS"):
        settings(assistant_env="production", **real)
    with pytest.raises(ValidationError, match="AGENT_TOKENS"):
        settings(assistant_env="production", agent_tokens="Alex:dev-agent-alex,Sam:a-real-token-01234567", **real)


@pytest.mark.parametrize("hours", ["mon-fri 9-5", "weekdays", "mon-fri 18:00-08:00"])
def test_unreadable_handoff_hours_are_refused_at_start(hours: str) -> None:
    with pytest.raises(ValidationError, match=r"write it like|closes before"):
        settings(handoff_hours=hours)


def test_unknown_environment_is_refused() -> None:
    with pytest.raises(ValidationError):
        settings(assistant_env="staging")


def test_database_urls_default_to_the_var_directory(tmp_path: Path) -> None:
    configured = settings(var_dir=tmp_path / "state")
    assert configured.backoffice_db_url == f"sqlite:///{tmp_path / 'state' / 'backoffice.db'}"
    assert configured.tracker_db_url == f"sqlite:///{tmp_path / 'state' / 'tracker.db'}"
    explicit = settings(var_dir=tmp_path, database_url="postgresql+psycopg://db/backoffice")
    assert explicit.backoffice_db_url == "postgresql+psycopg://db/backoffice"


def test_settings_come_from_the_environment_and_are_read_once(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("DATABASE_URL", "sqlite:///first.db")
    get_settings.cache_clear()
    try:
        first = get_settings()
        monkeypatch.setenv("DATABASE_URL", "sqlite:///second.db")
        assert get_settings() is first and first.backoffice_db_url == "sqlite:///first.db"
        get_settings.cache_clear()
        assert get_settings().backoffice_db_url == "sqlite:///second.db"
    finally:
        get_settings.cache_clear()


def test_a_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("RETURN_WINDOW_DAYS=14\n", encoding="utf-8")
    monkeypatch.delenv("RETURN_WINDOW_DAYS", raising=False)
    assert Settings().return_window_days == 14


def test_production_refuses_the_placeholder_demo_password() -> None:
    with pytest.raises(ValidationError, match="DEMO_PASSWORD still has its development placeholder"):
        settings(assistant_env="production", identity_secret=REAL_SECRET, admin_token=REAL_ADMIN_TOKEN)


# -- closed by default ------------------------------------------------------------------------------


@pytest.mark.parametrize("token", ["rasa_api_token", "action_server_token"])
def test_production_refuses_to_start_without_its_service_tokens(token: str) -> None:
    with pytest.raises(ValidationError, match=f"{token.upper()} must be set in production"):
        settings(assistant_env="production", **{**REAL, token: None})


def test_a_local_stack_makes_its_tokens_once_and_every_process_reads_the_same(tmp_path: Path) -> None:
    first = settings(var_dir=tmp_path / "var")
    second = settings(var_dir=tmp_path / "var")
    assert first.rasa_api_token and len(first.rasa_api_token) >= 32
    assert first.rasa_api_token == second.rasa_api_token
    assert first.action_server_token == second.action_server_token != first.rasa_api_token
    kept = tmp_path / "var" / "secrets" / "rasa-api-token"
    assert kept.read_text().strip() == first.rasa_api_token
    assert kept.stat().st_mode & 0o077 == 0, "readable by its owner only"
    assert settings(var_dir=tmp_path / "other").rasa_api_token != first.rasa_api_token


def test_cors_lists_origins_and_never_a_wildcard() -> None:
    listed = settings(public_url="https://shop.example.com/", cors_origins="https://help.example.com, https://x.io/")
    assert listed.allowed_origins == ["https://shop.example.com", "https://help.example.com", "https://x.io"]
    with pytest.raises(ValidationError, match="CORS_ORIGINS must list origins"):
        settings(cors_origins="*")


def test_the_scale_profile_shares_rate_limits_in_its_redis() -> None:
    scaled = settings(stack_profile="scale", scale_port_base=30100)
    assert scaled.rate_limit_storage_url == "redis://127.0.0.1:30121/2"
    assert scaled.lock_store_url == "redis://127.0.0.1:30121/1", "another database than the lock store's"
    assert settings().rate_limit_storage_url is None, "the embedded stack counts in memory"
