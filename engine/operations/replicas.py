"""UpdateTable ``ReplicaUpdates``: adding and removing a global table's replicas (version
2019.11.21), checked in the service's order with its messages (engine/replication.py does the
replicating).

The rules, as the service applies them: replica changes are the only change an UpdateTable
may make; one Create or one Delete per call (an Update changes a replica's settings; two
identical Creates count as one); never the Region the request is sent to; a Region global
tables support; no replica change while one is being created. Create refuses a Region that
already has a table of that name, and a table with provisioned write capacity (the service
wants it on-demand or auto scaled, and DynaLab has no auto scaling). Delete refuses a Region
that is not a replica, a replica with deletion protection, and a Region that added another
replica in the last 24 hours while that replica exists.

Multi-Region strong consistency (``MultiRegionConsistency`` STRONG, witnesses) is not
simulated: such a request is refused with a message saying so.
"""

from __future__ import annotations

from typing import Any

from engine.core import Engine
from engine.errors import ResourceInUseException, ValidationException
from engine.table import Table
from engine.validation import Violations

INVALID = "One or more parameter values were invalid: "
ACTIONS = ("Create", "Update", "Delete")
#: What an UpdateTable with ReplicaUpdates may not change at the same time.
OTHER_CHANGES = (
    "BillingMode",
    "ProvisionedThroughput",
    "GlobalSecondaryIndexUpdates",
    "StreamSpecification",
    "SSESpecification",
    "TableClass",
    "DeletionProtectionEnabled",
    "OnDemandThroughput",
    "WarmThroughput",
)
LOCAL_REGION_MESSAGE = (
    "Cannot add or delete the local region through ReplicaUpdates. Use CreateTable, "
    "DeleteTable, or UpdateTable as required."
)
NO_ACTION_MESSAGE = "There are no actions specified in the Replica Update Action of the request."
MIXED_MESSAGE = "Update table operation with more than one type of replica actions not allowed."
TWO_CHANGES_MESSAGE = (
    "Update table operation with more than one create or delete replica actions not allowed"
)
STRONG_MESSAGE = (
    "DynaLab does not simulate multi-Region strong consistency (MRSC): global tables here use "
    "multi-Region eventual consistency (MultiRegionConsistency EVENTUAL, the default)"
)
AUTOSCALED_MESSAGE = "Table write capacity should either be Pay-Per-Request or AutoScaled."
IN_USE_MESSAGE = "The resource which you are attempting to change is in use."


def check_request(request: dict[str, Any]) -> None:
    """The request-level rules, before the table is looked up."""
    updates = request.get("ReplicaUpdates")
    consistency = request.get("MultiRegionConsistency")
    violations = Violations()
    violations.enum(consistency, "multiRegionConsistency", ("EVENTUAL", "STRONG"))
    if updates is not None:
        if not isinstance(updates, list):
            from engine.validation import get_list

            get_list(request, "ReplicaUpdates")  # the service's SerializationException
        violations.length(updates, "replicaUpdates", 1, None)
        for position, update in enumerate(updates, 1):
            _check_update_shape(violations, update, f"replicaUpdates.{position}.member")
    violations.raise_if_any()
    if consistency == "STRONG" or request.get("GlobalTableWitnessUpdates") is not None:
        raise ValidationException(STRONG_MESSAGE)
    if updates is None:
        if consistency is not None:
            raise ValidationException(
                INVALID + "MultiRegionConsistency can only be specified when creating a global "
                "table with Create actions in ReplicaUpdates"
            )
        return
    if any(request.get(name) is not None for name in OTHER_CHANGES):
        raise ValidationException(
            INVALID + "Replica modification must be the only operation in the request"
        )


def _check_update_shape(violations: Violations, update: Any, path: str) -> None:
    if not isinstance(update, dict):
        violations.not_null(None, path)
        return
    for action in ACTIONS:
        body = update.get(action)
        if body is None:
            continue
        if not isinstance(body, dict):
            from engine.validation import get_dict

            get_dict(update, action)
        region = body.get("RegionName")
        if region is not None and not isinstance(region, str):
            from engine.validation import get_str

            get_str(body, "RegionName")
        violations.not_null(region, f"{path}.{action.lower()}.regionName")


