"""The endpoint's wire behaviour through Django's test client: headers, envelopes, the order of
the service's checks, limits, and both mount points."""

from __future__ import annotations

import io
import json
import re
import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.http import HttpResponse
from django.test import Client

from dynalab.api import protocol
from dynalab.sandboxes import services as sandboxes
from dynalab.sandboxes.models import Activity, Sandbox
from tests.support import api as helpers

ENDPOINTS = ["/", "/dynamodb/", "/dynamodb"]


def post(
    client: Client,
    sandbox: Sandbox | None,
    operation: str,
    payload: Any = None,
    *,
    path: str = "/dynamodb/",
    raw: bytes | None = None,
    prefix: str = "DynamoDB_20120810",
    secret: str | None = None,
    **headers: str,
) -> HttpResponse:
    """POST one call signed by botocore with the sandbox's keys (unsigned without a sandbox)."""
    data = raw if raw is not None else helpers.body({} if payload is None else payload)
    target = f"{prefix}.{operation}"
    sent = {"Content-Type": helpers.JSON_CONTENT_TYPE, "X-Amz-Target": target}
    if sandbox is not None:
        sent = helpers.signed_headers(
            f"http://testserver{path}",
            data,
            target=target,
            access_key_id=sandbox.access_key_id,
            secret_access_key=secret or sandbox.secret_access_key,
        )
    sent.update(headers)
    content_type = sent.pop("Content-Type")
    # CONTENT_TYPE too: the test client leaves it out of a request with an empty body.
    return client.generic(
        "POST",
        path,
        data,
        content_type=content_type,
        headers={**sent, "Host": "testserver"},
        CONTENT_TYPE=content_type,
    )


def envelope(response: HttpResponse) -> dict[str, Any]:
    """The JSON body, after checking the headers every answer carries."""
    assert response["Content-Type"] == helpers.JSON_CONTENT_TYPE
    assert re.fullmatch(r"[A-Z2-7]{52}", response["x-amzn-RequestId"])
    assert int(response["x-amz-crc32"]) == zlib.crc32(response.content)
    assert int(response["Content-Length"]) == len(response.content)
    return json.loads(response.content)


def assert_error(response: HttpResponse, status: int, type_: str, message: str | None = None):
    body = envelope(response)
    assert response.status_code == status, body
    assert body["__type"] == type_
    if message is not None:
        assert body["message"] == message
    return body


# ---------------------------------------------------------------------- success
@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_signed_call_runs_on_the_keys_sandbox(client: Client, sandbox: Sandbox, path: str):
    created = post(client, sandbox, "CreateTable", helpers.create_table_request(), path=path)
    listed = post(client, sandbox, "ListTables", path=path)

    assert created.status_code == 200, created.content
    assert envelope(created)["TableDescription"]["TableName"] == helpers.TABLE
    assert envelope(listed) == {"TableNames": [helpers.TABLE]}
    assert Activity.objects.filter(sandbox=sandbox, source="api").count() == 2


def test_answers_mirror_plain_json_content_type(client: Client, sandbox: Sandbox):
    data = b"{}"
    headers = helpers.signed_headers(
        "http://testserver/dynamodb/",
        data,
        target="DynamoDB_20120810.ListTables",
        access_key_id=sandbox.access_key_id,
        secret_access_key=sandbox.secret_access_key,
        content_type="application/json",
    )
    headers.pop("Content-Type")
    response = client.generic(
        "POST",
        "/dynamodb/",
        data,
        content_type="application/json",
        headers={**headers, "Host": "testserver"},
    )

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"


def test_get_on_the_root_is_still_the_home_page(client: Client):
    response = client.get("/")

    assert response.status_code == 200
    assert response.templates[0].name == "console/home.html"


def test_a_form_post_to_the_root_is_not_an_api_call(client: Client):
    assert client.post("/", {"a": "b"}).status_code == 405


# ---------------------------------------------------------------------- not an operation
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE", "PATCH", "OPTIONS"])
def test_other_methods_on_the_endpoint(client: Client, method: str):
    response = client.generic(method, "/dynamodb/", b"{}")

    body = assert_error(response, 404, "com.amazon.coral.service#UnknownOperationException")
    assert body["message"].startswith(
        f"The DynamoDB endpoint does not answer {method}: send a POST"
    )


