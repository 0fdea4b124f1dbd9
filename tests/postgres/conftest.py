"""A throwaway PostgreSQL server for this test run, and the sandbox servers that share it.

The server comes from Debian's binaries (/usr/lib/postgresql/<version>/bin/pg_ctl) through
pytest-postgresql's PostgreSQLExecutor: initdb into a temporary folder, start on a free
loopback port, create the database, stop and delete everything when the session ends.

PostgreSQL refuses to run as root, and CI runs as root, so there pg_ctl runs as the
``postgres`` account Debian's package creates, through a two-line wrapper (runuser). That is
also why this is not pytest-postgresql's ``postgresql_proc`` fixture: it puts the data folder
under pytest's basetemp, which pytest creates mode 0700 for its own user, where the postgres
account cannot enter. Here the folder is our own: root-owned and traversable, with the data,
the log and the socket in a subfolder owned by the postgres account.

Without the binaries the tests skip on a developer's machine and fail under CI, where
.ci/run installs Debian's postgresql.
"""

from __future__ import annotations

import glob
import os
import pwd
import re
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

import port_for
import pytest
from pytest_postgresql.executors import PostgreSQLExecutor
from pytest_postgresql.janitor import DatabaseJanitor

from tests.support.servers import Server, manage

REPO = Path(__file__).resolve().parents[2]
DATABASE = "dynalab"
SUPERUSER = "postgres"


def _pg_ctl() -> Path | None:
    """Debian's newest pg_ctl (it keeps them out of PATH), else one on PATH."""

    def version(path: str) -> tuple[int, ...]:
        return tuple(int(part) for part in re.findall(r"\d+", Path(path).parts[-3]))

    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), key=version)
    if found:
        return Path(found[-1])
    on_path = shutil.which("pg_ctl")
    return Path(on_path) if on_path else None


def _require(problem: str, *, skip_outside_ci: bool) -> NoReturn:
    if os.environ.get("CI") or not skip_outside_ci:
        pytest.fail(f"{problem}; CI must run the PostgreSQL tests", pytrace=False)
    pytest.skip(problem)


def _as_postgres_account(pg_ctl: Path, folder: Path) -> Path:
    """A pg_ctl that runs the real one as the postgres account; ``folder`` is made its own."""
    try:
        account = pwd.getpwnam(SUPERUSER)
    except KeyError:
        _require(
            f"running as root, and there is no {SUPERUSER} account to run PostgreSQL as "
            f"(Debian's postgresql package creates it)",
            skip_outside_ci=False,
        )
    runuser = shutil.which("runuser")
    if runuser is None:
        _require("running as root, and runuser (util-linux) is missing", skip_outside_ci=False)
    os.chown(folder, account.pw_uid, account.pw_gid)
    # The wrapper sits beside that folder, in one only root may write to: root runs it.
    wrapper = folder.parent / "pg_ctl"
    wrapper.write_text(
        f"#!/bin/sh\nexec {shlex.quote(runuser)} -u {SUPERUSER} -- "
        f'{shlex.quote(str(pg_ctl))} "$@"\n'
    )
    wrapper.chmod(0o755)
    return wrapper


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """``postgres://`` URL of an empty database on a server started for this session."""
    pg_ctl = _pg_ctl()
    if pg_ctl is None:
        _require(
            "PostgreSQL's server binaries are missing (no /usr/lib/postgresql/*/bin/pg_ctl "
            "and no pg_ctl on PATH): apt-get install postgresql",
            skip_outside_ci=True,
        )
    base = Path(tempfile.mkdtemp(prefix="dynalab-postgres-"))
    base.chmod(0o711)  # the postgres account may pass through, not list or write
    folder = base / "server"
    folder.mkdir(mode=0o700)
    executable = _as_postgres_account(pg_ctl, folder) if os.geteuid() == 0 else pg_ctl
    port = port_for.select_random()
    server = PostgreSQLExecutor(
        executable=str(executable),
        host="127.0.0.1",
        port=port,
        datadir=str(folder / "data"),
        unixsocketdir=str(folder),
        logfile=str(folder / "server.log"),
        startparams="-w",
        dbname=DATABASE,
        user=SUPERUSER,
    )
    try:
        server.start()
        DatabaseJanitor(user=SUPERUSER, host="127.0.0.1", port=port, dbname=DATABASE).init()
        yield f"postgres://{SUPERUSER}@127.0.0.1:{port}/{DATABASE}"
    except BaseException:
        log = folder / "server.log"
        if log.exists():
            sys.stderr.write(f"PostgreSQL's log:\n{log.read_text(errors='replace')}\n")
        raise
    finally:
        if server.running():
            server.stop()
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def server_env(postgres_url: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment of every process of this session: the migrated PostgreSQL database."""
    logs = tmp_path_factory.mktemp("postgres-servers")
    env = {
        **os.environ,
        "DATABASE_URL": postgres_url,
        "DJANGO_SETTINGS_MODULE": "dynalab.settings",
        "DYNALAB_SANDBOX_DEBUG_API": "1",
        # Small, so a new worker loads a snapshot and replays the journal after it.
        "DYNALAB_SANDBOX_SNAPSHOT_EVERY": "5",
        "DJANGO_DEBUG": "0",
        "LOG_FOLDER": str(logs),
    }
    manage(env, "migrate", "--no-input", "-v0")
    return env


@pytest.fixture
def start_server(server_env: dict[str, str]) -> Iterator[Callable[[], Server]]:
    """Start gunicorn servers (one threaded worker each) on the database; all die after."""
    started: list[Server] = []

    def start() -> Server:
        server = Server(server_env, Path(server_env["LOG_FOLDER"]) / "servers.log")
        started.append(server)
        return server

    yield start
    for server in started:
        server.kill()
