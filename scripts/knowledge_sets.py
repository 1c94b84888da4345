"""The knowledge evaluation's document sets: where each one's documents and questions are, and its split.

Kept apart from the systems and the scoring so that the split test (`tests/scripts`) can read the
sets without loading a model. Each set is a list of folders, each with the audience that may read
it; a question asked by a customer (`audience: public`) is asked of the public folders only, as the
assistant does, and an employee's of every folder. See `scripts/data/knowledge_sets/README.md`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

ROOT = Path(__file__).resolve().parents[1]
SETS_DIR = ROOT / "scripts" / "data" / "knowledge_sets"
SPLITS_FILE = SETS_DIR / "splits.json"
DEV_HANDBOOK = ROOT.parent / "shared" / "data" / "dev_handbook"
COMPANY_DOCS = ROOT / "demo" / "company_docs"

Audience = Literal["public", "internal"]
Split = Literal["tune", "test"]


@dataclass(frozen=True)
class Question:
    id: str
    text: str
    answerable: bool
    sources: list[str]
    keywords: list[list[str]]
    audience: Audience = "internal"  # who asks: "public" questions may only be answered from public documents


@dataclass(frozen=True)
class Folder:
    path: Path
    audience: Audience


@dataclass(frozen=True)
class DocumentSet:
    name: str
    folders: tuple[Folder, ...]
    questions_file: Path

    def collection(self, folder: Folder) -> str:
        """Its own collection per set and audience, so that sets never answer each other's questions."""
        return f"eval-{self.name.replace('_', '-')}-{folder.audience}"

    def folders_for(self, audience: Audience) -> list[Folder]:
        """What an asker may read: a customer the public folders, an employee all of them."""
        return [f for f in self.folders if audience == "internal" or f.audience == "public"]

    def questions(self) -> list[Question]:
        return load_questions(self.questions_file)


def _handbook(name: str, base: Path) -> DocumentSet:
    return DocumentSet(name, (Folder(base / "docs", "internal"),), base / "questions.jsonl")


# In the order the splits were drawn (README): the dev handbook, the demo company, then the gathered sets.
SETS: dict[str, DocumentSet] = {
    "dev_handbook": _handbook("dev_handbook", DEV_HANDBOOK),
    "company": DocumentSet(
        "company",
        (Folder(COMPANY_DOCS / "public", "public"), Folder(COMPANY_DOCS / "internal", "internal")),
        ROOT / "scripts" / "data" / "company_questions.jsonl",
    ),
    "tts_handbook": _handbook("tts_handbook", SETS_DIR / "tts_handbook"),
    "plausible_help": _handbook("plausible_help", SETS_DIR / "plausible_help"),
}


def load_questions(path: Path) -> list[Question]:
    questions = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            item = json.loads(line)
            questions.append(
                Question(item["id"], item["question"], item["answerable"], item.get("sources") or [],
                         item.get("answer_keywords") or [], item.get("audience", "internal"))
            )  # fmt: skip
    return questions


def load_splits(path: Path = SPLITS_FILE) -> dict[str, dict[Split, list[str]]]:
    """`{set: {"tune": [ids], "test": [ids]}}`, drawn once before any tuning (README)."""
    return json.loads(path.read_text(encoding="utf-8"))["sets"]
