"""Run under the engine environment: engine/fallback.py decides as Rasa's fallback classifier, except for `inform`.

Prints one `ENGINE-CHECK {json}` line; `test_fallback.py` asserts on it. Each ranking below is given to Rasa's
own `FallbackClassifier` and to ours, built the way the trained pipeline builds them (threshold 0.2, margin
0.05), and the intent each leaves on the message is reported; then ours with a bar for requests.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

RANKINGS = {
    "request_with_details": [("order_status", 0.49), ("inform", 0.47), ("order_cancel", 0.02)],
    "request_details_and_close_third": [("order_status", 0.40), ("inform", 0.38), ("order_cancel", 0.37)],
    "two_requests": [("order_status", 0.49), ("order_cancel", 0.47), ("inform", 0.02)],
    "out_of_scope_with_details": [("out_of_scope", 0.49), ("inform", 0.47), ("greet", 0.02)],
    "answer_first": [("inform", 0.49), ("order_status", 0.47), ("greet", 0.02)],
    "too_unsure": [("order_status", 0.15), ("inform", 0.05), ("greet", 0.01)],
    "clear": [("leave_request", 0.8), ("inform", 0.1), ("greet", 0.1)],
}

REQUEST_BAR = {
    "unsure_request": [("order_cancel", 0.35), ("out_of_scope", 0.3), ("greet", 0.05)],
    "sure_request": [("order_cancel", 0.45), ("out_of_scope", 0.3), ("greet", 0.05)],
    "unsure_policy_question": [("ask_policy", 0.35), ("out_of_scope", 0.25), ("greet", 0.05)],
    "unsure_greeting": [("greet", 0.3), ("out_of_scope", 0.2), ("thank", 0.05)],
}


# A request below the bar that names its own record by its prefixed number is kept; one naming another kind's is not.
NAMED_RECORD = {
    "names_its_record": ("whatever. send me a link for INV-50022 then", [("invoice_pay", 0.30), ("inform", 0.22)]),
    "names_another_kind": ("cancel INV-50022", [("order_cancel", 0.30), ("inform", 0.22)]),
    "bare_number": ("send me a link for 50022", [("invoice_pay", 0.30), ("inform", 0.22)]),
}


def decided(classifier: Any, ranking: list[tuple[str, float]], text: str = "a message") -> str:
    from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
    from rasa.shared.nlu.training_data.message import Message

    entries = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    message = Message(data={TEXT: text, INTENT: dict(entries[0]), INTENT_RANKING_KEY: entries})
    classifier.process([message])
    return str(message.get(INTENT)["name"])


def main() -> None:
    from rasa.nlu.classifiers.fallback_classifier import FallbackClassifier

    from engine.fallback import RequestWithDetailsFallback

    settings = {**FallbackClassifier.get_default_config(), "threshold": 0.2, "ambiguity_threshold": 0.05}
    rasas, ours = FallbackClassifier(settings), RequestWithDetailsFallback(settings)
    report = {
        name: {"rasa": decided(rasas, ranking), "ours": decided(ours, ranking)} for name, ranking in RANKINGS.items()
    }
    # With a bar for requests (config.yml's `request_threshold`): only a transactional intent below it falls back.
    barred = RequestWithDetailsFallback({**settings, "request_threshold": 0.4})
    report["request_bar"] = {name: decided(barred, ranking) for name, ranking in REQUEST_BAR.items()}
    report["named_record"] = {name: decided(barred, ranking, text) for name, (text, ranking) in NAMED_RECORD.items()}
    print("ENGINE-CHECK " + json.dumps(report))


if __name__ == "__main__":
    main()
