"""DAX's control plane (the AmazonDAXV3 API): clusters, their nodes, and parameter groups.

The request and response shapes are the service's (boto3's ``dax`` client sends them as JSON
1.1); the model behind them is ``engine/dax.py``. Endpoints are given as paths on this server
(``URL`` ``/dax/<cluster>/``): the wire endpoint completes them with its own host and port,
so a learner can hand ``ClusterDiscoveryEndpoint["URL"]`` to a DynamoDB client.

DAX's TagResource and UntagResource share their names with DynamoDB's operations, and the
catalog holds one operation per name, so DynaLab offers neither (tags given to CreateCluster
are kept and shown).
"""

from __future__ import annotations

import re
from typing import Any

from engine.catalog import DAX, operation
from engine.core import Engine
from engine.dax import (
    DAX_PORT,
    DEFAULT_PARAMETER_GROUP,
    MAX_NODES_PER_ACCOUNT,
    MAX_NODES_PER_CLUSTER,
    MAX_PARAMETER_GROUPS,
    NODE_TYPES,
    PARAMETER_DESCRIPTIONS,
    QUERY_TTL,
    RECORD_TTL,
    Cluster,
    DaxExtension,
    ParameterGroup,
)
from engine.errors import (
    ClusterAlreadyExistsFault,
    ClusterNotFoundFault,
    ClusterQuotaForCustomerExceededFault,
    InvalidClusterStateFault,
    InvalidParameterCombinationException,
    InvalidParameterGroupStateFault,
    InvalidParameterValueException,
    NodeNotFoundFault,
    NodeQuotaForClusterExceededFault,
    NodeQuotaForCustomerExceededFault,
    ParameterGroupAlreadyExistsFault,
    ParameterGroupNotFoundFault,
    ParameterGroupQuotaExceededFault,
    SerializationException,
    SubnetGroupNotFoundFault,
    TagQuotaPerResourceExceeded,
)
from engine.validation import (
    Violations,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
    get_str_list,
)

MAX_CLUSTER_NAME = 20
MAX_PARAMETER_GROUP_NAME = 255
MAX_TAGS = 50
#: Letters, digits and single hyphens, beginning with a letter and not ending with a hyphen.
IDENTIFIER = re.compile(r"[A-Za-z](?:-?[A-Za-z0-9])*")
IDENTIFIER_RULES = (
    "Identifiers must begin with a letter; must contain only ASCII letters, digits, and "
    "hyphens; and must not end with a hyphen or contain two consecutive hyphens."
)
MAINTENANCE_WINDOW = re.compile(
    r"(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d-"
    r"(sun|mon|tue|wed|thu|fri|sat):([01]\d|2[0-3]):[0-5]\d"
)
ENCRYPTION_TYPES = ("NONE", "TLS")
NETWORK_TYPES = ("ipv4", "ipv6", "dual_stack")
MIN_PAGE, MAX_PAGE = 20, 100
SERVED_STATUSES = ("available", "modifying")


def dax_of(engine: Engine) -> DaxExtension:
    return engine.extensions["dax"]  # type: ignore[return-value]


# ---------------------------------------------------------------------- shapes
def describe_cluster(dax: DaxExtension, cluster: Cluster, now: float) -> dict[str, Any]:
    """The service's Cluster structure; endpoints are paths on this server."""
    status = cluster.status(now)
    removing = [node.node_id for node in cluster.nodes if node.removing_at is not None]
    description: dict[str, Any] = {
        "ClusterName": cluster.name,
        "Description": cluster.description,
        "ClusterArn": cluster.arn,
        "TotalNodes": len(cluster.staying_nodes()),
        "ActiveNodes": len(cluster.available_nodes(now)),
        "NodeType": cluster.node_type,
        "Status": status,
        "ClusterDiscoveryEndpoint": {"Port": DAX_PORT, "URL": cluster.endpoint_path},
        "Nodes": [
            {
                "NodeId": node.node_id,
                "Endpoint": {"Port": DAX_PORT, "URL": cluster.node_path(node)},
                "NodeCreateTime": node.created_at,
                "AvailabilityZone": node.availability_zone,
                "NodeStatus": node.status(now),
                "ParameterGroupStatus": "in-sync",
            }
            for node in cluster.nodes
        ],
        "PreferredMaintenanceWindow": cluster.maintenance_window,
        "SubnetGroup": cluster.subnet_group,
        "SecurityGroups": [
            {"SecurityGroupIdentifier": group, "Status": "active"}
            for group in cluster.security_group_ids
        ],
        "IamRoleArn": cluster.iam_role_arn,
        "ParameterGroup": {
            "ParameterGroupName": cluster.parameter_group,
            "ParameterApplyStatus": "in-sync",
            "NodeIdsToReboot": [],
        },
        "SSEDescription": {"Status": "ENABLED" if cluster.sse_enabled else "DISABLED"},
        "ClusterEndpointEncryptionType": cluster.endpoint_encryption,
        "NetworkType": cluster.network_type,
    }
    if removing:
        description["NodeIdsToRemove"] = removing
    if cluster.notification_topic_arn:
        description["NotificationConfiguration"] = {
            "TopicArn": cluster.notification_topic_arn,
            "TopicStatus": "active",
        }
    return description


