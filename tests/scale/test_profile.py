"""The scale-out profile end to end: PostgreSQL, Redis, a Chroma server, two Rasa and two action
servers behind nginx, the API — started from settings alone, then talked to through nginx.

One stack for the module (`scale_stack`, tests/scale/conftest.py); the last test stops it the
way `make down` does and checks that nothing of it is left.
"""

from __future__ import annotations

import os
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest
from sqlalchemy import text

from demo.accounts import DemoAccount
from operations import stack
from tests.support.e2e_config import ROOT
from tests.support.rest import RestConversation, token_of
from tests.support.scale_stack import ScaleStack

pytestmark = pytest.mark.e2e

ASKS_FOR_REFERENCE = "order number"
ASKS_FOR_EMAIL = "e-mail address"


def _rasa_lines(scale: ScaleStack, since: int) -> list[str]:
    """nginx access-log lines for the Rasa front since line `since`."""
    port = urlsplit(scale.rasa_url).port
    lines = scale.nginx_access_log.read_text().splitlines()[since:]
    return [line for line in lines if f" {port} " in line and "/webhooks/rest/webhook" in line]


def _log_length(scale: ScaleStack) -> int:
    return len(scale.nginx_access_log.read_text().splitlines())


def _redis_commands(scale: ScaleStack) -> int:
    """Commands the profile's Redis has processed so far (INFO stats)."""
    with socket.create_connection(("127.0.0.1", scale.ports.redis), timeout=5) as connection:
        connection.sendall(b"INFO stats\r\n")
        data = b""
        while b"total_commands_processed" not in data or not data.endswith(b"\r\n"):
            data += connection.recv(65536)
    for line in data.decode().splitlines():
        if line.startswith("total_commands_processed:"):
            return int(line.split(":")[1])
    raise AssertionError("no total_commands_processed in INFO stats")


def test_the_profile_comes_up_from_settings_alone(scale_stack: ScaleStack) -> None:
    """STACK_PROFILE=scale and ports are all it takes: `assistant stack status` finds every process up."""
    names = [service.name for service in stack.services(scale_stack.settings)]
    assert names == [
        "postgres", "redis", "chroma", "actions-1", "actions-2", "nginx", "rasa-1", "rasa-2", "api",
    ]  # fmt: skip
    rasa_env = scale_stack.services["rasa-1"].env
    assert rasa_env["TRACKER_DB_URL"].startswith("postgresql://") and rasa_env["TRACKER_DB_DIALECT"] == "postgresql"
    assert rasa_env["LOCK_STORE_TYPE"] == "redis" and rasa_env["LOCK_STORE_PORT"] == str(scale_stack.ports.redis)
    assert rasa_env["ACTION_ENDPOINT_URL"] == f"{scale_stack.settings.action_server_url}/webhook"  # nginx
    status = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "assistant"), "stack", "status"],
        env={**os.environ, **scale_stack.environment},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert status.returncode == 0, status.stdout + status.stderr
    assert status.stdout.count(" up ") == len(names), status.stdout
    # The API talks to the Rasa servers through nginx, and reads the same PostgreSQL.
    ready = httpx.get(f"{scale_stack.settings.public_url}/health", timeout=30)
    assert ready.status_code == 200, ready.text


def test_a_verified_order_question_and_the_identity_form_across_both_rasa_servers(
    scale_stack: ScaleStack, scale_accounts: list[DemoAccount]
) -> None:
    """The identity form runs over three turns that nginx spreads over both Rasa servers: the form's
    state is in the tracker in PostgreSQL, each turn under the conversation's lock in Redis."""
    account = scale_accounts[0]
    number = account.orders["shipped"]
    convo = RestConversation(scale_stack.rasa_url)
    since, redis_before = _log_length(scale_stack), _redis_commands(scale_stack)

    assert ASKS_FOR_REFERENCE in convo.say("where is my order?"), convo
    assert ASKS_FOR_EMAIL in convo.say(number), convo
    reply = convo.say(account.email)
    assert "verified" in reply and number in reply, convo
    followup = convo.say("thanks")
    assert followup, convo

    upstreams = {line.split("upstream=")[1].split()[0] for line in _rasa_lines(scale_stack, since)}
    assert upstreams == {f"127.0.0.1:{port}" for port in scale_stack.ports.rasa}, upstreams
    # Each turn takes and frees the conversation's lock in Redis (several commands a turn).
    assert _redis_commands(scale_stack) - redis_before >= 2 * len(convo.transcript)
    events = scale_stack.tracker_events(convo.sender)
    said = [event["text"] for event in events if event["event"] == "user"]
    assert said == [user for user, _ in convo.transcript], said
    loops = [event.get("name") for event in events if event["event"] == "active_loop"]
    assert any(loops) and loops[-1] is None, loops  # a form was active, and it finished


