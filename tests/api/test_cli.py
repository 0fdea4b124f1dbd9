"""The AWS CLI (version 1) against a live server, run as a learner runs it: a subprocess with
the sandbox's keys in the environment and ``--endpoint-url``."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from dynalab.sandboxes.models import Sandbox

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def aws(live_server, sandbox: Sandbox, tmp_path: Path):
    """Run ``aws <args>`` with only the sandbox's credentials: no profile, no config file."""
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "AWS_ACCESS_KEY_ID": sandbox.access_key_id,
        "AWS_SECRET_ACCESS_KEY": sandbox.secret_access_key,
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_CONFIG_FILE": str(tmp_path / "no-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "no-credentials"),
        "AWS_MAX_ATTEMPTS": "1",
    }

    def run(*args: str, endpoint: str | None = "/", check: bool = True, **env: str) -> Any:
        command = [sys.executable, "-m", "awscli", *args, "--output", "json"]
        if endpoint is not None:
            command += ["--endpoint-url", live_server.url + endpoint]
        finished = subprocess.run(
            command,
            env={**environment, **env},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if check:
            assert finished.returncode == 0, finished.stderr
            return json.loads(finished.stdout) if finished.stdout.strip() else None
        return finished

    return run


def test_the_aws_cli_creates_writes_queries_scans_and_describes(aws) -> None:
    created = aws(
        "dynamodb", "create-table",
        "--table-name", "Music",
        "--attribute-definitions", "AttributeName=Artist,AttributeType=S",
        "AttributeName=SongTitle,AttributeType=S",
        "--key-schema", "AttributeName=Artist,KeyType=HASH", "AttributeName=SongTitle,KeyType=RANGE",
        "--billing-mode", "PAY_PER_REQUEST",
    )  # fmt: skip
    for title in ("Call Me Today", "Happy Day", "PartiQL Rocks"):
        aws(
            "dynamodb", "put-item", "--table-name", "Music",
            "--item", json.dumps({"Artist": {"S": "No One You Know"}, "SongTitle": {"S": title}}),
        )  # fmt: skip
    aws(
        "dynamodb", "put-item", "--table-name", "Music",
        "--item", '{"Artist": {"S": "Acme Band"}, "SongTitle": {"S": "Happy Day"}}',
    )  # fmt: skip
    queried = aws(
        "dynamodb", "query", "--table-name", "Music",
        "--key-condition-expression", "Artist = :name AND begins_with(SongTitle, :prefix)",
        "--expression-attribute-values", '{":name": {"S": "No One You Know"}, ":prefix": {"S": "Ha"}}',
    )  # fmt: skip
    scanned = aws("dynamodb", "scan", "--table-name", "Music", endpoint="/dynamodb/")
    described = aws("dynamodb", "describe-table", "--table-name", "Music")

    assert created["TableDescription"]["TableName"] == "Music"
    assert queried["Count"] == 1
    assert queried["Items"] == [
        {"Artist": {"S": "No One You Know"}, "SongTitle": {"S": "Happy Day"}}
    ]
    assert scanned["Count"] == 4
    assert described["Table"]["TableStatus"] == "ACTIVE"
    assert described["Table"]["ItemCount"] == 4


def test_the_cli_paginates_a_scan_on_its_own(aws) -> None:
    aws(
        "dynamodb", "create-table", "--table-name", "Numbers",
        "--attribute-definitions", "AttributeName=n,AttributeType=N",
        "--key-schema", "AttributeName=n,KeyType=HASH", "--billing-mode", "PAY_PER_REQUEST",
    )  # fmt: skip
    requests = {"Numbers": [{"PutRequest": {"Item": {"n": {"N": str(n)}}}} for n in range(20)]}
    aws("dynamodb", "batch-write-item", "--request-items", json.dumps(requests))

    scanned = aws("dynamodb", "scan", "--table-name", "Numbers", "--page-size", "3")

    assert sorted(int(item["n"]["N"]) for item in scanned["Items"]) == list(range(20))


def test_the_environment_snippet_needs_no_endpoint_flag(aws, live_server) -> None:
    listed = aws(
        "dynamodb", "list-tables", endpoint=None, AWS_ENDPOINT_URL_DYNAMODB=live_server.url + "/"
    )

    assert listed == {"TableNames": []}


def test_cli_errors_name_the_service_error(aws) -> None:
    missing = aws("dynamodb", "describe-table", "--table-name", "Nope", check=False)
    bad_key = aws("dynamodb", "list-tables", check=False, AWS_SECRET_ACCESS_KEY="wrong")

    assert missing.returncode != 0
    assert "(ResourceNotFoundException) when calling the DescribeTable operation" in missing.stderr
    assert bad_key.returncode != 0
    assert "(InvalidSignatureException) when calling the ListTables operation" in bad_key.stderr
