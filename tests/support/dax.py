"""Helpers for DAX's tests: clusters made and made available, calls sent through them."""

from __future__ import annotations

from typing import Any

from engine import Engine

ROLE_ARN = "arn:aws:iam::000000000000:role/DAXServiceRole"


def create_cluster(
    engine: Engine,
    name: str = "cache",
    *,
    nodes: int = 1,
    node_type: str = "dax.t3.small",
    available: bool = True,
    **extra: Any,
) -> dict[str, Any]:
    """CreateCluster, then (by default) move the clock until the cluster is available."""
    request = {
        "ClusterName": name,
        "NodeType": node_type,
        "ReplicationFactor": nodes,
        "IamRoleArn": ROLE_ARN,
        **extra,
    }
    response = engine.call("CreateCluster", request)["Cluster"]
    if available:
        engine.clock.advance(engine.extensions["dax"].create_seconds)  # type: ignore[attr-defined]
    return response


def through(
    engine: Engine,
    operation: str,
    request: dict[str, Any],
    *,
    cluster: str = "cache",
    node: str | None = None,
) -> dict[str, Any]:
    """One call through DAX: the whole CallThroughDax answer (Response and Dax)."""
    call: dict[str, Any] = {"ClusterName": cluster, "Operation": operation, "Request": request}
    if node is not None:
        call["NodeId"] = node
    return engine.call("CallThroughDax", call)


def read(engine: Engine, table: str, key: dict[str, Any], **extra: Any) -> dict[str, Any]:
    """GetItem through DAX: ``{"Response": ..., "Dax": ...}``."""
    return through(engine, "GetItem", {"TableName": table, "Key": key, **extra})


def describe(engine: Engine, name: str = "cache") -> dict[str, Any]:
    return engine.call("DescribeClusters", {"ClusterNames": [name]})["Clusters"][0]
