"""The documents' vocabulary, embedded word by word: is a question's unfamiliar word only another name?

The abstention check (`answerability.py`) counts the share of a question's words that no
document contains: "401k" or "gym" in a handbook that never mentions them is a sign
that the documents cannot answer. But people also use everyday words for what the
documents say formally: "my wife's plan" for a spouse's, "my husband" for a
spouse. Such a word has a near-synonym in the documents, and should not count
as unknown. The test is deliberately strict (`NEAR_SYNONYM`, cosine of MiniLM
word embeddings): `wife`/`spouse` and `stole`/`stolen` pass, while loose relatives
(`gym`/`exercise` 0.66, `401k`/`investing` 0.50, `dog`/`pets` 0.70, `xmas`/`christmas`
0.80) stay unknown, so a question about something the documents do not cover is still
not answered. Words with digits ("401k", "w2") are codes, never matched by meaning.

Each file's words are embedded at ingestion (`ingest.py`) and stored with its
chunks, so asking costs one batched model call that also embeds the question.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from knowledge.text import words

# Cosine between two single-word MiniLM embeddings above which the words are taken as one meaning.
NEAR_SYNONYM = 0.85
MIN_WORD_CHARS = 3
EMBEDDING_SIZE = 384


def vocabulary_words(texts: Iterable[str]) -> list[str]:
    """The distinct alphabetic content words of the texts, sorted: what is embedded per file."""
    return sorted({w for text in texts for w in words(text) if is_word(w)})


def is_word(word: str) -> bool:
    """A word that has a meaning of its own to compare (letters only, not a code or a number)."""
    return len(word) >= MIN_WORD_CHARS and word.isalpha()


class Vocabulary:
    """The embedded words of some collections; answers whether a word has a near-synonym among them."""

    def __init__(self, entries: dict[str, np.ndarray] | None = None) -> None:
        entries = entries or {}
        self.words = sorted(entries)
        self.vectors = (
            np.vstack([entries[w] for w in self.words]).astype(np.float32)
            if self.words
            else np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
        )

    def __len__(self) -> int:
        return len(self.words)

    def nearest(self, vector: np.ndarray) -> tuple[str | None, float]:
        """The documents' word closest in meaning to the word with this embedding, and the cosine."""
        if not self.words:
            return None, 0.0
        similarities = np.einsum("ij,j->i", self.vectors, vector)  # not `@`: see retrieval.similarities
        best = int(np.argmax(similarities))
        return self.words[best], float(similarities[best])

    def has_near_synonym(self, vector: np.ndarray) -> bool:
        return self.nearest(vector)[1] >= NEAR_SYNONYM
