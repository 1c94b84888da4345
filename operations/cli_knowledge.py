"""`assistant knowledge ingest|ask|list|remove`: the company's documents, from the command line.

Heavy imports (Chroma, the embedding model) happen inside the commands, so that
`assistant --help` and the other commands stay fast.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

knowledge_app = typer.Typer(help="Answers from the company's documents.", no_args_is_help=True)


def default_collection(path: Path) -> str:
    """A collection name from a folder or file name: `demo/company_docs/public` -> `public`."""
    stem = path.resolve().name if path.is_dir() else path.stem
    name = re.sub(r"[^a-z0-9_-]+", "-", stem.lower()).strip("-_")
    return (name or "documents")[:42].ljust(3, "x")


def _store():  # type: ignore[no-untyped-def]
    from knowledge.service import shared_service

    return shared_service().store


@knowledge_app.command()
def ingest(
    path: Annotated[Path, typer.Argument(help="A folder (searched recursively) or one file.")],
    collection: Annotated[str | None, typer.Option(help="Collection name (default: the folder's name).")] = None,
    audience: Annotated[
        str, typer.Option(help="`public` (customers may see it) or `internal` (employees only).")
    ] = "internal",
) -> None:
    """Index the documents under PATH; re-running updates changed files and removes deleted ones."""
    from tqdm import tqdm

    from knowledge.ingest import ingest as run_ingest
    from knowledge.store import AUDIENCES, check_collection_name

    if audience not in AUDIENCES:
        raise typer.BadParameter("audience must be `public` or `internal`", param_hint="--audience")
    if not path.exists():
        raise typer.BadParameter(f"{path} does not exist", param_hint="PATH")
    name = collection or default_collection(path)
    try:
        check_collection_name(name)
    except ValueError as error:
        raise typer.BadParameter(str(error), param_hint="--collection") from error

    def progress(files):  # type: ignore[no-untyped-def]
        return tqdm(files, desc=f"ingest {name}", unit="file", file=sys.stderr, disable=not files)

    report = run_ingest(path, name, audience, _store(), progress)  # type: ignore[arg-type]
    for relative, reason in report.failed:
        typer.echo(f"  unreadable: {relative}: {reason}", err=True)
    for relative, reason in report.skipped:
        typer.echo(f"  skipped: {relative}: {reason}", err=True)
    typer.echo(report.summary())


@knowledge_app.command("ingest-demo")
def ingest_demo() -> None:
    """Index the demo company's documents (demo/company_docs/public and demo/company_docs/internal)."""
    from tqdm import tqdm

    from demo.documents import ingest_demo_documents

    def progress(files):  # type: ignore[no-untyped-def]
        return tqdm(files, desc="ingest", unit="file", file=sys.stderr, disable=not files)

    for report in ingest_demo_documents(_store(), progress):
        for relative, reason in report.failed:
            typer.echo(f"  unreadable: {relative}: {reason}", err=True)
        typer.echo(report.summary())


@knowledge_app.command()
def ask(
    questions: Annotated[list[str], typer.Argument(help="One or more questions.")],
    collection: Annotated[
        list[str] | None, typer.Option(help="Search only this collection (repeatable; default: all).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per question, one per line.")] = False,
) -> None:
    """Answer questions from the indexed documents (or say that they do not answer them)."""
    from knowledge.answers import answer
    from knowledge.retrieval import Retriever
    from knowledge.store import UnknownCollection

    store = _store()
    names = collection or [info.name for info in store.collections()]
    try:
        retriever = Retriever.open(store, names)
    except (UnknownCollection, ValueError) as error:
        raise typer.BadParameter(f"unknown collection {error}", param_hint="--collection") from error
    for question in questions:
        result = answer(question, retriever)
        if as_json:
            typer.echo(json.dumps(result.contract(), ensure_ascii=False))
            continue
        typer.echo(f"Q: {result.question}")
        typer.echo(f"A: {result.answer}" if result.answered else "A: (the documents do not say)")
        for source in result.sources if result.answered else []:
            typer.echo(f"   - {source.title} ({source.path}, {source.score:.2f})")


@knowledge_app.command("list")
def list_collections(
    collection: Annotated[str | None, typer.Argument(help="Only this collection, with its documents.")] = None,
    documents: Annotated[bool, typer.Option("--documents", help="List each collection's documents too.")] = False,
) -> None:
    """The indexed collections, their audience and size (and their documents)."""
    from knowledge.store import UnknownCollection

    store = _store()
    infos = store.collections()
    if collection is not None:
        infos = [info for info in infos if info.name == collection]
        if not infos:
            raise typer.BadParameter(f"no collection {collection}", param_hint="COLLECTION")
    for info in infos:
        typer.echo(f"{info.name:<24} {info.audience:<9} {info.chunks} chunks")
        if documents or collection is not None:
            try:
                for path in store.documents(info.name):
                    typer.echo(f"    {path}")
            except UnknownCollection:
                continue


@knowledge_app.command()
def remove(
    collection: Annotated[str, typer.Argument(help="The collection.")],
    document: Annotated[
        str | None, typer.Option(help="Remove only this document (its path as `list COLLECTION` shows it).")
    ] = None,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Remove a collection, or one document of it, from the index (the files on disk are not touched)."""
    from knowledge.store import UnknownCollection, UnknownDocument

    what = f"{document} from {collection}" if document else f"the whole collection {collection}"
    if not yes and not typer.confirm(f"Remove {what}?"):
        raise typer.Exit(1)
    store = _store()
    try:
        if document:
            store.delete_document(collection, document)
        else:
            store.delete_collection(collection)
    except (UnknownCollection, ValueError) as error:
        raise typer.BadParameter(f"no collection {collection}", param_hint="COLLECTION") from error
    except UnknownDocument as error:
        raise typer.BadParameter(f"no document {document} in {collection}", param_hint="--document") from error
    typer.echo(f"removed {what}")
