"""boto3 clients and resources whose requests are answered by an in-process DynaLab ``Engine``.

The adapter hooks botocore's ``before-send`` event, the last step before a request would go
on the wire: botocore has already validated the parameters, serialized the JSON body and
signed the request, and it will parse our answer, map errors to modelled exceptions and run
its retry checks exactly as it would for the real service. So a client made here pays the
same client-side cost as one under moto's ``mock_aws`` (which hooks the same event), and the
difference between the two is the backend alone.

    >>> client, engine = engine_client()
    >>> client.list_tables()["TableNames"]
    []
"""

from __future__ import annotations

import itertools
import json
import sys
import zlib
from typing import Any

import boto3
from botocore.awsrequest import AWSPreparedRequest, AWSResponse

from engine import DynamoDBError, Engine
from engine.errors import SerializationException

#: The same fake credentials for every client the benchmarks build, engine or moto.
FAKE_CREDENTIALS = {
    "aws_access_key_id": "testing",
    "aws_secret_access_key": "testing",
    "aws_session_token": "testing",
}
DEFAULT_REGION = "us-east-1"
ERROR_PREFIX = "com.amazonaws.dynamodb.v20120810#"
CONTENT_TYPE = "application/x-amz-json-1.0"


class RawBody:
    """The ``raw`` of an ``AWSResponse``: what ``AWSResponse.content`` and streaming read."""

    __slots__ = ("_data",)

    def __init__(self, data: bytes) -> None:
        self._data = data

    def stream(self, **_kwargs: Any):
        data, self._data = self._data, b""
        if data:
            yield data

    def read(self, amt: int | None = None, **_kwargs: Any) -> bytes:
        if amt is None or amt >= len(self._data):
            data, self._data = self._data, b""
        else:
            data, self._data = self._data[:amt], self._data[amt:]
        return data

    def close(self) -> None:
        self._data = b""


class EngineHandler:
    """A ``before-send.dynamodb.*`` handler: answers a prepared request from an Engine."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._request_ids = itertools.count(1)

    def __call__(self, request: AWSPreparedRequest, **_kwargs: Any) -> AWSResponse:
        target = request.headers.get("X-Amz-Target") or ""
        if isinstance(target, bytes):
            target = target.decode("ascii")
        operation = target.rpartition(".")[2]
        status = 200
        try:
            try:
                payload = json.loads(request.body or b"{}")
            except (ValueError, UnicodeDecodeError):
                raise SerializationException("Malformed JSON in request body") from None
            result: dict[str, Any] = self.engine.call(operation, payload)
        except DynamoDBError as error:
            status = error.status
            result = error.to_dict()
            result["__type"] = ERROR_PREFIX + error.code
        body = json.dumps(result, separators=(",", ":")).encode("utf-8") if result else b"{}"
        headers = {
            "Content-Type": CONTENT_TYPE,
            "Content-Length": str(len(body)),
            "x-amzn-RequestId": f"DYNALAB{next(self._request_ids):045d}",
            # The real service (and moto) send the body's CRC32; botocore verifies it.
            "x-amz-crc32": str(zlib.crc32(body)),
        }
        return AWSResponse(request.url, status, headers, RawBody(body))


def _session(region: str) -> boto3.session.Session:
    return boto3.session.Session(region_name=region, **FAKE_CREDENTIALS)


def detach_moto(client: Any) -> None:
    """Take moto's stubber off a client, if moto is loaded.

    botocore calls *every* ``before-send`` handler and keeps the first answer, so a client
    made while moto is imported would otherwise also run each request through moto whenever
    a ``mock_aws`` is active: moto's full cost, and moto's tables changed behind our back.
    """
    models = sys.modules.get("moto.core.models")
    stubber = getattr(models, "botocore_stubber", None)
    if stubber is not None:
        client.meta.events.unregister("before-send", stubber)


def attach(client: Any, engine: Engine) -> EngineHandler:
    """Route every DynamoDB request of an existing boto3 client to ``engine``."""
    handler = EngineHandler(engine)
    # The most specific event name runs first, so this handler's answer is the one used.
    client.meta.events.register("before-send.dynamodb.*", handler)
    detach_moto(client)
    return handler


def engine_client(engine: Engine | None = None, region: str = DEFAULT_REGION) -> tuple[Any, Engine]:
    """A boto3 DynamoDB client served by ``engine`` (a new Engine when None)."""
    engine = engine if engine is not None else Engine(region=region)
    client = _session(region).client("dynamodb")
    attach(client, engine)
    return client, engine


def engine_resource(
    engine: Engine | None = None, region: str = DEFAULT_REGION
) -> tuple[Any, Engine]:
    """A boto3 DynamoDB service resource served by ``engine`` (a new Engine when None)."""
    engine = engine if engine is not None else Engine(region=region)
    resource = _session(region).resource("dynamodb")
    attach(resource.meta.client, engine)
    return resource, engine


def moto_client(region: str = DEFAULT_REGION) -> Any:
    """A boto3 DynamoDB client with the same credentials and config, for use under mock_aws."""
    return _session(region).client("dynamodb")
