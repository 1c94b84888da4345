"""The analytics JSON API behind the dashboard (admin bearer token on every route).

Each read first folds what is new in the tracker store into the aggregates (bounded
per request, so a burst of traffic never makes one request slow; `freshness.pending`
says when the aggregates are still catching up), then answers from the aggregates.
Filters: `start` and `end` (UTC days, inclusive; default the last 30 days), `channel`.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, status
from fastapi.responses import PlainTextResponse, StreamingResponse
from sqlalchemy.exc import SQLAlchemyError

from analytics import wiring
from analytics.queries import MAX_RANGE_DAYS, ConversationFilter, ConversationSort, Filters
from analytics.transcript import redacted_transcript
from api.dependencies import require_admin

logger = logging.getLogger(__name__)

router = APIRouter(
    prefix="/api/analytics",
    tags=["analytics"],
    dependencies=[Depends(require_admin)],
    responses={
        401: {"description": "Missing or wrong admin token"},
        422: {"description": "Bad filters: a date range that ends before it starts or is too long, an unknown channel"},
        503: {"description": "The analytics database is not answering"},
    },
)

DEFAULT_DAYS = 30
# Dates a dashboard can mean: outside, the default range and the day after `end` that the queries read
# would overflow Python's dates (a fuzzed `end=0001-01-01` was a 500).
EARLIEST_DAY = date(1970, 1, 1)
LATEST_DAY = date(9999, 1, 1)
REQUEST_REFRESH_EVENTS = 60_000  # tracker events folded at most per request (well under a second)
REFRESH_EVERY_S = 2.0  # the page's parallel requests share one refresh


def _refresh() -> None:
    """Bring the aggregates up to date (bounded), unless that was just done; stale beats down."""
    aggregator = wiring.aggregator()
    if time.monotonic() - aggregator.last_finished < REFRESH_EVERY_S:
        return
    try:
        aggregator.refresh(max_events=REQUEST_REFRESH_EVENTS, wait=True)
    except SQLAlchemyError:
        logger.exception("analytics: the refresh failed; answering from the aggregates as they are")


def filters(
    start: Annotated[date | None, Query(description="First day (UTC), inclusive. Default: 29 days before `end`.")] = (
        None
    ),
    end: Annotated[date | None, Query(description="Last day (UTC), inclusive. Default: today.")] = None,
    channel: Annotated[
        str | None, Query(max_length=32, description="One channel (socketio, rest, telegram, slack); default all.")
    ] = None,
) -> Filters:
    """The date range and channel of a request, checked: 422 with the reason when they make no sense."""
    for given in (start, end):
        if given is not None and not EARLIEST_DAY <= given <= LATEST_DAY:
            outside = f"dates must be between {EARLIEST_DAY.isoformat()} and {LATEST_DAY.isoformat()}"
            raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, outside)
    last = end or datetime.now(UTC).date()
    first = start or last - timedelta(days=DEFAULT_DAYS - 1)
    if last < first:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, "`end` is before `start`")
    if (last - first).days + 1 > MAX_RANGE_DAYS:
        too_long = f"the range is longer than {MAX_RANGE_DAYS} days; choose a shorter one"
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, too_long)
    chosen = channel or None
    if chosen is not None:
        known = _guard(wiring.analytics_queries().known_channels)
        if chosen not in known:
            raise HTTPException(
                status.HTTP_422_UNPROCESSABLE_CONTENT, f"unknown channel {chosen!r}; one of: {', '.join(known)}"
            )
    return Filters(first, last, chosen)


FiltersDep = Annotated[Filters, Depends(filters)]


def _guard(call: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return call(*args, **kwargs)
    except SQLAlchemyError as error:
        logger.exception("analytics: database error")
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, "the analytics database is not answering") from error


@router.get("/overview", summary="Every number and chart of the dashboard for a date range and channel")
def overview(chosen: FiltersDep) -> dict[str, Any]:
    _refresh()
    body: dict[str, Any] = _guard(wiring.analytics_queries().overview, chosen)
    body["channels_available"] = _guard(wiring.analytics_queries().known_channels)
    try:
        body["freshness"]["pending_events"] = wiring.aggregator().pending_events()
    except SQLAlchemyError:
        body["freshness"]["pending_events"] = None  # the tracker store is not answering
    return body


@router.get("/conversations", summary="Conversations for a drill-down table (newest, slowest or longest first)")
def conversations(
    chosen: FiltersDep,
    which: Annotated[ConversationFilter, Query(alias="filter")] = ConversationFilter.ALL,
    sort: ConversationSort = ConversationSort.NEWEST,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> dict[str, Any]:
    _refresh()
    result: dict[str, Any] = _guard(wiring.analytics_queries().conversations, chosen, which, sort, limit, offset)
    return result


@router.get(
    "/conversations/{conversation_id}",
    summary="One conversation with its redacted transcript",
    responses={404: {"description": "No such conversation"}},
)
def conversation(conversation_id: Annotated[int, Path(ge=1, le=2**62)]) -> dict[str, Any]:
    from analytics.queries import conversation_summary

    queries = wiring.analytics_queries()
    row = _guard(queries.conversation, conversation_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, "no such conversation")
    before = _guard(queries.next_conversation_start, row)
    tracker = wiring.tracker_events()
    events = _guard(lambda: list(tracker.conversation_events(row.sender_id, row.first_event_id, before)))
    return {**conversation_summary(row), "transcript": redacted_transcript(events)}


@router.get("/gaps", summary="Questions the documents could not answer, grouped by meaning")
def gaps(chosen: FiltersDep, limit: Annotated[int, Query(ge=1, le=50)] = 15) -> dict[str, Any]:
    _refresh()
    result: dict[str, Any] = _guard(wiring.gap_finder().gaps, chosen, limit)
    return result


def _csv_name(kind: str, chosen: Filters) -> str:
    channel = f"-{chosen.channel}" if chosen.channel else ""
    return f"northwind-{kind}-{chosen.start.isoformat()}-{chosen.end.isoformat()}{channel}.csv"


@router.get(
    "/export/conversations.csv",
    summary="The conversations of the filters as CSV (one row each, no text, no sender id)",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_conversations(
    chosen: FiltersDep, which: Annotated[ConversationFilter, Query(alias="filter")] = ConversationFilter.ALL
) -> StreamingResponse:
    _refresh()
    rows = wiring.analytics_queries().export_conversations(chosen, which)
    first = _guard(next, rows)  # the header, and a database that answers, before the 200 is sent
    body = (part for chunk in ([first], rows) for part in chunk)
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_csv_name("conversations", chosen)}"'},
    )


@router.get(
    "/export/daily.csv",
    summary="The counters per day and channel as CSV",
    response_class=PlainTextResponse,
    responses={200: {"content": {"text/csv": {}}}},
)
def export_daily(chosen: FiltersDep) -> PlainTextResponse:
    _refresh()
    text = _guard(wiring.analytics_queries().export_daily, chosen)
    return PlainTextResponse(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{_csv_name("daily", chosen)}"'},
    )


@router.post("/refresh", summary="Fold everything new in the tracker store into the aggregates now")
def refresh() -> dict[str, Any]:
    report = _guard(wiring.aggregator().refresh, wait=True)
    return report.to_dict()  # type: ignore[no-any-return]
