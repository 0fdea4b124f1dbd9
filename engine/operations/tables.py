"""Table operations: CreateTable, DescribeTable, ListTables, UpdateTable, DeleteTable, tags,
DescribeLimits."""

from __future__ import annotations

import unicodedata
from typing import Any

from engine.catalog import operation
from engine.core import Engine
from engine.errors import (
    LimitExceededException,
    ResourceInUseException,
    ResourceNotFoundException,
    ValidationException,
)
from engine.keys import KeySchema
from engine.operations import replicas
from engine.table import Table, Throughput
from engine.validation import (
    Violations,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
    get_str_list,
)

BILLING_MODES = ("PROVISIONED", "PAY_PER_REQUEST")
PROJECTION_TYPES = ("ALL", "KEYS_ONLY", "INCLUDE")
STREAM_VIEW_TYPES = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
MAX_LOCAL_INDEXES = 5
MAX_GLOBAL_INDEXES = 20
MAX_THROUGHPUT = 40000
#: Provisioned capacity over all of an account's tables in one Region (the service's default
#: quota, as DescribeLimits reports it; DynaLab checks only the per-table MAX_THROUGHPUT).
ACCOUNT_MAX_THROUGHPUT = 80000
MAX_TAGS = 50
TAG_PUNCTUATION = frozenset("+-=._:/")
#: Global secondary indexes may key on up to four partition and four sort attributes.
MAX_MULTI_KEY_ATTRIBUTES = 4
#: NonKeyAttributes of one index, and of all a table's indexes together.
MAX_NON_KEY_ATTRIBUTES = 20
MAX_PROJECTED_ATTRIBUTES = 100
INVALID = "One or more parameter values were invalid: "


