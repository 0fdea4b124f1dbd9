"""Project-wide test set-up: Hypothesis profiles.

``ci`` (chosen when CI is set) has no deadline, since a shared two-core machine makes timing
noisy, and is derandomized so a run's verdict never depends on luck; ``dev`` explores new
random examples on every run and remembers failures in .hypothesis/. HYPOTHESIS_PROFILE
picks one by name.
"""

import os

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
