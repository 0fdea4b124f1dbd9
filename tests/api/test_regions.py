"""boto3 against a live server: the Region in the credential scope picks the tables, and a
global table replicates between two Regions on the sandbox's simulated clock."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dynalab.sandboxes import selectors, services
from dynalab.sandboxes.models import Sandbox
from tests.support import api as helpers

TABLE = helpers.TABLE


def _client(live_server: Any, sandbox: Sandbox, region: str) -> Any:
    return boto3.client(
        "dynamodb",
        endpoint_url=live_server.url + "/",
        region_name=region,
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=helpers.NO_RETRIES,
    )


def _item(sk: int, **values: str) -> dict[str, Any]:
    item: dict[str, Any] = {"pk": {"S": "artist"}, "sk": {"N": str(sk)}}
    item.update({name: {"S": value} for name, value in values.items()})
    return item


def _key(sk: int) -> dict[str, Any]:
    return {"pk": {"S": "artist"}, "sk": {"N": str(sk)}}


def test_a_table_created_in_us_east_1_is_not_listed_in_eu_west_1(
    live_server: Any, sandbox: Sandbox
) -> None:
    us = _client(live_server, sandbox, "us-east-1")
    eu = _client(live_server, sandbox, "eu-west-1")
    created = us.create_table(**helpers.create_table_request())

    assert created["TableDescription"]["TableArn"].startswith("arn:aws:dynamodb:us-east-1:")
    assert us.list_tables()["TableNames"] == [TABLE]
    assert eu.list_tables()["TableNames"] == []
    with pytest.raises(eu.exceptions.ResourceNotFoundException):
        eu.describe_table(TableName=TABLE)


def test_a_global_table_replicates_a_write_after_the_lag_and_keeps_the_last_writer(
    live_server: Any, sandbox: Sandbox
) -> None:
    us = _client(live_server, sandbox, "us-east-1")
    eu = _client(live_server, sandbox, "eu-west-1")
    us.create_table(**helpers.create_table_request())
    # A long lag, so the live server's wall clock cannot deliver anything on its own.
    services.execute(sandbox, "UpdateReplicationSettings", {"ReplicationLagSeconds": 600})

    added = us.update_table(
        TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": "eu-west-1"}}]
    )
    assert added["TableDescription"]["GlobalTableVersion"] == "2019.11.21"
    assert eu.describe_table(TableName=TABLE)["Table"]["TableStatus"] == "CREATING"
    services.advance_clock(sandbox, 30)
    replica = eu.describe_table(TableName=TABLE)["Table"]
    assert replica["TableStatus"] == "ACTIVE"
    assert replica["Replicas"] == [{"RegionName": "us-east-1", "ReplicaStatus": "ACTIVE"}]

    us.put_item(TableName=TABLE, Item=_item(1, title="Blue"))
    assert "Item" not in eu.get_item(TableName=TABLE, Key=_key(1))
    services.advance_clock(sandbox, 600)
    assert eu.get_item(TableName=TABLE, Key=_key(1))["Item"] == _item(1, title="Blue")

    # Two writes to one item, each made before the other reached its Region: eu's is later.
    us.put_item(TableName=TABLE, Item=_item(2, by="us-east-1"))
    services.advance_clock(sandbox, 1)
    eu.put_item(TableName=TABLE, Item=_item(2, by="eu-west-1"))
    services.advance_clock(sandbox, 600)

    assert us.get_item(TableName=TABLE, Key=_key(2))["Item"] == _item(2, by="eu-west-1")
    assert eu.get_item(TableName=TABLE, Key=_key(2))["Item"] == _item(2, by="eu-west-1")
    view = selectors.replication(sandbox, TABLE, region="us-east-1")
    assert view is not None
    [lost] = view.lost
    assert (lost.loser.region, lost.winner.region, lost.region) == (
        "us-east-1",
        "eu-west-1",
        "eu-west-1",
    )
    assert lost.concurrent
    assert lost.winner.time - lost.loser.time >= 1


def test_replica_errors_reach_boto3_as_the_services(live_server: Any, sandbox: Sandbox) -> None:
    us = _client(live_server, sandbox, "us-east-1")
    us.create_table(**helpers.create_table_request())

    with pytest.raises(ClientError) as local:
        us.update_table(TableName=TABLE, ReplicaUpdates=[{"Create": {"RegionName": "us-east-1"}}])

    assert local.value.response["Error"] == {
        "Code": "ValidationException",
        "Message": "Cannot add or delete the local region through ReplicaUpdates. Use "
        "CreateTable, DeleteTable, or UpdateTable as required.",
    }


def test_a_region_dynalab_does_not_have_is_refused(
    live_server: Any, sandbox: Sandbox, accept_any_key: Any
) -> None:
    local = _client(live_server, sandbox, "local")

    with pytest.raises(ClientError) as refused:
        local.list_tables()

    assert refused.value.response["Error"]["Code"] == "ValidationException"
    assert "DynaLab has no Region named 'local'" in refused.value.response["Error"]["Message"]