def describe_parameter(group: ParameterGroup | None, name: str) -> dict[str, Any]:
    """One TTL parameter as DescribeParameters shows it (the default value without a group)."""
    value = group.value(name) if group is not None else ParameterGroup("").value(name)
    return {
        "ParameterName": name,
        "ParameterType": "DEFAULT",
        "ParameterValue": str(value),
        "NodeTypeSpecificValues": [],
        "Description": PARAMETER_DESCRIPTIONS[name],
        "Source": "user",
        "DataType": "integer",
        "AllowedValues": "0-",
        "IsModifiable": "TRUE",
        "ChangeType": "IMMEDIATE",
    }


def _group_shape(group: ParameterGroup) -> dict[str, str]:
    return {"ParameterGroupName": group.name, "Description": group.description}


# ---------------------------------------------------------------------- checks
def _required(request: dict[str, Any], *names: tuple[str, str]) -> None:
    """Refuse missing members as the service's request layer does (ValidationException)."""
    violations = Violations()
    for member, path in names:
        violations.not_null(request.get(member), path)
    violations.raise_if_any()


def _cluster_name(name: str) -> str:
    if len(name) > MAX_CLUSTER_NAME or not IDENTIFIER.fullmatch(name):
        raise InvalidParameterValueException(
            f"Cluster ID specified is not a valid identifier. {IDENTIFIER_RULES} A cluster "
            f"name has 1 to {MAX_CLUSTER_NAME} characters."
        )
    return name.lower()


def _group_name(name: str) -> str:
    if len(name) > MAX_PARAMETER_GROUP_NAME or not IDENTIFIER.fullmatch(name):
        raise InvalidParameterValueException(
            f"Parameter group name specified is not a valid identifier. {IDENTIFIER_RULES}"
        )
    return name.lower()


def _check_arn(arn: str) -> None:
    """The service's checks of an ARN's form, in its order and words."""
    if not arn.startswith("arn:"):
        raise InvalidParameterValueException(f"ARNs must start with 'arn:': {arn}")
    parts = arn.split(":")
    missing = [
        (3, "Second colon partition not found"),
        (4, "Third colon vendor not found"),
        (5, "Fourth colon (region/namespace delimiter) not found"),
        (6, "Fifth colon (namespace/relative-id delimiter) not found"),
    ]
    for count, message in missing:
        if len(parts) < count:
            raise InvalidParameterValueException(f"{message}: {arn}")


def _page_size(request: dict[str, Any]) -> int:
    size = get_int(request, "MaxResults")
    if size is None:
        return MAX_PAGE
    if not MIN_PAGE <= size <= MAX_PAGE:
        raise InvalidParameterValueException(
            f"The value for MaxResults must be between {MIN_PAGE} and {MAX_PAGE}, not {size}."
        )
    return size


def _page(request: dict[str, Any], names: list[str]) -> tuple[list[str], str | None]:
    """One page of ``names`` from NextToken (the first name of the page it continues)."""
    size = _page_size(request)
    token = get_str(request, "NextToken")
    start = 0
    if token is not None:
        if token not in names:
            raise InvalidParameterValueException(f"Invalid NextToken: {token}")
        start = names.index(token)
    chosen = names[start : start + size]
    following = names[start + size] if start + size < len(names) else None
    return chosen, following


