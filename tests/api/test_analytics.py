"""The analytics API and the widget's feedback route, through the real app on real databases.

A generated history (demo.history) is written into the app's tracker store and back
office; what the API answers is checked against what the generator meant it to be.
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlalchemy import insert

from analytics.tracker import events, tracker_engine
from api.routers import analytics as analytics_router
from assistant.identity import issue_channel_token
from assistant.settings import Settings, get_settings
from backoffice.sql.engine import make_engine
from demo.history import HistoryReport, totals, write_history

END = datetime.now(UTC).replace(microsecond=0) - timedelta(hours=1)
CONVERSATIONS = 240
DAYS = 6


@pytest.fixture
def history(app_db_url: str) -> HistoryReport:
    settings = get_settings()
    return write_history(
        tracker_engine(settings.tracker_db_url),
        make_engine(app_db_url, 10.0),
        conversations=CONVERSATIONS,
        days=DAYS,
        seed=5,
        end=END,
    )


@pytest.fixture
def admin(client: TestClient, app_settings: Settings) -> Iterator[TestClient]:
    client.headers["Authorization"] = f"Bearer {app_settings.admin_token}"
    yield client


def span(history: HistoryReport) -> dict[str, str]:
    return {"start": history.first_day.isoformat(), "end": history.last_day.isoformat()}


# -- authorization ------------------------------------------------------------------------------------


def analytics_routes() -> list[tuple[str, str]]:
    return sorted(
        (method, route.path)
        for route in analytics_router.router.routes
        if isinstance(route, APIRoute)
        for method in route.methods
    )


def test_the_analytics_routes_are_these() -> None:
    assert analytics_routes() == [
        ("GET", "/api/analytics/conversations"),
        ("GET", "/api/analytics/conversations/{conversation_id}"),
        ("GET", "/api/analytics/export/conversations.csv"),
        ("GET", "/api/analytics/export/daily.csv"),
        ("GET", "/api/analytics/gaps"),
        ("GET", "/api/analytics/overview"),
        ("POST", "/api/analytics/refresh"),
    ]


@pytest.mark.parametrize(("method", "path"), analytics_routes())
def test_every_analytics_route_needs_the_admin_token(
    client: TestClient, app_settings: Settings, method: str, path: str
) -> None:
    url = path.replace("{conversation_id}", "1")
    secret, admin_token = app_settings.identity_secret, app_settings.admin_token
    agent_token = next(iter(app_settings.agents))
    refused = {
        "no token": {},
        "wrong token": {"Authorization": "Bearer nope"},
        "agent token": {"Authorization": f"Bearer {agent_token}"},
        "customer token": {"Authorization": f"Bearer {issue_channel_token('customer', '1', secret)}"},
        "employee token": {"Authorization": f"Bearer {issue_channel_token('employee', '1', secret)}"},
        "basic auth": {"Authorization": "Basic YWRtaW46YWRtaW4="},
        "admin token as a query": {},
    }
    for name, headers in refused.items():
        params = {"token": admin_token} if name == "admin token as a query" else {}
        response = client.request(method, url, headers=headers, params=params)
        assert response.status_code == 401, (name, response.status_code, response.text)
        assert response.headers.get("WWW-Authenticate") == "Bearer"
    allowed = client.request(method, url, headers={"Authorization": f"Bearer {admin_token}"})
    assert allowed.status_code in (200, 404), allowed.text  # 404: no conversation 1 in an empty store


def test_the_dashboard_page_is_public_but_holds_nothing(client: TestClient) -> None:
    page = client.get("/dashboard")
    assert page.status_code == 200 and "Admin token" in page.text
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
    for name in ("dashboard.js", "dashboard.css", "vendor/chart.umd.js", "vendor/LICENSE-chart.js"):
        assert client.get(f"/dashboard/{name}").status_code == 200, name
    assert client.get("/dashboard/../main.py").status_code == 404
    assert client.get("/dashboard/vendor/README.md").status_code == 404


# -- numbers -----------------------------------------------------------------------------------------------


def test_overview_counts_what_the_history_holds(admin: TestClient, history: HistoryReport) -> None:
    body = admin.get("/api/analytics/overview", params=span(history)).json()
    truth = totals(history.truths)["counts"]
    got = body["totals"]
    for name in ("conversations", "contained", "handed_off", "user_turns", "bot_turns", "fallbacks",
                 "knowledge_questions", "knowledge_answered", "abstentions", "thumbs_up", "thumbs_down"):  # fmt: skip
        assert got[name] == truth[name], name
    assert got["ratings"] == truth["rated"]
    assert got["containment_rate"] == round(truth["contained"] / truth["conversations"], 4)
    assert got["reply_p50_ms"] > 0 and got["reply_p95_ms"] >= got["reply_p50_ms"]
    assert sum(day["conversations"] for day in body["daily"]) == CONVERSATIONS
    assert len(body["daily"]) == DAYS
    assert {r["label"]: r["count"] for r in body["handoff_reasons"]} == dict(totals(history.truths)["reasons"])
    assert body["freshness"]["pending_events"] == 0
    assert set(body["channels_available"]) >= {"socketio", "rest", "telegram", "slack"}


def test_a_channel_filter_counts_that_channel_only(admin: TestClient, history: HistoryReport) -> None:
    expected = Counter(t.channel for t in history.truths)
    for channel, count in expected.items():
        body = admin.get("/api/analytics/overview", params={**span(history), "channel": channel}).json()
        assert body["totals"]["conversations"] == count, channel
        assert [c["channel"] for c in body["channels"]] == [channel]


@pytest.mark.parametrize(
    ("params", "reason"),
    [
        ({"start": "2026-11-10", "end": "2026-11-01"}, "before"),
        ({"start": "2020-01-01", "end": "2026-01-01"}, "longer than 366 days"),
        ({"channel": "fax"}, "unknown channel"),
        ({"start": "yesterday"}, "date"),
        ({"start": "2026-02-30"}, "date"),
        ({"channel": "x" * 200}, "at most 32"),
        ({"end": "0001-01-01"}, "dates must be between"),  # the default start would be before year 1
        ({"start": "9999-12-31", "end": "9999-12-31"}, "dates must be between"),  # the day after overflows
    ],
)
def test_bad_filters_are_a_clear_422(admin: TestClient, params: dict[str, str], reason: str) -> None:
    paths = ("/api/analytics/overview", "/api/analytics/gaps", "/api/analytics/export/daily.csv")
    for path in (*paths, "/api/analytics/export/conversations.csv", "/api/analytics/conversations"):
        response = admin.get(path, params=params)
        assert response.status_code == 422, (path, response.text)
        assert reason in json.dumps(response.json()), response.text


def test_bad_table_parameters_are_a_422(admin: TestClient) -> None:
    for params in ({"filter": "everything"}, {"sort": "random"}, {"limit": "0"}, {"limit": "101"}, {"offset": "-1"}):
        assert admin.get("/api/analytics/conversations", params=params).status_code == 422, params
    assert admin.get("/api/analytics/conversations/0").status_code == 422
    assert admin.get("/api/analytics/conversations/abc").status_code == 422


def test_conversation_tables_filter_and_page(admin: TestClient, history: HistoryReport) -> None:
    handed_off = sum(1 for t in history.truths if t.handoff_reason)
    first = admin.get("/api/analytics/conversations", params={**span(history), "filter": "handed_off", "limit": 10})
    body = first.json()
    assert body["total"] == handed_off and len(body["conversations"]) == 10
    assert all(c["handed_off"] and c["handoff_ticket"].startswith("H-") for c in body["conversations"])
    second = admin.get(
        "/api/analytics/conversations", params={**span(history), "filter": "handed_off", "limit": 10, "offset": 10}
    ).json()
    assert not {c["id"] for c in body["conversations"]} & {c["id"] for c in second["conversations"]}
    abstained = sum(1 for t in history.truths if t.abstentions)
    assert (
        admin.get("/api/analytics/conversations", params={**span(history), "filter": "abstained"}).json()["total"]
        == abstained
    )
    slowest = admin.get("/api/analytics/conversations", params={**span(history), "sort": "slowest", "limit": 3}).json()
    replies = [c["slowest_reply_ms"] for c in slowest["conversations"]]
    assert replies == sorted(replies, reverse=True)
    assert replies[0] == pytest.approx(max(ms for t in history.truths for ms in t.latencies_ms), abs=1)


def test_a_transcript_is_redacted(admin: TestClient, history: HistoryReport) -> None:
    """An order-status conversation: the customer typed their e-mail address to verify; the drill-down masks it."""
    body = admin.get("/api/analytics/conversations", params={**span(history), "limit": 100}).json()
    order = next(c for c in body["conversations"] if c["first_intent"] == "order_status")
    detail = admin.get(f"/api/analytics/conversations/{order['id']}")
    assert detail.status_code == 200
    assert "@example.com" not in detail.text and "[email]" in detail.text
    assert "demo-" not in detail.text  # no sender id either
    lines = detail.json()["transcript"]
    assert [line["speaker"] for line in lines[:2]] == ["user", "bot"]
    assert lines[1]["latency_ms"] > 0
    assert admin.get("/api/analytics/conversations/999999").status_code == 404


def test_conversations_export_has_the_right_rows(admin: TestClient, history: HistoryReport) -> None:
    response = admin.get("/api/analytics/export/conversations.csv", params={**span(history), "channel": "telegram"})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == sum(1 for t in history.truths if t.channel == "telegram")
    assert {row["channel"] for row in rows} == {"telegram"}
    assert sum(int(row["user_turns"]) for row in rows) == sum(
        t.user_turns for t in history.truths if t.channel == "telegram"
    )
    assert "demo-" not in response.text  # no sender ids


def test_daily_export(admin: TestClient, history: HistoryReport) -> None:
    response = admin.get("/api/analytics/export/daily.csv", params=span(history))
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert sum(int(row["conversations"]) for row in rows) == CONVERSATIONS
    assert {row["channel"] for row in rows} == {"socketio", "rest", "telegram", "slack"}


def test_knowledge_gaps_are_grouped(admin: TestClient, history: HistoryReport) -> None:
    body = admin.get("/api/analytics/gaps", params={**span(history), "limit": 50}).json()
    asked = Counter(q for t in history.truths for q in t.questions)
    assert body["unanswered"] == sum(asked.values())
    assert sum(group["count"] for group in body["groups"]) == sum(asked.values())
    topics = Counter(topic for t in history.truths for topic in t.gap_topics if topic != "(noise)")
    biggest = topics.most_common(1)[0][0]
    top = body["groups"][0]
    assert biggest in ("gift cards", "price match") and top["count"] >= max(asked.values())
    assert top["conversation_ids"] and all(isinstance(i, int) for i in top["conversation_ids"])


def test_refresh_folds_only_what_is_new(admin: TestClient, history: HistoryReport) -> None:
    first = admin.post("/api/analytics/refresh").json()
    assert first["conversations_new"] == CONVERSATIONS
    again = admin.post("/api/analytics/refresh").json()
    assert (again["events_read"], again["conversations_new"]) == (0, 0)


# -- the widget's feedback -----------------------------------------------------------------------------


def widget_conversation(history: HistoryReport) -> tuple[str, str]:
    """A generated socketio conversation with an answer from the documents nobody rated, and that answer's text."""
    settings = get_settings()
    with tracker_engine(settings.tracker_db_url).connect() as connection:
        rows = connection.execute(
            events.select().where(events.c.type_name.in_(("bot", "agent")), events.c.sender_id.like("demo-socketio-%"))
        ).all()
    rated = {json.loads(row.data)["data"]["feedback"].get("answer_at") for row in rows if row.type_name == "agent"}
    for row in rows:
        data = json.loads(row.data)
        custom = (data.get("data") or {}).get("custom") or {}
        if row.type_name == "bot" and custom.get("sources") and row.timestamp not in rated:
            return row.sender_id, data["text"]
    raise AssertionError("no document answer in the widget conversations")


