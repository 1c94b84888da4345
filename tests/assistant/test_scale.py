"""The scale-out profile's configuration: what the settings derive, which processes the supervisor
starts, and an nginx configuration that nginx itself accepts (no process is left running)."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from assistant.settings import Settings
from operations import processes, scale, stack

SCALE_VARIABLES = (
    "STACK_PROFILE", "SCALE_PORT_BASE", "SCALE_RASA_SERVERS", "SCALE_ACTION_SERVERS", "DATABASE_URL",
    "TRACKER_STORE_URL", "CHROMA_URL", "LOCK_STORE_URL", "RASA_URL", "ACTION_SERVER_URL", "VAR_DIR",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for name in SCALE_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)


def settings(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_the_embedded_default_is_unchanged() -> None:
    embedded = settings()
    assert embedded.stack_profile == "embedded"
    assert embedded.backoffice_db_url.startswith("sqlite:///") and embedded.tracker_db_url.startswith("sqlite:///")
    assert embedded.chroma_url is None and embedded.lock_store_url is None
    assert processes.lock_store_env(embedded)["LOCK_STORE_TYPE"] == "in_memory"
    assert [service.name for service in stack.services(embedded)] == ["actions", "nlu", "rasa", "api"]


def test_the_embedded_rasa_server_parses_through_the_nlu_process_beside_it() -> None:
    embedded = settings(rasa_url="http://127.0.0.1:7005")
    services = {service.name: service for service in stack.services(embedded)}
    nlu, rasa = services["nlu"], services["rasa"]
    assert embedded.nlu_url == "http://127.0.0.1:7006" and nlu.health_url == "http://127.0.0.1:7006/"
    assert rasa.env["NLU_SERVER_URL"] == embedded.nlu_url
    assert rasa.env["NLU_SERVER_TOKEN"] == str(embedded.rasa_api_token)
    token = f"--auth-token={embedded.rasa_api_token}"
    assert token in nlu.command and "--endpoints" not in nlu.command  # the API with its token, no stores
    assert nlu.env["CHANNEL_RATE_LIMIT_PER_IP"] == "0"
    assert nlu.env["NLU_SERVER_URL"] == ""  # never asks itself, even when the inherited environment names one
    assert ["nlu", "rasa"] in [[s.name for s in stage] for stage in stack.stages(list(services.values()))]
    assert settings(nlu_server_url="http://127.0.0.1:9999/").nlu_url == "http://127.0.0.1:9999"


def test_without_the_nlu_process_the_rasa_server_parses_itself() -> None:
    alone = settings(nlu_process=False)
    services = stack.services(alone)
    assert [service.name for service in services] == ["actions", "rasa", "api"]
    assert not any(name.startswith("NLU_") for name in services[1].env)


def test_the_scale_profile_derives_every_store_from_its_port_base() -> None:
    scaled = settings(stack_profile="scale", scale_port_base=26000)
    assert scaled.backoffice_db_url == "postgresql+psycopg://postgres@127.0.0.1:26020/backoffice"
    assert scaled.tracker_db_url == "postgresql://postgres@127.0.0.1:26020/tracker"
    assert scaled.lock_store_url == "redis://127.0.0.1:26021/1"
    assert scaled.chroma_url == "http://127.0.0.1:26022"
    assert processes.lock_store_env(scaled) == {
        "LOCK_STORE_TYPE": "redis", "LOCK_STORE_HOST": "127.0.0.1", "LOCK_STORE_PORT": "26021", "LOCK_STORE_DB": "1",
    }  # fmt: skip
    assert processes.tracker_store_env(scaled)["TRACKER_DB_DIALECT"] == "postgresql"


@pytest.mark.skipif(bool(scale.missing_binaries()), reason="PostgreSQL, nginx, Redis or chroma missing")
def test_the_profile_starts_stores_then_stateless_servers_then_nginx_and_the_api() -> None:
    scaled = settings(stack_profile="scale", scale_rasa_servers=3)
    services = stack.services(scaled)
    assert [s.name for s in services] == [
        "postgres", "redis", "chroma", "actions-1", "actions-2", "nginx", "rasa-1", "rasa-2", "rasa-3", "api",
    ]  # fmt: skip
    stages = [[s.name for s in stage] for stage in stack.stages(services)]
    assert ["rasa-1", "rasa-2", "rasa-3"] in stages  # started together
    by_name = {s.name: s for s in services}
    assert by_name["postgres"].user == "postgres" and by_name["postgres"].health_url.startswith("postgresql://")
    for name in ("rasa-1", "rasa-2", "rasa-3"):
        env = by_name[name].env
        assert env["ACTION_ENDPOINT_URL"] == f"{scaled.action_server_url}/webhook"  # through nginx
        assert env["SANIC_PROXIES_COUNT"] == "1" and env["LOCK_STORE_TYPE"] == "redis"
    assert by_name["actions-1"].env["SANIC_HOST"] == "127.0.0.1"


@pytest.mark.skipif(bool(scale.missing_binaries()), reason="PostgreSQL, nginx, Redis or chroma missing")
def test_a_managed_store_given_by_url_is_not_started() -> None:
    scaled = settings(
        stack_profile="scale",
        database_url="postgresql+psycopg://app@db.internal/backoffice",
        tracker_store_url="postgresql://app@db.internal/tracker",
        lock_store_url="redis://cache.internal:6379/1",
    )
    names = [s.name for s in stack.services(scaled)]
    assert "postgres" not in names and "redis" not in names and "chroma" in names


def test_nginx_balances_both_kinds_of_server_with_passive_failover() -> None:
    scaled = settings(stack_profile="scale", scale_port_base=26000, rasa_url="http://127.0.0.1:26005")
    config = scale.nginx_config(scaled)
    for port in (26001, 26002, 26011, 26012):
        assert f"server 127.0.0.1:{port} max_fails=3" in config
    assert "listen 127.0.0.1:26005;" in config and "listen 127.0.0.1:5055;" in config
    assert "proxy_next_upstream error timeout http_502 http_503 non_idempotent;" in config  # Rasa servers
    assert "proxy_set_header X-Request-ID $delivery_id;" in config  # ... with the id a re-send keeps
    assert "proxy_next_upstream error timeout http_502 http_503;" in config  # action calls: never re-sent
    assert "ip_hash;" in config  # socket.io sticks to one Rasa server


@pytest.mark.skipif(not scale.NGINX_BIN.exists(), reason="nginx is not installed")
def test_nginx_accepts_the_configuration(tmp_path: Path) -> None:
    scaled = settings(stack_profile="scale", var_dir=tmp_path / "var")
    service = scale.nginx_service(scaled)
    assert service.prepare is not None
    service.prepare()
    for path, text in service.files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    (tmp_path / "var" / "log").mkdir(parents=True, exist_ok=True)
    checked = subprocess.run([*service.command, "-t"], capture_output=True, text=True, timeout=30)
    assert checked.returncode == 0, checked.stderr


def test_nginx_configuration_is_the_template_rendered_byte_for_byte() -> None:
    """The configuration moved from an f-string into operations/templates/nginx.conf.j2 (issue 19); the file
    expected here was written by the f-string, then changed only by the delivery id (engine/redelivery.py): the
    template renders exactly what was reviewed."""
    scaled = settings(
        stack_profile="scale",
        scale_port_base=26000,
        rasa_url="http://127.0.0.1:26005",
        var_dir=Path("/srv/assistant/var"),
        scale_rasa_servers=3,
        scale_action_servers=2,
    )
    expected = (Path(__file__).parent / "data" / "nginx_scale.conf").read_text()
    assert scale.nginx_config(scaled) == expected


def test_a_token_that_starts_with_a_dash_reaches_the_server_whole() -> None:
    """A generated token may start with "-": given as a separate argument, argparse (Rasa's command line) took it
    for an option and the server did not start; joined to its option it is read whole."""
    command = processes.engine_command(settings(rasa_api_token="-Xk3_dash-first"), "http://127.0.0.1:7005")
    parser = argparse.ArgumentParser()
    parser.add_argument("--auth-token")
    parsed, _ = parser.parse_known_args(command[3:])
    assert parsed.auth_token == "-Xk3_dash-first"
