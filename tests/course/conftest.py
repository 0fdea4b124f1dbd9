"""Course tests: a lessons folder of the test's own, and a clean engine cache per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from dynalab.sandboxes import services as sandbox_services


@pytest.fixture(autouse=True)
def fresh_engine_cache() -> Iterator[None]:
    sandbox_services.ENGINES.clear()
    yield
    sandbox_services.ENGINES.clear()


@pytest.fixture
def lessons_dir(tmp_path: Path, settings) -> Path:
    """An empty lessons folder that the site serves instead of lessons/."""
    folder = tmp_path / "lessons"
    folder.mkdir()
    settings.DYNALAB_LESSON_DIRS = [folder]
    return folder
