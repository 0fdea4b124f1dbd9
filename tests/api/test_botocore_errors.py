"""Every error the endpoint can send parses, in botocore, to the code it carries, and to the
modeled exception class where DynamoDB's service model has one."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.parsers import create_parser

from dynalab.api import protocol, sigv4
from engine import errors

ENGINE_ERRORS = [getattr(errors, name) for name in errors.__all__ if name != "DynamoDBError"]
API_ERRORS = [
    sigv4.MissingAuthenticationTokenException,
    sigv4.IncompleteSignatureException,
    sigv4.InvalidSignatureException,
    sigv4.UnrecognizedClientException,
    protocol.RequestTooLarge,
    protocol.NotAnOperation,
]
CLIENT = boto3.client(
    "dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x"
)


def parsed_error(error: errors.DynamoDBError) -> dict:
    response = protocol.error_response(error, request_id="REQUEST")
    return create_parser("json").parse(
        {
            "status_code": response.status_code,
            "headers": {name.lower(): value for name, value in response.items()},
            "body": response.content,
            "context": {},
        },
        None,
    )


@pytest.mark.parametrize("error_class", ENGINE_ERRORS + API_ERRORS, ids=lambda cls: cls.__name__)
def test_botocore_reads_the_code_message_and_request_id(error_class) -> None:
    parsed = parsed_error(error_class("what went wrong"))

    assert parsed["Error"] == {"Code": error_class.code, "Message": "what went wrong"}
    assert parsed["ResponseMetadata"]["RequestId"] == "REQUEST"


def test_each_service_error_the_model_knows_gets_its_exception_class() -> None:
    modeled = {shape.name for shape in CLIENT.meta.service_model.error_shapes}
    ours = {cls.code for cls in ENGINE_ERRORS}

    for code in sorted(ours & modeled):
        assert CLIENT.exceptions.from_code(code).__name__ == code
    # The rest (SerializationException, UnknownOperationException, ...) arrive as ClientError
    # with their code, as they do from AWS.
    for code in sorted(ours - modeled):
        assert CLIENT.exceptions.from_code(code) is ClientError
    assert ours & modeled >= {
        "ConditionalCheckFailedException",
        "ResourceNotFoundException",
        "TransactionCanceledException",
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "InternalServerError",
    }