def _table_not_found(name: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Requested resource not found: Table: {name} not found")


# ---------------------------------------------------------------------- CreateTable
@operation("CreateTable", creates_table=True)
def create_table(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Create a table. O(1)."""
    violations = Violations()
    name = get_str(request, "TableName")
    violations.table_name(name)
    definitions = get_list(request, "AttributeDefinitions")
    key_schema = get_list(request, "KeySchema")
    billing_mode = get_str(request, "BillingMode")
    throughput = get_dict(request, "ProvisionedThroughput")
    local_indexes = get_list(request, "LocalSecondaryIndexes")
    global_indexes = get_list(request, "GlobalSecondaryIndexes")
    stream = get_dict(request, "StreamSpecification")
    tags = get_list(request, "Tags")
    table_class = get_str(request, "TableClass")
    deletion_protection = get_bool(request, "DeletionProtectionEnabled")

    violations.not_null(definitions, "attributeDefinitions")
    for position, definition in enumerate(definitions or [], 1):
        _check_definition(violations, definition, f"attributeDefinitions.{position}.member")
    if violations.not_null(key_schema, "keySchema"):
        violations.length(key_schema, "keySchema", 1, 2)
        for position, element in enumerate(key_schema, 1):
            _check_key_element(violations, element, f"keySchema.{position}.member")
    violations.enum(billing_mode, "billingMode", BILLING_MODES)
    _check_throughput(violations, throughput, "provisionedThroughput")
    for position, index in enumerate(local_indexes or [], 1):
        _check_index_shape(violations, index, f"localSecondaryIndexes.{position}.member")
    for position, index in enumerate(global_indexes or [], 1):
        _check_index_shape(
            violations,
            index,
            f"globalSecondaryIndexes.{position}.member",
            max_key_elements=2 * MAX_MULTI_KEY_ATTRIBUTES,
        )
        _check_throughput(
            violations,
            index.get("ProvisionedThroughput") if isinstance(index, dict) else None,
            f"globalSecondaryIndexes.{position}.member.provisionedThroughput",
        )
    if stream is not None:
        violations.enum(
            stream.get("StreamViewType"), "streamSpecification.streamViewType", STREAM_VIEW_TYPES
        )
    violations.raise_if_any()
    _check_table_class(table_class)

    mode = billing_mode or "PROVISIONED"
    if mode == "PAY_PER_REQUEST" and throughput is not None:
        raise ValidationException(
            INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
            "BillingMode is PAY_PER_REQUEST"
        )
    if mode == "PROVISIONED" and throughput is None:
        raise ValidationException(
            INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when "
            "BillingMode is PROVISIONED"
        )
    schema = _key_schema(key_schema, definitions)
    defined = {d["AttributeName"] for d in definitions}
    if len(defined) != len(definitions):
        seen: set[str] = set()
        for definition in definitions:
            if definition["AttributeName"] in seen:
                raise ValidationException(
                    f"Attribute Name is duplicated: {definition['AttributeName']}"
                )
            seen.add(definition["AttributeName"])
    index_attributes: set[str] = set(schema.names)
    described_local = [
        _index_definition(index, definitions, schema, local=True, billing_mode=mode)
        for index in local_indexes or []
    ]
    described_global = [
        _index_definition(index, definitions, schema, local=False, billing_mode=mode)
        for index in global_indexes or []
    ]
    _check_projected_total(described_local + described_global)
    if local_indexes is not None and not local_indexes:
        raise ValidationException(INVALID + "List of LocalSecondaryIndexes is empty")
    if global_indexes is not None and not global_indexes:
        raise ValidationException(INVALID + "List of GlobalSecondaryIndexes is empty")
    if len(described_local) > MAX_LOCAL_INDEXES:
        raise ValidationException(
            INVALID
            + f"Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LOCAL_INDEXES}"
        )
    if len(described_global) > MAX_GLOBAL_INDEXES:
        # UpdateTable's 21st index is a LimitExceededException; CreateTable's a validation.
        raise ValidationException(
            INVALID + f"GlobalSecondaryIndex count exceeds the per-table limit of "
            f"{MAX_GLOBAL_INDEXES}"
        )
    seen_names: set[str] = set()
    for index in described_local + described_global:
        if index["IndexName"] in seen_names:
            raise ValidationException(INVALID + f"Duplicate index name: {index['IndexName']}")
        seen_names.add(index["IndexName"])
        index_attributes.update(k["AttributeName"] for k in index["KeySchema"])
    if defined != index_attributes:
        raise ValidationException(
            INVALID + "Number of attributes in KeySchema does not exactly match number of "
            "attributes defined in AttributeDefinitions"
        )
    stream_specification = _stream_specification(stream)
    tag_map = _tags(tags or [])

    assert name is not None
    if name in engine.tables:
        raise ResourceInUseException(f"Table already exists: {name}")
    if throughput is not None:
        _check_table_maximum(engine, throughput)
    now = engine.now()
    read, write = (0, 0)
    if throughput is not None:
        read, write = throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]
    table = Table(
        name=name,
        schema=schema,
        attribute_definitions=[
            {"AttributeName": d["AttributeName"], "AttributeType": d["AttributeType"]}
            for d in definitions
        ],
        arn=engine.table_arn(name),
        created_at=now,
        billing_mode=mode,
        billing_mode_explicit=billing_mode is not None,
        throughput=Throughput(read=read, write=write),
        last_update_to_pay_per_request=now if mode == "PAY_PER_REQUEST" else None,
        stream_specification=stream_specification,
        local_indexes=described_local,
        global_indexes=described_global,
        tags=tag_map,
        deletion_protection=bool(deletion_protection),
        table_class=table_class or "STANDARD",
        active_at=now,
    )
    engine.add_table(table)
    description = engine.describe_table(table, now)
    # The service answers CreateTable while the table is still being created, and without
    # the time it became on-demand (DescribeTable shows it).
    description["TableStatus"] = "CREATING"
    description.get("BillingModeSummary", {}).pop("LastUpdateToPayPerRequestDateTime", None)
    for index in description.get("GlobalSecondaryIndexes", []):
        index["IndexStatus"] = "CREATING"
    return {"TableDescription": description}


TABLE_CLASSES = ("STANDARD", "STANDARD_INFREQUENT_ACCESS")


def _check_table_class(table_class: str | None) -> None:
    """The service checks TableClass itself, after the request's shape, in its own words."""
    if table_class is not None and table_class not in TABLE_CLASSES:
        raise ValidationException(
            "Invalid table-class parameter provided. Please try again with a valid table-class "
            f"value: [{', '.join(TABLE_CLASSES)}]."
        )


def _check_table_maximum(engine: Engine, throughput: dict[str, Any]) -> None:
    """A table's provisioned capacity above the account's per-table quota (DescribeLimits'
    TableMax*CapacityUnits) is refused, reads named first, as the service does for
    CreateTable and UpdateTable. O(1)."""
    for unit in ("ReadCapacityUnits", "WriteCapacityUnits"):
        requested = throughput[unit]
        if requested > MAX_THROUGHPUT:
            raise LimitExceededException(
                f"The requested {unit}, {requested}, is above the per table maximum for the "
                f"account in {engine.region}. Per table maximum: {MAX_THROUGHPUT}. Refer to the "
                "Amazon DynamoDB Developer Guide for current limits and how to request higher "
                "limits."
            )


def _check_definition(violations: Violations, definition: Any, path: str) -> None:
    if not isinstance(definition, dict):
        violations.not_null(None, path)
        return
    name = definition.get("AttributeName")
    if violations.not_null(name, f"{path}.attributeName"):
        violations.length(name, f"{path}.attributeName", 1, 255)
    kind = definition.get("AttributeType")
    if violations.not_null(kind, f"{path}.attributeType"):
        violations.enum(kind, f"{path}.attributeType", ("B", "N", "S"))


def _check_key_element(violations: Violations, element: Any, path: str) -> None:
    if not isinstance(element, dict):
        violations.not_null(None, path)
        return
    name = element.get("AttributeName")
    if violations.not_null(name, f"{path}.attributeName"):
        violations.length(name, f"{path}.attributeName", 1, 255)
    kind = element.get("KeyType")
    if violations.not_null(kind, f"{path}.keyType"):
        violations.enum(kind, f"{path}.keyType", ("HASH", "RANGE"))


def _check_throughput(violations: Violations, throughput: Any, path: str) -> None:
    if throughput is None:
        return
    for field, wire in (
        ("readCapacityUnits", "ReadCapacityUnits"),
        ("writeCapacityUnits", "WriteCapacityUnits"),
    ):
        value = get_int(throughput, wire)
        if violations.not_null(value, f"{path}.{field}"):
            violations.range(value, f"{path}.{field}", 1)


def _check_index_shape(
    violations: Violations, index: Any, path: str, *, max_key_elements: int = 2
) -> None:
    if not isinstance(index, dict):
        violations.not_null(None, path)
        return
    name = index.get("IndexName")
    if violations.not_null(name, f"{path}.indexName"):
        violations.length(name, f"{path}.indexName", 3, 255)
        if isinstance(name, str):
            from engine.validation import TABLE_NAME_PATTERN

            if not TABLE_NAME_PATTERN.fullmatch(name):
                violations.add(
                    name,
                    f"{path}.indexName",
                    "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
                )
    key_schema = index.get("KeySchema")
    if violations.not_null(key_schema, f"{path}.keySchema"):
        violations.length(key_schema, f"{path}.keySchema", 1, max_key_elements)
        for position, element in enumerate(key_schema, 1):
            _check_key_element(violations, element, f"{path}.keySchema.{position}.member")
    projection = index.get("Projection")
    if violations.not_null(projection, f"{path}.projection") and isinstance(projection, dict):
        violations.enum(
            projection.get("ProjectionType"), f"{path}.projection.projectionType", PROJECTION_TYPES
        )
        non_key = get_str_list(projection, "NonKeyAttributes")
        if non_key is not None:
            non_key_path = f"{path}.projection.nonKeyAttributes"
            violations.length(non_key, non_key_path, 1, MAX_NON_KEY_ATTRIBUTES)
            if any(not 1 <= len(name) <= 255 for name in non_key):
                violations.add(
                    non_key,
                    non_key_path,
                    "Member must satisfy constraint: [Member must have length less than or "
                    "equal to 255, Member must have length greater than or equal to 1]",
                )


def _key_schema(elements: list[dict[str, Any]], definitions: list[dict[str, Any]]) -> KeySchema:
    if elements[0]["KeyType"] != "HASH":
        raise ValidationException(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        )
    if len(elements) == 2:
        if elements[1]["KeyType"] != "RANGE":
            raise ValidationException(
                "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"
            )
        if elements[0]["AttributeName"] == elements[1]["AttributeName"]:
            raise ValidationException(
                "Both the Hash Key and the Range Key element in the KeySchema have the same name"
            )
    types = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    missing = [e["AttributeName"] for e in elements if e["AttributeName"] not in types]
    if missing:
        raise ValidationException(
            INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(e['AttributeName'] for e in elements)}], "
            f"AttributeDefinitions: [{', '.join(types)}]"
        )
    partition = elements[0]["AttributeName"]
    if len(elements) == 1:
        return KeySchema(partition, types[partition])
    sort = elements[1]["AttributeName"]
    return KeySchema(partition, types[partition], sort, types[sort])


