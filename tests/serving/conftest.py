"""The production server as the README documents it, on a throwaway SQLite database."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.servers import ProductionServer, manage


@pytest.fixture(scope="module")
def production_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    folder = tmp_path_factory.mktemp("production")
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{folder / 'db.sqlite3'}",
        "DJANGO_SETTINGS_MODULE": "dynalab.settings",
        "DJANGO_SECRET_KEY": "production-test-" + "s" * 40,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost,class.example",
        "DJANGO_DEBUG": "0",
        "LOG_FOLDER": str(folder),
    }
    manage(env, "migrate", "--no-input", "-v0")
    return env


@pytest.fixture(scope="module")
def production_server(production_env: dict[str, str]) -> Iterator[ProductionServer]:
    server = ProductionServer(
        {**production_env, "DJANGO_HTTPS": "1", "DJANGO_HSTS_SECONDS": "3600"},
        Path(production_env["LOG_FOLDER"]) / "server.log",
    )
    yield server
    server.stop()
