"""The API app on a seeded test back office, through FastAPI's TestClient."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from api.main import create_app


@pytest.fixture
def client(app_db_url: str) -> Iterator[TestClient]:
    """A fresh app, configured (by `app_db_url`) for this test's database."""
    with TestClient(create_app()) as test_client:
        yield test_client
