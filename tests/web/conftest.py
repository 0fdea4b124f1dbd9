"""Workbench tests drive real sandboxes on the real engine through Django's test client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from dynalab.sandboxes import services as sandbox_services


@pytest.fixture(autouse=True)
def fresh_engine_cache() -> Iterator[None]:
    """Each test starts as a freshly started worker: no engine cached from another test."""
    sandbox_services.ENGINES.clear()
    yield
    sandbox_services.ENGINES.clear()


@pytest.fixture
def learner(db: None) -> Client:
    """A visitor with a session, and so a sandbox of their own."""
    return Client()
