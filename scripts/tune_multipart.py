"""How often the multi-part split (engine/clauses.py) fires, per confidence threshold, on tune data only.

    .venv/bin/python scripts/tune_multipart.py --rasa-url http://127.0.0.1:5005 [--token T]
        [--thresholds 0.8 0.85 0.9 0.95]

Why: the split threshold and guards must be chosen on data nobody evaluates with. This parses,
through a running Rasa server's `/model/parse` (the NLU the engine uses), the clauses of:
`scripts/data/multipart_tune.yml` (`several`: two or more requests, should split; `one`: one
request with a connector inside, must not), the tune half's user messages of
tests/conversations, and our NLU training examples (each one request). Printed per threshold:
how many of each set split, and every split of a message that should stay whole.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))

from dialogue_set import load_set  # noqa: E402

from engine.clauses import distinct_requests, split_clauses  # noqa: E402

TUNE_FILE = ROOT / "scripts" / "data" / "multipart_tune.yml"
NLU_DIR = ROOT / "bot" / "data" / "nlu"
ANNOTATION = re.compile(r"\[([^\]]*)\](?:\([^)]*\)|\{[^}]*\})")

Parser = Callable[[str], dict[str, Any]]


def training_examples() -> list[str]:
    """Every NLU training example, its entity annotations removed (each is one request)."""
    found: list[str] = []
    for path in sorted(NLU_DIR.glob("*.yml")):
        for item in yaml.safe_load(path.read_text()).get("nlu") or []:
            if "intent" in item:
                lines = str(item.get("examples") or "").splitlines()
                found += [ANNOTATION.sub(r"\1", line.strip()[2:]) for line in lines if line.strip()]
    return found


def tune_half_messages() -> list[str]:
    """The typed messages of the tune half of tests/conversations (never the test half)."""
    return [
        turn.text
        for conversation in load_set()
        if conversation.split == "tune"
        for turn in conversation.turns
        if not turn.click
    ]


def candidates(messages: Iterable[str], parse: Parser) -> list[tuple[str, list[dict[str, Any]]]]:
    """The messages the splitter cuts, each with its clauses' parses (parsed once for every threshold)."""
    found = []
    for message in messages:
        clauses = split_clauses(message)
        if len(clauses) > 1:
            found.append((message, [parse(clause.text) for clause in clauses]))
    return found


def rasa_parser(rasa_url: str, token: str | None) -> Parser:
    client = httpx.Client(timeout=30)
    params = {"token": token} if token else {}

    def parse(text: str) -> dict[str, Any]:
        response = client.post(f"{rasa_url}/model/parse", params=params, json={"text": text})
        response.raise_for_status()
        parsed: dict[str, Any] = response.json()
        return parsed

    return parse


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rasa-url", default="http://127.0.0.1:5005")
    parser.add_argument("--token", help="the Rasa server's --auth-token (RASA_API_TOKEN), if it has one")
    parser.add_argument("--thresholds", type=float, nargs="+", default=[0.8, 0.85, 0.9, 0.95])
    args = parser.parse_args()
    parse = rasa_parser(args.rasa_url.rstrip("/"), args.token)
    tune = yaml.safe_load(TUNE_FILE.read_text())
    sets = {
        "several (should split)": (tune["several"], True),
        "one (must stay whole)": (tune["one"], False),
        "tune half": (tune_half_messages(), None),
        "training examples (one request)": (training_examples(), False),
    }
    parsed = {name: (len(messages), candidates(messages, parse), want) for name, (messages, want) in sets.items()}
    for threshold in args.thresholds:
        print(f"threshold {threshold}:")
        for name, (total, found, want) in parsed.items():
            split = [(message, parses) for message, parses in found if distinct_requests(parses, threshold)]
            print(f"  {name}: {len(split)} of {total} split")
            if want is not True:
                for message, parses in split:
                    intents = [(p["intent"]["name"], round(p["intent"]["confidence"], 3)) for p in parses]
                    print(f"    split: {message!r} {intents}")


if __name__ == "__main__":
    main()
