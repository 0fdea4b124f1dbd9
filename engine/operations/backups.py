"""Backups and point-in-time recovery: CreateBackup, DescribeBackup, ListBackups, DeleteBackup,
RestoreTableFromBackup, UpdateContinuousBackups, DescribeContinuousBackups and
RestoreTableToPointInTime. The state lives in engine/backups.py.

Restores always create a new table that stays CREATING (RestoreSummary.RestoreInProgress) for a
simulated duration that grows with the table's size. The service restores the items, the key
schema, the indexes (unless overridden), the billing mode and provisioned throughput; it does
not restore tags, stream settings, TTL settings, point-in-time recovery settings, auto scaling,
IAM policies or CloudWatch alarms, and neither does this engine.
"""

from __future__ import annotations

import copy
from typing import Any

# Registers the throughput extension and its DescribeThroughput operation as well.
from engine.backups import DEFAULT_RECOVERY_DAYS, Backup, Backups
from engine.catalog import operation
from engine.core import Engine
from engine.errors import (
    BackupInUseException,
    BackupNotFoundException,
    ContinuousBackupsUnavailableException,
    InvalidRestoreTimeException,
    LimitExceededException,
    PointInTimeRecoveryUnavailableException,
    SerializationException,
    TableAlreadyExistsException,
    TableNotFoundException,
    ValidationException,
)
from engine.operations.tables import BILLING_MODES, INVALID, _check_index_shape, _check_throughput
from engine.table import Table
from engine.validation import (
    TABLE_NAME_PATTERN,
    Violations,
    get_bool,
    get_dict,
    get_int,
    get_list,
    get_str,
)

BACKUP_TYPES = ("USER", "SYSTEM", "AWS_BACKUP", "ALL")
MAX_RECOVERY_DAYS = 35


def _backups(engine: Engine) -> Backups:
    return engine.extensions["backups"]  # type: ignore[return-value]


def _table_name(violations: Violations, request: dict[str, Any], key: str, path: str) -> str:
    """A table-name parameter that also accepts the table's ARN."""
    name = get_str(request, key)
    if name is not None and name.startswith("arn:"):
        violations.length(name, path, 1, 1024)
    else:
        violations.table_name(name, path)
    return name or ""


def _timestamp(request: dict[str, Any], key: str) -> float | None:
    value = request.get(key)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise SerializationException(
            "Start of structure or map found where not expected."
            if isinstance(value, dict)
            else f"class {type(value).__name__} can not be converted to a Timestamp"
        )
    return float(value)


def _table_not_found(name: str) -> TableNotFoundException:
    return TableNotFoundException(f"Table not found: {name}")


def _live_table(engine: Engine, name: str) -> Table:
    table = engine.tables.get(engine.resolve_table_name(name))
    if table is None:
        raise _table_not_found(name)
    return table


def _backup(engine: Engine, arn: str) -> Backup:
    backup = _backups(engine).backups.get(arn)
    if backup is None:
        raise BackupNotFoundException(f"Backup not found: {arn}")
    return backup


def _backup_arn(request: dict[str, Any]) -> str:
    violations = Violations()
    arn = get_str(request, "BackupArn")
    if violations.not_null(arn, "backupArn"):
        violations.length(arn, "backupArn", 37, 1024)
    violations.raise_if_any()
    assert arn is not None
    return arn


def _not_creating(engine: Engine, table: Table) -> None:
    if table.status(engine.now()) == "CREATING":
        raise ContinuousBackupsUnavailableException(
            f"Backups are being enabled for the table: {table.name}. Please retry later"
        )


