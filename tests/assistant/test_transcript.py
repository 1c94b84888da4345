"""The one reading of who said what (assistant/transcript.py) that tickets, the dashboard and the widget share."""

from __future__ import annotations

from assistant.transcript import turn_of, turns

EVENTS = [
    {"event": "action", "name": "action_listen", "timestamp": 1.0},
    {
        "event": "user",
        "text": " where is my order? ",
        "timestamp": 2.0,
        "parse_data": {"intent": {"name": "order_status"}},
    },
    {"event": "bot", "text": "Which one?", "timestamp": 3.0, "data": {"buttons": [{"title": "A", "payload": "/a"}]}},
    {"event": "user", "text": "   ", "timestamp": 4.0},
    {"event": "bot", "text": "Hi, Alex here.", "timestamp": 5.0, "data": {"custom": {"agent": "Alex"}}},
    {"event": "bot", "timestamp": 6.0, "data": {"custom": {"sources": [{"path": "a.md"}]}}},
    {"event": "bot", "timestamp": 7.0, "data": {}},
    {"event": "slot", "name": "x", "value": 1},
]


def test_each_speaker_is_read_once_and_empty_lines_are_left_out() -> None:
    read = list(turns(EVENTS))
    assert [(t.speaker, t.text) for t in read] == [
        ("user", "where is my order?"),
        ("bot", "Which one?"),
        ("agent", "Hi, Alex here."),
        ("bot", ""),
    ]
    assert read[0].intent == "order_status" and read[0].at == 2.0
    assert read[1].buttons == [{"title": "A", "payload": "/a"}]
    assert read[2].agent == "Alex"
    assert read[3].custom == {"sources": [{"path": "a.md"}]}


def test_malformed_parts_are_not_trusted() -> None:
    assert turn_of({"event": "bot", "text": "x", "data": "not a dict"}) is not None
    assert turn_of({"event": "bot", "text": "x", "data": {"custom": ["agent"]}}).speaker == "bot"  # type: ignore[union-attr]
    assert turn_of({"event": "bot", "data": {"custom": {"agent": "  "}}}).speaker == "bot"  # type: ignore[union-attr]
    assert turn_of({"event": "user", "text": None}) is None
