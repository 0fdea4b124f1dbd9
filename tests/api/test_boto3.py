"""boto3 against a live server: what a learner's code does, through both endpoint URLs, with
real SigV4 keys and in accept-any-key mode."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from botocore.exceptions import ClientError

from dynalab.sandboxes import services as sandboxes
from dynalab.sandboxes.models import Sandbox
from tests.support import api as helpers

TABLE = helpers.TABLE
pytestmark = pytest.mark.django_db(transaction=True)


@dataclass
class Connection:
    client: Any
    resource: Any
    sandbox: Sandbox
    url: str


@pytest.fixture(
    params=[
        "signed keys, root URL",
        "signed keys, /dynamodb/",
        "any key, root URL",
        "any key, /dynamodb/",
    ]
)
def dynamodb(request, live_server, sandbox: Sandbox, api_settings) -> Connection:
    keys_mode, _, endpoint = request.param.partition(", ")
    url = live_server.url + ("/" if endpoint == "root URL" else "/dynamodb/")
    if keys_mode == "any key":
        api_settings.DYNALAB_API_ACCEPT_ANY_KEY = True
        key_id, secret = "AKIAANYKEYATALL", "any secret at all"
        sandbox = sandboxes.keyless_sandbox(key_id)
    else:
        key_id, secret = sandbox.access_key_id, sandbox.secret_access_key
    return Connection(
        client=helpers.client(url, key_id, secret),
        resource=helpers.resource(url, key_id, secret),
        sandbox=sandbox,
        url=url,
    )


def make_table(dynamodb: Connection, name: str = TABLE) -> None:
    dynamodb.client.create_table(**helpers.create_table_request(name))
    dynamodb.client.get_waiter("table_exists").wait(
        TableName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 5}
    )


def item(pk: str, sk: int, **attributes: str) -> dict[str, Any]:
    return {"pk": {"S": pk}, "sk": {"N": str(sk)}, **{k: {"S": v} for k, v in attributes.items()}}


def test_tables(dynamodb: Connection) -> None:
    client = dynamodb.client
    make_table(dynamodb)

    described = client.describe_table(TableName=TABLE)["Table"]
    assert described["TableStatus"] == "ACTIVE"
    assert described["KeySchema"][0] == {"AttributeName": "pk", "KeyType": "HASH"}
    assert client.list_tables()["TableNames"] == [TABLE]

    client.delete_table(TableName=TABLE)
    client.get_waiter("table_not_exists").wait(
        TableName=TABLE, WaiterConfig={"Delay": 1, "MaxAttempts": 5}
    )
    assert client.list_tables()["TableNames"] == []


def test_items_and_conditions(dynamodb: Connection) -> None:
    client = dynamodb.client
    make_table(dynamodb)

    client.put_item(TableName=TABLE, Item=item("artist", 1, title="Blue"))
    updated = client.update_item(
        TableName=TABLE,
        Key={"pk": {"S": "artist"}, "sk": {"N": "1"}},
        UpdateExpression="SET plays = :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
        ReturnValues="ALL_NEW",
    )
    fetched = client.get_item(
        TableName=TABLE, Key={"pk": {"S": "artist"}, "sk": {"N": "1"}}, ConsistentRead=True
    )

    assert updated["Attributes"]["plays"] == {"N": "1"}
    assert fetched["Item"] == {**item("artist", 1, title="Blue"), "plays": {"N": "1"}}
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as caught:
        client.put_item(
            TableName=TABLE,
            Item=item("artist", 1),
            ConditionExpression="attribute_not_exists(pk)",
        )
    assert caught.value.response["Error"]["Message"] == "The conditional request failed"
    client.delete_item(TableName=TABLE, Key={"pk": {"S": "artist"}, "sk": {"N": "1"}})
    assert "Item" not in client.get_item(
        TableName=TABLE, Key={"pk": {"S": "artist"}, "sk": {"N": "1"}}
    )


def test_query_and_scan_pages_through_boto3_paginators(dynamodb: Connection) -> None:
    client = dynamodb.client
    make_table(dynamodb)
    for sk in range(23):
        client.put_item(TableName=TABLE, Item=item("artist" if sk % 2 else "band", sk))

    query_pages = list(
        client.get_paginator("query").paginate(
            TableName=TABLE,
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": {"S": "artist"}},
            PaginationConfig={"PageSize": 4},
        )
    )
    scan_pages = list(
        client.get_paginator("scan").paginate(TableName=TABLE, PaginationConfig={"PageSize": 5})
    )

    queried = [int(i["sk"]["N"]) for page in query_pages for i in page["Items"]]
    assert queried == list(range(1, 23, 2))
    assert len(query_pages) == 3
    assert sorted(int(i["sk"]["N"]) for page in scan_pages for i in page["Items"]) == list(
        range(23)
    )
    assert len(scan_pages) == 5


def test_batches(dynamodb: Connection) -> None:
    client = dynamodb.client
    make_table(dynamodb)

    written = client.batch_write_item(
        RequestItems={TABLE: [{"PutRequest": {"Item": item("artist", sk)}} for sk in range(25)]}
    )
    read = client.batch_get_item(
        RequestItems={
            TABLE: {
                "Keys": [{"pk": {"S": "artist"}, "sk": {"N": str(sk)}} for sk in range(0, 25, 5)]
            }
        }
    )

    assert written["UnprocessedItems"] == {}
    assert sorted(int(i["sk"]["N"]) for i in read["Responses"][TABLE]) == [0, 5, 10, 15, 20]
    with pytest.raises(ClientError) as caught:
        client.batch_write_item(
            RequestItems={TABLE: [{"PutRequest": {"Item": item("a", sk)}} for sk in range(26)]}
        )
    assert caught.value.response["Error"]["Code"] == "ValidationException"


def test_transactions(dynamodb: Connection) -> None:
    client = dynamodb.client
    make_table(dynamodb)
    client.transact_write_items(
        TransactItems=[
            {"Put": {"TableName": TABLE, "Item": item("artist", 1)}},
            {"Put": {"TableName": TABLE, "Item": item("artist", 2)}},
        ]
    )

    with pytest.raises(client.exceptions.TransactionCanceledException) as caught:
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": item("artist", 3)}},
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": item("artist", 1),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                },
            ]
        )
    got = client.transact_get_items(
        TransactItems=[
            {"Get": {"TableName": TABLE, "Key": {"pk": {"S": "artist"}, "sk": {"N": str(sk)}}}}
            for sk in (1, 2, 3)
        ]
    )

    reasons = caught.value.response["CancellationReasons"]
    assert [reason["Code"] for reason in reasons] == ["None", "ConditionalCheckFailed"]
    assert [bool(response.get("Item")) for response in got["Responses"]] == [True, True, False]


def test_errors_map_to_botocore_exception_classes(dynamodb: Connection) -> None:
    client = dynamodb.client

    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="NoSuchTable")
    with pytest.raises(ClientError) as caught:
        client.create_table(**{**helpers.create_table_request(), "TableName": "x"})
    make_table(dynamodb)
    with pytest.raises(client.exceptions.ResourceInUseException):
        client.create_table(**helpers.create_table_request())

    error = caught.value.response["Error"]
    assert error["Code"] == "ValidationException"
    assert "at 'tableName' failed to satisfy constraint" in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400


def test_the_resource_api_and_batch_writer(dynamodb: Connection) -> None:
    make_table(dynamodb)
    table = dynamodb.resource.Table(TABLE)

    with table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as batch:
        for sk in range(60):
            batch.put_item(Item={"pk": "artist", "sk": sk, "title": f"song {sk}"})
        batch.put_item(Item={"pk": "artist", "sk": 0, "title": "overwritten"})
    page = table.query(
        KeyConditionExpression=Key("pk").eq("artist") & Key("sk").between(10, 14),
        FilterExpression=Attr("title").begins_with("song"),
    )

    assert table.item_count == 60
    assert [entry["sk"] for entry in page["Items"]] == [10, 11, 12, 13, 14]
    assert table.get_item(Key={"pk": "artist", "sk": 0})["Item"]["title"] == "overwritten"


def test_calls_are_recorded_as_api_activity(dynamodb: Connection) -> None:
    dynamodb.client.list_tables()

    assert dynamodb.sandbox.activities.filter(source="api", operation="ListTables").exists()


# ---------------------------------------------------------------------- keys and limits
def test_wrong_keys_are_refused(live_server, sandbox: Sandbox) -> None:
    url = live_server.url + "/"
    wrong_secret = helpers.client(url, sandbox.access_key_id, "not-the-secret")
    unknown_key = helpers.client(url, "DLABUNKNOWNKEY000000", sandbox.secret_access_key)

    with pytest.raises(ClientError) as bad_signature:
        wrong_secret.list_tables()
    with pytest.raises(ClientError) as unknown:
        unknown_key.list_tables()

    assert bad_signature.value.response["Error"]["Code"] == "InvalidSignatureException"
    assert unknown.value.response["Error"] == {
        "Code": "UnrecognizedClientException",
        "Message": "The security token included in the request is invalid.",
    }


def test_describe_limits_and_an_operation_dynalab_does_not_simulate(
    live_server, sandbox: Sandbox
) -> None:
    client = helpers.client(live_server.url + "/", sandbox.access_key_id, sandbox.secret_access_key)
    limits = client.describe_limits()
    assert limits["TableMaxReadCapacityUnits"] == limits["TableMaxWriteCapacityUnits"] == 40000
    assert limits["AccountMaxReadCapacityUnits"] == 80000

    with pytest.raises(ClientError) as export:
        client.export_table_to_point_in_time(
            TableArn=f"arn:aws:dynamodb:us-east-1:000000000000:table/{TABLE}", S3Bucket="bucket"
        )
    error = export.value.response["Error"]
    assert error["Code"] == "UnknownOperationException"
    assert error["Message"].startswith(
        "ExportTableToPointInTime is a DynamoDB operation that DynaLab does not simulate: "
        "exports write to Amazon S3"
    )


def test_throttling_reaches_boto3_and_its_retries_ride_it_out(
    live_server, sandbox: Sandbox, api_settings
) -> None:
    api_settings.DYNALAB_API_RATE_LIMIT = {"requests_per_second": 20, "burst": 2}
    url = live_server.url + "/dynamodb/"
    impatient = helpers.client(url, sandbox.access_key_id, sandbox.secret_access_key)
    patient = helpers.client(
        url,
        sandbox.access_key_id,
        sandbox.secret_access_key,
        retries={"total_max_attempts": 10, "mode": "standard"},
    )

    with pytest.raises(impatient.exceptions.ThrottlingException) as caught:
        for _ in range(50):  # throttled as soon as calls come faster than 20 a second
            impatient.list_tables()
    for _ in range(5):
        patient.list_tables()

    assert caught.value.response["Error"]["Message"] == (
        "Rate of requests exceeds the allowed throughput."
    )


# ---------------------------------------------------------------------- streams
def test_dynamodb_streams_through_its_own_boto3_client(live_server, sandbox: Sandbox) -> None:
    url = live_server.url + "/"
    dynamodb = helpers.client(url, sandbox.access_key_id, sandbox.secret_access_key)
    streams = boto3.client(
        "dynamodbstreams",
        endpoint_url=url,
        region_name=helpers.REGION,
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=helpers.NO_RETRIES,
    )
    created = dynamodb.create_table(
        **helpers.create_table_request(),
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    dynamodb.put_item(TableName=TABLE, Item=item("artist", 1, title="Blue"))
    dynamodb.put_item(TableName=TABLE, Item=item("artist", 1, title="Green"))

    stream_arn = created["TableDescription"]["LatestStreamArn"]
    listed = streams.list_streams(TableName=TABLE)["Streams"]
    shards = streams.describe_stream(StreamArn=stream_arn)["StreamDescription"]["Shards"]
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn, ShardId=shards[0]["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records = streams.get_records(ShardIterator=iterator)["Records"]

    assert [entry["StreamArn"] for entry in listed] == [stream_arn]
    assert [record["eventName"] for record in records] == ["INSERT", "MODIFY"]
    assert records[1]["dynamodb"]["OldImage"]["title"] == {"S": "Blue"}
    assert records[1]["dynamodb"]["NewImage"]["title"] == {"S": "Green"}
    with pytest.raises(streams.exceptions.ResourceNotFoundException):
        streams.describe_stream(StreamArn=stream_arn.replace(TABLE, "Other"))
