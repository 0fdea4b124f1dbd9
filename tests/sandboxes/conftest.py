"""Sandbox tests run on a real database with real commits, so the engine cache is exercised.

``transaction=True`` matters: execute() puts an engine back in the worker's cache only when
the database commits, and pytest-django's default wraps each test in a transaction that never
commits (every call would then rebuild from the journal and the cache would go untested).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dynalab.sandboxes import services
from dynalab.sandboxes.models import Sandbox
from tests.support import sandboxes as helpers


@pytest.fixture(autouse=True)
def fresh_engine_cache() -> Iterator[None]:
    services.ENGINES.clear()
    yield
    services.ENGINES.clear()


@pytest.fixture
def sandbox(transactional_db: None) -> Sandbox:
    return services.keyless_sandbox("AKIATESTSANDBOX")


@pytest.fixture
def sandbox_with_table(sandbox: Sandbox) -> Sandbox:
    services.execute(sandbox, "CreateTable", helpers.create_table())
    return sandbox