def _global_index_key_schema(
    name: str, elements: list[dict[str, Any]], definitions: list[dict[str, Any]]
) -> KeySchema:
    """A GSI's key: one to four HASH attributes, then up to four RANGE attributes."""
    kinds = [e["KeyType"] for e in elements]
    if kinds.count("HASH") <= 1 and kinds.count("RANGE") <= 1:
        return _key_schema(elements, definitions)
    if kinds[0] != "HASH":
        raise ValidationException(
            "Invalid KeySchema: The first KeySchemaElement is not a HASH key type"
        )
    first_range = kinds.index("RANGE") if "RANGE" in kinds else len(kinds)
    if "HASH" in kinds[first_range:]:
        raise ValidationException(
            INVALID + "All HASH key attributes must precede RANGE key attributes in the KeySchema"
        )
    for kind, count in (("HASH", first_range), ("RANGE", len(kinds) - first_range)):
        if count > MAX_MULTI_KEY_ATTRIBUTES:
            raise ValidationException(
                INVALID
                + f"The KeySchema exceeds the maximum allowed number of {kind} key attributes"
            )
    names = [e["AttributeName"] for e in elements]
    if len(set(names)) != len(names):
        raise ValidationException(
            "The KeySchema contains multiple key attributes with the same name"
        )
    types = {d["AttributeName"]: d["AttributeType"] for d in definitions}
    missing = [n for n in names if n not in types]
    if missing:
        raise ValidationException(
            INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
            f"Keys: [{', '.join(names)}], AttributeDefinitions: [{', '.join(types)}]"
        )
    sort = names[first_range] if first_range < len(names) else None
    return KeySchema(names[0], types[names[0]], sort, types[sort] if sort else None)


