"""The three systems the knowledge evaluation compares, each a function from a question to a reply.

Same embeddings for all three, so that a difference is the pipeline's, not the model's:

- ours: structure-aware chunks, hybrid BM25 + dense retrieval fused by RRF, extractive answer,
  abstention below the support threshold (`knowledge/answerability.py`);
- LangChain's usual recipe: RecursiveCharacterTextSplitter 1000/200 over each file's text, Chroma
  similarity search top 4, the best chunk as the answer, never abstains: what a new user would
  build in twenty lines, the bar anything we add has to clear;
- BM25 alone over our chunks, the best chunk as the answer, never abstains: shows what the
  embeddings add over words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from knowledge.answers import answer
from knowledge.embeddings import embed, embed_one
from knowledge.retrieval import Retriever
from knowledge.text import tokens


@dataclass(frozen=True)
class Reply:
    answered: bool
    answer: str
    cited: list[str]  # source paths, best first
    support: tuple[float, float] | None = None  # ours: (best sentence, unknown share), for threshold sweeps


System = Callable[[str], Reply]


def ours(retriever: Retriever) -> System:
    """Our answers, with the support signal the abstention was decided on."""

    def ask(question: str) -> Reply:
        result = answer(question, retriever)
        support = (result.support.best_sentence, result.support.unknown_share) if result.support else None
        return Reply(result.answered, result.answer or "", [s.path for s in result.sources], support)

    return ask


_recipe_count = 0


def langchain_recipe(folders: list[Path]) -> System:
    """RecursiveCharacterTextSplitter(1000, 200) + Chroma similarity search top 4; the best chunk answers.

    Markdown and text files through TextLoader, HTML through BSHTMLLoader; paths relative to their folder.
    """
    import chromadb
    from chromadb.config import Settings as ChromaSettings
    from langchain_community.document_loaders import BSHTMLLoader, TextLoader
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    global _recipe_count
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)
    texts, paths = [], []
    for docs in folders:
        files = sorted(p for p in docs.rglob("*") if p.is_file() and p.suffix in (".md", ".txt", ".html"))
        for path in files:
            loader = BSHTMLLoader(str(path)) if path.suffix == ".html" else TextLoader(str(path), encoding="utf-8")
            for doc in splitter.split_documents(loader.load()):
                texts.append(doc.page_content)
                paths.append(path.relative_to(docs).as_posix())
    client = chromadb.EphemeralClient(settings=ChromaSettings(anonymized_telemetry=False))
    _recipe_count += 1  # the in-process client is shared by every recipe: one collection each
    collection = client.create_collection(
        f"baseline-{_recipe_count}", metadata={"hnsw:space": "cosine"}, embedding_function=None
    )
    if texts:
        collection.add(
            ids=[str(i) for i in range(len(texts))],
            embeddings=embed(texts).tolist(),
            documents=texts,
            metadatas=[{"path": p} for p in paths],
        )

    def ask(question: str) -> Reply:
        found = collection.query(query_embeddings=[embed_one(question).tolist()], n_results=4)
        metadatas, documents = found["metadatas"] or [[]], found["documents"] or [[""]]
        cited = [str(meta["path"]) for meta in metadatas[0]]
        return Reply(True, documents[0][0] if documents[0] else "", list(dict.fromkeys(cited)))

    return ask


def bm25_alone(retriever: Retriever) -> System:
    """BM25 over our chunks; the best chunk answers."""

    def ask(question: str) -> Reply:
        if retriever.bm25 is None:
            return Reply(True, "", [])
        scores = retriever.bm25.get_scores(tokens(question))
        order = np.argsort(-scores)[:4]
        chunks = [retriever.entries[i][1] for i in order]
        return Reply(True, chunks[0].text, list(dict.fromkeys(c.path for c in chunks)))

    return ask