def _zones(request: dict[str, Any], region: str) -> list[str]:
    zones = get_str_list(request, "AvailabilityZones") or []
    for zone in zones:
        if not re.fullmatch(re.escape(region) + r"[a-f]", zone):
            raise InvalidParameterValueException(
                f"Availability Zone {zone} is not a zone of region {region} "
                f"(for example {region}a)."
            )
    return zones


def _tags(request: dict[str, Any]) -> list[dict[str, str]]:
    tags = get_list(request, "Tags") or []
    if len(tags) > MAX_TAGS:
        raise TagQuotaPerResourceExceeded(f"A cluster can have at most {MAX_TAGS} tags.")
    kept = []
    for tag in tags:
        if not isinstance(tag, dict):
            raise SerializationException("Unexpected value type in payload")
        key, value = get_str(tag, "Key"), get_str(tag, "Value")
        if not key:
            raise InvalidParameterValueException("A tag's Key must not be empty.")
        kept.append({"Key": key, "Value": value or ""})
    return kept


def _cluster(dax: DaxExtension, name: str, *, message: str | None = None) -> Cluster:
    cluster = dax.clusters.get(name.lower())
    if cluster is None:
        raise ClusterNotFoundFault(message or "Cluster not found.")
    return cluster


def _available(cluster: Cluster, now: float) -> None:
    status = cluster.status(now)
    if status != "available":
        raise InvalidClusterStateFault(
            f"Cluster {cluster.name} is {status}, not available: wait until it is "
            "available (advance the simulated clock)."
        )


def _check_node_quota(dax: DaxExtension, adding: int) -> None:
    if dax.node_count() + adding > MAX_NODES_PER_ACCOUNT:
        raise NodeQuotaForCustomerExceededFault(
            f"This would make {dax.node_count() + adding} DAX nodes in the region; the "
            f"quota is {MAX_NODES_PER_ACCOUNT}."
        )


def _sandbox_clusters(engine: Engine) -> int:
    """DAX clusters over every Region of the engine's sandbox (a cluster belongs to one
    Region, but DynaLab's memory limit on clusters is the sandbox's). O(Regions)."""
    engines = engine.regions.engines.values() if engine.regions is not None else (engine,)
    return sum(len(dax_of(regional).clusters) for regional in engines)


def _check_cluster_size(count: int) -> None:
    if count > MAX_NODES_PER_CLUSTER:
        raise NodeQuotaForClusterExceededFault(
            f"A DAX cluster has at most {MAX_NODES_PER_CLUSTER} nodes (a primary and 10 read "
            f"replicas), not {count}."
        )