def _index_definition(
    index: dict[str, Any],
    definitions: list[dict[str, Any]],
    table_schema: KeySchema,
    *,
    local: bool,
    billing_mode: str,
) -> dict[str, Any]:
    name = index["IndexName"]
    elements = index["KeySchema"]
    if local:
        schema = _key_schema(elements, definitions)
    else:
        schema = _global_index_key_schema(name, elements, definitions)
    if local:
        if table_schema.sort_key is None:
            raise ValidationException(
                INVALID + "Table KeySchema does not have a range key, which is required when "
                "specifying a LocalSecondaryIndex"
            )
        if schema.partition_key != table_schema.partition_key:
            raise ValidationException(
                INVALID + "Index KeySchema does not have the same leading hash key as table "
                f"KeySchema for index: {name}. index hash key: {schema.partition_key}, "
                f"table hash key: {table_schema.partition_key}"
            )
        if schema.sort_key is None:
            raise ValidationException(
                INVALID + f"Index KeySchema does not have a range key for index: {name}"
            )
    projection = dict(index["Projection"])
    kind = projection.get("ProjectionType")
    non_key = projection.get("NonKeyAttributes")
    if kind == "INCLUDE" and not non_key:
        raise ValidationException(
            INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
        )
    if kind == "INCLUDE":
        seen_attributes: set[str] = set()
        for attribute in non_key:
            if attribute in seen_attributes:
                raise ValidationException(
                    INVALID + f"Duplicate element in NonKeyAttributes: {attribute}"
                )
            seen_attributes.add(attribute)
    if kind in ("ALL", "KEYS_ONLY") and non_key:
        raise ValidationException(
            INVALID + f"ProjectionType is {kind}, but NonKeyAttributes is specified"
        )
    if kind is None:
        raise ValidationException(INVALID + "Unknown ProjectionType: null")
    definition: dict[str, Any] = {
        "IndexName": name,
        "KeySchema": [
            {"AttributeName": e["AttributeName"], "KeyType": e["KeyType"]} for e in elements
        ],
        "Projection": projection,
    }
    if not local:
        throughput = index.get("ProvisionedThroughput")
        if billing_mode == "PROVISIONED" and throughput is None:
            raise ValidationException(
                INVALID + f"ProvisionedThroughput must be specified for index: {name}"
            )
        if billing_mode == "PAY_PER_REQUEST" and throughput is not None:
            raise ValidationException(
                INVALID + f"ProvisionedThroughput should not be specified for index: {name} "
                "when BillingMode is PAY_PER_REQUEST"
            )
        if throughput is not None:
            definition["ProvisionedThroughput"] = {
                "ReadCapacityUnits": throughput["ReadCapacityUnits"],
                "WriteCapacityUnits": throughput["WriteCapacityUnits"],
            }
    return definition


def _check_projected_total(indexes: list[dict[str, Any]]) -> None:
    """At most 100 NonKeyAttributes across a table's indexes; an attribute projected into
    two indexes counts twice."""
    total = sum(len(index["Projection"].get("NonKeyAttributes") or []) for index in indexes)
    if total > MAX_PROJECTED_ATTRIBUTES:
        raise ValidationException(
            INVALID + "Number of projected attributes in all indexes exceeds limit of "
            f"{MAX_PROJECTED_ATTRIBUTES}"
        )


#: How the service words a StreamViewType missing on enabling, or given on disabling.
_VIEW_TYPE_RULES = {
    "CreateTable": (
        "Table is being created with a stream enabled, UpdateViewType is required",
        "Table is being created with a stream disabled, UpdateViewType should not be specified",
    ),
    "UpdateTable": (
        "If stream is being enabled then UpdateViewType is required",
        "If stream is being disabled, then UpdateViewType must not be specified",
    ),
}


def _stream_specification(
    stream: dict[str, Any] | None, operation: str = "CreateTable"
) -> dict[str, Any] | None:
    if stream is None:
        return None
    enabled = get_bool(stream, "StreamEnabled")
    if enabled is None:
        raise ValidationException(
            "1 validation error detected: Value null at 'streamSpecification.streamEnabled' "
            "failed to satisfy constraint: Member must not be null"
        )
    view_type = stream.get("StreamViewType")
    required, forbidden = _VIEW_TYPE_RULES[operation]
    if enabled and view_type is None:
        raise ValidationException(INVALID + required)
    if not enabled and view_type is not None:
        raise ValidationException(INVALID + forbidden)
    if not enabled:
        return None
    return {"StreamEnabled": True, "StreamViewType": view_type}


def _tags(tags: list[Any], existing: dict[str, str] | None = None) -> dict[str, str]:
    """Tags checked as the service checks them; returns ``existing`` merged with them."""
    result: dict[str, str] = {}
    violations = Violations()
    for position, tag in enumerate(tags, 1):
        if not isinstance(tag, dict):
            violations.not_null(None, f"tags.{position}.member")
            continue
        key, value = get_str(tag, "Key"), get_str(tag, "Value")
        if violations.not_null(key, f"tags.{position}.member.key"):
            violations.length(key, f"tags.{position}.member.key", 1, 128)
        if violations.not_null(value, f"tags.{position}.member.value"):
            violations.length(value, f"tags.{position}.member.value", 0, 256)
    violations.raise_if_any()
    for tag in tags:
        key, value = tag["Key"], tag["Value"]
        if not _tag_text(key):
            raise ValidationException(f"The Tag Key provided is invalid, Key: {key}")
        if not _tag_text(value):
            raise ValidationException(f"The Tag Value provided is invalid, Value: {value}")
        if key.lower().startswith("aws:"):
            raise ValidationException(f"Tag Key cannot be prefixed with aws:, Key: {key}")
        if key in result:
            raise ValidationException(
                f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}"
            )
        result[key] = value
    merged = {**(existing or {}), **result}
    if len(merged) > MAX_TAGS:
        raise ValidationException(
            "Number of Tags exceed the current limit for the provided ResourceArn"
        )
    return merged


