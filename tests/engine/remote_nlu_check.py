"""Run under the engine environment (`.venv-rasa/bin/python`): parsing through the NLU process (engine/remote_nlu.py).

Arguments: MODEL NLU_URL TOKEN. Loads the model as the Rasa server does, installs the patch pointing
at the NLU process the test started, and reports for each message the parse Rasa's own pipeline
makes here, the one the NLU process returns, and the one the patched processor returns; then the
same with a wrong token and with nothing listening, where the processor must parse itself. Prints one
`ENGINE-CHECK {...}` line for `test_remote_nlu.py`.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from rasa.core.agent import Agent  # noqa: E402
from rasa.core.channels import UserMessage  # noqa: E402

from engine import remote_nlu  # noqa: E402

MESSAGES = ["where is my order ORD-10219", "hi", "how many vacation days do I have left", "wat do i owe u"]


def essentials(parse: dict[str, Any] | None) -> Any:
    if parse is None:
        return None
    return {
        "text": parse["text"],
        "intent": parse["intent"]["name"],
        "confidence": round(float(parse["intent"]["confidence"]), 9),
        "ranking": [entry["name"] for entry in parse.get("intent_ranking", [])],
        "entities": [(e["entity"], e["value"]) for e in parse["entities"]],
    }


async def main() -> None:
    model, url, token = sys.argv[1:4]
    agent = Agent.load(model)
    processor = agent.processor
    remote = remote_nlu.install({remote_nlu.URL_ENV: url, remote_nlu.TOKEN_ENV: token})
    assert remote is not None
    local = remote_nlu_parse = None
    rows = []
    for text in MESSAGES:
        message = UserMessage(text, sender_id="check")
        local = await processor.parse_message.__wrapped__(processor, message)
        remote_nlu_parse = await remote.parse(text, "check")
        through_patch = await processor.parse_message(message)
        rows.append(
            {
                "local": essentials(local),
                "remote": essentials(remote_nlu_parse),
                "patched": essentials(through_patch),
            }
        )
    failures = {}
    for case, (case_url, case_token) in {
        "wrong_token": (url, "not-the-token"),
        "nothing_listens": ("http://127.0.0.1:9", token),
    }.items():
        remote.url, remote.token, remote.skip_until = case_url.rstrip("/") + "/model/parse", case_token, 0.0
        message = UserMessage(MESSAGES[0], sender_id="check")
        failures[case] = {
            "remote": essentials(await remote.parse(MESSAGES[0], "check")),
            "patched": essentials(await processor.parse_message(message)),
            "local": essentials(await processor.parse_message.__wrapped__(processor, message)),
            "parses_here_for_s": round(remote.skip_until - __import__("time").monotonic()),
        }
    print("ENGINE-CHECK " + json.dumps({"messages": rows, "failures": failures}))


if __name__ == "__main__":
    asyncio.run(main())
