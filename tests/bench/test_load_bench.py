"""The load benchmark's SDK learner signs its calls as boto3 does, against a live server."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from bench import load_bench
from dynalab.sandboxes import services

pytestmark = pytest.mark.django_db(transaction=True)


def test_sdk_calls_are_signed_and_answered_and_a_wrong_secret_is_an_error(live_server) -> None:
    sandbox = services.keyless_sandbox("load-bench-sdk")
    port = urlparse(live_server.url).port
    results = load_bench.Results()
    learner = load_bench.Learner(1, port, results, think=0.0, start_after=0.0)
    sdk = load_bench.SdkCalls(learner, sandbox.access_key_id, sandbox.secret_access_key)

    sdk.call(
        "create",
        "CreateTable",
        {
            "TableName": "ShopOrders",
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}],
        },
    )
    key = {"customer": {"S": "c03"}}
    sdk.call("put", "PutItem", {"TableName": "ShopOrders", "Item": {**key, "n": {"N": "1"}}})
    got = sdk.call("get", "GetItem", {"TableName": "ShopOrders", "Key": key})

    assert got["Item"] == {**key, "n": {"N": "1"}}
    assert [(s.step, s.ok) for s in results.samples] == [
        ("create", True),
        ("put", True),
        ("get", True),
    ]

    wrong = load_bench.SdkCalls(learner, sandbox.access_key_id, "not-the-secret")
    assert wrong.call("refused", "ListTables", {}) == {}
    refused = results.samples[-1]
    assert not refused.ok and "InvalidSignatureException" in refused.detail
