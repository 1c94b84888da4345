"""Run under the engine environment (`.venv-rasa/bin/python`): proves the engine patches change no result.

Prints one JSON object; `test_patches.py` (app environment) runs it and asserts on it.
It loads the trained model, applies `engine.patches`, and
- feeds the action-response validator valid and invalid replies, comparing with Rasa's
  original `jsonschema.validate` (same accept/reject, same message);
- predicts with TED at every action of every training and test story, twice (the second
  time from the cache), and compares each with Rasa's original, uncached prediction;
- does the same with the rule policy (its rule matching cached);
- computes the dialogue states of every story prefix with every flag the policies use, from Rasa's
  own `past_states` and from the kept ones (`engine/dialogue_states.py`) twice, editing each returned
  copy as a policy does; and again on one tracker per story that grows event by event, as a turn
  grows it, where the kept states are extended by the new events instead of made again.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from engine import dialogue_states, patches  # noqa: E402


def validator_cases() -> list[dict[str, Any]]:
    return [
        {"events": [], "responses": []},
        {"events": [{"event": "slot", "name": "order_number", "value": "ORD-1", "timestamp": None}]},
        {"events": [{"event": "bot", "text": "hi"}], "responses": [{"text": "hi", "buttons": []}]},
        {"events": [{"event": 5}]},  # event name must be a string
        {"events": [{"event": "slot"}]},  # a slot event needs a name
        {"events": "not a list"},
        {"responses": ["not an object"]},
        {"events": [{"event": "slot", "name": 5, "value": 1}]},  # a slot's name is a string
        {"events": [{"event": "slot", "name": "x", "value": None, "timestamp": "yesterday"}]},
        {"events": [{"event": "bot", "text": 5}]},
        {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet", "confidence": 1.0}}}]},
        {"events": [{"event": "user", "text": "hi", "parse_data": {"intent": "greet"}}]},
        {"events": [{"event": "action", "name": "action_listen", "policy": None, "confidence": 1}]},
        {"events": [{"event": "active_loop", "name": None}, {"event": "followup", "name": "action_listen"}]},
        {"events": [{"event": "no_such_event"}]},
        {"events": [{"event": "reminder", "intent": "x", "date_time": "2026-12-06T10:00:00"}]},
        {"responses": [{"text": "hi", "buttons": [{"title": "Yes", "payload": "/affirm"}], "custom": {"a": 1}}]},
    ]


def compiled_accepts(case: dict[str, Any]) -> bool:
    """Whether the compiled check alone accepts the reply (the fast path, taken without jsonschema)."""
    from fastjsonschema import JsonSchemaException

    try:
        patches._compiled_action_response_check()(case)
        return True
    except JsonSchemaException:
        return False


def check_validator() -> dict[str, Any]:
    from jsonschema import ValidationError, validate
    from rasa.core.actions.action import RemoteAction

    action = RemoteAction("action_anything", None)
    schema = RemoteAction.action_response_format_spec()
    outcomes = []
    for case in validator_cases():
        try:
            validate(case, schema)
            expected = None
        except ValidationError as e:
            expected = e.message
        try:
            action._validate_action_result(case)
            got = None
        except ValidationError as e:
            got = e.message.split(". Failed to validate Action server response")[0]
        outcomes.append({"case": case, "original": expected, "patched": got, "compiled": compiled_accepts(case)})
    return {"patched": getattr(RemoteAction._validate_action_result, "__engine_patch__", False), "cases": outcomes}


def story_trackers(domain: Any) -> list[Any]:
    from rasa.core.training import load_data
    from rasa.shared.importers.importer import TrainingDataImporter

    importer = TrainingDataImporter.load_from_config(
        config_path=str(ROOT / "config.yml"),
        domain_path=str(ROOT / "domain.yml"),
        training_data_paths=[str(ROOT / "bot" / "data"), str(ROOT / "tests" / "stories")],
    )
    return load_data(importer, domain, augmentation_factor=0)


def prefixes(tracker: Any, domain: Any) -> list[Any]:
    """The conversation as it stood before each of its actions: what TED is asked to predict from."""
    from rasa.shared.core.events import ActionExecuted
    from rasa.shared.core.trackers import DialogueStateTracker

    events = list(tracker.events)
    return [
        DialogueStateTracker.from_events(tracker.sender_id, events[:i], domain.slots)
        for i, event in enumerate(events)
        if isinstance(event, ActionExecuted) and i > 0
    ]


def check_ted(model: Path) -> dict[str, Any]:
    import numpy as np
    from rasa.core.agent import Agent
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.graph_components.providers.rule_only_provider import RuleOnlyDataProvider

    agent = Agent.load(str(model))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[union-attr]
    components = [node._component for node in nodes]
    ted = next(c for c in components if isinstance(c, TEDPolicy))
    rule_only_data = next(c for c in components if isinstance(c, RuleOnlyDataProvider)).provide()
    domain = agent.domain
    original = TEDPolicy.predict_action_probabilities.__wrapped__  # type: ignore[attr-defined]

    compared = mismatches = 0
    worst = 0.0
    for story in story_trackers(domain):
        for tracker in prefixes(story, domain):
            expected = original(ted, tracker, domain, rule_only_data)
            for _ in range(2):  # the first call may fill the cache, the second must come from it
                got = ted.predict_action_probabilities(tracker, domain, rule_only_data)
                difference = float(np.max(np.abs(np.array(got.probabilities) - np.array(expected.probabilities))))
                worst = max(worst, difference)
                compared += 1
                mismatches += int(difference > 1e-6 or got.policy_name != expected.policy_name)
    cache = ted.__dict__.get("_engine_prediction_cache")
    return {
        "patched": getattr(TEDPolicy.predict_action_probabilities, "__engine_patch__", False),
        "compared": compared,
        "mismatches": mismatches,
        "max_abs_difference": worst,
        "cache_hits": cache.hits if cache else 0,
        "cache_entries": len(cache.entries) if cache else 0,
    }


def check_rules(model: Path) -> dict[str, Any]:
    """Every rule prediction at every action of every story: Rasa's own matching, then the cached one twice."""
    from rasa.core.agent import Agent
    from rasa.core.policies.rule_policy import RulePolicy

    agent = Agent.load(str(model))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[union-attr]
    rules = next(node._component for node in nodes if isinstance(node._component, RulePolicy))
    domain = agent.domain
    patched = RulePolicy._get_possible_keys
    original = patched.__wrapped__  # type: ignore[attr-defined]

    def predict(tracker: Any) -> tuple[list[float], list[str], bool]:
        prediction = rules.predict_action_probabilities(tracker, domain)
        events = [str(event) for event in prediction.events]
        return list(prediction.probabilities), events, prediction.hide_rule_turn

    compared = mismatches = matched = 0
    for story in story_trackers(domain):
        for tracker in prefixes(story, domain):
            RulePolicy._get_possible_keys = original  # type: ignore[method-assign]
            try:
                expected = predict(tracker)
            finally:
                RulePolicy._get_possible_keys = patched  # type: ignore[method-assign]
            matched += int(max(expected[0], default=0.0) > 0)
            for _ in range(2):
                compared += 1
                mismatches += int(predict(tracker) != expected)
    caches = rules.__dict__.get("_engine_rule_key_caches", {})
    return {
        "patched": getattr(RulePolicy._get_possible_keys, "__engine_patch__", False),
        "compared": compared,
        "matched": matched,
        "mismatches": mismatches,
        "cache_hits": sum(cache.hits for _, cache, _ in caches.values()),
    }