def _tag_text(text: str) -> bool:
    """Letters, numbers, white space and + - = . _ : / (the set DynamoDB documents)."""
    return all(c in TAG_PUNCTUATION or unicodedata.category(c)[0] in "LNZ" for c in text)


# ---------------------------------------------------------------------- DescribeTable
@operation("DescribeTable", read_only=True)
def describe_table(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Describe a table. O(indexes)."""
    name = _required_table_name(request)
    table = engine.tables.get(engine.resolve_table_name(name))
    if table is None:
        raise _table_not_found(name)
    return {"Table": engine.describe_table(table)}


def _required_table_name(request: dict[str, Any]) -> str:
    violations = Violations()
    name = get_str(request, "TableName")
    if name is not None and name.startswith("arn:"):
        violations.length(name, "tableName", 1, 1024)
    else:
        violations.table_name(name)
    violations.raise_if_any()
    assert name is not None
    return name


# ---------------------------------------------------------------------- ListTables
@operation("ListTables", read_only=True)
def list_tables(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """List table names in order, up to Limit (100) after ExclusiveStartTableName. O(T log T)."""
    violations = Violations()
    start = get_str(request, "ExclusiveStartTableName")
    limit = get_int(request, "Limit")
    violations.table_name(start, "exclusiveStartTableName", required=False)
    violations.range(limit, "limit", 1, 100)
    violations.raise_if_any()
    names = sorted(engine.tables)
    if start is not None:
        names = [n for n in names if n > start]
    limit = limit or 100
    page = names[:limit]
    response: dict[str, Any] = {"TableNames": page}
    if len(names) > limit:
        response["LastEvaluatedTableName"] = page[-1]
    return response


# ---------------------------------------------------------------------- DescribeLimits
@operation("DescribeLimits", read_only=True)
def describe_limits(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """The provisioned-capacity quotas of this account and Region: the service's defaults,
    80,000 read and write capacity units over all tables, 40,000 for one table with its
    global secondary indexes. DynaLab refuses a table's own throughput above the per-table
    figure (``_check_table_maximum``). Takes no parameters. O(1)."""
    return {
        "AccountMaxReadCapacityUnits": ACCOUNT_MAX_THROUGHPUT,
        "AccountMaxWriteCapacityUnits": ACCOUNT_MAX_THROUGHPUT,
        "TableMaxReadCapacityUnits": MAX_THROUGHPUT,
        "TableMaxWriteCapacityUnits": MAX_THROUGHPUT,
    }


# ---------------------------------------------------------------------- UpdateTable
def _check_global_update(
    table: Table, group: Any, stream: dict[str, Any] | None, billing_mode: str | None, now: float
) -> None:
    """What a global table's replica refuses: disabling its stream, provisioned capacity
    (DynaLab has no auto scaling), and any change while a replica is being created."""
    if stream is not None and get_bool(stream, "StreamEnabled") is False:
        raise ValidationException(
            INVALID + "Disabling Stream is not allowed for a Global Table replica."
        )
    if billing_mode == "PROVISIONED":
        raise ValidationException(replicas.AUTOSCALED_MESSAGE)
    if any(replica.status(now) == "CREATING" for replica in group.replicas.values()):
        raise ResourceInUseException(replicas.IN_USE_MESSAGE)


@operation("UpdateTable")
def update_table(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Change billing mode, provisioned throughput, streams, deletion protection or class."""
    name = _required_table_name(request)
    violations = Violations()
    billing_mode = get_str(request, "BillingMode")
    throughput = get_dict(request, "ProvisionedThroughput")
    stream = get_dict(request, "StreamSpecification")
    deletion_protection = get_bool(request, "DeletionProtectionEnabled")
    table_class = get_str(request, "TableClass")
    index_updates = get_list(request, "GlobalSecondaryIndexUpdates")
    violations.enum(billing_mode, "billingMode", BILLING_MODES)
    _check_throughput(violations, throughput, "provisionedThroughput")
    if stream is not None:
        violations.enum(
            stream.get("StreamViewType"), "streamSpecification.streamViewType", STREAM_VIEW_TYPES
        )
    violations.raise_if_any()
    _check_table_class(table_class)
    if all(
        value is None
        for value in (
            billing_mode,
            throughput,
            stream,
            deletion_protection,
            table_class,
            index_updates,
            request.get("SSESpecification"),
            request.get("ReplicaUpdates"),
        )
    ):
        raise ValidationException(
            "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
            "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
            "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
            "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is "
            "required"
        )
    if index_updates is not None and not index_updates:
        raise ValidationException(INVALID + "List of GlobalSecondaryIndexUpdates is empty")
    if any(
        request.get(field) is not None
        for field in ("ReplicaUpdates", "MultiRegionConsistency", "GlobalTableWitnessUpdates")
    ):
        replicas.check_request(request)
    table = engine.tables.get(engine.resolve_table_name(name))
    if table is None:
        raise _table_not_found(name)
    if request.get("ReplicaUpdates") is not None:
        return replicas.update_replicas(engine, table, request)
    if engine.creating_replicas and engine._still_creating(table):
        raise _table_not_found(name)
    now = engine.now()
    replication = engine.regions.replication if engine.regions is not None else None
    group = replication.group_of(engine.region, table.name) if replication else None
    if group is not None:
        _check_global_update(table, group, stream, billing_mode, now)
    if index_updates:
        definitions = get_list(request, "AttributeDefinitions")
        _apply_index_updates(engine, table, index_updates, definitions)
        engine.table_updated(table)
        if replication is not None:
            # A global table's schema is group-wide: every replica gets the index change.
            for peer, peer_table in replication.peers(engine.region, table):
                _apply_index_updates(peer, peer_table, index_updates, definitions)
                peer.table_updated(peer_table)
        description = engine.describe_table(table, now)
        description["TableStatus"] = "UPDATING"
        return {"TableDescription": description}
    target_mode = billing_mode or table.billing_mode
    if target_mode == "PAY_PER_REQUEST" and throughput is not None:
        raise ValidationException(
            INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
            "BillingMode is PAY_PER_REQUEST"
        )
    if (
        billing_mode == "PROVISIONED"
        and table.billing_mode == "PAY_PER_REQUEST"
        and throughput is None
    ):
        raise ValidationException(
            INVALID + "ProvisionedThroughput must be specified when BillingMode is PROVISIONED"
        )
    if throughput is not None and target_mode == "PROVISIONED":
        _check_table_maximum(engine, throughput)
    if throughput is not None and target_mode == table.billing_mode == "PROVISIONED":
        read, write = throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]
        current = table.throughput
        if read == current.read and write == current.write:
            raise ValidationException(
                "The provisioned throughput for the table will not change. The requested value "
                "equals the current value. Current ReadCapacityUnits provisioned for the table: "
                f"{current.read}. Requested ReadCapacityUnits: {read}. Current WriteCapacityUnits "
                f"provisioned for the table: {current.write}. Requested WriteCapacityUnits: {write}. "
                "Refer to the Amazon DynamoDB Developer Guide for current limits and how to "
                "request higher limits."
            )
        if read < current.read or write < current.write:
            _check_decrease_allowed(current, now)
    status = "ACTIVE"
    if billing_mode is not None and billing_mode != table.billing_mode:
        table.billing_mode = billing_mode
        table.billing_mode_explicit = True
        if billing_mode == "PAY_PER_REQUEST":
            table.last_update_to_pay_per_request = now
            table.throughput = Throughput()
        else:
            table.throughput = Throughput(
                read=throughput["ReadCapacityUnits"], write=throughput["WriteCapacityUnits"]
            )
        status = "UPDATING"
    elif billing_mode is not None:
        table.billing_mode_explicit = True
        if billing_mode == "PAY_PER_REQUEST":
            # The service accepts on-demand sent again to an on-demand table and answers
            # UPDATING, though nothing changes (DescribeTable shows ACTIVE at once).
            status = "UPDATING"
    if throughput is not None and table.billing_mode == "PROVISIONED" and status == "ACTIVE":
        current = table.throughput
        read, write = throughput["ReadCapacityUnits"], throughput["WriteCapacityUnits"]
        if read > current.read or write > current.write:
            current.last_increase = now
        if read < current.read or write < current.write:
            current.last_decrease = now
            current.decreases_today += 1
        current.read, current.write = read, write
        status = "UPDATING"
    if stream is not None:
        # The specification is checked on its own first (a missing view type is reported
        # even when the stream is already enabled).
        specification = _stream_specification(stream, "UpdateTable")
        currently = bool(table.stream_specification)
        if specification and currently:
            raise ValidationException(
                f"Table already has an enabled stream: TableName: {table.name}"
            )
        if specification is None and not currently:
            raise ValidationException(f"Table has no stream to disable: TableName: {table.name}")
        table.stream_specification = specification
    if deletion_protection is not None:
        table.deletion_protection = deletion_protection
    if table_class is not None:
        table.table_class = table_class
    engine.table_updated(table)  # a new StreamSpecification opens or closes a stream
    description = engine.describe_table(table, now)
    description["TableStatus"] = status
    return {"TableDescription": description}


