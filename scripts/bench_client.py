"""One message to a bot's REST channel, timed, and what makes its reply count as an answer.

Shared by `make bench` (scripts/bench.py) and the load test (scripts/loadtest.py), so both
time and judge a reply the same way; `log` keeps their progress on stderr.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import httpx

REST_PATH = "/webhooks/rest/webhook"
REQUEST_TIMEOUT_S = 60.0

# A message to send: (text, metadata, text the reply must contain or None).
Message = tuple[str, dict[str, Any], str | None]


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolated percentile; no numpy in the app environment for one number."""
    if not values:
        return None
    ordered = sorted(values)
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


_T0 = time.monotonic()


def log(text: str) -> None:
    """Progress goes to stderr, stamped with the elapsed time, so that stdout holds only the results."""
    print(f"[{time.monotonic() - _T0:5.0f}s] {text}", file=sys.stderr, flush=True)


def reply_error(status: int, body: Any, expect: str | None) -> str | None:
    """Why a reply does not count as an answer: non-200, no text, or missing the expected text."""
    if status != 200:
        return f"HTTP {status}"
    texts = [m.get("text") or "" for m in body if isinstance(m, dict)] if isinstance(body, list) else []
    if not any(texts):
        return f"empty reply: {json.dumps(body)[:120]}"
    if expect is not None and not any(expect in text for text in texts):
        return f"reply lacks {expect}: {' | '.join(texts)[:160]}"
    return None


def payload(sender: str, message: Message) -> dict[str, Any]:
    text, metadata, _ = message
    return {"sender": sender, "message": text, "metadata": metadata}


def send_sync(client: httpx.Client, url: str, sender: str, message: Message) -> tuple[float, str | None]:
    """One message, timed from request to parsed reply."""
    started = time.perf_counter()
    try:
        response = client.post(url + REST_PATH, json=payload(sender, message))
        error = reply_error(response.status_code, reply_json(response), message[2])
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    return (time.perf_counter() - started) * 1000, error


async def send_async(client: httpx.AsyncClient, url: str, sender: str, message: Message) -> tuple[float, str | None]:
    """The same as `send_sync`, for the concurrent phase."""
    started = time.perf_counter()
    try:
        response = await client.post(url + REST_PATH, json=payload(sender, message))
        error = reply_error(response.status_code, reply_json(response), message[2])
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    return (time.perf_counter() - started) * 1000, error


def reply_json(response: httpx.Response) -> Any:
    """The reply's JSON body, or None when it has none (an error page, a cut-off body)."""
    try:
        return response.json()
    except ValueError:
        return None
