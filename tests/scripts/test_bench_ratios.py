"""`make bench`'s targets are ratios against Rasa's starter bot: the same engine as ours (the headline) and
stock `rasa run` beside it. These feed `ratios` results in the shape the phases record."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

from bench import PATCHED_STARTER, STOCK_STARTER, ratios


def phase(throughput: float | None, p95: float | None = None) -> dict[str, Any]:
    return {"sequential": {"p95_ms": p95}, "concurrent": {"throughput_msg_s": throughput}}


def test_each_scenario_is_divided_by_each_starter() -> None:
    results = {
        "ours greeting": phase(30.0),
        "ours order-status": phase(24.0, p95=51.0),
        "ours leave-balance": phase(20.0, p95=47.0),
        PATCHED_STARTER: phase(40.0),
        STOCK_STARTER: phase(20.0),
    }
    numbers = ratios(results)
    assert numbers["same_engine_order_status_throughput_ratio"] == 24.0 / 40.0
    assert numbers["stock_order_status_throughput_ratio"] == 24.0 / 20.0
    assert numbers["same_engine_leave_balance_throughput_ratio"] == 0.5
    assert numbers["order_status_seq_p95_ms"] == 51.0


def test_a_starter_not_run_gives_no_ratio() -> None:
    """`--patched-starter` skips stock `rasa run`; `--skip-baseline` both: no number, rather than a made-up one."""
    numbers = ratios({"ours order-status": phase(24.0), PATCHED_STARTER: phase(40.0)})
    assert numbers["stock_order_status_throughput_ratio"] is None
    assert numbers["same_engine_order_status_throughput_ratio"] == 0.6
    assert ratios({"ours order-status": phase(24.0)})["same_engine_order_status_throughput_ratio"] is None