#: Decreases per UTC day: any 4, then one more for each hour without a decrease (27 at most).
FREE_DECREASES_PER_DAY = 4
DECREASE_INTERVAL_SECONDS = 3600


def _check_decrease_allowed(throughput: Throughput, now: float) -> None:
    """The service's quota on decreases (resetting the count on a new UTC day)."""
    import datetime

    def day(moment: float) -> datetime.date:
        return datetime.datetime.fromtimestamp(moment, tz=datetime.UTC).date()

    def shown(moment: float) -> str:
        when = datetime.datetime.fromtimestamp(moment, tz=datetime.UTC)
        return when.strftime("%A, %B %-d, %Y %-I:%M:%S %p") + " Coordinated Universal Time"

    last = throughput.last_decrease
    if last is None or day(last) != day(now):
        throughput.decreases_today = 0
        return
    if throughput.decreases_today < FREE_DECREASES_PER_DAY:
        return
    if now - last >= DECREASE_INTERVAL_SECONDS:
        return
    raise LimitExceededException(
        "Subscriber limit exceeded: Provisioned throughput decreases are limited within a given "
        f"UTC day. After the first {FREE_DECREASES_PER_DAY} decreases, each subsequent decrease "
        f"in the same UTC day can be performed at most once every {DECREASE_INTERVAL_SECONDS} "
        f"seconds. Number of decreases today: {throughput.decreases_today}. Last decrease at "
        f"{shown(last)}. Next decrease can be made at "
        f"{shown(last + DECREASE_INTERVAL_SECONDS)}"
    )


