"""The code a learner would write for a request: boto3 (low-level client) and the AWS CLI.

Both take the request exactly as the workbench sent it, so pasting the code sends the same
JSON body to the service (or to this sandbox, through its endpoint).
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from dynalab.sandboxes import selectors

#: Boolean parameters the AWS CLI spells as a flag pair (--consistent-read / --no-consistent-read).
CLI_FLAGS = frozenset({"ConsistentRead", "ScanIndexForward", "DeletionProtectionEnabled"})
#: Operations the AWS CLI pages through on its own unless told not to.
PAGINATED = frozenset({"Query", "Scan", "ListTables"})
LINE_WIDTH = 88


@dataclass(frozen=True)
class RequestCode:
    """One request, three ways: the JSON body, Python with boto3, and the AWS CLI."""

    operation: str
    request: dict[str, Any]
    endpoint_url: str
    #: The AWS Region it ran in: the code signs for the same one, so it reaches the same tables.
    region: str = "us-east-1"

    @property
    def request_json(self) -> str:
        return json.dumps(self.request, indent=2, ensure_ascii=False)

    @property
    def python(self) -> str:
        return python_code(self.operation, self.request, self.endpoint_url, self.region)

    @property
    def cli(self) -> str:
        return cli_command(self.operation, self.request, self.endpoint_url, self.region)


def snake_case(name: str) -> str:
    """``BatchWriteItem`` -> ``batch_write_item`` (boto3's method names)."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def kebab_case(name: str) -> str:
    """``KeyConditionExpression`` -> ``key-condition-expression`` (the CLI's names)."""
    return snake_case(name).replace("_", "-")


def python_literal(value: Any, depth: int = 0) -> str:
    """A Python expression for a JSON value, on one line when it fits, else one item a line."""
    flat = _flat_literal(value)
    if len(flat) + 4 * (depth + 1) <= LINE_WIDTH or not isinstance(value, dict | list) or not value:
        return flat
    inner = "    " * (depth + 1)
    outer = "    " * depth
    if isinstance(value, dict):
        lines = [
            f"{inner}{json.dumps(name, ensure_ascii=False)}: {python_literal(element, depth + 1)},"
            for name, element in value.items()
        ]
        return "{\n" + "\n".join(lines) + f"\n{outer}}}"
    lines = [f"{inner}{python_literal(element, depth + 1)}," for element in value]
    return "[\n" + "\n".join(lines) + f"\n{outer}]"


def _flat_literal(value: Any) -> str:
    if value is True:
        return "True"
    if value is False:
        return "False"
    if value is None:
        return "None"
    if isinstance(value, dict):
        return (
            "{"
            + ", ".join(
                f"{json.dumps(name, ensure_ascii=False)}: {_flat_literal(element)}"
                for name, element in value.items()
            )
            + "}"
        )
    if isinstance(value, list):
        return "[" + ", ".join(_flat_literal(element) for element in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _client(operation: str) -> str | None:
    """The boto3 client (and AWS CLI command) that has ``operation``: ``dynamodb``,
    ``dynamodbstreams``, ``dax``, or None for DynaLab's own operations, which no SDK has."""
    facts = selectors.operation(operation)
    if facts is None or facts.api == selectors.DYNAMODB_API:
        return "dynamodb"
    if facts.api == selectors.STREAMS_API:
        return "dynamodbstreams"
    if facts.api == selectors.DAX_API:
        return "dax"
    return None


def _not_in_the_sdks(operation: str, comment: str) -> str:
    return (
        f"{comment} {operation} is DynaLab's own operation, not part of the DynamoDB API:\n"
        f"{comment} boto3 and the AWS CLI do not have it. Run it from the workbench, or POST\n"
        f"{comment} the JSON body with the header X-Amz-Target: DynamoDB_20120810.{operation}\n"
        f"{comment} to this server's endpoint, signed as for any DynamoDB call.\n"
    )


def python_code(
    operation: str, request: dict[str, Any], endpoint_url: str, region: str = "us-east-1"
) -> str:
    client = _client(operation)
    if client is None:
        return _not_in_the_sdks(operation, "#")
    arguments = "".join(
        f"    {name}={python_literal(value, 1)},\n" for name, value in request.items()
    )
    call = f"response = client.{snake_case(operation)}(\n{arguments})"
    if not request:
        call = f"response = client.{snake_case(operation)}()"
    return (
        "import boto3\n\n"
        "# Your sandbox's access keys go in AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.\n"
        "client = boto3.client(\n"
        f'    "{client}",\n'
        f"    endpoint_url={json.dumps(endpoint_url)},\n"
        f"    region_name={json.dumps(region)},\n"
        ")\n"
        f"{call}\n"
    )


def cli_command(
    operation: str, request: dict[str, Any], endpoint_url: str, region: str = "us-east-1"
) -> str:
    client = _client(operation)
    if client is None:
        return _not_in_the_sdks(operation, "#").rstrip("\n")
    parts = [f"aws {client} {kebab_case(operation)}"]
    for name, value in request.items():
        option = kebab_case(name)
        if name in CLI_FLAGS and isinstance(value, bool):
            parts.append(f"--{option}" if value else f"--no-{option}")
        elif isinstance(value, dict | list):
            parts.append(
                f"--{option} "
                + shlex.quote(json.dumps(value, ensure_ascii=False, separators=(",", ":")))
            )
        elif isinstance(value, bool):
            parts.append(f"--{option} {'true' if value else 'false'}")
        else:
            parts.append(f"--{option} {shlex.quote(str(value))}")
    if operation in PAGINATED:
        # Without it the CLI follows LastEvaluatedKey itself and merges every page.
        parts.append("--no-paginate")
    parts.append(f"--region {shlex.quote(region)}")
    parts.append(f"--endpoint-url {shlex.quote(endpoint_url)}")
    return " \\\n    ".join(parts)
