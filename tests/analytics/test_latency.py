"""Latency buckets: any percentile read from them is within 2.5 % of the exact one."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st

from analytics import latency


@given(st.lists(st.floats(min_value=0.0, max_value=600_000.0, allow_nan=False), min_size=1, max_size=300))
def test_percentiles_from_buckets_are_within_the_bucket_width(values: list[float]) -> None:
    histogram = Counter(latency.bucket(v) for v in values)
    for p in (50, 95, 99):
        exact = latency.exact_percentile(values, p)
        assert exact is not None
        estimate = latency.percentile(histogram, p)
        assert estimate is not None
        if exact >= latency.RATIO:
            assert estimate == pytest.approx(exact, rel=0.025)
        else:
            assert estimate == 1.0  # below a millisecond or so: one bucket


def test_histograms_merge_by_adding() -> None:
    rng = random.Random(3)
    monday = [rng.lognormvariate(5, 0.6) for _ in range(500)]
    tuesday = [rng.lognormvariate(6, 0.4) for _ in range(300)]
    merged = Counter(latency.bucket(v) for v in monday) + Counter(latency.bucket(v) for v in tuesday)
    exact = latency.exact_percentile(monday + tuesday, 95)
    assert latency.percentile(merged, 95) == pytest.approx(exact, rel=0.025)


def test_edges() -> None:
    assert latency.percentile({}, 50) is None
    assert latency.exact_percentile([], 50) is None
    assert latency.bucket(0) == 0 and latency.bucket(-5) == 0
    assert latency.bucket(10**12) == latency.MAX_BUCKET
    assert latency.percentile({latency.bucket(100.0): 1}, 50) == pytest.approx(100.0, rel=0.025)


def test_display_bins_keep_every_reply() -> None:
    values = [30, 120, 300, 700, 1500, 3000, 8000, 20000]
    bins = latency.display_bins(Counter(latency.bucket(v) for v in values))
    assert [b["label"] for b in bins] == [
        "< 100 ms", "100 ms–250 ms", "250 ms–500 ms", "500 ms–1 s", "1 s–2 s", "2 s–5 s", "5 s–10 s", "≥ 10 s",
    ]  # fmt: skip
    assert [b["count"] for b in bins] == [1] * 8