def _apply_index_updates(
    engine: Engine, table: Table, updates: list[Any], definitions: list[Any] | None
) -> None:
    """GlobalSecondaryIndexUpdates: create (with a simulated backfill), update or delete."""
    from engine.indexes import SecondaryIndex

    creates_or_deletes = [
        u for u in updates if isinstance(u, dict) and ("Create" in u or "Delete" in u)
    ]
    if len(creates_or_deletes) > 1:
        raise LimitExceededException(
            "Subscriber limit exceeded: Only 1 online index can be created or deleted "
            "simultaneously per table"
        )
    now = engine.now()
    for update in updates:
        actions = [
            a for a in ("Create", "Update", "Delete") if isinstance(update, dict) and a in update
        ]
        if not actions:
            raise ValidationException(
                INVALID + "One of GlobalSecondaryIndexUpdate.Update, "
                "GlobalSecondaryIndexUpdate.Create, GlobalSecondaryIndexUpdate.Delete must not "
                "be null"
            )
        if len(actions) > 1:
            raise ValidationException(
                INVALID + "Only one global secondary index action is allowed per "
                "GlobalSecondaryIndexUpdate object"
            )
        action = actions[0]
        body = update[action]
        name = body.get("IndexName") if isinstance(body, dict) else None
        if action == "Create":
            if name in table.indexes:
                raise ValidationException("Attempting to create an index which already exists")
            if len(table.global_indexes) >= MAX_GLOBAL_INDEXES:
                raise LimitExceededException(
                    "Subscriber limit exceeded: Number of global secondary indexes exceeds "
                    f"per-table limit of {MAX_GLOBAL_INDEXES}"
                )
            violations = Violations()
            _check_index_shape(
                violations,
                body,
                "globalSecondaryIndexUpdates.1.member.create",
                max_key_elements=2 * MAX_MULTI_KEY_ATTRIBUTES,
            )
            violations.raise_if_any()
            if definitions is None:
                raise ValidationException(
                    INVALID + f"AttributeDefinitions is not specified for index: {name}"
                )
            # The new index's keys must be defined by this request, even when the table
            # already defines them; where the two disagree, the table's type is kept.
            _global_index_key_schema(name, body["KeySchema"], definitions)
            known = {d["AttributeName"]: d for d in table.attribute_definitions}
            for definition in definitions:
                known.setdefault(definition["AttributeName"], definition)
            merged = list(known.values())
            definition = _index_definition(
                body, merged, table.schema, local=False, billing_mode=table.billing_mode
            )
            _check_projected_total(table.local_indexes + table.global_indexes + [definition])
            used = set(table.schema.names)
            for index in table.local_indexes + table.global_indexes + [definition]:
                used.update(k["AttributeName"] for k in index["KeySchema"])
            table.attribute_definitions = [
                {"AttributeName": d["AttributeName"], "AttributeType": d["AttributeType"]}
                for d in merged
                if d["AttributeName"] in used
            ]
            types = {d["AttributeName"]: d["AttributeType"] for d in table.attribute_definitions}
            index = SecondaryIndex(
                definition, local=False, table_schema=table.schema, attribute_types=types
            )
            settings = table.settings
            index.backfill_until = now + max(
                5.0, table.size_bytes / max(settings.backfill_bytes_per_second, 1.0)
            )
            table.global_indexes.append(definition)
            table.indexes[index.name] = index
        elif action == "Delete":
            index = table.indexes.get(name)
            if index is None or index.local:
                raise ResourceNotFoundException(
                    f"Requested resource not found: Index: {name} not found"
                )
            del table.indexes[name]
            table.global_indexes = [g for g in table.global_indexes if g["IndexName"] != name]
            used = set(table.schema.names)
            for other in table.local_indexes + table.global_indexes:
                used.update(k["AttributeName"] for k in other["KeySchema"])
            table.attribute_definitions = [
                d for d in table.attribute_definitions if d["AttributeName"] in used
            ]
        else:
            index = table.indexes.get(name)
            if index is None or index.local:
                raise ResourceNotFoundException(
                    f"Requested resource not found: Index: {name} not found"
                )
            throughput = body.get("ProvisionedThroughput")
            violations = Violations()
            _check_throughput(
                violations,
                throughput,
                "globalSecondaryIndexUpdates.1.member.update.provisionedThroughput",
            )
            violations.raise_if_any()
            if table.billing_mode == "PAY_PER_REQUEST" and throughput is not None:
                raise ValidationException(
                    INVALID + "ProvisionedThroughput cannot be specified for index: "
                    f"{name} when BillingMode is PAY_PER_REQUEST"
                )
            if throughput is not None:
                index.definition["ProvisionedThroughput"] = {
                    "ReadCapacityUnits": throughput["ReadCapacityUnits"],
                    "WriteCapacityUnits": throughput["WriteCapacityUnits"],
                }