def test_feedback_is_checked_against_the_conversation(client: TestClient, history: HistoryReport) -> None:
    sender, answer = widget_conversation(history)
    post = lambda **body: client.post("/api/feedback", json=body)  # noqa: E731
    assert post(session_id="short", kind="answer", value="up", answer=answer).status_code == 422
    assert post(session_id=sender, kind="answer", value="meh", answer=answer).status_code == 422
    assert post(session_id=sender, kind="conversation", value=9).status_code == 422
    assert post(session_id=sender, kind="answer", value="up").status_code == 422  # which answer?
    assert post(session_id="x" * 20, kind="answer", value="up", answer=answer).status_code == 404
    assert post(session_id=sender, kind="answer", value="up", answer="I never said that").status_code == 404
    # A real answer of a real conversation: only the Rasa server is missing (nothing listens in unit tests).
    unavailable = post(session_id=sender, kind="answer", value="up", answer=answer)
    assert unavailable.status_code == 503 and unavailable.headers["Access-Control-Allow-Origin"] == "*"


def test_an_answer_is_rated_once(client: TestClient, history: HistoryReport) -> None:
    sender, answer = widget_conversation(history)
    settings = get_settings()
    engine = tracker_engine(settings.tracker_db_url)
    with engine.connect() as connection:
        answer_at = connection.execute(
            events.select().where(events.c.sender_id == sender, events.c.data.like(f'%"text": {json.dumps(answer)}%'))
        ).first()
    assert answer_at is not None
    already: dict[str, Any] = {
        "event": "agent", "timestamp": answer_at.timestamp + 1, "text": None,
        "data": {"feedback": {"kind": "answer", "value": "down", "answer_at": answer_at.timestamp}},
    }  # fmt: skip
    with engine.begin() as connection:
        connection.execute(
            insert(events),
            [
                {
                    "sender_id": sender,
                    "type_name": "agent",
                    "timestamp": answer_at.timestamp + 1,
                    "data": json.dumps(already),
                }
            ],
        )
    again = client.post("/api/feedback", json={"session_id": sender, "kind": "answer", "value": "up", "answer": answer})
    assert again.status_code == 409


def test_feedback_answers_cors_preflight(client: TestClient) -> None:
    response = client.options(
        "/api/feedback", headers={"Origin": "https://shop.example", "Access-Control-Request-Method": "POST"}
    )
    assert response.status_code == 204
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_an_erased_conversation_leaves_the_dashboard(admin: TestClient, history: HistoryReport) -> None:
    """A person's erasure request (api/routers/privacy.py) also removes their conversation from the aggregates."""
    admin.post("/api/analytics/refresh")
    before = admin.get("/api/analytics/conversations", params={**span(history), "limit": 1}).json()["total"]
    sender = history.truths[0].sender_id
    erased = admin.delete(f"/api/privacy/conversations/{sender}")
    assert erased.status_code == 200, erased.text
    assert erased.json()["analytics_conversations"] == 1
    after = admin.get("/api/analytics/conversations", params={**span(history), "limit": 1}).json()["total"]
    assert after == before - 1
    assert admin.delete(f"/api/privacy/conversations/{sender}").json()["analytics_conversations"] == 0
