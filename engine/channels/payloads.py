"""What every channel reads the same way in a bot message's custom payload: no `rasa` import.

- `{"custom": {"agent": name}}`: a message a person (the handoff's agent) wrote;
- `{"sources": [{"path", "title", "score", "snippet"}]}`: the documents an answer came from.
"""

from __future__ import annotations

from typing import Any

MAX_SOURCES = 3


def agent_name(payload: dict[str, Any]) -> str | None:
    """The name of the person who wrote a message, when a person did."""
    custom = payload.get("custom")
    name = custom.get("agent") if isinstance(custom, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def source_titles(sources: list[Any], limit: int = MAX_SOURCES) -> list[str]:
    """The distinct titles of an answer's sources, best first, at most `limit`."""
    titles = dict.fromkeys(str(s["title"]) for s in sources if isinstance(s, dict) and s.get("title"))
    return list(titles)[:limit]