def test_a_body_that_is_not_json_1_0(client: Client):
    response = client.generic(
        "POST",
        "/dynamodb/",
        b"a=b",
        content_type="text/plain",
        headers={"X-Amz-Target": "DynamoDB_20120810.ListTables"},
    )

    assert_error(response, 404, "com.amazon.coral.service#UnknownOperationException")


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{", None),
        (b"[]", "Start of list found where not expected"),
        (b"42", "The request body must be a JSON object"),
        (b'{"Limit": NaN}', None),
        (b'{"a": "\xff"}', "The request body is not valid UTF-8"),
        (b'{"a": "\\ud800"}', "The request body holds an unpaired UTF-16 surrogate"),
        (b"[" * 100_000, "The request body is nested too deeply"),
    ],
)
def test_malformed_json(client: Client, sandbox: Sandbox, raw: bytes, message: str | None):
    response = post(client, sandbox, "ListTables", raw=raw)

    body = assert_error(response, 400, "com.amazon.coral.service#SerializationException", message)
    if message is None:  # the service names nothing about JSON that does not parse
        assert set(body) == {"__type"}


@pytest.mark.parametrize(
    "target",
    [
        "DynamoDB_20120810.Nope",
        "DynamoDB_20120810",
        "Nope.ListTables",
        "dynamodb_20120810.ListTables",
        "DynamoDB_20120810.GetRecords",
        "DynamoDBStreams_20120810.ListTables",
    ],
)
def test_unknown_operations(client: Client, sandbox: Sandbox, target: str):
    response = post(client, None, "ListTables", **{"X-Amz-Target": target})

    body = assert_error(response, 400, "com.amazon.coral.service#UnknownOperationException")
    assert body["message"].startswith(f"Unknown operation '{target}' in the X-Amz-Target header")


def test_a_missing_target(client: Client):
    response = client.generic("POST", "/dynamodb/", b"{}", content_type=helpers.JSON_CONTENT_TYPE)

    body = assert_error(response, 400, "com.amazon.coral.service#UnknownOperationException")
    assert body["message"].startswith("The X-Amz-Target header is missing")


def test_streams_operations_use_their_own_prefix(client: Client, sandbox: Sandbox):
    response = post(client, sandbox, "ListStreams", prefix="DynamoDBStreams_20120810")

    assert response.status_code == 200, response.content
    assert "Streams" in envelope(response)


# ---------------------------------------------------------------------- authentication
def test_an_unsigned_call(client: Client, sandbox: Sandbox):
    response = post(client, None, "ListTables")

    assert_error(
        response,
        400,
        "com.amazon.coral.service#MissingAuthenticationTokenException",
        "Request is missing Authentication Token",
    )


def test_an_unknown_access_key(client: Client, sandbox: Sandbox):
    stranger = Sandbox(access_key_id="DLABNOSUCHKEY0000000", secret_access_key="x")

    response = post(client, stranger, "ListTables")

    assert_error(
        response,
        400,
        "com.amazon.coral.service#UnrecognizedClientException",
        "The security token included in the request is invalid.",
    )


def test_a_wrong_secret(client: Client, sandbox: Sandbox):
    response = post(client, sandbox, "ListTables", secret="not-the-secret")

    body = assert_error(response, 400, "com.amazon.coral.service#InvalidSignatureException")
    assert body["message"].startswith(
        "The request signature we calculated does not match the signature you provided. "
        "Check your AWS Secret Access Key and signing method. "
        "Consult the service documentation for details."
    )


@pytest.mark.parametrize("operation", ["ListTables", "CreateTable"])
def test_a_reset_sandboxs_old_keys_stop_working_even_when_remembered(
    client: Client, sandbox: Sandbox, operation: str
):
    assert post(client, sandbox, "ListTables").status_code == 200  # now remembered

    sandboxes.reset_sandbox(sandbox)

    payload = helpers.create_table_request() if operation == "CreateTable" else {}
    assert_error(
        post(client, sandbox, operation, payload),
        400,
        "com.amazon.coral.service#UnrecognizedClientException",
    )


