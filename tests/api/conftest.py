"""Endpoint tests run on a real database with real commits (the live server needs them) and
start from empty caches; the request rate is unlimited unless a test asks for a limit."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from pytest_django.fixtures import Settings as SettingsWrapper

from dynalab.api import services as api_services
from dynalab.sandboxes import services as sandboxes
from dynalab.sandboxes.models import Sandbox


@pytest.fixture(autouse=True)
def api_settings(settings: SettingsWrapper) -> Iterator[SettingsWrapper]:
    settings.DYNALAB_API_ACCEPT_ANY_KEY = False
    settings.DYNALAB_API_RATE_LIMIT = {"requests_per_second": 0}
    settings.DYNALAB_API_MAX_REQUEST_BYTES = 1024 * 1024
    sandboxes.ENGINES.clear()
    api_services.rate_limiter().clear()
    api_services.KNOWN_KEYS.clear()
    yield settings
    sandboxes.ENGINES.clear()


@pytest.fixture
def accept_any_key(api_settings: SettingsWrapper) -> SettingsWrapper:
    api_settings.DYNALAB_API_ACCEPT_ANY_KEY = True
    return api_settings


@pytest.fixture
def sandbox(transactional_db: None) -> Sandbox:
    """A sandbox with its own generated keys (DLAB...), as the Connect page shows them."""
    return Sandbox.objects.create(label="api-tests")
