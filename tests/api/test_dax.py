"""DAX against a live server: boto3's ``dax`` client for the control plane, and a DynamoDB
client pointed at a cluster's endpoint for the reads and writes that go through its caches."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from dynalab.sandboxes import selectors
from dynalab.sandboxes import services as sandboxes
from dynalab.sandboxes.models import Sandbox
from tests.support import api as helpers
from tests.support.dax import ROLE_ARN

pytestmark = pytest.mark.django_db(transaction=True)

KEY = {"pk": {"S": "book"}, "sk": {"N": "1"}}


def dax_client(url: str, sandbox: Sandbox) -> Any:
    return boto3.client(
        "dax",
        endpoint_url=url,
        region_name=helpers.REGION,
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=helpers.NO_RETRIES,
    )


@pytest.fixture
def dax(live_server, sandbox: Sandbox) -> Any:
    return dax_client(live_server.url, sandbox)


@pytest.fixture
def dynamodb(live_server, sandbox: Sandbox) -> Any:
    return helpers.client(live_server.url, sandbox.access_key_id, sandbox.secret_access_key)


def available_cluster(dax: Any, sandbox: Sandbox, name: str = "books-cache", **extra: Any) -> dict:
    dax.create_cluster(
        ClusterName=name,
        NodeType="dax.t3.small",
        ReplicationFactor=2,
        IamRoleArn=ROLE_ARN,
        **extra,
    )
    sandboxes.advance_clock(sandbox, 60)
    return dax.describe_clusters(ClusterNames=[name])["Clusters"][0]


def test_the_dax_client_manages_clusters_and_parameter_groups(
    dax: Any, sandbox: Sandbox, live_server
) -> None:
    dax.create_parameter_group(ParameterGroupName="short-ttl", Description="for the lab")
    dax.update_parameter_group(
        ParameterGroupName="short-ttl",
        ParameterNameValues=[{"ParameterName": "record-ttl-millis", "ParameterValue": "60000"}],
    )
    parameters = dax.describe_parameters(ParameterGroupName="short-ttl")["Parameters"]
    assert {p["ParameterName"]: p["ParameterValue"] for p in parameters} == {
        "record-ttl-millis": "60000",
        "query-ttl-millis": "300000",
    }
    defaults = dax.describe_default_parameters()["Parameters"]
    assert {p["ParameterValue"] for p in defaults} == {"300000"}

    created = dax.create_cluster(
        ClusterName="Books-Cache",
        NodeType="dax.r5.large",
        ReplicationFactor=3,
        IamRoleArn=ROLE_ARN,
        ParameterGroupName="short-ttl",
    )["Cluster"]
    assert (created["ClusterName"], created["Status"], created["ActiveNodes"]) == (
        "books-cache",
        "creating",
        0,
    )
    sandboxes.advance_clock(sandbox, 60)
    cluster = dax.describe_clusters()["Clusters"][0]
    assert (cluster["Status"], cluster["TotalNodes"], cluster["ActiveNodes"]) == ("available", 3, 3)
    endpoint = cluster["ClusterDiscoveryEndpoint"]
    host, port = live_server.url.removeprefix("http://").split(":")
    assert endpoint == {
        "Address": host,
        "Port": int(port),
        "URL": f"{live_server.url}/dax/books-cache/",
    }
    assert (
        cluster["Nodes"][0]["Endpoint"]["URL"]
        == f"{live_server.url}/dax/books-cache/books-cache-a/"
    )
    assert cluster["ParameterGroup"]["ParameterGroupName"] == "short-ttl"
    assert cluster["Nodes"][0]["NodeCreateTime"].year >= 2024  # a timestamp botocore parsed

    grown = dax.increase_replication_factor(ClusterName="books-cache", NewReplicationFactor=5)
    assert grown["Cluster"]["Status"] == "modifying"
    sandboxes.advance_clock(sandbox, 60)
    shrunk = dax.decrease_replication_factor(
        ClusterName="books-cache", NewReplicationFactor=4, NodeIdsToRemove=["books-cache-e"]
    )
    assert shrunk["Cluster"]["NodeIdsToRemove"] == ["books-cache-e"]

    with pytest.raises(dax.exceptions.InvalidParameterGroupStateFault):
        dax.delete_parameter_group(ParameterGroupName="short-ttl")
    with pytest.raises(dax.exceptions.InvalidClusterStateFault):
        dax.delete_cluster(ClusterName="books-cache")  # modifying: nodes are going
    sandboxes.advance_clock(sandbox, 30)
    assert dax.delete_cluster(ClusterName="books-cache")["Cluster"]["Status"] == "deleting"
    sandboxes.advance_clock(sandbox, 30)
    with pytest.raises(dax.exceptions.ClusterNotFoundFault) as missing:
        dax.describe_clusters(ClusterNames=["books-cache"])
    assert missing.value.response["Error"]["Message"] == "Cluster books-cache not found."
    dax.delete_parameter_group(ParameterGroupName="short-ttl")


def test_the_dax_client_gets_the_services_errors(dax: Any) -> None:
    with pytest.raises(dax.exceptions.InvalidParameterValueException) as caught:
        dax.create_cluster(
            ClusterName="2fast", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=ROLE_ARN
        )
    assert "not a valid identifier" in caught.value.response["Error"]["Message"]
    with pytest.raises(dax.exceptions.NodeQuotaForClusterExceededFault):
        dax.create_cluster(
            ClusterName="big", NodeType="dax.t3.small", ReplicationFactor=12, IamRoleArn=ROLE_ARN
        )
    with pytest.raises(dax.exceptions.ParameterGroupNotFoundFault):
        dax.describe_parameters(ParameterGroupName="nope")
    with pytest.raises(dax.exceptions.ClusterNotFoundFault):
        dax.delete_cluster(ClusterName="nope")


def test_a_getitem_through_dax_is_served_from_its_cache_and_goes_stale(
    dax: Any, dynamodb: Any, sandbox: Sandbox
) -> None:
    dynamodb.create_table(
        **helpers.create_table_request("Books")
        | {
            "BillingMode": "PROVISIONED",
            "ProvisionedThroughput": {"ReadCapacityUnits": 10, "WriteCapacityUnits": 10},
        }
    )
    dynamodb.put_item(TableName="Books", Item={**KEY, "title": {"S": "First edition"}})
    cluster = available_cluster(dax, sandbox)
    # What an application does with the DAX client SDK, done with DynaLab's stand-in.
    cached = helpers.client(
        cluster["ClusterDiscoveryEndpoint"]["URL"],
        sandbox.access_key_id,
        sandbox.secret_access_key,
    )

    def consumed_reads() -> float:
        state = sandboxes.execute(sandbox, "DescribeThroughput", {"TableName": "Books"})
        return state["Throughput"]["Consumed"]["ReadUnits"]

    miss = cached.get_item(TableName="Books", Key=KEY, ReturnConsumedCapacity="TOTAL")
    assert miss["ConsumedCapacity"]["CapacityUnits"] == 0.5
    after_miss = consumed_reads()
    hit = cached.get_item(TableName="Books", Key=KEY, ReturnConsumedCapacity="TOTAL")
    assert hit["Item"]["title"] == {"S": "First edition"}
    assert hit["ConsumedCapacity"] == {"TableName": "Books", "CapacityUnits": 0.0}
    assert consumed_reads() == after_miss  # no read units billed on the table

    # A write straight to the table bypasses DAX: its item cache keeps the old item.
    dynamodb.update_item(
        TableName="Books",
        Key=KEY,
        UpdateExpression="SET title = :t",
        ExpressionAttributeValues={":t": {"S": "Second edition"}},
    )
    stale = cached.get_item(TableName="Books", Key=KEY)
    assert stale["Item"]["title"] == {"S": "First edition"}
    assert dynamodb.get_item(TableName="Books", Key=KEY)["Item"]["title"] == {"S": "Second edition"}
    strong = cached.get_item(TableName="Books", Key=KEY, ConsistentRead=True)
    assert strong["Item"]["title"] == {"S": "Second edition"}  # passed through to the table

    sandboxes.advance_clock(sandbox, 300)  # the item's TTL (five minutes) ends
    fresh = cached.get_item(TableName="Books", Key=KEY, ReturnConsumedCapacity="TOTAL")
    assert fresh["Item"]["title"] == {"S": "Second edition"}
    assert fresh["ConsumedCapacity"]["CapacityUnits"] == 0.5

    # Writes through DAX update its item cache at once.
    cached.put_item(TableName="Books", Item={**KEY, "title": {"S": "Third edition"}})
    through = cached.get_item(TableName="Books", Key=KEY, ReturnConsumedCapacity="TOTAL")
    assert through["Item"]["title"] == {"S": "Third edition"}
    assert through["ConsumedCapacity"]["CapacityUnits"] == 0.0


def test_a_cluster_endpoint_answers_data_calls_only(
    dax: Any, dynamodb: Any, sandbox: Sandbox, live_server
) -> None:
    dynamodb.create_table(**helpers.create_table_request("Books"))
    cluster = available_cluster(dax, sandbox)
    node_url = cluster["Nodes"][1]["Endpoint"]["URL"]
    node = helpers.client(node_url, sandbox.access_key_id, sandbox.secret_access_key)
    assert node.scan(TableName="Books")["Items"] == []
    served = sandboxes.execute(sandbox, "DescribeClusters", {})["Clusters"][0]
    assert served["Status"] == "available"
    assert [n.requests_served for n in selectors.dax_cluster(sandbox, "books-cache").nodes] == [
        0,
        1,
    ]

    with pytest.raises(ClientError) as caught:
        node.create_table(**helpers.create_table_request("Other"))
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"
    assert "DAX does not answer CreateTable" in caught.value.response["Error"]["Message"]

    lost = helpers.client(
        f"{live_server.url}/dax/nope/", sandbox.access_key_id, sandbox.secret_access_key
    )
    with pytest.raises(ClientError) as caught:
        lost.get_item(TableName="Books", Key=KEY)
    assert caught.value.response["Error"]["Code"] == "ClusterNotFoundFault"
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400

    # DAX's control plane is not answered at a cluster's endpoint.
    control = dax_client(cluster["ClusterDiscoveryEndpoint"]["URL"], sandbox)
    with pytest.raises(ClientError) as caught:
        control.describe_clusters()
    assert caught.value.response["Error"]["Code"] == "UnknownOperationException"


def test_dax_calls_are_signed_for_the_dax_service(sandbox: Sandbox, live_server) -> None:
    url = live_server.url + "/"
    body = helpers.body({})

    def post(service: str) -> tuple[int, dict[str, Any]]:
        headers = helpers.signed_headers(
            url,
            body,
            target="AmazonDAXV3.DescribeClusters",
            access_key_id=sandbox.access_key_id,
            secret_access_key=sandbox.secret_access_key,
            service=service,
            content_type="application/x-amz-json-1.1",
        )
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                assert response.headers["Content-Type"] == "application/x-amz-json-1.1"
                return response.status, json.load(response)
        except urllib.error.HTTPError as error:
            return error.code, json.load(error)

    assert post("dax") == (200, {"Clusters": []})
    status, error = post("dynamodb")
    assert status == 400
    assert error["__type"].endswith("#InvalidSignatureException")
    assert "Credential should be scoped to correct service: 'dax'." in error["message"]


def test_dax_faults_carry_their_bare_type(sandbox: Sandbox, live_server) -> None:
    url = live_server.url + "/"
    body = helpers.body({"ClusterNames": ["nope"]})
    headers = helpers.signed_headers(
        url,
        body,
        target="AmazonDAXV3.DescribeClusters",
        access_key_id=sandbox.access_key_id,
        secret_access_key=sandbox.secret_access_key,
        service="dax",
        content_type="application/x-amz-json-1.1",
    )
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10)
    assert caught.value.code == 400
    assert json.load(caught.value) == {
        "__type": "ClusterNotFoundFault",
        "message": "Cluster nope not found.",
    }


def test_dax_in_accept_any_key_mode(live_server, accept_any_key) -> None:
    dax = boto3.client(
        "dax",
        endpoint_url=live_server.url,
        region_name=helpers.REGION,
        aws_access_key_id="AKIAANYKEYATALL",
        aws_secret_access_key="anything",
        config=helpers.NO_RETRIES,
    )
    dax.create_cluster(
        ClusterName="mine", NodeType="dax.t3.small", ReplicationFactor=1, IamRoleArn=ROLE_ARN
    )
    assert [c["ClusterName"] for c in dax.describe_clusters()["Clusters"]] == ["mine"]


# ---------------------------------------------------------------------- Regions
def test_a_cluster_belongs_to_the_region_its_calls_are_signed_for(
    live_server, sandbox: Sandbox
) -> None:
    """Control plane and data plane alike run in the Region of the credential scope: a
    cluster made in eu-west-1 is not listed in us-east-1, and ``/dax/<cluster>/`` signed for
    us-east-1 finds no such cluster."""
    eu_dax = boto3.client(
        "dax",
        endpoint_url=live_server.url,
        region_name="eu-west-1",
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=helpers.NO_RETRIES,
    )
    us_dax = dax_client(live_server.url, sandbox)
    eu_table = boto3.client(
        "dynamodb",
        endpoint_url=live_server.url + "/",
        region_name="eu-west-1",
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=helpers.NO_RETRIES,
    )
    eu_table.create_table(**helpers.create_table_request())
    eu_table.put_item(TableName=helpers.TABLE, Item={**KEY, "title": {"S": "Dune"}})
    cluster = available_cluster(eu_dax, sandbox)

    assert cluster["ClusterArn"].startswith("arn:aws:dax:eu-west-1:")
    assert us_dax.describe_clusters()["Clusters"] == []
    with pytest.raises(ClientError) as missing:
        us_dax.describe_clusters(ClusterNames=["books-cache"])
    assert missing.value.response["Error"]["Code"] == "ClusterNotFoundFault"

    url = cluster["ClusterDiscoveryEndpoint"]["URL"]
    through_eu = boto3.client(
        "dynamodb",
        endpoint_url=url,
        region_name="eu-west-1",
        aws_access_key_id=sandbox.access_key_id,
        aws_secret_access_key=sandbox.secret_access_key,
        config=helpers.NO_RETRIES,
    )
    read = through_eu.get_item(TableName=helpers.TABLE, Key=KEY)
    assert read["Item"]["title"] == {"S": "Dune"}
    through_us = helpers.client(url, sandbox.access_key_id, sandbox.secret_access_key)
    with pytest.raises(ClientError) as elsewhere:
        through_us.get_item(TableName=helpers.TABLE, Key=KEY)
    assert "books-cache" in elsewhere.value.response["Error"]["Message"]