# ---------------------------------------------------------------------- clusters
@operation("CreateCluster", api=DAX)
def create_cluster(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Create a DAX cluster of 1 to 11 nodes; it is creating for a minute of simulated time."""
    _required(
        request,
        ("ClusterName", "clusterName"),
        ("NodeType", "nodeType"),
        ("ReplicationFactor", "replicationFactor"),
        ("IamRoleArn", "iamRoleArn"),
    )
    dax = dax_of(engine)
    now = engine.now()
    name = _cluster_name(get_str(request, "ClusterName") or "")
    node_type = get_str(request, "NodeType") or ""
    factor = get_int(request, "ReplicationFactor") or 0
    role = get_str(request, "IamRoleArn") or ""
    description = get_str(request, "Description") or ""
    zones = _zones(request, engine.region)
    subnet_group = get_str(request, "SubnetGroupName")
    security_groups = get_str_list(request, "SecurityGroupIds") or []
    window = get_str(request, "PreferredMaintenanceWindow")
    topic = get_str(request, "NotificationTopicArn")
    group_name = get_str(request, "ParameterGroupName")
    tags = _tags(request)
    sse = get_dict(request, "SSESpecification")
    sse_enabled = False
    if sse is not None:
        _required(sse, ("Enabled", "sSESpecification.enabled"))
        sse_enabled = bool(get_bool(sse, "Enabled"))
    encryption = get_str(request, "ClusterEndpointEncryptionType") or "NONE"
    network = get_str(request, "NetworkType") or "ipv4"
    _check_arn(role)
    if topic is not None:
        _check_arn(topic)
    if node_type not in NODE_TYPES:
        raise InvalidParameterValueException(
            f"Node type {node_type} is not supported; choose one of {', '.join(NODE_TYPES)}."
        )
    if factor < 1:
        raise InvalidParameterValueException(
            f"ReplicationFactor must be at least 1 (the primary node), not {factor}."
        )
    _check_cluster_size(factor)
    if encryption not in ENCRYPTION_TYPES:
        raise InvalidParameterValueException(
            f"ClusterEndpointEncryptionType must be NONE or TLS, not {encryption}."
        )
    if network not in NETWORK_TYPES:
        raise InvalidParameterValueException(
            f"NetworkType must be one of {', '.join(NETWORK_TYPES)}, not {network}."
        )
    if window is not None and not MAINTENANCE_WINDOW.fullmatch(window):
        raise InvalidParameterValueException(
            f"PreferredMaintenanceWindow {window} is not of the form ddd:hh24:mi-ddd:hh24:mi "
            "(for example sun:05:00-sun:09:00)."
        )
    group = dax.parameter_groups.get((group_name or DEFAULT_PARAMETER_GROUP).lower())
    if group is None:
        raise ParameterGroupNotFoundFault(f"Parameter group {group_name} not found.")
    if subnet_group is not None and subnet_group != "default":
        raise SubnetGroupNotFoundFault(
            f"Subnet group {subnet_group} not found: DynaLab has only the default subnet group."
        )
    if name in dax.clusters:
        raise ClusterAlreadyExistsFault(f"Cluster {name} already exists.")
    if _sandbox_clusters(engine) >= dax.max_clusters:
        raise ClusterQuotaForCustomerExceededFault(
            f"A sandbox may have at most {dax.max_clusters} DAX clusters at a time, over all its "
            "Regions (DynaLab's limit, which keeps a shared server's memory bounded); delete "
            "one first."
        )
    _check_node_quota(dax, factor)
    settings: dict[str, Any] = {
        "iam_role_arn": role,
        "parameter_group": group.name,
        "description": description,
        "security_group_ids": list(security_groups),
        "notification_topic_arn": topic,
        "sse_enabled": sse_enabled,
        "endpoint_encryption": encryption,
        "network_type": network,
        "tags": tags,
    }
    if window is not None:
        settings["maintenance_window"] = window
    cluster = dax.new_cluster(name, node_type, factor, now, **settings)
    if zones:
        for position, node in enumerate(cluster.nodes):
            node.availability_zone = zones[position % len(zones)]
    return {"Cluster": describe_cluster(dax, cluster, now)}


@operation("DescribeClusters", api=DAX, read_only=True)
def describe_clusters(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Describe the named clusters, or every cluster, a page (20 to 100) at a time."""
    dax = dax_of(engine)
    now = engine.now()
    names = get_str_list(request, "ClusterNames")
    if names:
        wanted: list[str] = []
        for name in names:
            cluster = _cluster(dax, name, message=f"Cluster {name} not found.")
            if cluster.name not in wanted:
                wanted.append(cluster.name)
    else:
        wanted = list(dax.clusters)
    chosen, following = _page(request, wanted)
    response: dict[str, Any] = {
        "Clusters": [describe_cluster(dax, dax.clusters[name], now) for name in chosen]
    }
    if following is not None:
        response["NextToken"] = following
    return response


@operation("DeleteCluster", api=DAX)
def delete_cluster(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Delete an available cluster: deleting for 30 simulated seconds, then gone with its
    caches."""
    _required(request, ("ClusterName", "clusterName"))
    dax = dax_of(engine)
    now = engine.now()
    cluster = _cluster(dax, get_str(request, "ClusterName") or "")
    _available(cluster, now)
    cluster.deleting_at = now
    return {"Cluster": describe_cluster(dax, cluster, now)}


@operation("IncreaseReplicationFactor", api=DAX)
def increase_replication_factor(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Add read replicas to an available cluster (up to 11 nodes): more read throughput, the
    same cache size."""
    _required(
        request,
        ("ClusterName", "clusterName"),
        ("NewReplicationFactor", "newReplicationFactor"),
    )
    dax = dax_of(engine)
    now = engine.now()
    cluster = _cluster(dax, get_str(request, "ClusterName") or "")
    wanted = get_int(request, "NewReplicationFactor") or 0
    zones = _zones(request, cluster.region)
    _available(cluster, now)
    current = len(cluster.staying_nodes())
    if wanted <= current:
        raise InvalidParameterValueException(
            f"NewReplicationFactor must be greater than the cluster's {current} nodes to add "
            f"any, not {wanted}; use DecreaseReplicationFactor to remove nodes."
        )
    _check_cluster_size(wanted)
    _check_node_quota(dax, wanted - current)
    dax.add_nodes(cluster, wanted - current, now, now + dax.add_node_seconds, zones)
    return {"Cluster": describe_cluster(dax, cluster, now)}


@operation("DecreaseReplicationFactor", api=DAX)
def decrease_replication_factor(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Remove nodes from an available cluster (the last ones, or the ones named); at least
    one stays."""
    _required(
        request,
        ("ClusterName", "clusterName"),
        ("NewReplicationFactor", "newReplicationFactor"),
    )
    dax = dax_of(engine)
    now = engine.now()
    cluster = _cluster(dax, get_str(request, "ClusterName") or "")
    wanted = get_int(request, "NewReplicationFactor") or 0
    _zones(request, cluster.region)
    named = get_str_list(request, "NodeIdsToRemove")
    _available(cluster, now)
    staying = cluster.staying_nodes()
    if wanted < 1:
        raise InvalidParameterValueException(
            f"NewReplicationFactor must be at least 1, not {wanted}: use DeleteCluster to "
            "remove the last node."
        )
    if wanted >= len(staying):
        raise InvalidParameterValueException(
            f"NewReplicationFactor must be less than the cluster's {len(staying)} nodes to "
            f"remove any, not {wanted}; use IncreaseReplicationFactor to add nodes."
        )
    if named:
        by_id = {node.node_id: node for node in staying}
        for node_id in named:
            if node_id not in by_id:
                raise NodeNotFoundFault(f"Node {node_id} not found in cluster {cluster.name}.")
        removing = [by_id[node_id] for node_id in dict.fromkeys(named)]
        if len(removing) != len(staying) - wanted:
            raise InvalidParameterCombinationException(
                f"NodeIdsToRemove names {len(removing)} nodes but NewReplicationFactor "
                f"{wanted} removes {len(staying) - wanted} of the {len(staying)}."
            )
    else:
        removing = staying[wanted:]
    for node in removing:
        node.removing_at = now
    # The first node that stays is the primary.
    cluster.nodes.sort(key=lambda node: node.removing_at is not None)
    return {"Cluster": describe_cluster(dax, cluster, now)}


# ---------------------------------------------------------------------- parameter groups
def _parameter_group(dax: DaxExtension, name: str) -> ParameterGroup:
    group = dax.parameter_groups.get(name.lower())
    if group is None:
        raise ParameterGroupNotFoundFault(f"Parameter group {name} not found.")
    return group


@operation("CreateParameterGroup", api=DAX)
def create_parameter_group(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Create a parameter group with the default TTLs (five minutes each)."""
    _required(request, ("ParameterGroupName", "parameterGroupName"))
    dax = dax_of(engine)
    name = _group_name(get_str(request, "ParameterGroupName") or "")
    description = get_str(request, "Description") or ""
    if name in dax.parameter_groups:
        raise ParameterGroupAlreadyExistsFault(f"Parameter group {name} already exists.")
    if len(dax.parameter_groups) >= MAX_PARAMETER_GROUPS:
        raise ParameterGroupQuotaExceededFault(
            f"A region has at most {MAX_PARAMETER_GROUPS} parameter groups."
        )
    group = dax.parameter_groups[name] = ParameterGroup(name, description)
    return {"ParameterGroup": _group_shape(group)}


@operation("DescribeParameterGroups", api=DAX, read_only=True)
def describe_parameter_groups(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Describe the named parameter groups, or all of them."""
    dax = dax_of(engine)
    names = get_str_list(request, "ParameterGroupNames")
    if names:
        wanted = list(dict.fromkeys(_parameter_group(dax, name).name for name in names))
    else:
        wanted = list(dax.parameter_groups)
    chosen, following = _page(request, wanted)
    response: dict[str, Any] = {
        "ParameterGroups": [_group_shape(dax.parameter_groups[name]) for name in chosen]
    }
    if following is not None:
        response["NextToken"] = following
    return response


@operation("UpdateParameterGroup", api=DAX)
def update_parameter_group(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Set record-ttl-millis and query-ttl-millis; clusters using the group apply them at once."""
    _required(
        request,
        ("ParameterGroupName", "parameterGroupName"),
        ("ParameterNameValues", "parameterNameValues"),
    )
    dax = dax_of(engine)
    group = _parameter_group(dax, get_str(request, "ParameterGroupName") or "")
    pairs = get_list(request, "ParameterNameValues") or []
    if not pairs:
        raise InvalidParameterValueException("ParameterNameValues must name a parameter.")
    changes: dict[str, int] = {}
    for pair in pairs:
        if not isinstance(pair, dict):
            raise SerializationException("Unexpected value type in payload")
        name, value = get_str(pair, "ParameterName"), get_str(pair, "ParameterValue")
        if name not in (RECORD_TTL, QUERY_TTL):
            raise InvalidParameterValueException(
                f"Unknown parameter {name}: record-ttl-millis and query-ttl-millis are the "
                "only supported parameter names."
            )
        if value is None or not value.isdigit() or not value.isascii():
            raise InvalidParameterValueException(
                f"Parameter {name} takes a whole number of milliseconds, 0 or more, not {value}."
            )
        changes[name] = int(value)
    if group.name == DEFAULT_PARAMETER_GROUP:
        raise InvalidParameterValueException(
            f"The default parameter group {DEFAULT_PARAMETER_GROUP} cannot be modified: "
            "create a parameter group of your own."
        )
    group.record_ttl_millis = changes.get(RECORD_TTL, group.record_ttl_millis)
    group.query_ttl_millis = changes.get(QUERY_TTL, group.query_ttl_millis)
    return {"ParameterGroup": _group_shape(group)}


@operation("DescribeParameters", api=DAX, read_only=True)
def describe_parameters(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """The two TTL parameters of a parameter group and their values."""
    _required(request, ("ParameterGroupName", "parameterGroupName"))
    dax = dax_of(engine)
    group = _parameter_group(dax, get_str(request, "ParameterGroupName") or "")
    source = get_str(request, "Source")
    if source is not None and source not in ("user", "system"):
        raise InvalidParameterValueException(f"Source must be user or system, not {source}.")
    names = [] if source == "system" else [QUERY_TTL, RECORD_TTL]
    chosen, following = _page(request, names)
    response: dict[str, Any] = {"Parameters": [describe_parameter(group, n) for n in chosen]}
    if following is not None:
        response["NextToken"] = following
    return response


@operation("DescribeDefaultParameters", api=DAX, read_only=True)
def describe_default_parameters(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """The parameters a new parameter group starts with: both TTLs at five minutes."""
    chosen, following = _page(request, [QUERY_TTL, RECORD_TTL])
    response: dict[str, Any] = {"Parameters": [describe_parameter(None, n) for n in chosen]}
    if following is not None:
        response["NextToken"] = following
    return response


@operation("DeleteParameterGroup", api=DAX)
def delete_parameter_group(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Delete a parameter group that no cluster uses (the default one stays)."""
    _required(request, ("ParameterGroupName", "parameterGroupName"))
    dax = dax_of(engine)
    group = _parameter_group(dax, get_str(request, "ParameterGroupName") or "")
    if group.name == DEFAULT_PARAMETER_GROUP:
        raise InvalidParameterValueException(
            f"The default parameter group {DEFAULT_PARAMETER_GROUP} cannot be deleted."
        )
    users = [c.name for c in dax.clusters.values() if c.parameter_group == group.name]
    if users:
        raise InvalidParameterGroupStateFault(
            f"Parameter group {group.name} is in use by cluster {', '.join(users)}."
        )
    del dax.parameter_groups[group.name]
    return {"DeletionMessage": f"Parameter group {group.name} has been deleted."}


def serving_cluster(engine: Engine, name: str, now: float) -> Cluster:
    """The cluster a data-plane call names, if it can answer: available or modifying."""
    dax = dax_of(engine)
    cluster = _cluster(dax, name, message=f"Cluster {name} not found.")
    status = cluster.status(now)
    if status not in SERVED_STATUSES:
        raise InvalidClusterStateFault(
            f"Cluster {cluster.name} is {status}: its nodes answer once it is available "
            "(advance the simulated clock)."
        )
    return cluster
