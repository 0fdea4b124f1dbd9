"""The Backups tab: on-demand backups, point-in-time recovery with a timeline to restore from,
and a restored table diffed item by item against the live one.

Times are shown and typed as UTC dates; the service's epoch seconds stay inside requests.
"""

from __future__ import annotations

import datetime
import math
from dataclasses import dataclass, field
from typing import Any

from dynalab.console import values as value_text
from dynalab.console.calls import CallResult, call
from dynalab.sandboxes import selectors
from dynalab.sandboxes.models import Sandbox

#: What a restore builds, and what it leaves behind (the service's documented behaviour).
RESTORED = [
    "every item, as of the backup or the chosen second",
    "the key schema and attribute definitions",
    "global and local secondary indexes (a restore request may leave some out)",
    "the billing mode and provisioned throughput the table had then",
    "the table class",
]
NOT_RESTORED = [
    "the stream (StreamSpecification): turn it on again",
    "time to live: turn it on again",
    "point-in-time recovery itself: turn it on again",
    "tags, auto scaling policies, IAM policies and CloudWatch alarms",
    "deletion protection",
]
#: The text format of the date field (UTC).
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"
#: The most recent writes the timeline marks.
MARKED_WRITES = 12
DIFF_ROWS = 100


def date_text(epoch: float) -> str:
    return datetime.datetime.fromtimestamp(epoch, tz=datetime.UTC).strftime(DATE_FORMAT)


def parse_date(text: str) -> float | None:
    """``2025-06-15 15:06:40`` (UTC; a ``T`` or a trailing ``Z``/``UTC`` allowed) as epoch
    seconds, or None."""
    cleaned = text.strip().removesuffix("UTC").strip().removesuffix("Z").replace("T", " ")
    if len(cleaned) > 40:
        return None
    for pattern in (DATE_FORMAT, "%Y-%m-%d %H:%M"):
        try:
            moment = datetime.datetime.strptime(cleaned, pattern)
        except ValueError:
            continue
        return moment.replace(tzinfo=datetime.UTC).timestamp()
    return None


def create_backup(
    sandbox: Sandbox, table: str, name: str, *, endpoint: str, region: str
) -> CallResult:
    return call(
        sandbox,
        "CreateBackup",
        {"TableName": table, "BackupName": name},
        endpoint=endpoint,
        region=region,
        fields=[("backupName", "backup_name"), ("BackupName", "backup_name")],
    )


def delete_backup(sandbox: Sandbox, arn: str, *, endpoint: str, region: str) -> CallResult:
    return call(sandbox, "DeleteBackup", {"BackupArn": arn}, endpoint=endpoint, region=region)


def restore_from_backup(
    sandbox: Sandbox, arn: str, target: str, *, endpoint: str, region: str
) -> CallResult:
    return call(
        sandbox,
        "RestoreTableFromBackup",
        {"BackupArn": arn, "TargetTableName": target},
        endpoint=endpoint,
        region=region,
        fields=[("targetTableName", "target"), ("Table already exists", "target")],
    )


def restore_to_point_in_time(
    sandbox: Sandbox, table: str, moment: float, target: str, *, endpoint: str, region: str
) -> CallResult:
    return call(
        sandbox,
        "RestoreTableToPointInTime",
        {"SourceTableName": table, "TargetTableName": target, "RestoreDateTime": moment},
        endpoint=endpoint,
        region=region,
        fields=[("targetTableName", "target"), ("Table already exists", "target")],
    )


def set_pitr(
    sandbox: Sandbox,
    table: str,
    *,
    enabled: bool,
    days: int | None,
    endpoint: str,
    region: str,
) -> CallResult:
    specification: dict[str, Any] = {"PointInTimeRecoveryEnabled": enabled}
    if enabled and days is not None:
        specification["RecoveryPeriodInDays"] = days
    return call(
        sandbox,
        "UpdateContinuousBackups",
        {"TableName": table, "PointInTimeRecoverySpecification": specification},
        endpoint=endpoint,
        region=region,
        fields=[("recoveryPeriodInDays", "days"), ("RecoveryPeriodInDays", "days")],
    )


@dataclass(frozen=True)
class WriteMark:
    """A write to the table within the recovery window, to restore just before or after."""

    operation: str
    at: float
    percent: float
    #: The last whole second before the write, when the window reaches back that far.
    before: float | None = None


def write_marks(
    sandbox: Sandbox, table: str, earliest: float, latest: float, *, region: str
) -> list[WriteMark]:
    """The table's latest successful writes (from its activity, in ``region``: a table of the
    same name in another Region is another table) inside the window."""
    marks: list[WriteMark] = []
    recent = selectors.recent_activity(sandbox, limit=200).defer("request", "consumed_capacity")
    for entry in recent:
        facts = selectors.operation(entry.operation)
        if entry.status != "ok" or facts is None or facts.bills != "write":
            continue  # only item writes change what a restore brings back
        summary = entry.summary or {}
        tables = summary.get("TableNames") or [summary.get("TableName")]
        if table not in tables or not earliest <= entry.at <= latest:
            continue
        if summary.get("Region", selectors.DEFAULT_REGION) != region:
            continue
        span = max(latest - earliest, 1.0)
        before = float(math.ceil(entry.at) - 1)
        marks.append(
            WriteMark(
                entry.operation,
                entry.at,
                round(100 * (entry.at - earliest) / span, 2),
                before if before >= earliest else None,
            )
        )
        if len(marks) >= MARKED_WRITES:
            break
    return sorted(marks, key=lambda mark: mark.at)


# ---------------------------------------------------------------------- the diff
@dataclass
class DiffRow:
    key_text: str
    kind: str  # "removed" (only in the restored table), "added" (only live), "changed"
    changes: list[tuple[str, str | None, str | None]] = field(default_factory=list)


@dataclass
class Diff:
    diff: selectors.TableDiff
    rows: list[DiffRow]


def table_diff(sandbox: Sandbox, restored: str, live: str, *, region: str) -> Diff:
    """The restored (older) table against the live one (both in ``region``), item by item."""
    found = selectors.table_diff(sandbox, restored, live, limit=DIFF_ROWS, region=region)
    rows = [DiffRow(value_text.key_text(d.key), "removed") for d in found.only_in_first]
    rows += [DiffRow(value_text.key_text(d.key), "added") for d in found.only_in_second]
    for difference in found.changed:
        before, after = difference.first or {}, difference.second or {}
        rows.append(
            DiffRow(
                value_text.key_text(difference.key),
                "changed",
                [
                    (
                        name,
                        value_text.cell_text(before[name], typed=True) if name in before else None,
                        value_text.cell_text(after[name], typed=True) if name in after else None,
                    )
                    for name in difference.changed_attributes
                ],
            )
        )
    return Diff(found, rows)
