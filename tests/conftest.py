"""Project-wide test set-up: Hypothesis profiles.

``ci`` (chosen when CI is set) has no deadline, since a shared two-core machine makes timing
noisy, and is derandomized so a run's verdict never depends on luck; ``dev`` explores new
random examples on every run and remembers failures in .hypothesis/. HYPOTHESIS_PROFILE
picks one by name.
"""

import os

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
