"""What the endpoint tests send: signed requests built by botocore, an independent client."""

from __future__ import annotations

import json
from typing import Any

import boto3
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials

JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
REGION = "us-east-1"
TABLE = "Music"
#: No retries, so each test sees the first answer (botocore retries throttling otherwise).
NO_RETRIES = Config(retries={"total_max_attempts": 1, "mode": "standard"})


def signed_headers(
    url: str,
    body: bytes,
    *,
    target: str,
    access_key_id: str,
    secret_access_key: str,
    region: str = REGION,
    service: str = "dynamodb",
    content_type: str = JSON_CONTENT_TYPE,
) -> dict[str, str]:
    """The headers botocore's own SigV4 signer sends for this POST."""
    request = AWSRequest(
        method="POST",
        url=url,
        data=body,
        headers={"Content-Type": content_type, "X-Amz-Target": target},
    )
    SigV4Auth(Credentials(access_key_id, secret_access_key), service, region).add_auth(request)
    return dict(request.headers.items())


def body(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def client(url: str, access_key_id: str, secret_access_key: str, **config: Any) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=NO_RETRIES.merge(Config(**config)),
    )


def resource(url: str, access_key_id: str, secret_access_key: str) -> Any:
    return boto3.resource(
        "dynamodb",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key_id,
        aws_secret_access_key=secret_access_key,
        config=NO_RETRIES,
    )


def create_table_request(name: str = TABLE) -> dict[str, Any]:
    return {
        "TableName": name,
        "AttributeDefinitions": [
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "N"},
        ],
        "KeySchema": [
            {"AttributeName": "pk", "KeyType": "HASH"},
            {"AttributeName": "sk", "KeyType": "RANGE"},
        ],
        "BillingMode": "PAY_PER_REQUEST",
    }
