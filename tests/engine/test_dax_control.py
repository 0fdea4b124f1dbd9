"""DAX's control plane: clusters, nodes and parameter groups on the simulated clock, with the
service's shapes, errors and quotas."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, catalog
from tests.support.dax import ROLE_ARN, create_cluster, describe, read
from tests.support.engine import create_table, error_of, s


def cluster_request(name: str = "cache", **extra: Any) -> dict[str, Any]:
    return {
        "ClusterName": name,
        "NodeType": "dax.r5.large",
        "ReplicationFactor": 3,
        "IamRoleArn": ROLE_ARN,
        **extra,
    }


# ---------------------------------------------------------------------- CreateCluster
def test_a_new_cluster_is_creating_for_a_minute_then_available(engine: Engine) -> None:
    created = engine.call("CreateCluster", cluster_request("Orders-Cache"))["Cluster"]

    assert created["ClusterName"] == "orders-cache"  # stored as a lowercase string
    assert created["ClusterArn"] == "arn:aws:dax:us-east-1:000000000000:cache/orders-cache"
    assert (created["Status"], created["TotalNodes"], created["ActiveNodes"]) == ("creating", 3, 0)
    assert [node["NodeId"] for node in created["Nodes"]] == [
        "orders-cache-a",
        "orders-cache-b",
        "orders-cache-c",
    ]
    assert {node["NodeStatus"] for node in created["Nodes"]} == {"creating"}
    assert created["ClusterDiscoveryEndpoint"]["URL"] == "/dax/orders-cache/"
    assert created["Nodes"][1]["Endpoint"]["URL"] == "/dax/orders-cache/orders-cache-b/"
    assert [node["AvailabilityZone"] for node in created["Nodes"]] == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]
    assert created["ParameterGroup"] == {
        "ParameterGroupName": "default.dax1.0",
        "ParameterApplyStatus": "in-sync",
        "NodeIdsToReboot": [],
    }
    assert created["SSEDescription"] == {"Status": "DISABLED"}
    assert created["IamRoleArn"] == ROLE_ARN

    engine.clock.advance(59.9)
    assert describe(engine, "orders-cache")["Status"] == "creating"
    engine.clock.advance(0.1)
    available = describe(engine, "ORDERS-CACHE")
    assert (available["Status"], available["ActiveNodes"]) == ("available", 3)
    assert {node["NodeStatus"] for node in available["Nodes"]} == {"available"}


def test_create_cluster_keeps_its_optional_settings(engine: Engine) -> None:
    engine.call("CreateParameterGroup", {"ParameterGroupName": "short-ttl"})
    created = engine.call(
        "CreateCluster",
        cluster_request(
            Description="orders",
            ParameterGroupName="short-ttl",
            SSESpecification={"Enabled": True},
            ClusterEndpointEncryptionType="TLS",
            AvailabilityZones=["us-east-1d"],
            PreferredMaintenanceWindow="mon:01:00-mon:02:00",
            NotificationTopicArn="arn:aws:sns:us-east-1:000000000000:dax",
            SubnetGroupName="default",
            Tags=[{"Key": "team", "Value": "orders"}],
        ),
    )["Cluster"]
    assert created["Description"] == "orders"
    assert created["ParameterGroup"]["ParameterGroupName"] == "short-ttl"
    assert created["SSEDescription"] == {"Status": "ENABLED"}
    assert created["ClusterEndpointEncryptionType"] == "TLS"
    assert {node["AvailabilityZone"] for node in created["Nodes"]} == {"us-east-1d"}
    assert created["PreferredMaintenanceWindow"] == "mon:01:00-mon:02:00"
    assert created["NotificationConfiguration"]["TopicStatus"] == "active"


@pytest.mark.parametrize("name", ["1cache", "ca--che", "cache-", "a" * 21, "", "cache_1"])
def test_cluster_names_follow_the_identifier_rules(engine: Engine, name: str) -> None:
    error = error_of(engine, "CreateCluster", cluster_request(name))
    assert error.code == "InvalidParameterValueException"
    assert error.message.startswith("Cluster ID specified is not a valid identifier.")


def test_required_members_are_refused_by_the_request_layer(engine: Engine) -> None:
    error = error_of(engine, "CreateCluster", {"ClusterName": "cache"})
    assert error.code == "ValidationException"
    assert error.message.startswith("3 validation errors detected:")
    assert "Value null at 'nodeType' failed to satisfy constraint" in error.message


@pytest.mark.parametrize(
    ("change", "code", "fragment"),
    [
        ({"NodeType": "dax.r3.large"}, "InvalidParameterValueException", "dax.r3.large"),
        ({"NodeType": "cache.r5.large"}, "InvalidParameterValueException", "not supported"),
        ({"ReplicationFactor": 0}, "InvalidParameterValueException", "at least 1"),
        ({"ReplicationFactor": 12}, "NodeQuotaForClusterExceededFault", "at most 11"),
        ({"IamRoleArn": "DAXRole"}, "InvalidParameterValueException", "ARNs must start with"),
        ({"IamRoleArn": "arn:aws"}, "InvalidParameterValueException", "Second colon partition"),
        ({"IamRoleArn": "arn:aws:iam"}, "InvalidParameterValueException", "Third colon vendor"),
        ({"ParameterGroupName": "nope"}, "ParameterGroupNotFoundFault", "nope"),
        ({"SubnetGroupName": "private"}, "SubnetGroupNotFoundFault", "private"),
        ({"AvailabilityZones": ["eu-west-1a"]}, "InvalidParameterValueException", "zone"),
        ({"PreferredMaintenanceWindow": "sunday"}, "InvalidParameterValueException", "ddd"),
        ({"ClusterEndpointEncryptionType": "SSL"}, "InvalidParameterValueException", "TLS"),
        ({"ReplicationFactor": "3"}, "SerializationException", "STRING_VALUE"),
    ],
)
def test_create_cluster_refuses_what_the_service_refuses(
    engine: Engine, change: dict[str, Any], code: str, fragment: str
) -> None:
    error = error_of(engine, "CreateCluster", cluster_request(**change))
    assert error.code == code
    assert fragment in error.message
    assert engine.call("DescribeClusters", {})["Clusters"] == []


def test_a_cluster_name_is_taken_whatever_its_case(engine: Engine) -> None:
    engine.call("CreateCluster", cluster_request("cache"))
    error = error_of(engine, "CreateCluster", cluster_request("CACHE"))
    assert error.code == "ClusterAlreadyExistsFault"


def test_quotas_on_clusters_and_nodes(engine: Engine) -> None:
    dax: Any = engine.extensions["dax"]
    for number in range(dax.max_clusters):
        engine.call("CreateCluster", cluster_request(f"c{number}", ReplicationFactor=1))
    error = error_of(engine, "CreateCluster", cluster_request("one-more"))
    assert error.code == "ClusterQuotaForCustomerExceededFault"
    assert "DynaLab" in error.message

    dax.max_clusters = 20
    for number in range(4):  # 5 single nodes + 4 x 11 = 49 nodes
        engine.call("CreateCluster", cluster_request(f"big{number}", ReplicationFactor=11))
    assert dax.node_count() == 49
    error = error_of(engine, "CreateCluster", cluster_request("two", ReplicationFactor=2))
    assert error.code == "NodeQuotaForCustomerExceededFault"
    engine.call("CreateCluster", cluster_request("last", ReplicationFactor=1))


# ---------------------------------------------------------------------- DescribeClusters
def test_describe_clusters_names_pages_and_misses(engine: Engine) -> None:
    dax: Any = engine.extensions["dax"]
    dax.max_clusters = 30
    for number in range(25):
        engine.call("CreateCluster", cluster_request(f"c{number:02d}", ReplicationFactor=1))

    first = engine.call("DescribeClusters", {"MaxResults": 20})
    assert len(first["Clusters"]) == 20
    rest = engine.call("DescribeClusters", {"MaxResults": 20, "NextToken": first["NextToken"]})
    assert "NextToken" not in rest
    names = [c["ClusterName"] for c in first["Clusters"] + rest["Clusters"]]
    assert names == [f"c{number:02d}" for number in range(25)]

    named = engine.call("DescribeClusters", {"ClusterNames": ["C03", "c01", "c03"]})
    assert [c["ClusterName"] for c in named["Clusters"]] == ["c03", "c01"]

    missing = error_of(engine, "DescribeClusters", {"ClusterNames": ["c01", "nope"]})
    assert (missing.code, missing.message) == ("ClusterNotFoundFault", "Cluster nope not found.")
    for size in (19, 101):
        error = error_of(engine, "DescribeClusters", {"MaxResults": size})
        assert error.code == "InvalidParameterValueException"
    assert error_of(engine, "DescribeClusters", {"NextToken": "zz"}).code == (
        "InvalidParameterValueException"
    )


# ---------------------------------------------------------------------- DeleteCluster
def test_delete_cluster_waits_for_available_then_deletes_in_thirty_seconds(
    engine: Engine,
) -> None:
    create_table(engine, "Books")
    engine.call("CreateCluster", cluster_request("cache"))
    error = error_of(engine, "DeleteCluster", {"ClusterName": "cache"})
    assert error.code == "InvalidClusterStateFault"
    engine.clock.advance(60)

    deleting = engine.call("DeleteCluster", {"ClusterName": "Cache"})["Cluster"]
    assert deleting["Status"] == "deleting"
    refused = error_of(engine, "CallThroughDax", {
        "ClusterName": "cache", "Operation": "GetItem",
        "Request": {"TableName": "Books", "Key": {"pk": s("a")}},
    })  # fmt: skip
    assert refused.code == "InvalidClusterStateFault"
    assert error_of(engine, "DeleteCluster", {"ClusterName": "cache"}).code == (
        "InvalidClusterStateFault"
    )
    engine.clock.advance(29.9)
    assert describe(engine)["Status"] == "deleting"
    engine.clock.advance(0.1)
    gone = error_of(engine, "DescribeClusters", {"ClusterNames": ["cache"]})
    assert gone.code == "ClusterNotFoundFault"
    missing = error_of(engine, "DeleteCluster", {"ClusterName": "cache"})
    assert (missing.code, missing.message) == ("ClusterNotFoundFault", "Cluster not found.")
    engine.call("CreateCluster", cluster_request("cache"))  # the name is free again


# ---------------------------------------------------------------------- replication factor
def test_increase_replication_factor_adds_replicas_on_the_clock(engine: Engine) -> None:
    engine.call("CreateCluster", cluster_request("cache", ReplicationFactor=2))
    early = error_of(
        engine, "IncreaseReplicationFactor", {"ClusterName": "cache", "NewReplicationFactor": 3}
    )
    assert early.code == "InvalidClusterStateFault"
    engine.clock.advance(60)

    grown = engine.call(
        "IncreaseReplicationFactor", {"ClusterName": "cache", "NewReplicationFactor": 4}
    )["Cluster"]
    assert (grown["Status"], grown["TotalNodes"], grown["ActiveNodes"]) == ("modifying", 4, 2)
    assert [n["NodeStatus"] for n in grown["Nodes"]] == [
        "available",
        "available",
        "creating",
        "creating",
    ]
    engine.clock.advance(60)
    ready = describe(engine)
    assert (ready["Status"], ready["ActiveNodes"]) == ("available", 4)
    assert [n["NodeId"] for n in ready["Nodes"]] == ["cache-a", "cache-b", "cache-c", "cache-d"]


@pytest.mark.parametrize(
    ("factor", "code"),
    [
        (3, "InvalidParameterValueException"),
        (2, "InvalidParameterValueException"),
        (12, "NodeQuotaForClusterExceededFault"),
    ],
)
def test_increase_replication_factor_refusals(engine: Engine, factor: int, code: str) -> None:
    create_cluster(engine, nodes=3)
    error = error_of(
        engine,
        "IncreaseReplicationFactor",
        {"ClusterName": "cache", "NewReplicationFactor": factor},
    )
    assert error.code == code
    assert describe(engine)["TotalNodes"] == 3


def test_decrease_replication_factor_removes_the_last_nodes_or_the_named_ones(
    engine: Engine,
) -> None:
    create_cluster(engine, nodes=5)
    shrunk = engine.call(
        "DecreaseReplicationFactor", {"ClusterName": "cache", "NewReplicationFactor": 3}
    )["Cluster"]
    assert (shrunk["Status"], shrunk["TotalNodes"]) == ("modifying", 3)
    assert shrunk["NodeIdsToRemove"] == ["cache-d", "cache-e"]
    engine.clock.advance(30)
    assert [n["NodeId"] for n in describe(engine)["Nodes"]] == ["cache-a", "cache-b", "cache-c"]

    engine.call(
        "DecreaseReplicationFactor",
        {"ClusterName": "cache", "NewReplicationFactor": 2, "NodeIdsToRemove": ["cache-a"]},
    )
    engine.clock.advance(30)
    after = describe(engine)
    assert [n["NodeId"] for n in after["Nodes"]] == ["cache-b", "cache-c"]
    # New nodes take the first free letters.
    engine.call("IncreaseReplicationFactor", {"ClusterName": "cache", "NewReplicationFactor": 4})
    assert [n["NodeId"] for n in describe(engine)["Nodes"]] == [
        "cache-b",
        "cache-c",
        "cache-a",
        "cache-d",
    ]


@pytest.mark.parametrize(
    ("request_body", "code"),
    [
        ({"NewReplicationFactor": 0}, "InvalidParameterValueException"),
        ({"NewReplicationFactor": 3}, "InvalidParameterValueException"),
        ({"NewReplicationFactor": 2, "NodeIdsToRemove": ["cache-z"]}, "NodeNotFoundFault"),
        (
            {"NewReplicationFactor": 1, "NodeIdsToRemove": ["cache-b"]},
            "InvalidParameterCombinationException",
        ),
    ],
)
def test_decrease_replication_factor_refusals(
    engine: Engine, request_body: dict[str, Any], code: str
) -> None:
    create_cluster(engine, nodes=3)
    error = error_of(engine, "DecreaseReplicationFactor", {"ClusterName": "cache", **request_body})
    assert error.code == code
    assert describe(engine)["TotalNodes"] == 3


def test_replication_factor_of_an_unknown_cluster(engine: Engine) -> None:
    for operation in ("IncreaseReplicationFactor", "DecreaseReplicationFactor"):
        error = error_of(engine, operation, {"ClusterName": "nope", "NewReplicationFactor": 2})
        assert error.code == "ClusterNotFoundFault"


def test_more_nodes_add_read_throughput_not_cache_size(engine: Engine) -> None:
    create_cluster(engine, "small", nodes=1)
    create_cluster(engine, "wide", nodes=11)
    view = engine.inspect
    assert view.dax_cluster("small").cache_capacity_bytes == (
        view.dax_cluster("wide").cache_capacity_bytes
    )
    assert view.dax_cluster("wide").node_memory_bytes == 2 * 1024**3


# ---------------------------------------------------------------------- parameter groups
def test_parameter_groups_hold_the_two_ttls(engine: Engine) -> None:
    groups = engine.call("DescribeParameterGroups", {})["ParameterGroups"]
    assert groups == [
        {
            "ParameterGroupName": "default.dax1.0",
            "Description": "Default parameter group for dax1.0",
        }
    ]
    created = engine.call(
        "CreateParameterGroup", {"ParameterGroupName": "Short-TTL", "Description": "demo"}
    )
    assert created == {"ParameterGroup": {"ParameterGroupName": "short-ttl", "Description": "demo"}}
    values = engine.call("DescribeParameters", {"ParameterGroupName": "short-ttl"})["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"]) for p in values] == [
        ("query-ttl-millis", "300000"),
        ("record-ttl-millis", "300000"),
    ]
    assert values[1] == {
        "ParameterName": "record-ttl-millis",
        "ParameterType": "DEFAULT",
        "ParameterValue": "300000",
        "NodeTypeSpecificValues": [],
        "Description": "Duration in milliseconds for records to remain valid in cache "
        "(Default: 0 = infinite)",
        "Source": "user",
        "DataType": "integer",
        "AllowedValues": "0-",
        "IsModifiable": "TRUE",
        "ChangeType": "IMMEDIATE",
    }
    engine.call(
        "UpdateParameterGroup",
        {
            "ParameterGroupName": "short-ttl",
            "ParameterNameValues": [
                {"ParameterName": "record-ttl-millis", "ParameterValue": "1000"},
                {"ParameterName": "query-ttl-millis", "ParameterValue": "0"},
            ],
        },
    )
    values = engine.call("DescribeParameters", {"ParameterGroupName": "SHORT-TTL"})["Parameters"]
    assert [p["ParameterValue"] for p in values] == ["0", "1000"]
    defaults = engine.call("DescribeDefaultParameters", {})["Parameters"]
    assert [p["ParameterValue"] for p in defaults] == ["300000", "300000"]
    system = engine.call(
        "DescribeParameters", {"ParameterGroupName": "short-ttl", "Source": "system"}
    )
    assert system["Parameters"] == []


@pytest.mark.parametrize(
    ("pairs", "fragment"),
    [
        ([{"ParameterName": "item-ttl", "ParameterValue": "1"}], "only supported parameter"),
        ([{"ParameterName": "record-ttl-millis", "ParameterValue": "-1"}], "whole number"),
        ([{"ParameterName": "query-ttl-millis", "ParameterValue": "5m"}], "whole number"),
        ([], "must name a parameter"),
    ],
)
def test_update_parameter_group_refuses_other_parameters_and_values(
    engine: Engine, pairs: list[dict[str, str]], fragment: str
) -> None:
    engine.call("CreateParameterGroup", {"ParameterGroupName": "mine"})
    error = error_of(
        engine, "UpdateParameterGroup", {"ParameterGroupName": "mine", "ParameterNameValues": pairs}
    )
    assert error.code == "InvalidParameterValueException"
    assert fragment in error.message


def test_the_default_group_can_be_neither_changed_nor_deleted(engine: Engine) -> None:
    change = {"ParameterName": "record-ttl-millis", "ParameterValue": "1"}
    error = error_of(
        engine,
        "UpdateParameterGroup",
        {"ParameterGroupName": "default.dax1.0", "ParameterNameValues": [change]},
    )
    assert error.code == "InvalidParameterValueException"
    error = error_of(engine, "DeleteParameterGroup", {"ParameterGroupName": "default.dax1.0"})
    assert error.code == "InvalidParameterValueException"


def test_delete_parameter_group(engine: Engine) -> None:
    engine.call("CreateParameterGroup", {"ParameterGroupName": "used"})
    engine.call("CreateParameterGroup", {"ParameterGroupName": "spare"})
    engine.call("CreateCluster", cluster_request("cache", ParameterGroupName="used"))
    in_use = error_of(engine, "DeleteParameterGroup", {"ParameterGroupName": "used"})
    assert in_use.code == "InvalidParameterGroupStateFault"
    assert "cache" in in_use.message
    deleted = engine.call("DeleteParameterGroup", {"ParameterGroupName": "spare"})
    assert "spare" in deleted["DeletionMessage"]
    for operation in ("DeleteParameterGroup", "DescribeParameters"):
        assert error_of(engine, operation, {"ParameterGroupName": "spare"}).code == (
            "ParameterGroupNotFoundFault"
        )
    missing = error_of(engine, "DescribeParameterGroups", {"ParameterGroupNames": ["spare"]})
    assert missing.code == "ParameterGroupNotFoundFault"


def test_parameter_group_names_and_quota(engine: Engine) -> None:
    for name in ("9lives", "a--b", "ends-"):
        error = error_of(engine, "CreateParameterGroup", {"ParameterGroupName": name})
        assert error.code == "InvalidParameterValueException"
    for number in range(19):  # the default one makes 20
        engine.call("CreateParameterGroup", {"ParameterGroupName": f"g{number}"})
    error = error_of(engine, "CreateParameterGroup", {"ParameterGroupName": "g19"})
    assert error.code == "ParameterGroupQuotaExceededFault"
    assert error_of(engine, "CreateParameterGroup", {"ParameterGroupName": "G1"}).code == (
        "ParameterGroupAlreadyExistsFault"
    )


# ---------------------------------------------------------------------- facts and state
def test_the_catalog_knows_the_dax_operations() -> None:
    dax_operations = set(catalog.names(api=catalog.DAX))
    assert dax_operations == {
        "CreateCluster",
        "DescribeClusters",
        "DeleteCluster",
        "IncreaseReplicationFactor",
        "DecreaseReplicationFactor",
        "CreateParameterGroup",
        "DescribeParameterGroups",
        "UpdateParameterGroup",
        "DescribeParameters",
        "DeleteParameterGroup",
        "DescribeDefaultParameters",
    }
    read_only = {name for name in dax_operations if catalog.get(name).read_only}
    assert read_only == {
        "DescribeClusters",
        "DescribeParameterGroups",
        "DescribeParameters",
        "DescribeDefaultParameters",
    }
    facts = catalog.get("CallThroughDax")
    assert facts.api == catalog.DYNALAB and facts.bills is None
    assert catalog.is_read_only("CallThroughDax", {"Operation": "GetItem"})
    assert catalog.is_read_only("CallThroughDax", {"Operation": "Scan"})
    assert not catalog.is_read_only("CallThroughDax", {"Operation": "PutItem"})
    assert not catalog.is_read_only("CallThroughDax", {"Operation": "CreateTable"})


def test_clusters_groups_and_caches_survive_dump_and_load(engine: Engine) -> None:
    create_table(engine, "Books")
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("a"), "n": s("x")}})
    engine.call("CreateParameterGroup", {"ParameterGroupName": "mine"})
    create_cluster(engine, nodes=3, ParameterGroupName="mine")
    read(engine, "Books", {"pk": s("a")})
    read(engine, "Books", {"pk": s("zzz")})
    engine.call("DecreaseReplicationFactor", {"ClusterName": "cache", "NewReplicationFactor": 2})

    copy = Engine.loads(engine.dumps())
    assert copy.dumps() == engine.dumps()
    assert copy.inspect.dax_cluster("cache") == engine.inspect.dax_cluster("cache")
    # And the copy goes on exactly as the original does.
    for target in (engine, copy):
        target.clock.advance(30)
        read(target, "Books", {"pk": s("a")})
    assert copy.dumps() == engine.dumps()
