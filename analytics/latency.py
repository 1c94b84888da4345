"""Reply latency as a histogram of geometric buckets, so that percentiles can be merged.

A p95 over a date range and a channel cannot be computed from daily p95s, and keeping
every reply's latency would mean millions of rows. Buckets 5 % wide (bucket k holds
[1.05^k, 1.05^(k+1)) ms) can be summed over any days and channels, and a percentile
read from them is the bucket's geometric middle: at most 2.5 % off the exact value.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

RATIO = 1.05
MAX_BUCKET = 320  # 1.05^320 ms is about 6 hours: anything slower is in the last bucket
_LOG_RATIO = math.log(RATIO)
# Coarse bins for the histogram chart (upper bounds in ms; the last is open-ended).
DISPLAY_BINS_MS = (100, 250, 500, 1000, 2000, 5000, 10000)


def bucket(ms: float) -> int:
    """The bucket of a latency in milliseconds."""
    if ms < RATIO:
        return 0
    return min(MAX_BUCKET, int(math.log(ms) / _LOG_RATIO))


def bucket_middle(index: int) -> float:
    """The latency a bucket stands for: its geometric middle, in ms."""
    return float(RATIO ** (index + 0.5)) if index > 0 else 1.0


def percentile(histogram: Mapping[int, int], p: float) -> float | None:
    """The `p`-th percentile (nearest rank) of the latencies in `histogram` (bucket -> count), in ms."""
    total = sum(count for count in histogram.values() if count > 0)
    if total == 0:
        return None
    rank = max(1, math.ceil(p / 100.0 * total))
    seen = 0
    for index in sorted(histogram):
        seen += max(0, histogram[index])
        if seen >= rank:
            return bucket_middle(index)
    return bucket_middle(max(histogram))


def exact_percentile(values: Iterable[float], p: float) -> float | None:
    """The nearest-rank percentile of raw values (what the buckets approximate; used by tests and benchmarks)."""
    ordered = sorted(values)
    if not ordered:
        return None
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[rank - 1]


def display_bins(histogram: Mapping[int, int]) -> list[dict[str, object]]:
    """The histogram in a few readable bins ("< 100 ms", "100–250 ms", …, "≥ 10 s") for the chart."""
    counts = [0] * (len(DISPLAY_BINS_MS) + 1)
    for index, count in histogram.items():
        middle = bucket_middle(index)
        slot = next((i for i, upper in enumerate(DISPLAY_BINS_MS) if middle < upper), len(DISPLAY_BINS_MS))
        counts[slot] += count
    labels = []
    lower = 0
    for upper in DISPLAY_BINS_MS:
        labels.append(f"< {_ms(upper)}" if lower == 0 else f"{_ms(lower)}–{_ms(upper)}")
        lower = upper
    labels.append(f"≥ {_ms(lower)}")
    return [{"label": label, "count": count} for label, count in zip(labels, counts, strict=True)]


def _ms(value: int) -> str:
    return f"{value // 1000} s" if value >= 1000 else f"{value} ms"