# ---------------------------------------------------------------------- CreateBackup
@operation("CreateBackup")
def create_backup(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Back up a table: a deep copy of its items and definition at the request time."""
    violations = Violations()
    name = _table_name(violations, request, "TableName", "tableName")
    backup_name = get_str(request, "BackupName")
    if violations.not_null(backup_name, "backupName"):
        violations.length(backup_name, "backupName", 3, 255)
        if not TABLE_NAME_PATTERN.fullmatch(backup_name or ""):
            violations.add(
                backup_name,
                "backupName",
                "Member must satisfy regular expression pattern: [a-zA-Z0-9_.-]+",
            )
    violations.raise_if_any()
    assert backup_name is not None
    table = _live_table(engine, name)
    now = engine.now()
    _not_creating(engine, table)
    store = _backups(engine)
    for other in store.backups.values():
        if other.table_arn == table.arn and other.status(now) == "CREATING":
            raise BackupInUseException(
                "There is another ongoing conflicting backup control plane operation on the "
                f"table: {table.name}. Backup {other.arn} is being created."
            )
    backup = store.create_backup(table, backup_name, now)
    return {"BackupDetails": backup.details(now)}


# ---------------------------------------------------------------------- DescribeBackup
@operation("DescribeBackup", read_only=True)
def describe_backup(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """One on-demand backup: its table, size, status and what it holds."""
    backup = _backup(engine, _backup_arn(request))
    return {"BackupDescription": backup.description(engine.now())}


# ---------------------------------------------------------------------- ListBackups
@operation("ListBackups", read_only=True)
def list_backups(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Backups in creation order, filtered by table, creation time (lower bound inclusive, upper
    bound exclusive) and type (USER unless asked), at most Limit (1..100) a page."""
    violations = Violations()
    name = get_str(request, "TableName")
    if name is not None:
        _table_name(violations, request, "TableName", "tableName")
    limit = get_int(request, "Limit")
    violations.range(limit, "limit", 1, 100)
    kind = get_str(request, "BackupType")
    violations.enum(kind, "backupType", BACKUP_TYPES)
    start = get_str(request, "ExclusiveStartBackupArn")
    violations.length(start, "exclusiveStartBackupArn", 37, 1024)
    lower = _timestamp(request, "TimeRangeLowerBound")
    upper = _timestamp(request, "TimeRangeUpperBound")
    violations.raise_if_any()
    if lower is not None and upper is not None and lower > upper:
        # The service's words, as recorded against it.
        raise ValidationException(
            "One or more parameter values were invalid: Time range lower bound must be less "
            "than or equal to upper bound"
        )
    now = engine.now()
    wanted = {"USER"} if kind is None else ({"USER", "SYSTEM"} if kind == "ALL" else {kind})
    table_name = engine.resolve_table_name(name) if name is not None else None
    backups = sorted(
        (
            backup
            for backup in _backups(engine).backups.values()
            if backup.kind in wanted
            and (table_name is None or backup.table_name == table_name)
            and (lower is None or backup.created_at >= lower)
            and (upper is None or backup.created_at < upper)
        ),
        key=lambda backup: (backup.created_at, backup.arn),
    )
    if start is not None:
        anchor = _backups(engine).backups.get(start)
        if anchor is None:
            raise ValidationException(f"Invalid ExclusiveStartBackupArn: {start}")
        position = (anchor.created_at, anchor.arn)
        backups = [b for b in backups if (b.created_at, b.arn) > position]
    limit = limit or 100
    page = backups[:limit]
    response: dict[str, Any] = {"BackupSummaries": [backup.summary(now) for backup in page]}
    if len(backups) > limit:
        response["LastEvaluatedBackupArn"] = page[-1].arn
    return response


# ---------------------------------------------------------------------- DeleteBackup
@operation("DeleteBackup")
def delete_backup(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Delete an on-demand backup; refused while it is being created or restored."""
    arn = _backup_arn(request)
    backup = _backup(engine, arn)
    now = engine.now()
    if backup.status(now) == "CREATING":
        raise BackupInUseException(f"Backup is being created: {arn}")
    for table in _backups(engine).restores_in_progress(now):
        if (table.restore_summary or {}).get("SourceBackupArn") == arn:
            raise BackupInUseException(f"Backup is being restored to table: {table.name}")
    del _backups(engine).backups[arn]
    description = backup.description(now)
    description["BackupDetails"]["BackupStatus"] = "DELETED"
    return {"BackupDescription": description}


# ---------------------------------------------------------------------- restores
def _target_name(engine: Engine, request: dict[str, Any], violations: Violations) -> str:
    target = get_str(request, "TargetTableName")
    violations.table_name(target, "targetTableName")
    return target or ""


def _check_target(engine: Engine, target: str) -> None:
    if target in engine.tables:
        raise TableAlreadyExistsException(f"Table already exists: {target}")
    store = _backups(engine)
    if len(store.restores_in_progress(engine.now())) >= store.max_concurrent_restores:
        raise LimitExceededException(
            f"Subscriber limit exceeded: Only {store.max_concurrent_restores} concurrent "
            "restores are allowed per account"
        )


def _override_violations(request: dict[str, Any], violations: Violations) -> None:
    violations.enum(get_str(request, "BillingModeOverride"), "billingModeOverride", BILLING_MODES)
    _check_throughput(
        violations,
        get_dict(request, "ProvisionedThroughputOverride"),
        "provisionedThroughputOverride",
    )
    for key, path in (
        ("GlobalSecondaryIndexOverride", "globalSecondaryIndexOverride"),
        ("LocalSecondaryIndexOverride", "localSecondaryIndexOverride"),
    ):
        for position, index in enumerate(get_list(request, key) or [], 1):
            member = f"{path}.{position}.member"
            _check_index_shape(violations, index, member)
            if key.startswith("Global"):
                _check_throughput(
                    violations,
                    index.get("ProvisionedThroughput") if isinstance(index, dict) else None,
                    f"{member}.provisionedThroughput",
                )
    get_dict(request, "SSESpecificationOverride")


def _apply_overrides(state: dict[str, Any], request: dict[str, Any]) -> dict[str, Any]:
    """The restored table's definition: the source's, changed by the request's overrides."""
    state = copy.deepcopy(state)
    mode = get_str(request, "BillingModeOverride") or state["billing_mode"]
    throughput = get_dict(request, "ProvisionedThroughputOverride")
    if mode == "PAY_PER_REQUEST" and throughput is not None:
        raise ValidationException(
            INVALID + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when "
            "BillingMode is PAY_PER_REQUEST"
        )
    if mode == "PROVISIONED" and state["billing_mode"] == "PAY_PER_REQUEST" and not throughput:
        raise ValidationException(
            INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when "
            "BillingMode is PROVISIONED"
        )
    if mode != state["billing_mode"]:
        state["billing_mode"] = mode
        state["billing_mode_explicit"] = True
    if mode == "PAY_PER_REQUEST":
        state["throughput"].update(read=0, write=0)
    elif throughput is not None:
        state["throughput"].update(
            read=throughput["ReadCapacityUnits"], write=throughput["WriteCapacityUnits"]
        )
    for key, field, local in (
        ("GlobalSecondaryIndexOverride", "global_indexes", False),
        ("LocalSecondaryIndexOverride", "local_indexes", True),
    ):
        overrides = get_list(request, key)
        if overrides is None:
            continue
        existing = {index["IndexName"]: index for index in state[field]}
        chosen = []
        for override in overrides:
            name = override["IndexName"]
            source = existing.get(name)
            if source is None:
                raise ValidationException(
                    INVALID + f"{key} contains an index that does not exist in the source "
                    f"table: {name}"
                )
            if override["KeySchema"] != source["KeySchema"] or _projection(
                override["Projection"]
            ) != _projection(source["Projection"]):
                raise ValidationException(
                    INVALID + f"{key} must match the source table's index definition for "
                    f"index: {name}"
                )
            index = copy.deepcopy(source)
            if not local and override.get("ProvisionedThroughput") is not None:
                index["ProvisionedThroughput"] = {
                    "ReadCapacityUnits": override["ProvisionedThroughput"]["ReadCapacityUnits"],
                    "WriteCapacityUnits": override["ProvisionedThroughput"]["WriteCapacityUnits"],
                }
            chosen.append(index)
        state[field] = chosen
    for index in state["global_indexes"]:
        if mode == "PAY_PER_REQUEST":
            index.pop("ProvisionedThroughput", None)
        elif index.get("ProvisionedThroughput") is None:
            # A PAY_PER_REQUEST source restored as PROVISIONED: the GSIs get the table's units.
            index["ProvisionedThroughput"] = {
                "ReadCapacityUnits": state["throughput"]["read"],
                "WriteCapacityUnits": state["throughput"]["write"],
            }
    used = {state["schema"]["partition_key"]}
    if state["schema"].get("sort_key"):
        used.add(state["schema"]["sort_key"])
    for index in state["local_indexes"] + state["global_indexes"]:
        used.update(element["AttributeName"] for element in index["KeySchema"])
    state["attribute_definitions"] = [
        definition
        for definition in state["attribute_definitions"]
        if definition["AttributeName"] in used
    ]
    return state


def _projection(projection: dict[str, Any]) -> tuple[str, tuple[str, ...]]:
    return (
        projection.get("ProjectionType", ""),
        tuple(sorted(projection.get("NonKeyAttributes") or [])),
    )


def _restore_response(table: Table, now: float) -> dict[str, Any]:
    description = table.describe(now)
    description["TableStatus"] = "CREATING"
    for index in description.get("GlobalSecondaryIndexes", []):
        index["IndexStatus"] = "CREATING"
    return {"TableDescription": description}


@operation("RestoreTableFromBackup", creates_table=True)
def restore_table_from_backup(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Create a new table from a backup (the items and settings at backup time)."""
    violations = Violations()
    target = _target_name(engine, request, violations)
    arn = get_str(request, "BackupArn")
    if violations.not_null(arn, "backupArn"):
        violations.length(arn, "backupArn", 37, 1024)
    _override_violations(request, violations)
    violations.raise_if_any()
    assert arn is not None
    backup = _backup(engine, arn)
    now = engine.now()
    if backup.status(now) == "CREATING":
        raise BackupInUseException(f"Backup is being created: {arn}")
    _check_target(engine, target)
    state = _apply_overrides(backup.state, request)
    table = _backups(engine).restore(
        state,
        backup.state["items"],
        target,
        now,
        summary={
            "SourceBackupArn": backup.arn,
            "SourceTableArn": backup.table_arn,
            "RestoreDateTime": backup.created_at,
        },
        base_seconds=_backups(engine).restore_base_seconds,
    )
    return _restore_response(table, now)


# ---------------------------------------------------------------------- PITR
def _continuous_description(engine: Engine, table: Table) -> dict[str, Any]:
    now = engine.now()
    history = _backups(engine).histories.get(table.name)
    recovery: dict[str, Any]
    if history is None:
        recovery = {"PointInTimeRecoveryStatus": "DISABLED"}
    else:
        recovery = {
            "PointInTimeRecoveryStatus": "ENABLED",
            "RecoveryPeriodInDays": history.period_days,
            "EarliestRestorableDateTime": history.earliest(now),
            "LatestRestorableDateTime": history.latest(now),
        }
    return {
        "ContinuousBackupsDescription": {
            "ContinuousBackupsStatus": "ENABLED",
            "PointInTimeRecoveryDescription": recovery,
        }
    }


@operation("DescribeContinuousBackups", read_only=True)
def describe_continuous_backups(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Whether point-in-time recovery is on, and the window a restore may choose from."""
    violations = Violations()
    name = _table_name(violations, request, "TableName", "tableName")
    violations.raise_if_any()
    return _continuous_description(engine, _live_table(engine, name))


@operation("UpdateContinuousBackups")
def update_continuous_backups(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Enable (recording a base image from now on) or disable point-in-time recovery."""
    violations = Violations()
    name = _table_name(violations, request, "TableName", "tableName")
    specification = get_dict(request, "PointInTimeRecoverySpecification")
    enabled = None
    period = None
    if violations.not_null(specification, "pointInTimeRecoverySpecification"):
        assert specification is not None
        enabled = get_bool(specification, "PointInTimeRecoveryEnabled")
        violations.not_null(enabled, "pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled")
        period = get_int(specification, "RecoveryPeriodInDays")
        violations.range(
            period,
            "pointInTimeRecoverySpecification.recoveryPeriodInDays",
            1,
            MAX_RECOVERY_DAYS,
        )
    violations.raise_if_any()
    table = _live_table(engine, name)
    _not_creating(engine, table)
    store = _backups(engine)
    if enabled:
        store.enable(table, period or DEFAULT_RECOVERY_DAYS, engine.now())
    else:
        if period is not None:
            # The service's words, as recorded against it.
            raise ValidationException(
                "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling "
                "point-in-time recovery."
            )
        store.disable(table)
    return _continuous_description(engine, table)


@operation("RestoreTableToPointInTime", creates_table=True)
def restore_table_to_point_in_time(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Create a new table holding exactly the items the source table had at a chosen second of
    its recovery window (a live table, or a deleted one while its window lasts)."""
    violations = Violations()
    source_name = get_str(request, "SourceTableName")
    source_arn = get_str(request, "SourceTableArn")
    if source_name is not None:
        violations.table_name(source_name, "sourceTableName")
    violations.length(source_arn, "sourceTableArn", 1, 1024)
    target = _target_name(engine, request, violations)
    use_latest = get_bool(request, "UseLatestRestorableTime")
    moment = _timestamp(request, "RestoreDateTime")
    _override_violations(request, violations)
    violations.raise_if_any()
    if (source_name is None) == (source_arn is None):
        raise ValidationException(
            "Exactly one of SourceTableName or SourceTableArn must be specified"
        )
    if use_latest and moment is not None:
        raise ValidationException(
            "Only one of RestoreDateTime or UseLatestRestorableTime can be specified"
        )
    if not use_latest and moment is None:
        raise ValidationException(
            "Either RestoreDateTime or UseLatestRestorableTime must be specified"
        )
    store = _backups(engine)
    now = engine.now()
    live = engine.tables.get(engine.resolve_table_name(source_name or source_arn or ""))
    history = store.find_history(source_name, source_arn)
    if history is None:
        shown = source_name or source_arn or ""
        if live is None:
            raise _table_not_found(shown)
        raise PointInTimeRecoveryUnavailableException(
            f"Point in time recovery is not enabled for table '{live.name}'"
        )
    earliest, latest = history.earliest(now), history.latest(now)
    if use_latest:
        moment = latest
    assert moment is not None
    if not earliest <= moment <= latest:
        raise InvalidRestoreTimeException(
            "An invalid restore time was specified. RestoreDateTime must be between "
            "EarliestRestorableDateTime and LatestRestorableDateTime."
        )
    _check_target(engine, target)
    state = _apply_overrides(history.definition_at(moment), request)
    table = store.restore(
        state,
        history.items_at(moment),
        target,
        now,
        summary={"SourceTableArn": history.arn, "RestoreDateTime": moment},
        base_seconds=store.pitr_restore_base_seconds,
    )
    return _restore_response(table, now)
