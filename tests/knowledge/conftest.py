"""A small demo-company corpus on disk and a fresh Chroma store per test (real model, real Chroma),
and a real Chroma server (`chroma run`) for what must hold over HTTP too."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from knowledge.store import KnowledgeStore
from tests.support.ports import free_port

CHROMA_BIN = Path(__file__).resolve().parents[2] / ".venv" / "bin" / "chroma"

RETURNS_MD = """# Returns and refunds

## Return window
Returns are accepted within 30 days of delivery. Only delivered orders can be returned.

## Refunds
Refunds are paid to the original payment method within 5-10 working days after the parcel arrives back.
"""

SHIPPING_MD = """# Shipping

## Countries
Northwind Goods ships to the EU, the UK, Switzerland and Norway. We do not ship to Canada or the United States.

## Costs
Shipping within the EU costs EUR 4.95 and is free from EUR 75.
"""

PAYROLL_MD = """# Payroll and paydays

## Paydays
Employees are paid twice a month, on the 15th and on the last working day of the month.
When the 15th is not a working day, pay comes on the working day before.
"""


@pytest.fixture
def public_docs(tmp_path: Path) -> Path:
    folder = tmp_path / "public"
    folder.mkdir()
    (folder / "returns.md").write_text(RETURNS_MD)
    (folder / "shipping.md").write_text(SHIPPING_MD)
    return folder


@pytest.fixture
def internal_docs(tmp_path: Path) -> Path:
    folder = tmp_path / "internal"
    folder.mkdir()
    (folder / "payroll.md").write_text(PAYROLL_MD)
    return folder


@pytest.fixture
def store(tmp_path: Path) -> KnowledgeStore:
    return KnowledgeStore.open(tmp_path / "chroma")


@dataclass
class ChromaServer:
    """A real Chroma server (`chroma run`, as the scale profile starts it) on a free loopback port."""

    url: str
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)


@pytest.fixture
def chroma_server(tmp_path: Path) -> Iterator[ChromaServer]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    command = [str(CHROMA_BIN), "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)]
    with (tmp_path / "chroma.log").open("wb") as log:
        server = ChromaServer(
            url, subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/api/v2/heartbeat", timeout=2).status_code == 200:
                    break
            assert server.process.poll() is None and time.monotonic() < deadline, (tmp_path / "chroma.log").read_text()
            time.sleep(0.3)
        yield server
    finally:
        server.stop()