def update_replicas(engine: Engine, table: Table, request: dict[str, Any]) -> dict[str, Any]:
    """Apply ``ReplicaUpdates`` to ``table`` in ``engine``'s Region; the UpdateTable answer."""
    from engine.regions import REGIONS, is_region
    from engine.replication import replication_of

    replication = replication_of(engine)
    now = engine.now()
    actions: list[tuple[str, dict[str, Any]]] = []
    for update in request["ReplicaUpdates"]:
        present = [action for action in ACTIONS if update.get(action) is not None]
        if not present:
            raise ValidationException(NO_ACTION_MESSAGE)
        if len(present) > 1:
            raise ValidationException(MIXED_MESSAGE)
        actions.append((present[0], update[present[0]]))
    if len({action for action, _ in actions}) > 1:
        raise ValidationException(MIXED_MESSAGE)
    kind = actions[0][0]
    regions = list(dict.fromkeys(body["RegionName"] for _, body in actions))
    if kind != "Update" and len(regions) > 1:
        raise ValidationException(TWO_CHANGES_MESSAGE)
    for region in regions:
        if region == engine.region:
            raise ValidationException(LOCAL_REGION_MESSAGE)
        if not is_region(region):
            raise ValidationException(
                f"Region {region} is not supported. The latest version of global tables are "
                f"only supported in the following regions: [{', '.join(REGIONS)}]."
            )
    group = replication.group_of(engine.region, table.name)
    if group is not None and any(r.status(now) == "CREATING" for r in group.replicas.values()):
        if group.replicas[engine.region].status(now) == "CREATING":
            raise ValidationException(
                "Create/Update/Delete of replica is not allowed while the replica is being "
                f"added to table with name: {table.name} in region {engine.region}"
            )
        raise ResourceInUseException(IN_USE_MESSAGE)
    members = set(group.replicas) if group is not None else {engine.region}
    strangers = [region for region in regions if region not in members]
    if kind in ("Update", "Delete") and strangers:
        raise ValidationException(
            "Update global table operation failed because one or more replicas were not part "
            "of the global table. Please retry the request without these replicas: "
            f"[{', '.join(strangers)}]."
        )
    before = engine.describe_table(table, now)
    if kind == "Create":
        region = regions[0]
        target = engine.regions.engines.get(region) if engine.regions is not None else None
        if region in members or (target is not None and table.name in target.tables):
            raise ValidationException(
                f"Failed to create a the new replica of table with name: '{table.name}' because "
                "one or more replicas already existed as tables."
            )
        if table.billing_mode == "PROVISIONED":
            raise ValidationException(AUTOSCALED_MESSAGE)
        table_class = _table_class(actions[0][1])
        replication.add_replica(engine, table, region, now, table_class=table_class)
        description = engine.describe_table(table, now)
        # The answer does not list the replica being created yet.
        description["Replicas"] = [
            entry for entry in description.get("Replicas", []) if entry["RegionName"] != region
        ]
    elif kind == "Delete":
        region = regions[0]
        assert engine.regions is not None
        target = engine.regions.engines[region]
        replica_table = target.tables[table.name]
        replication.check_removable(region, replica_table, now, deleting=False)
        target.remove_table(replica_table)
        # The answer still shows the replica being deleted, as it was.
        description = engine.describe_table(table, now)
        description["GlobalTableVersion"] = before.get("GlobalTableVersion")
        description["Replicas"] = before.get("Replicas", [])
    else:
        for _, body in actions:
            _update_replica(engine, table, body)
        description = engine.describe_table(table, now)
    description["TableStatus"] = "UPDATING"
    return {"TableDescription": description}


def _table_class(body: dict[str, Any]) -> str | None:
    table_class = body.get("TableClassOverride")
    if table_class is None:
        return None
    if table_class not in ("STANDARD", "STANDARD_INFREQUENT_ACCESS"):
        violations = Violations()
        violations.enum(
            table_class,
            "replicaUpdates.1.member.create.tableClassOverride",
            ("STANDARD", "STANDARD_INFREQUENT_ACCESS"),
        )
        violations.raise_if_any()
    return table_class


def _update_replica(engine: Engine, table: Table, body: dict[str, Any]) -> None:
    """ReplicaUpdates Update: the replica's table class (KMS keys and throughput overrides
    are the service's, refused or ignored as it does for an on-demand table)."""
    settings = [name for name in body if name != "RegionName" and body[name] is not None]
    if not settings:
        raise ValidationException(NO_ACTION_MESSAGE)
    if body.get("KMSMasterKeyId") is not None:
        raise ValidationException(INVALID + "KMSMasterKeyId must be specified for each replica.")
    if body.get("ProvisionedThroughputOverride") is not None:
        raise ValidationException(
            "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
            "BillingMode is PAY_PER_REQUEST"
        )
    table_class = _table_class(body)
    if table_class is not None:
        assert engine.regions is not None
        replica = engine.regions.engines[body["RegionName"]].tables[table.name]
        replica.table_class = table_class
