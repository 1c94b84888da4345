"""Knowledge endpoints through the real app: who reads what, uploads checked, answers with sources."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient

from assistant.identity import issue_channel_token
from assistant.settings import get_settings

RETURNS = b"# Returns and refunds\n\n## Return window\nReturns are accepted within 30 days of delivery.\n"
PAYROLL = b"# Payroll\n\n## Paydays\nEmployees are paid on the 15th and on the last working day of the month.\n"


def admin() -> dict[str, str]:
    return {"Authorization": f"Bearer {get_settings().admin_token}"}


def employee() -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_channel_token('employee', '1', get_settings().identity_secret)}"}


def upload(client: TestClient, collection: str, name: str, content: bytes, audience: str, **kw: object):  # type: ignore[no-untyped-def]
    return client.post(
        f"/api/knowledge/collections/{collection}/documents",
        params={"audience": audience},
        files={"file": (name, io.BytesIO(content), "application/octet-stream")},
        headers=kw.get("headers", admin()),  # type: ignore[arg-type]
    )


@pytest.fixture
def indexed(client: TestClient) -> TestClient:
    assert upload(client, "public", "returns.md", RETURNS, "public").status_code == 201
    assert upload(client, "handbook", "payroll.md", PAYROLL, "internal").status_code == 201
    return client


def test_upload_indexes_the_document_and_lists_it(indexed: TestClient) -> None:
    listed = indexed.get("/api/knowledge/collections", headers=admin())
    assert listed.status_code == 200
    by_name = {c["name"]: c for c in listed.json()}
    assert by_name["public"]["audience"] == "public" and by_name["public"]["documents"] == ["returns.md"]
    assert by_name["handbook"]["audience"] == "internal" and by_name["handbook"]["chunks"] >= 1


def test_ask_answers_with_sources_for_everyone(indexed: TestClient) -> None:
    response = indexed.post("/api/knowledge/ask", json={"question": "how long do I have to return an order?"})
    assert response.status_code == 200
    body = response.json()
    assert body["answered"] and "30 days" in body["answer"]
    assert body["sources"][0]["path"] == "returns.md"


def test_internal_documents_need_an_employee_token(indexed: TestClient) -> None:
    question = {"question": "when are employees paid?"}
    public = indexed.post("/api/knowledge/ask", json=question).json()
    assert "15th" not in (public["answer"] or "")
    staff = indexed.post("/api/knowledge/ask", json=question, headers=employee()).json()
    assert staff["answered"] and "15th" in staff["answer"]
    passages = indexed.post("/api/knowledge/search", json=question).json()
    assert all(p["collection"] != "handbook" for p in passages)
    assert (
        indexed.post("/api/knowledge/ask", json=question, headers={"Authorization": "Bearer forged"}).status_code == 401
    )


@pytest.mark.parametrize(
    ("name", "content", "status"),
    [
        ("notes.exe", b"MZ binary", 415),
        ("no-suffix", b"text", 415),
        ("image.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", 422),
        ("broken.pdf", b"%PDF-1.4 garbage", 422),
        ("empty.md", b"", 422),
    ],
)
def test_bad_uploads_are_refused_and_nothing_is_indexed(
    client: TestClient, name: str, content: bytes, status: int
) -> None:
    response = upload(client, "public", name, content, "public")
    assert response.status_code == status, response.text
    assert client.get("/api/knowledge/collections", headers=admin()).json() == []


def test_an_oversized_upload_is_refused(client: TestClient) -> None:
    response = upload(client, "public", "huge.md", b"a" * (10 * 1024 * 1024 + 1), "public")
    assert response.status_code == 413


def test_a_path_in_the_file_name_is_ignored(client: TestClient) -> None:
    response = upload(client, "public", "../../etc/returns.md", RETURNS, "public")
    assert response.status_code == 201
    assert response.json()["indexed"] == ["returns.md"]


def test_admin_routes_need_the_admin_token(client: TestClient) -> None:
    assert client.get("/api/knowledge/collections").status_code == 401
    assert client.get("/api/knowledge/collections", headers=employee()).status_code == 401
    assert upload(client, "public", "r.md", RETURNS, "public", headers=employee()).status_code == 401
    assert upload(client, "public", "r.md", RETURNS, "public", headers={}).status_code == 401


def test_a_collection_keeps_its_audience(indexed: TestClient) -> None:
    assert upload(indexed, "handbook", "more.md", RETURNS, "public").status_code == 409


def test_questions_are_validated(client: TestClient) -> None:
    assert client.post("/api/knowledge/ask", json={"question": ""}).status_code == 422
    assert client.post("/api/knowledge/ask", json={"question": "x" * 1001}).status_code == 422
    assert client.post("/api/knowledge/ask", json={}).status_code == 422


def test_reindex_picks_up_changes_and_keeps_uploads_apart(indexed: TestClient) -> None:
    settings = get_settings()
    folder = settings.var_dir.resolve() / "knowledge" / "uploads" / "public"
    (folder / "returns.md").write_bytes(RETURNS.replace(b"30 days", b"45 days"))
    response = indexed.post("/api/knowledge/collections/public/reindex", headers=admin())
    assert response.status_code == 200
    [report] = response.json()
    assert report["indexed"] == ["returns.md"]
    answer = indexed.post("/api/knowledge/ask", json={"question": "how long do I have to return an order?"}).json()
    assert "45 days" in answer["answer"]
    # The handbook (another collection) is untouched, and a second upload does not remove the first.
    assert upload(indexed, "public", "shipping.md", b"# Shipping\n\nWe ship to the EU.\n", "public").status_code == 201
    listed = {c["name"]: c for c in indexed.get("/api/knowledge/collections", headers=admin()).json()}
    assert listed["public"]["documents"] == ["returns.md", "shipping.md"]
    assert listed["handbook"]["documents"] == ["payroll.md"]


def test_reindex_needs_admin_and_an_existing_collection(client: TestClient) -> None:
    assert client.post("/api/knowledge/collections/public/reindex").status_code == 401
    assert client.post("/api/knowledge/collections/nothing-here/reindex", headers=admin()).status_code == 404


def test_a_chroma_server_that_is_down_is_a_503_on_every_route(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """CHROMA_URL where nothing listens: a clear 503 (not a 500, nor a 404 "no collection")."""
    from knowledge.service import shared_service

    monkeypatch.setenv("CHROMA_URL", "http://127.0.0.1:9")  # port 9: every connection refused
    get_settings.cache_clear()
    shared_service.cache_clear()
    try:
        question = {"question": "what is the return window?"}
        answers = [
            client.post("/api/knowledge/ask", json=question),
            client.post("/api/knowledge/search", json=question, headers=employee()),
            client.get("/api/knowledge/collections", headers=admin()),
            upload(client, "public", "returns.md", RETURNS, "public"),
            client.post("/api/knowledge/collections/public/reindex", headers=admin()),
            client.delete("/api/knowledge/collections/public", headers=admin()),
            client.delete("/api/knowledge/collections/public/documents/returns.md", headers=admin()),
        ]
        for answer in answers:
            assert answer.status_code == 503, (answer.request.url, answer.status_code, answer.text)
            assert "Chroma" in answer.json()["detail"] and "not reachable" in answer.json()["detail"]
        refused = client.get("/api/knowledge/collections")
        assert refused.status_code == 401, "the token is still checked first"
    finally:
        shared_service.cache_clear()
        get_settings.cache_clear()


def test_an_upload_can_be_left_to_index_and_its_progress_asked(client: TestClient) -> None:
    """wait=false: 202 at once with a job; the job reports files done of files to do, then the report."""
    import time

    response = client.post(
        "/api/knowledge/collections/public/documents",
        params={"audience": "public", "wait": "false"},
        files={"file": ("returns.md", io.BytesIO(RETURNS), "application/octet-stream")},
        headers=admin(),
    )
    assert response.status_code == 202, response.text
    job = response.json()
    assert job["state"] in ("queued", "running", "done") and job["document"] == "returns.md"
    for _ in range(300):
        job = client.get(f"/api/knowledge/jobs/{job['id']}", headers=admin()).json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["state"] == "done", job
    assert (job["files_done"], job["files_total"]) == (1, 1)
    assert job["report"]["indexed"] == ["returns.md"]
    assert client.get(f"/api/knowledge/jobs/{job['id']}").status_code == 401
    assert client.get("/api/knowledge/jobs/nothing", headers=admin()).status_code == 404


def test_documents_and_collections_can_be_removed(indexed: TestClient) -> None:
    assert upload(indexed, "public", "shipping.md", b"# Shipping\n\nWe ship to the EU.\n", "public").status_code == 201
    removed = indexed.delete("/api/knowledge/collections/public/documents/returns.md", headers=admin())
    assert removed.status_code == 204, removed.text
    by_name = {c["name"]: c for c in indexed.get("/api/knowledge/collections", headers=admin()).json()}
    assert by_name["public"]["documents"] == ["shipping.md"]
    again = indexed.delete("/api/knowledge/collections/public/documents/returns.md", headers=admin())
    assert again.status_code == 404
    assert indexed.delete("/api/knowledge/collections/public", headers=employee()).status_code == 401
    assert indexed.delete("/api/knowledge/collections/public", headers=admin()).status_code == 204
    names = {c["name"] for c in indexed.get("/api/knowledge/collections", headers=admin()).json()}
    assert names == {"handbook"}
    assert indexed.delete("/api/knowledge/collections/public", headers=admin()).status_code == 404
    answer = indexed.post("/api/knowledge/ask", json={"question": "what is the return window?"}).json()
    assert not any(s["path"] == "returns.md" for s in answer["sources"])
