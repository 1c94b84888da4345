"""Remembering what a chat platform already delivered, so that a re-delivery is not answered twice.

Telegram re-delivers an update it got no quick answer for; Slack retries an event (same
`event_id`, `X-Slack-Retry-Num`) up to three times. Both channels keep a bounded memory of
recent ids per process: enough for the minutes a platform keeps retrying, small enough
never to grow without limit. It imports nothing from Rasa, so it can be tested on its own.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Hashable

REMEMBERED_UPDATES = 10_000


class SeenUpdates:
    """The last `size` ids seen (Telegram `update_id`s, Slack `event_id`s...), oldest forgotten first."""

    def __init__(self, size: int = REMEMBERED_UPDATES) -> None:
        self.size = size
        self._ids: OrderedDict[Hashable, None] = OrderedDict()

    def first_time(self, update_id: Hashable) -> bool:
        """True the first time an id is seen (and remembers it), False afterwards."""
        if update_id in self._ids:
            return False
        self._ids[update_id] = None
        if len(self._ids) > self.size:
            self._ids.popitem(last=False)
        return True

    def __contains__(self, update_id: Hashable) -> bool:
        return update_id in self._ids