def test_a_deleted_sandboxs_keys_stop_working(client: Client, sandbox: Sandbox):
    assert post(client, sandbox, "ListTables").status_code == 200
    Sandbox.objects.filter(pk=sandbox.pk).delete()

    assert_error(
        post(client, sandbox, "ListTables"),
        400,
        "com.amazon.coral.service#UnrecognizedClientException",
    )


def test_in_accept_any_mode_a_reset_key_opens_the_new_sandbox(
    client: Client, transactional_db, accept_any_key
):
    learner = Sandbox(access_key_id="learner", secret_access_key="x")
    post(client, learner, "CreateTable", helpers.create_table_request())

    sandboxes.reset_sandbox(sandboxes.keyless_sandbox("learner"))

    assert envelope(post(client, learner, "ListTables")) == {"TableNames": []}
    assert post(client, learner, "CreateTable", helpers.create_table_request()).status_code == 200


def test_an_old_signature(client: Client, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(
        "botocore.auth.get_current_datetime",
        lambda: datetime.now(UTC) - timedelta(minutes=20),
    )

    body = assert_error(
        post(client, sandbox, "ListTables"),
        400,
        "com.amazon.coral.service#InvalidSignatureException",
    )
    assert body["message"].startswith("Signature expired: ")
    assert body["message"].endswith(" - 15 min.)")


def test_a_signature_for_another_service(client: Client, sandbox: Sandbox):
    data = b"{}"
    headers = helpers.signed_headers(
        "http://testserver/dynamodb/",
        data,
        target="DynamoDB_20120810.ListTables",
        access_key_id=sandbox.access_key_id,
        secret_access_key=sandbox.secret_access_key,
        service="s3",
    )
    headers.pop("Content-Type")
    response = client.generic(
        "POST",
        "/dynamodb/",
        data,
        content_type=helpers.JSON_CONTENT_TYPE,
        headers={**headers, "Host": "testserver"},
    )

    assert_error(
        response,
        400,
        "com.amazon.coral.service#InvalidSignatureException",
        "Credential should be scoped to correct service: 'dynamodb'.",
    )


def test_the_service_checks_the_target_before_the_signature(client: Client, sandbox: Sandbox):
    response = post(client, None, "NoSuchOperation")

    assert_error(response, 400, "com.amazon.coral.service#UnknownOperationException")


def test_an_empty_body_is_refused_after_authentication(client: Client, sandbox: Sandbox):
    assert_error(
        post(client, None, "ListTables", raw=b""),
        400,
        "com.amazon.coral.service#MissingAuthenticationTokenException",
    )
    body = assert_error(
        post(client, sandbox, "ListTables", raw=b""),
        400,
        "com.amazon.coral.service#SerializationException",
    )
    assert body["message"].startswith("The request body is empty")


def test_accept_any_key_opens_a_sandbox_per_key_id(
    client: Client, sandbox: Sandbox, accept_any_key
):
    alice = Sandbox(access_key_id="alice", secret_access_key="anything")
    bob = Sandbox(access_key_id="bob", secret_access_key="else")

    post(client, alice, "CreateTable", helpers.create_table_request("AliceTable"))
    post(client, bob, "CreateTable", helpers.create_table_request("BobTable"))

    assert envelope(post(client, alice, "ListTables")) == {"TableNames": ["AliceTable"]}
    assert envelope(post(client, bob, "ListTables", secret="changed")) == {
        "TableNames": ["BobTable"]
    }
    # A sandbox's own keys still open it, so the CLI sees what the browser shows.
    assert envelope(post(client, sandbox, "ListTables", secret="wrong")) == {"TableNames": []}
    assert_error(
        post(client, None, "ListTables"),
        400,
        "com.amazon.coral.service#MissingAuthenticationTokenException",
    )


# ---------------------------------------------------------------------- service errors
def test_engine_errors_carry_the_dynamodb_namespace(client: Client, sandbox: Sandbox):
    response = post(client, sandbox, "DescribeTable", {"TableName": "Missing"})

    assert_error(response, 400, "com.amazonaws.dynamodb.v20120810#ResourceNotFoundException")


def test_cancellation_reasons_travel_in_the_envelope(client: Client, sandbox: Sandbox):
    post(client, sandbox, "CreateTable", helpers.create_table_request())
    item = {"pk": {"S": "a"}, "sk": {"N": "1"}}
    post(client, sandbox, "PutItem", {"TableName": helpers.TABLE, "Item": item})

    response = post(
        client,
        sandbox,
        "TransactWriteItems",
        {
            "TransactItems": [
                {
                    "Put": {
                        "TableName": helpers.TABLE,
                        "Item": item,
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        },
    )

    body = assert_error(
        response, 400, "com.amazonaws.dynamodb.v20120810#TransactionCanceledException"
    )
    assert body["CancellationReasons"] == [
        {"Code": "ConditionalCheckFailed", "Message": "The conditional request failed"}
    ]


def test_our_own_faults_are_internal_server_errors(
    client: Client, sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
):
    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr("dynalab.sandboxes.services.execute", broken)

    body = assert_error(
        post(client, sandbox, "ListTables"),
        500,
        "com.amazonaws.dynamodb.v20120810#InternalServerError",
    )
    assert "boom" not in body["message"]


# ---------------------------------------------------------------------- limits
def test_a_body_over_the_cap_is_refused_unread(client: Client, sandbox: Sandbox, api_settings):
    api_settings.DYNALAB_API_MAX_REQUEST_BYTES = 1000

    response = post(client, sandbox, "PutItem", raw=b"{" + b" " * 2000 + b"}")

    body = assert_error(response, 413, "com.amazonaws.dynamodb.v20120810#ValidationException")
    assert body["message"] == (
        "Request size 2,002 bytes exceeds this server's limit of 1,000 bytes "
        "(DYNALAB_API_MAX_REQUEST_BYTES); send the items in smaller requests"
    )
    assert response["Connection"] == "close"


def test_a_body_without_content_length_is_read_no_further_than_the_cap(rf, api_settings):
    request = rf.generic("POST", "/dynamodb/", b"{}", content_type=helpers.JSON_CONTENT_TYPE)
    request._stream = io.BytesIO(b"{" + b" " * 10_000_000 + b"}")  # chunked: length unknown
    del request.META["CONTENT_LENGTH"]

    with pytest.raises(protocol.RequestTooLarge):
        protocol.read_request(request, max_body_bytes=1000)

    assert request._stream.tell() == 1001


def test_the_sandbox_request_rate_is_throttled(client: Client, sandbox: Sandbox, api_settings):
    api_settings.DYNALAB_API_RATE_LIMIT = {"requests_per_second": 0.001, "burst": 3}

    answers = [post(client, sandbox, "ListTables") for _ in range(5)]

    assert [answer.status_code for answer in answers] == [200, 200, 200, 400, 400]
    assert_error(
        answers[-1],
        400,
        "com.amazon.coral.availability#ThrottlingException",
        "Rate of requests exceeds the allowed throughput.",
    )
    other = Sandbox.objects.create(label="another learner")
    assert post(client, other, "ListTables").status_code == 200


def test_sandbox_limits_answer_with_the_service_errors(client: Client, sandbox: Sandbox, settings):
    settings.DYNALAB_SANDBOX_LIMITS = {"tables": 1}
    post(client, sandbox, "CreateTable", helpers.create_table_request("One"))

    response = post(client, sandbox, "CreateTable", helpers.create_table_request("Two"))

    assert_error(response, 400, "com.amazonaws.dynamodb.v20120810#LimitExceededException")


def test_tag_resource_answers_with_an_empty_body(client: Client, sandbox: Sandbox):
    """As the service does: 200 and no body at all for TagResource and UntagResource."""
    created = post(client, sandbox, "CreateTable", helpers.create_table_request())
    arn = json.loads(created.content)["TableDescription"]["TableArn"]
    tag = {"ResourceArn": arn, "Tags": [{"Key": "team", "Value": "blue"}]}
    for operation, payload in (
        ("TagResource", tag),
        ("UntagResource", {"ResourceArn": arn, "TagKeys": ["team"]}),
    ):
        response = post(client, sandbox, operation, payload)
        assert response.status_code == 200
        assert response.content == b""
        assert response["Content-Length"] == "0"
        assert response["x-amz-crc32"] == "0"