def check_states(model: Path) -> dict[str, Any]:
    """Every story prefix's dialogue states, memoised, equal Rasa's own; an edited copy changes nothing."""
    from rasa.core.agent import Agent
    from rasa.graph_components.providers.rule_only_provider import RuleOnlyDataProvider
    from rasa.shared.core.trackers import DialogueStateTracker

    agent = Agent.load(str(model))
    nodes = agent.processor.graph_runner._instantiated_nodes.values()  # type: ignore[union-attr]
    rule_only_data = next(n._component for n in nodes if isinstance(n._component, RuleOnlyDataProvider)).provide()
    domain = agent.domain
    original = DialogueStateTracker.past_states.__wrapped__  # type: ignore[attr-defined]
    flags = [(False, False, None), (True, False, None), (False, True, rule_only_data), (True, True, rule_only_data)]
    compared = mismatches = 0
    for story in story_trackers(domain):
        for tracker in prefixes(story, domain):
            for omit, ignore, data in flags:
                expected = original(tracker, domain, omit, ignore, data)
                for _ in range(2):
                    got = tracker.past_states(domain, omit, ignore, data)
                    compared += 1
                    mismatches += int(got != expected)
                    if got:
                        got[-1].clear()  # as a caller may edit its states: the next call must not see it
    grown = grow_trackers(domain, flags, original)
    return {
        "patched": getattr(DialogueStateTracker.past_states, "__engine_patch__", False),
        "compared": compared,
        "mismatches": mismatches,
        "grown": grown,
    }


def grow_trackers(domain: Any, flags: list[tuple[Any, ...]], original: Any) -> dict[str, int]:
    """One tracker per story, its events added one by one; after each, every flag's states against Rasa's own.

    Counts how often the states were made from the beginning (`_start`) against how often they were asked
    for: the kept states must be extended, not only remade, for this to test the extension.
    """
    from rasa.shared.core.trackers import DialogueStateTracker

    starts = 0
    start = dialogue_states._start

    def counting_start(*args: Any) -> Any:
        nonlocal starts
        starts += 1
        return start(*args)

    dialogue_states._start = counting_start  # type: ignore[assignment]
    compared = mismatches = 0
    try:
        for story in story_trackers(domain):
            tracker = DialogueStateTracker(story.sender_id, domain.slots, is_rule_tracker=story.is_rule_tracker)
            for event in story.events:
                tracker.update(event)
                for omit, ignore, data in flags:
                    got = tracker.past_states(domain, omit, ignore, data)
                    compared += 1
                    mismatches += int(got != original(tracker, domain, omit, ignore, data))
                    if got:
                        got[-1].clear()
    finally:
        dialogue_states._start = start  # type: ignore[assignment]
    return {"compared": compared, "mismatches": mismatches, "made_from_the_beginning": starts}


def main() -> None:
    patches.apply_all()
    dialogue_states.install()
    model = Path(sys.argv[1])
    result = {
        "validator": check_validator(),
        "ted": check_ted(model),
        "rules": check_rules(model),
        "states": check_states(model),
    }
    print("ENGINE-CHECK " + json.dumps(result))


if __name__ == "__main__":
    asyncio.set_event_loop(asyncio.new_event_loop())
    main()
