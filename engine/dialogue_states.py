"""Dialogue states kept on the tracker and extended by the new events only, instead of replayed from the start.

Why: every policy, at every prediction, asks for the conversation's dialogue states
(`DialogueStateTracker.past_states`), and Rasa replays the whole session into a fresh tracker
to make them (`Domain.states_for_tracker_history`): 10% of the Rasa server's CPU under load
(order status, 32 concurrent conversations), growing with the length of the conversation. The
states are a pure function of the events, the domain and the caller's flags, and a turn only
appends events — so each flag combination's states are kept on the tracker with the replayed
tracker they came from, and the next call replays only the events added since (within a turn,
and across turns while the tracker store serves the same tracker: `engine/tracker_cache.py`).

Rasa's own loop, step for step (`_step` is its body), so the states are the same ones: the
check `tests/engine/engine_patch_check.py` compares them with Rasa's on every prefix of every
story, growing one tracker event by event. Whatever can rewrite the past — a restart, a new
session, an undone action or message, a form running again (Rasa folds a form's happy path
into one turn), events dropped from a bounded history — starts from the beginning again, as
Rasa does every time. Each caller gets its own copy, since callers edit them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

logger = logging.getLogger(__name__)

_QUALNAME = "DialogueStateTracker.past_states"
_ATTRIBUTE = "_engine_dialogue_states"


@dataclass
class _Progress:
    """One flag combination's states of a tracker's first `count` events, and where the replay stands."""

    count: int  # events replayed
    last: Any  # the last of them (the deque still holds it while nothing was dropped)
    replay: Any  # a tracker with exactly those events applied
    states: list[dict[str, Any]]  # one per action so far (the state after the last event is not among them)
    last_ml_action: Any
    hidden: bool
    result: list[dict[str, Any]]  # `states` and the state after the last event: what past_states returns
    loops: frozenset[str]  # the forms of the conversation (a new one starts over, so these do not change)


def _step(
    domain: Any, replay: Any, hide: bool, states: list[Any], last_ml_action: Any, hidden: bool, flags: tuple[Any, ...]
) -> tuple[dict[str, Any] | None, Any, bool]:
    """The body of Rasa's `states_for_tracker_history` loop: (state or None when hidden, last ML action, hidden)."""
    from rasa.shared.core.constants import PREVIOUS_ACTION

    omit, ignore_rule_only_turns, rule_only_data = flags
    if ignore_rule_only_turns:
        if not hidden:
            last_ml_action = domain._get_prev_action_sub_state(replay)
        if not replay.followup_action and replay.latest_action_name != replay.active_loop_name:
            hidden = hide
        if hidden:
            return None, last_ml_action, hidden
    state = domain.get_active_state(replay, omit_unset_slots=omit)
    if ignore_rule_only_turns:
        domain._remove_rule_only_features(state, rule_only_data)
        if states:
            domain._substitute_rule_only_user_input(state, states[-1])
        if last_ml_action:
            state[PREVIOUS_ACTION] = last_ml_action
    return domain._clean_state(state), last_ml_action, hidden


def _advance(domain: Any, progress: _Progress, events: list[Any], flags: tuple[Any, ...], tracker: Any) -> None:
    """Replay `events` onto `progress` (they follow its last one), then the state after them; caught up with
    `tracker`'s events."""
    from rasa.shared.core.events import ActionExecuted

    for event in events:
        if isinstance(event, ActionExecuted):
            state, progress.last_ml_action, progress.hidden = _step(
                domain, progress.replay, event.hide_rule_turn, progress.states, progress.last_ml_action,
                progress.hidden, flags,
            )  # fmt: skip
            if state is not None:
                progress.states.append(state)
        progress.replay.update(event)
    replay, states = progress.replay, progress.states
    final, _, _ = _step(domain, replay, False, states, progress.last_ml_action, progress.hidden, flags)
    progress.result = progress.states + ([final] if final is not None else [])
    progress.count = len(tracker.events)
    progress.last = tracker.events[-1] if tracker.events else None


def _start(tracker: Any, domain: Any, flags: tuple[Any, ...]) -> _Progress:
    """States from the beginning: Rasa's replay of the applied events (reverted ones and earlier sessions left out)."""
    from rasa.shared.core.events import ActiveLoop

    loops = frozenset(event.name for event in tracker.events if isinstance(event, ActiveLoop) and event.name)
    progress = _Progress(0, None, tracker.init_copy(), [], None, False, [], loops)
    _advance(domain, progress, tracker.applied_events(), flags, tracker)
    return progress


def _only_appended(tracker: Any, progress: _Progress) -> list[Any] | None:
    """The events added since `progress` (none when it is current), when they only extend the conversation;
    None when they may rewrite it."""
    from rasa.shared.core.events import (
        ActionExecuted,
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        UserUtteranceReverted,
    )

    events = tracker.events
    count = progress.count
    if count == 0 or len(events) < count or events[count - 1] is not progress.last:
        return None
    new = [events[index] for index in range(count, len(events))]
    rewriting = (Restarted, SessionStarted, ActionReverted, UserUtteranceReverted, ActiveLoop)
    if any(isinstance(event, rewriting) for event in new):
        return None
    if any(isinstance(event, ActionExecuted) and event.action_name in progress.loops for event in new):
        return None
    return new


def copied_states(states: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A copy of dialogue states a caller may edit (`_choose_last_user_input` does): each state's sub-states are
    new dicts (their values, strings and tuples, cannot be edited)."""
    return [{kind: dict(sub_state) for kind, sub_state in state.items()} for state in states]


def dialogue_states(tracker: Any, domain: Any, flags: tuple[Any, ...], key: Any) -> list[dict[str, Any]]:
    """The tracker's states for `flags` (kept on it under `key`), extended by the new events or made again."""
    kept: dict[Any, _Progress] = tracker.__dict__.setdefault(_ATTRIBUTE, {})
    progress = kept.get(key)
    new = _only_appended(tracker, progress) if progress is not None else None
    if progress is None or new is None:
        progress = kept[key] = _start(tracker, domain, flags)
    elif new:
        _advance(domain, progress, new, flags, tracker)
    return progress.result


def install() -> None:
    """Patch `DialogueStateTracker.past_states` (idempotent)."""
    from rasa.shared.core import trackers
    from rasa.shared.core.trackers import DialogueStateTracker

    from engine.patches import freeze, still_rasas_own

    original = DialogueStateTracker.past_states
    if not still_rasas_own(original, _QUALNAME, trackers.__name__):
        return

    def past_states(
        self: DialogueStateTracker,
        domain: Any,
        omit_unset_slots: bool = False,
        ignore_rule_only_turns: bool = False,
        rule_only_data: dict[str, Any] | None = None,
    ) -> list[Any]:
        flags = (omit_unset_slots, ignore_rule_only_turns, rule_only_data)
        key = (id(domain), omit_unset_slots, ignore_rule_only_turns, freeze(rule_only_data))
        return copied_states(dialogue_states(self, domain, flags, key))

    past_states.__engine_patch__ = True  # type: ignore[attr-defined]
    past_states.__wrapped__ = original  # type: ignore[attr-defined]
    DialogueStateTracker.past_states = past_states  # type: ignore[method-assign]
    logger.debug("engine patch: dialogue states extended by the new events only")
