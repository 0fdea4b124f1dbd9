"""dynalab.serving.ThreadedWSGI: Django in a thread pool under the production server's event
loop, with the request as the client sent it and the whole answer handed back at once."""

from __future__ import annotations

import asyncio
import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import boto3
import pytest
from botocore.config import Config

from dynalab.serving import ThreadedWSGI
from tests.support.servers import ProductionServer, manage


def drive(app, scope, messages):
    """Run one ASGI call as a server would; return what the app sent."""
    sent = []

    async def receive():
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    # A thread of its own: a browser test may keep an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, app(scope, receive, send)).result()
    return sent


def echo_environ(environ, start_response):
    seen = {k: v for k, v in environ.items() if isinstance(v, str)}
    seen["body"] = environ["wsgi.input"].read().decode()
    write = start_response("201 Created", [("Content-Type", "application/json"), ("X-One", "1")])
    write(b"")  # the legacy write() callable works too
    return [json.dumps(seen).encode(), b"\n"]


def test_the_request_reaches_django_as_the_client_sent_it() -> None:
    scope = {
        "type": "http",
        "http_version": "1.1",
        "method": "POST",
        "scheme": "https",
        "path": "/dynamodb/a/b",
        "raw_path": b"/dynamodb/a%2Fb",
        "query_string": b"x=1&y=%20",
        "root_path": "",
        "server": ("127.0.0.1", 8000),
        "client": ("10.0.0.7", 50000),
        "headers": [
            (b"host", b"class.example"),
            (b"content-type", b"application/x-amz-json-1.0"),
            (b"content-length", b"7"),
            (b"x-amz-target", b"DynamoDB_20120810.ListTables"),
            (b"accept", b"a"),
            (b"accept", b"b"),
        ],
    }
    messages = [
        {"type": "http.request", "body": b'{"a"', "more_body": True},
        {"type": "http.request", "body": b":1}", "more_body": False},
    ]
    sent = drive(ThreadedWSGI(echo_environ, threads=2), scope, messages)

    assert [m["type"] for m in sent] == ["http.response.start", "http.response.body"]
    assert sent[0]["status"] == 201
    assert (b"x-one", b"1") in sent[0]["headers"]
    environ = json.loads(sent[1]["body"])
    assert environ["body"] == '{"a":1}'
    assert environ["REQUEST_METHOD"] == "POST"
    assert environ["PATH_INFO"] == "/dynamodb/a/b"
    # SigV4 signs the path as sent: the percent-encoding survives in RAW_URI.
    assert environ["RAW_URI"] == "/dynamodb/a%2Fb?x=1&y=%20"
    assert environ["QUERY_STRING"] == "x=1&y=%20"
    assert environ["CONTENT_TYPE"] == "application/x-amz-json-1.0"
    assert environ["CONTENT_LENGTH"] == "7"
    assert environ["HTTP_X_AMZ_TARGET"] == "DynamoDB_20120810.ListTables"
    assert environ["HTTP_ACCEPT"] == "a,b"  # repeated headers joined, as WSGI servers do
    assert environ["HTTP_HOST"] == "class.example"
    assert environ["REMOTE_ADDR"] == "10.0.0.7"
    assert environ["wsgi.url_scheme"] == "https"
    assert (environ["SERVER_NAME"], environ["SERVER_PORT"]) == ("127.0.0.1", "8000")


def test_a_client_gone_before_its_body_arrived_gets_nothing() -> None:
    called = []

    def app(environ, start_response):  # pragma: no cover - must not run
        called.append(environ)
        return []

    scope = {"type": "http", "method": "POST", "path": "/", "headers": []}
    partial = [{"type": "http.request", "body": b"ab", "more_body": True}]
    assert drive(ThreadedWSGI(app, threads=1), scope, partial) == []
    assert called == []


def test_lifespan_and_websockets_are_answered() -> None:
    app = ThreadedWSGI(echo_environ, threads=1)
    lifespan = [{"type": "lifespan.startup"}, {"type": "lifespan.shutdown"}]
    assert [m["type"] for m in drive(app, {"type": "lifespan"}, lifespan)] == [
        "lifespan.startup.complete",
        "lifespan.shutdown.complete",
    ]
    closed = drive(app, {"type": "websocket", "path": "/"}, [{"type": "websocket.connect"}])
    assert closed == [{"type": "websocket.close", "code": 1000}]


@pytest.fixture(scope="module")
def keys(production_env: dict[str, str]) -> dict[str, str]:
    return json.loads(manage(production_env, "sandbox_create", "--label=signed-boto3"))


def test_boto3_signs_and_calls_through_the_production_server(
    production_env: dict[str, str], keys: dict[str, str]
) -> None:
    """A real SigV4 signature checked against the request as the production front passed it."""
    server = ProductionServer(
        {k: v for k, v in production_env.items() if k != "DYNALAB_API_ACCEPT_ANY_KEY"},
        Path(production_env["LOG_FOLDER"]) / "signed.log",
    )
    try:
        client = boto3.client(
            "dynamodb",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id=keys["access_key_id"],
            aws_secret_access_key=keys["secret_access_key"],
            config=Config(retries={"max_attempts": 0}),
        )
        client.create_table(
            TableName="Signed",
            BillingMode="PAY_PER_REQUEST",
            AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
            KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        )
        client.put_item(TableName="Signed", Item={"pk": {"S": "ü/1"}, "n": {"N": "7"}})
        got = client.get_item(TableName="Signed", Key={"pk": {"S": "ü/1"}})
        assert got["Item"] == {"pk": {"S": "ü/1"}, "n": {"N": "7"}}

        wrong = boto3.client(
            "dynamodb",
            endpoint_url=server.url,
            region_name="us-east-1",
            aws_access_key_id=keys["access_key_id"],
            aws_secret_access_key="not-the-secret",
            config=Config(retries={"max_attempts": 0}),
        )
        with pytest.raises(wrong.exceptions.ClientError) as refused:
            wrong.list_tables()
        assert refused.value.response["Error"]["Code"] == "InvalidSignatureException"
    finally:
        server.stop()
