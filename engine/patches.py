"""Small, behaviour-preserving fixes to Rasa 3.6 hot paths, applied before the server starts.

Why: profiling the Rasa server under load (py-spy, 32 concurrent conversations asking
for order status) showed 43% of its CPU in `jsonschema`. For every custom-action
reply, `RemoteAction._validate_action_result` calls `jsonschema.validate`, which
first re-checks the schema itself against the Draft 2020-12 meta-schema and builds
a new validator, then validates. The schema is a constant, so we check it once and
reuse one validator: the same response is accepted or rejected exactly as before,
with the same error message. Validating with that one validator still took 6% (the events'
`oneOf` tries every kind of event in turn), so a reply is first checked by the schema compiled
to Python (fastjsonschema); whatever that does not accept goes to jsonschema as before, which
judges it — a reply jsonschema accepts is never rejected, and an error reads as Rasa's.

TED, the dialogue policy, took the next biggest share (43% of the server's CPU once the
schema check was gone): every prediction re-featurizes the conversation and runs the
TensorFlow graph, though its input is only the last few abstract dialogue states
(intent, entity names, slot features, previous action), which repeat all day. Inference is
deterministic, so the prediction for the same states is cached per loaded model.

The rule policy's matching came next (7%): for every prediction, `RulePolicy._get_possible_keys`
tests each of the model's rule keys against the conversation's last states, though it is a
pure function of those states and of the rules, which a loaded model never changes. Its
result is cached per rule table on the frozen states, like TED's.

Computing those dialogue states came next (10%): `engine/dialogue_states.py` keeps them on the
tracker and extends them by the new events only.

Each patch checks that the function it replaces is still Rasa's own, so a Rasa upgrade
that changes it fails loudly at start-up instead of being silently overridden.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

logger = logging.getLogger(__name__)

_ORIGINAL_QUALNAME = "RemoteAction._validate_action_result"
_TED_QUALNAME = "TEDPolicy.predict_action_probabilities"
_RULE_KEYS_QUALNAME = "RulePolicy._get_possible_keys"
TED_CACHE_SIZE = 4096
RULE_KEYS_CACHE_SIZE = 4096


class PatchTargetChanged(RuntimeError):
    """Rasa's code is not what a patch was written for."""


def still_rasas_own(current: Any, qualname: str, module: str) -> bool:
    """Whether `current` is Rasa's own `qualname` of `module`, to be patched; False when it is already our patch.

    Raises `PatchTargetChanged` when it is neither: a Rasa upgrade changed what the patch was written for.
    """
    if getattr(current, "__engine_patch__", False):
        return False
    if current.__qualname__ != qualname or current.__module__ != module:
        raise PatchTargetChanged(f"{qualname} is not Rasa's original; review engine/patches.py")
    return True


def apply_all() -> None:
    """Every patch of this module; idempotent."""
    cache_action_response_validator()
    cache_ted_predictions()
    cache_rule_matches()


@functools.lru_cache(maxsize=1)
def _compiled_action_response_check() -> Any:
    """Rasa's action-response schema compiled to Python (fastjsonschema): the same keywords, ~20x less work."""
    import fastjsonschema
    from rasa.core.actions.action import RemoteAction

    return fastjsonschema.compile(RemoteAction.action_response_format_spec())


@functools.lru_cache(maxsize=1)
def _action_response_validator() -> Any:
    """One validator for Rasa's (constant) action-response schema, its schema checked once."""
    from jsonschema.validators import validator_for
    from rasa.core.actions.action import RemoteAction

    schema = RemoteAction.action_response_format_spec()
    validator_class = validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(schema)


def cache_action_response_validator() -> None:
    """Replace `RemoteAction._validate_action_result` by the same check with a reused validator."""
    from fastjsonschema import JsonSchemaException
    from jsonschema import ValidationError
    from jsonschema.exceptions import best_match
    from rasa.core.actions import action as rasa_action
    from rasa.core.actions.action import RemoteAction

    current = RemoteAction._validate_action_result
    if not still_rasas_own(current, _ORIGINAL_QUALNAME, rasa_action.__name__):
        return

    def _validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
        try:
            _compiled_action_response_check()(result)
            return True
        except JsonSchemaException:
            pass  # jsonschema judges it: it accepts what it accepts, and words the error as Rasa does
        try:
            # What jsonschema.validate does after its schema check: raise the most relevant error.
            error = best_match(_action_response_validator().iter_errors(result))
            if error is not None:
                raise error
            return True
        except ValidationError as e:
            # Rasa's own wording, so logs and errors read exactly as without the patch.
            e.message += (
                ". Failed to validate Action server response from API, "
                "make sure your response from the Action endpoint is valid. "
                "For more information about the format visit "
                f"{rasa_action.DOCS_BASE_URL}/custom-actions"
            )
            raise e

    _validate_action_result.__engine_patch__ = True  # type: ignore[attr-defined]
    RemoteAction._validate_action_result = _validate_action_result  # type: ignore[method-assign]
    logger.debug("engine patch: action responses validated with one cached validator")


def freeze(value: Any) -> Any:
    """A hashable copy of a dialogue state (dicts of tuples, strings and floats)."""
    if isinstance(value, dict):
        return tuple(sorted((key, freeze(item)) for key, item in value.items()))
    if isinstance(value, list | tuple):
        return tuple(freeze(item) for item in value)
    return value


