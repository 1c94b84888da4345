"""engine/locks.py: with it, Rasa's Redis lock store lets one server at a time into a conversation.

A real redis-server (Debian's, on a free loopback port, no persistence) and four "servers" (threads
with their own lock store and event loop) taking one conversation's lock at once, inside the engine
environment; Rasa's own lock store is run the same way first, as the control.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.engine

REDIS = Path("/usr/bin/redis-server")
CHECK = Path(__file__).with_name("lock_store_check.py")


@pytest.fixture(scope="module")
def redis_port() -> Iterator[int]:
    if not REDIS.exists():
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run does)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = int(probe.getsockname()[1])
    folder = tempfile.mkdtemp(prefix="locks-redis-")
    command = [str(REDIS), "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no",
               "--dir", folder]  # fmt: skip
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert time.monotonic() < deadline and process.poll() is None, "redis-server did not start"
            time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def report(engine_check: Callable[..., Any], redis_port: int) -> dict[str, Any]:
    result: dict[str, Any] = engine_check(CHECK, str(redis_port), timeout_s=300)
    return result


def test_with_the_patch_one_server_at_a_time_is_inside_a_conversation(report: dict[str, Any]) -> None:
    patched = report["patched"]
    assert report["installed"]
    assert patched["most_inside_at_once"] == 1, patched
    assert patched["entered"] == report["expected_entries"] and patched["error_count"] == 0, patched


def test_rasas_own_redis_lock_store_lets_two_in_at_once(report: dict[str, Any]) -> None:
    """The control: why the patch exists (read-modify-write of the ticket queue without a mutex)."""
    original = report["original"]
    print(f"Rasa's own RedisLockStore: {original}")
    assert original["most_inside_at_once"] > 1 or original["error_count"] > 0, original