def test_a_signed_in_customer_gets_the_order_status_without_verification(
    scale_stack: ScaleStack, scale_accounts: list[DemoAccount]
) -> None:
    account = scale_accounts[1]
    number = account.orders["shipped"]
    convo = RestConversation(
        scale_stack.rasa_url, token_of("customer", account.customer_id, scale_stack.settings.identity_secret)
    )
    for _ in range(2):  # twice: once on each Rasa server
        reply = convo.say(f"where is my order {number}")
        assert number in reply and ASKS_FOR_EMAIL not in reply, convo


def test_a_knowledge_question_is_answered_from_the_chroma_server(scale_stack: ScaleStack) -> None:
    import chromadb

    convo = RestConversation(scale_stack.rasa_url)
    reply = convo.say("do you ship to Canada?")
    sources = [source for message in convo.last for source in (message.get("custom") or {}).get("sources", [])]
    assert "Canada" in reply and sources, convo
    # The documents live in the Chroma server; the embedded index's folder holds no database.
    server = chromadb.HttpClient(host="127.0.0.1", port=scale_stack.ports.chroma)
    assert any("public" in getattr(c, "name", str(c)) for c in server.list_collections())
    assert not list(scale_stack.settings.knowledge_dir.glob("*.sqlite3"))


def test_both_rasa_servers_and_both_action_servers_receive_traffic(scale_stack: ScaleStack) -> None:
    convo = RestConversation(scale_stack.rasa_url)
    for message in ("hi", "what is your return policy", "how long does delivery take", "thanks"):
        convo.say(message)
    hits = scale_stack.upstream_hits()
    rasa_front = urlsplit(scale_stack.rasa_url).port
    actions_front = urlsplit(scale_stack.settings.action_server_url).port
    assert rasa_front is not None and actions_front is not None
    for port in scale_stack.ports.rasa:
        assert hits[rasa_front][f"127.0.0.1:{port}"] > 0, hits
    for port in scale_stack.ports.actions:
        assert hits[actions_front][f"127.0.0.1:{port}"] > 0, hits
    with scale_stack.tracker_engine().connect() as connection:
        senders = connection.execute(text("SELECT count(DISTINCT sender_id) FROM events")).scalar_one()
    assert senders >= 4


def _group_alive(pgid: int) -> bool:
    """A process of group `pgid` still runs. Zombies do not count: they have ended, and one whose parent
    already ended waits for PID 1 to reap it — which a container's PID 1 may never do."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue  # ended while we looked
        if int(fields[2]) == pgid and fields[0] != "Z":
            return True
    return False


def test_stopping_the_profile_leaves_no_process(scale_stack: ScaleStack) -> None:
    """What `make down` does (`assistant stack down`: every pid file under var/run) ends every process."""
    settings = scale_stack.settings
    recorded = stack.recorded_pids(settings)
    assert set(recorded) == set(scale_stack.services), recorded
    stack.down(settings)
    # These servers are this test process's children: an ended child stays a zombie (which can still be
    # signalled) until its parent reaps it — as `make down`'s shell would. Reap, then look.
    for process in scale_stack.processes.values():
        process.wait(timeout=30)
    scale_stack.processes.clear()  # already stopped: the fixture's own stop has nothing left to do
    deadline = time.monotonic() + 30  # a server's own children (PostgreSQL backends) end just after it
    for pid in recorded.values():
        while _group_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not _group_alive(pid), f"{pid}: the server or a child of it (workers, backends) still runs"
    assert not list((settings.var_dir / "run").glob("*.pid"))
    for service in scale_stack.services.values():
        assert not stack.is_healthy(service.health_url), service.name