# ---------------------------------------------------------------------- DeleteTable
#: TableDescription fields DescribeTable shows and DeleteTable's answer leaves out.
DELETED_TABLE_OMITS = (
    "AttributeDefinitions",
    "KeySchema",
    "CreationDateTime",
    "LocalSecondaryIndexes",
    "GlobalSecondaryIndexes",
)


@operation("DeleteTable")
def delete_table(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Delete a table and all its items. O(1) here (memory is reclaimed by the collector)."""
    name = _required_table_name(request)
    table = engine.tables.get(engine.resolve_table_name(name))
    if table is None:
        raise _table_not_found(name)
    if engine.regions is not None:
        engine.regions.replication.check_removable(
            engine.region, table, engine.now(), deleting=True
        )
    if table.deletion_protection:
        raise ValidationException(
            "Resource cannot be deleted as it is currently protected against deletion. "
            "Disable deletion protection first."
        )
    description = engine.describe_table(table)
    description["TableStatus"] = "DELETING"
    # The service's answer describes what is being deleted, not its schema or indexes.
    for field in DELETED_TABLE_OMITS:
        description.pop(field, None)
    engine.remove_table(table)
    return {"TableDescription": description}


# ---------------------------------------------------------------------- tags
def _table_for_arn(
    engine: Engine, arn: str | None, entries: list[Any] | None = None, *, nothing: str = ""
) -> Table:
    """The table a tagging request's ResourceArn names, checked in the service's order: the
    ARN's form, then (TagResource, UntagResource) that ``entries`` is not empty, refused with
    ``nothing``, then the table."""
    violations = Violations()
    if violations.not_null(arn, "resourceArn"):
        violations.length(arn, "resourceArn", 1, 1283)
    violations.raise_if_any()
    assert arn is not None
    if not arn.startswith("arn:"):
        raise ValidationException(INVALID + f"ARNs must start with 'arn:': {arn}")
    parts = arn.split(":", 5)
    name = None
    if len(parts) == 6 and parts[2] == "dynamodb":
        region, account, resource = parts[3], parts[4], parts[5]
        if resource.startswith("table/") and "/" in resource[len("table/") :]:
            sub = resource[len("table/") :].split("/", 1)[1]
            if not sub.startswith("stream/"):
                raise ValidationException(
                    INVALID + "Invalid resource arn provided, only table or stream is "
                    f"accepted. Provided resource arn: {arn}"
                )
        elif resource.startswith("table/") and account == engine.account_id:
            if region != engine.region:
                raise ValidationException(
                    f"Invalid TableArn: Invalid ResourceArn provided as input {arn}"
                )
            name = resource[len("table/") :]
    if entries is not None and not entries:
        raise ValidationException(nothing)
    table = engine.tables.get(name) if name else None
    if table is None:
        raise ResourceNotFoundException(
            f"Requested resource not found: ResourcArn: {arn} not found"
        )
    return table


@operation("TagResource", empty_body=True)
def tag_resource(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Add or overwrite tags on a table (at most 50 tags). Answers ``{}``: on the wire the
    service sends an empty body (the catalog's ``empty_body``)."""
    arn = get_str(request, "ResourceArn")
    tags = get_list(request, "Tags")
    violations = Violations()
    violations.not_null(tags, "tags")
    violations.raise_if_any()
    assert tags is not None
    table = _table_for_arn(
        engine, arn, tags, nothing="Atleast one Tag needs to be provided as Input."
    )
    table.tags = _tags(tags, table.tags)
    return {}


@operation("UntagResource", empty_body=True)
def untag_resource(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Remove tags from a table by key. Answers ``{}``: on the wire the service sends an
    empty body (the catalog's ``empty_body``)."""
    arn = get_str(request, "ResourceArn")
    keys = get_str_list(request, "TagKeys")
    violations = Violations()
    if violations.not_null(keys, "tagKeys") and any(not 1 <= len(k) <= 128 for k in keys):
        violations.add(
            keys,
            "tagKeys",
            "Member must satisfy constraint: [Member must have length less than or equal to "
            "128, Member must have length greater than or equal to 1]",
        )
    violations.raise_if_any()
    table = _table_for_arn(
        engine, arn, keys, nothing="Atleast one Tag Key needs to be provided as Input."
    )
    assert keys is not None
    for key in keys:
        table.tags.pop(key, None)
    return {}


@operation("ListTagsOfResource", read_only=True)
def list_tags_of_resource(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """List a table's tags, ten to a page (NextToken)."""
    table = _table_for_arn(engine, get_str(request, "ResourceArn"))
    token = get_str(request, "NextToken")
    keys = sorted(table.tags)
    start = 0
    if token is not None:
        try:
            start = int(token)
        except ValueError:
            raise ValidationException(f"Invalid NextToken: {token}") from None
    page = keys[start : start + 10]
    response: dict[str, Any] = {"Tags": [{"Key": k, "Value": table.tags[k]} for k in page]}
    if start + 10 < len(keys):
        response["NextToken"] = str(start + 10)
    return response