class _PredictionCache:
    """A bounded LRU map from frozen dialogue states to what a policy found for them."""

    def __init__(self, size: int) -> None:
        from collections import OrderedDict

        self.size = size
        self.entries: OrderedDict[Any, Any] = OrderedDict()
        self.hits = 0
        self.misses = 0

    def get(self, key: Any) -> Any | None:
        entry = self.entries.get(key)
        if entry is None:
            self.misses += 1
            return None
        self.entries.move_to_end(key)
        self.hits += 1
        return entry

    def put(self, key: Any, entry: Any) -> None:
        self.entries[key] = entry
        if len(self.entries) > self.size:
            self.entries.popitem(last=False)


def cache_ted_predictions(size: int = TED_CACHE_SIZE) -> None:
    """Memoise `TEDPolicy.predict_action_probabilities` on the states it featurizes.

    Only for models that featurize intents, not user text (no end-to-end stories): then
    the states below are all TED's input. With text, every message is new, so no cache.
    """
    from rasa.core.policies import ted_policy
    from rasa.core.policies.policy import SupportedData
    from rasa.core.policies.ted_policy import TEDPolicy
    from rasa.shared.nlu.constants import TEXT

    original = TEDPolicy.predict_action_probabilities
    if not still_rasas_own(original, _TED_QUALNAME, ted_policy.__name__):
        return

    def predict_action_probabilities(
        self: TEDPolicy,
        tracker: Any,
        domain: Any,
        rule_only_data: dict[str, Any] | None = None,
        precomputations: Any = None,
        **kwargs: Any,
    ) -> Any:
        if self.model is None or self.only_e2e or TEXT in self.fake_features:
            return original(self, tracker, domain, rule_only_data, precomputations, **kwargs)
        ml_only = self.supported_data() == SupportedData.ML_DATA
        # The same call as Policy._featurize_for_prediction makes, minus the features.
        states = self.featurizer.prediction_states(
            [tracker],
            domain,
            use_text_for_last_user_input=False,
            ignore_rule_only_turns=ml_only,
            rule_only_data=rule_only_data,
            ignore_action_unlikely_intent=ml_only,
        )
        key = freeze(states)
        cache = self.__dict__.setdefault("_engine_prediction_cache", _PredictionCache(size))
        entry = cache.get(key)
        if entry is None:
            prediction = original(self, tracker, domain, rule_only_data, precomputations, **kwargs)
            if prediction.events or prediction.optional_events:
                return prediction  # never with intent features; if it ever happens, do not cache it
            entry = (list(prediction.probabilities), prediction.is_end_to_end_prediction, prediction.diagnostic_data)
            cache.put(key, entry)
            return prediction
        probabilities, is_end_to_end, diagnostic_data = entry
        # A fresh list: the ensemble zeroes rejected actions in place.
        return self._prediction(
            list(probabilities), is_end_to_end_prediction=is_end_to_end, diagnostic_data=diagnostic_data
        )

    predict_action_probabilities.__engine_patch__ = True  # type: ignore[attr-defined]
    predict_action_probabilities.__wrapped__ = original  # type: ignore[attr-defined]
    TEDPolicy.predict_action_probabilities = predict_action_probabilities  # type: ignore[method-assign]
    logger.debug("engine patch: TED predictions cached on dialogue states (%d entries)", size)


def longest_rule(lookup: dict[str, str]) -> int:
    """The most states any rule key of a rule table has (its keys are JSON lists of states)."""
    import json

    return max((len(json.loads(key)) for key in lookup), default=0)


def cache_rule_matches(size: int = RULE_KEYS_CACHE_SIZE) -> None:
    """Memoise `RulePolicy._get_possible_keys` per rule table (the policy's lookups, fixed once loaded)."""
    from rasa.core.policies import rule_policy
    from rasa.core.policies.rule_policy import RulePolicy

    original = RulePolicy._get_possible_keys
    if not still_rasas_own(original, _RULE_KEYS_QUALNAME, rule_policy.__name__):
        return

    def _get_possible_keys(self: RulePolicy, lookup: dict[str, str], states: list[Any]) -> set[str]:
        caches = self.__dict__.setdefault("_engine_rule_key_caches", {})
        # Keyed by the table's identity: the policy keeps its lookups for its whole life; the table is held
        # with its cache, so its id cannot be reused by another one meanwhile.
        if id(lookup) not in caches:
            caches[id(lookup)] = (lookup, _PredictionCache(size), longest_rule(lookup))
        _table, cache, longest = caches[id(lookup)]
        # A rule is applicable at every state further back than its own length, so only the last `longest`
        # states decide the result: freezing the whole conversation cost more than the match it saved.
        key = freeze(states[-longest:] if longest else [])
        found = cache.get(key)
        if found is None:
            found = frozenset(original(self, lookup, states))
            cache.put(key, found)
        return set(found)  # a fresh set: callers may change it

    _get_possible_keys.__engine_patch__ = True  # type: ignore[attr-defined]
    _get_possible_keys.__wrapped__ = original  # type: ignore[attr-defined]
    RulePolicy._get_possible_keys = _get_possible_keys  # type: ignore[method-assign]
    logger.debug("engine patch: rule matches cached on dialogue states (%d entries per rule table)", size)
