"""The benchmark's view of the processes it measures: their CPU time, and when they have settled.

Why: a service that answers its health check may still be starting (the action server loads the
documents' embedding model in a thread after /health answers), and a phase measured then is
charged with that start-up. make bench waits for the stack it started to go quiet first.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from bench_client import log


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes so far (from /proc; a process gone counts 0)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks
    return total


def wait_until_idle(pids: list[int], busy_share: float = 0.1, window_s: float = 2.0, limit_s: float = 120.0) -> None:
    """Wait until the services just started stop working on their own (under a tenth of a core over two
    seconds), at most two minutes. Healthy is not idle: the action server loads the documents' embedding
    model in a thread after it answers /health (15-30 s of CPU on a busy machine), and measuring during
    it charged that start-up to the first scenarios (order status at 0.45x in a run that began at once)."""
    started = time.perf_counter()
    before = _cpu_seconds(pids)
    while time.perf_counter() - started < limit_s:
        time.sleep(window_s)
        now = _cpu_seconds(pids)
        if now - before < busy_share * window_s:
            log(f"The stack is idle after {time.perf_counter() - started:.0f}s of start-up work.")
            return
        before = now
    log(f"The stack was still busy after {limit_s:.0f}s; measuring anyway.")
