"""Knowledge endpoints: ask and search the documents; list, upload and re-index them (admin).

Who may read what follows the assistant's own rule: anyone gets public documents;
an employee token (bearer, role `employee`) adds internal ones; the admin token
sees every collection. Uploads are checked (type, size, readable) before anything is
stored, then indexed by the ingestion worker (`knowledge/jobs.py`), off the event loop: the
request waits for it by default, or returns a job whose progress `/jobs/{id}` reports. The
serving processes pick new documents up by themselves. A store that is down is a 503, decided
in one place (`_store_errors`) from the store's own typed error.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal

from fastapi import APIRouter, Depends, File, HTTPException, Query, Response, UploadFile, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field

from api.dependencies import AdminDep, SettingsDep, is_admin_token
from assistant.identity import read_channel_token
from knowledge.store import StoreUnavailable

if TYPE_CHECKING:
    from knowledge.ingest import IngestReport
    from knowledge.jobs import IngestJob

_bearer = HTTPBearer(auto_error=False, description="Optional: an employee token, or the admin token.")

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
UNAVAILABLE_DETAIL = "the document store (Chroma) is not reachable right now; try again in a moment"
UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "The document store is not reachable"}}
UPLOAD_SUFFIXES = {".md", ".markdown", ".txt", ".html", ".htm", ".pdf", ".docx"}
Reader = Literal["public", "employee", "admin"]


def reader(
    settings: SettingsDep, credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
) -> Reader:
    """Who is asking, from the bearer token; no token is the public."""
    if credentials is None:
        return "public"
    if is_admin_token(credentials.credentials, settings):
        return "admin"
    identity = read_channel_token(credentials.credentials, settings.identity_secret)
    if identity is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "invalid token", {"WWW-Authenticate": "Bearer"})
    return "employee" if identity.role == "employee" else "public"


ReaderDep = Annotated[Reader, Depends(reader)]


class Question(BaseModel):
    question: str = Field(min_length=1, max_length=1000)


class SourceOut(BaseModel):
    path: str
    title: str
    score: float
    snippet: str


class AnswerOut(BaseModel):
    question: str
    answered: bool
    answer: str | None
    sources: list[SourceOut]


class PassageOut(BaseModel):
    collection: str
    path: str
    title: str
    section: str
    text: str
    score: float


class CollectionOut(BaseModel):
    name: str
    audience: str
    chunks: int
    documents: list[str]


class IngestOut(BaseModel):
    collection: str
    indexed: list[str]
    unchanged: list[str]
    removed: list[str]
    failed: list[tuple[str, str]]
    chunks_added: int


class JobOut(BaseModel):
    id: str
    collection: str
    document: str
    state: Literal["queued", "running", "done", "failed"]
    files_done: int
    files_total: int
    report: IngestOut | None
    error: str | None


def _store_errors() -> Iterator[None]:
    """The one place a store that is down becomes a 503 with a clear message (not a 500, nor a 404)."""
    try:
        yield
    except StoreUnavailable as error:
        logger.warning("knowledge store unreachable: %s", error)
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, UNAVAILABLE_DETAIL) from error


router = APIRouter(prefix="/api/knowledge", tags=["knowledge"], dependencies=[Depends(_store_errors)])


def _service():  # type: ignore[no-untyped-def]
    from knowledge.service import shared_service

    return shared_service()


def _store():  # type: ignore[no-untyped-def]
    return _service().store


@router.post(
    "/ask", response_model=AnswerOut, summary="Answer a question from the documents (or abstain)", responses=UNAVAILABLE
)
def ask(body: Question, who: ReaderDep) -> AnswerOut:
    result = _service().ask(body.question, employee=who != "public")
    return AnswerOut(**result.contract())


@router.post(
    "/search", response_model=list[PassageOut], summary="The best passages for a question", responses=UNAVAILABLE
)
def search(body: Question, who: ReaderDep) -> list[PassageOut]:
    from knowledge.embeddings import embed_one

    retriever = _service().retriever(employee=who != "public")
    hits = retriever.search(body.question, embed_one(body.question), k=5)
    return [
        PassageOut(
            collection=hit.collection, path=hit.chunk.path, title=hit.chunk.title, section=hit.chunk.heading_path,
            text=hit.chunk.text, score=round(hit.fused, 5),
        )
        for hit in hits
    ]  # fmt: skip


@router.get(
    "/collections",
    response_model=list[CollectionOut],
    summary="Collections and their documents (admin)",
    responses=UNAVAILABLE,
)
def collections(_: AdminDep) -> list[CollectionOut]:
    found = []
    store = _store()
    for info in store.collections():
        documents = sorted(store.file_hashes(info.name, info.audience))
        found.append(CollectionOut(name=info.name, audience=info.audience, chunks=info.chunks, documents=documents))
    return found


def _safe_file_name(name: str | None) -> str:
    base = Path(name or "").name
    cleaned = re.sub(r"[^A-Za-z0-9._-]+", "-", base).strip(".-")
    if not cleaned or Path(cleaned).suffix.lower() not in UPLOAD_SUFFIXES:
        raise HTTPException(
            status.HTTP_415_UNSUPPORTED_MEDIA_TYPE,
            f"upload a document of type {', '.join(sorted(UPLOAD_SUFFIXES))}",
        )
    return cleaned[:120]


@router.post(
    "/collections/{name}/documents",
    response_model=IngestOut | JobOut,
    status_code=status.HTTP_201_CREATED,
    summary="Upload one document into a collection and index it (admin)",
    responses={202: {"model": JobOut, "description": "Accepted (wait=false): poll /api/knowledge/jobs/{id}"},
               413: {"description": "Too large"}, 415: {"description": "Unsupported type"},
               422: {"description": "Unreadable document"}, **UNAVAILABLE},
)  # fmt: skip
async def upload(
    name: str,
    _: AdminDep,
    settings: SettingsDep,
    response: Response,
    file: Annotated[UploadFile, File(description="Markdown, text, HTML, PDF or DOCX; at most 10 MB")],
    audience: Literal["public", "internal"] = "internal",
    wait: Annotated[bool, Query(description="Answer when indexed (201); false: at once, with a job (202)")] = True,
) -> IngestOut | JobOut:
    """The file is checked here; reading and indexing it run on the ingestion worker, never on the event loop."""
    from knowledge.documents import UnreadableDocument, read_document
    from knowledge.jobs import shared_jobs
    from knowledge.jobs import wait as wait_for
    from knowledge.store import check_collection_name

    try:
        check_collection_name(name)
    except ValueError as error:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(error)) from error
    file_name = _safe_file_name(file.filename)
    store = await asyncio.to_thread(_store)
    existing = {info.name: info.audience for info in await asyncio.to_thread(store.collections)}
    if name in existing and existing[name] != audience:
        raise HTTPException(status.HTTP_409_CONFLICT, f"collection {name} is {existing[name]}, not {audience}")
    content = await file.read(MAX_UPLOAD_BYTES + 1)
    if len(content) > MAX_UPLOAD_BYTES:
        raise HTTPException(status.HTTP_413_CONTENT_TOO_LARGE, "documents are limited to 10 MB")
    folder = settings.var_dir.resolve() / "knowledge" / "uploads" / name
    staging = folder / ".staging"
    staging.mkdir(parents=True, exist_ok=True)
    staged = staging / file_name  # its real suffix: the reader goes by suffix
    staged.write_bytes(content)
    try:
        await asyncio.to_thread(read_document, staged)  # refuse what cannot be read before it may replace anything
    except UnreadableDocument as error:
        staged.unlink(missing_ok=True)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"{file_name}: {error}") from error
    target = folder / file_name
    staged.replace(target)
    job = shared_jobs().submit(target, name, audience, store)
    if not wait:
        response.status_code = status.HTTP_202_ACCEPTED
        return _job_out(job)
    await asyncio.to_thread(wait_for, job)
    return _finished(job)


def _ingest_out(report: IngestReport) -> IngestOut:
    return IngestOut(
        collection=report.collection, indexed=report.indexed, unchanged=report.unchanged, removed=report.removed,
        failed=report.failed, chunks_added=report.chunks_added,
    )  # fmt: skip


def _job_out(job: IngestJob) -> JobOut:
    return JobOut(
        id=job.id, collection=job.collection, document=job.path, state=job.state, files_done=job.files_done,
        files_total=job.files_total, report=_ingest_out(job.report) if job.report else None, error=job.error,
    )  # fmt: skip


def _finished(job: IngestJob) -> IngestOut:
    if job.report is not None:
        return _ingest_out(job.report)
    if job.store_unavailable:
        raise StoreUnavailable(job.error or "")
    raise HTTPException(status.HTTP_500_INTERNAL_SERVER_ERROR, f"indexing failed: {job.error}")


@router.get(
    "/jobs/{job_id}",
    response_model=JobOut,
    summary="How far an upload's indexing is (admin)",
    responses={404: {"description": "No such job"}},
)
def job_status(job_id: str, _: AdminDep) -> JobOut:
    from knowledge.jobs import shared_jobs

    job = shared_jobs().get(job_id)
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no job {job_id}")
    return _job_out(job)


@router.delete(
    "/collections/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove a collection and everything indexed in it (admin)",
    responses={404: {"description": "No such collection"}, **UNAVAILABLE},
)
def remove_collection(name: str, _: AdminDep) -> None:
    from knowledge.store import UnknownCollection

    try:
        _store().delete_collection(name)
    except (UnknownCollection, ValueError) as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no collection {name}") from error


@router.delete(
    "/collections/{name}/documents/{path:path}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Remove one document from a collection (admin)",
    responses={404: {"description": "No such collection or document"}, **UNAVAILABLE},
)
def remove_document(name: str, path: str, _: AdminDep) -> None:
    from knowledge.store import UnknownCollection, UnknownDocument

    try:
        _store().delete_document(name, path)
    except (UnknownCollection, ValueError) as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no collection {name}") from error
    except UnknownDocument as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no document {path} in {name}") from error


@router.post(
    "/collections/{name}/reindex",
    response_model=list[IngestOut],
    summary="Re-index a collection from the folders it was ingested from (admin)",
    responses={404: {"description": "No such collection"}, **UNAVAILABLE},
)
def reindex(name: str, _: AdminDep) -> list[IngestOut]:
    """Changed files are re-indexed, deleted ones removed, unchanged ones skipped; a vanished folder is reported."""
    from knowledge.ingest import ingest
    from knowledge.store import UnknownCollection

    store = _store()
    try:
        audience = store.audience_of(name)
        sources = store.sources(name)
    except (UnknownCollection, ValueError) as error:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no collection {name}") from error
    reports = []
    for source in sources:
        folder = Path(source)
        if not folder.is_dir():
            reports.append(IngestOut(collection=name, indexed=[], unchanged=[], removed=[],
                                     failed=[(source, "the folder no longer exists")], chunks_added=0))  # fmt: skip
            continue
        reports.append(_ingest_out(ingest(folder, name, audience, store)))
    return reports
