"""Project-wide test set-up: Hypothesis profiles, and the test database.

``ci`` (chosen when CI is set) has no deadline, since a shared two-core machine makes timing
noisy, and is derandomized so a run's verdict never depends on luck; ``dev`` explores new
random examples on every run and remembers failures in .hypothesis/. HYPOTHESIS_PROFILE
picks one by name.
"""

import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    database=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile("dev", deadline=None)
settings.load_profile(
    os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev")
)


@pytest.fixture(autouse=True, scope="session")
def _no_rate_limits_in_process() -> None:
    """Tests make hundreds of requests from one client in seconds, which a classroom server's
    page and sandbox-creation limits would rightly refuse; the tests of those limits turn
    them back on with override_settings. Servers started as processes keep their defaults."""
    from django.conf import settings as django_settings

    django_settings.DYNALAB_PAGE_RATE_LIMIT = {"requests_per_second": 0}
    django_settings.DYNALAB_SANDBOX_CREATION_RATE = {"per_minute": 0}


@pytest.fixture(scope="session")
def django_db_modify_db_settings() -> None:
    """On SQLite the test database is a file, as in production, not Django's in-memory default.

    The live server answers a browser's overlapping requests (an htmx poll beside a click) on
    several threads. An in-memory database shared between threads fails such a request at
    once with "database table is locked"; a file in write-ahead mode makes it wait for the
    lock as a real server does. Each xdist worker has its own file under test-artifacts/.
    """
    from django.conf import settings as django_settings

    database = django_settings.DATABASES["default"]
    if database["ENGINE"] != "django.db.backends.sqlite3":
        return
    folder = Path(__file__).resolve().parents[1] / "test-artifacts"
    folder.mkdir(exist_ok=True)
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    database.setdefault("TEST", {})["NAME"] = str(folder / f"test-db-{worker}.sqlite3")
