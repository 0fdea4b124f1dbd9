"""The in-process sandbox tests and the wire endpoint's fuzz tests, run again on PostgreSQL.

On PostgreSQL they found what SQLite let through: U+0000 in a string (text and jsonb columns
refuse it) made a valid PutItem, a refused call's Activity and an access key id answer 500;
tests/sandboxes/test_storage.py holds those cases. pytest-django creates its test database
on the session's server; test_processes.py, which starts servers on SQLite, is left out.
"""

from __future__ import annotations

import os
import subprocess
import sys

from tests.support.servers import REPO

SUITES = [
    "tests/sandboxes",
    "tests/api/test_fuzz.py",
    # Every workbench form fed hostile input (U+0000 among it) must not answer 500 here either.
    "tests/web/test_forms_never_fail.py",
]


def test_the_sandbox_and_fuzz_tests_pass_on_postgres(postgres_url: str) -> None:
    # This run's environment (CI picks the Hypothesis profile), less pytest's own variables.
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST_")}
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            *SUITES,
            "--ignore=tests/sandboxes/test_processes.py",
            "-p",
            "no:cacheprovider",
            "-q",
        ],
        cwd=REPO,
        env={**env, "DATABASE_URL": postgres_url, "DJANGO_SETTINGS_MODULE": "dynalab.settings"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    assert " passed" in result.stdout.splitlines()[-1]
