"""The request runner: any operation as JSON in the learner's sandbox; and the home page's
engine probe, one request to a brand-new sandbox."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dynalab.console import values as value_text
from dynalab.console.calls import SOURCE, CallResult, call
from dynalab.sandboxes import selectors
from dynalab.sandboxes.capacity import bills_capacity
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox
from dynalab.sandboxes.scratch import ScratchSandbox

PROBE_OPERATION = "ListTables"
PROBE_REQUEST: dict[str, Any] = {}


@dataclass(frozen=True)
class ProbeResult:
    """What one request to a brand-new engine gave back: a response or a service error."""

    operation: str
    request: dict[str, Any]
    response: dict[str, Any] | None = None
    error_code: str | None = None
    error_message: str | None = None

    @property
    def ok(self) -> bool:
        return self.error_code is None

    @property
    def request_json(self) -> str:
        return json.dumps(self.request, indent=2, sort_keys=True)

    @property
    def response_json(self) -> str:
        return json.dumps(self.response, indent=2, sort_keys=True)


def probe_engine() -> ProbeResult:
    """Send ListTables to a fresh scratch sandbox and report exactly what it answered.

    A service error is a result, not a failure: it is shown to the learner as the service
    would send it.
    """
    request = dict(PROBE_REQUEST)
    try:
        response = ScratchSandbox().execute(PROBE_OPERATION, dict(request), source=SOURCE)
    except ServiceError as error:
        return ProbeResult(
            operation=PROBE_OPERATION,
            request=request,
            error_code=error.code,
            error_message=error.message,
        )
    return ProbeResult(operation=PROBE_OPERATION, request=request, response=response)


#: Operations the request runner offers (everything a sandbox answers), by name.
RUNNABLE_OPERATIONS: list[str] = [facts.name for facts in selectors.operations()]


def learner_summary(summary: str) -> str:
    """An operation's one-line summary without the running time its docstring states for
    engine developers ("O(log n)...")."""
    text = re.sub(r"\s*O\([^)]*\).*$", "", summary).strip()
    # A summary cut at the end of its docstring's first line says so.
    return text if text.endswith((".", ")", ":")) else text + " …"


def operation_groups() -> list[dict[str, Any]]:
    """The runner's operations grouped by the API they belong to; DynaLab's own last and
    marked as such (no AWS SDK has them)."""
    labels = {
        selectors.DYNAMODB_API: "DynamoDB",
        selectors.STREAMS_API: "DynamoDB Streams",
        selectors.DYNALAB_API: "DynaLab's own (not part of AWS)",
    }
    return [
        {
            "api": api,
            "label": labels.get(api, api),
            "dynalab": api == selectors.DYNALAB_API,
            "operations": [facts.name for facts in selectors.operations(api=api)],
        }
        for api in selectors.API_NAMES
        if selectors.operations(api=api)
    ]


@dataclass(frozen=True)
class TemplateContext:
    """What a template may use from the learner's sandbox: a table, its keys, an item."""

    table: str
    partition: tuple[str, str]
    sort: tuple[str, str] | None
    key: dict[str, Any]
    item: dict[str, Any]
    index: str | None
    index_partition: tuple[str, str] | None
    stream_arn: str | None
    shard_id: str | None
    backup_arn: str | None
    trigger_id: str | None
    other_table: str | None


def template_context(sandbox: Sandbox, table: str | None, *, region: str) -> TemplateContext | None:
    """Facts about one of the learner's tables in ``region`` (the one named, else the first)
    for filling a template; None when that Region has no table."""
    names = selectors.table_names(sandbox, region=region)
    if not names:
        return None
    chosen = table if table in names else names[0]
    status = selectors.table_status(sandbox, chosen, region=region)
    if status is None:
        return None
    partition = (status.partition_key.name, status.partition_key.type)
    sort = (status.sort_key.name, status.sort_key.type) if status.sort_key else None
    examples = {"S": "example", "N": "1", "B": "ZXhhbXBsZQ=="}
    key = {partition[0]: {partition[1]: examples[partition[1]]}}
    if sort:
        key[sort[0]] = {sort[1]: examples[sort[1]]}
    item = dict(key)
    shelves = selectors.shelves(sandbox, chosen, count=1, books=1, region=region)
    if shelves and shelves[0].books:
        item = shelves[0].books[0].item
        key = {name: item[name] for name in key}
    index = status.indexes[0] if status.indexes else None
    streams = selectors.streams(sandbox, chosen, region=region)
    stream = streams[0] if streams else None
    backups = selectors.backups(sandbox, chosen, region=region)
    triggers = selectors.triggers(sandbox, chosen, region=region)
    return TemplateContext(
        table=chosen,
        partition=partition,
        sort=sort,
        key=key,
        item=item,
        index=index.name if index else None,
        index_partition=(
            (index.partition_key[0].name, index.partition_key[0].type) if index else None
        ),
        stream_arn=stream.arn if stream else None,
        shard_id=stream.shards[-1].shard_id if stream and stream.shards else None,
        backup_arn=backups[-1].arn if backups else None,
        trigger_id=triggers[0].trigger_id if triggers else None,
        other_table=next((name for name in names if name != chosen), None),
    )


def request_template(operation: str, context: TemplateContext | None) -> dict[str, Any]:
    """A request for ``operation`` that works on the learner's own table where it can (or
    names what to fill in where the sandbox has nothing to use yet)."""
    if context is None:
        if operation == "CreateTable":
            return {
                "TableName": "Orders",
                "AttributeDefinitions": [{"AttributeName": "customer", "AttributeType": "S"}],
                "KeySchema": [{"AttributeName": "customer", "KeyType": "HASH"}],
                "BillingMode": "PAY_PER_REQUEST",
            }
        if operation in ("ListTables", "ListBackups", "ListStreams", "ListTriggers"):
            return {}
        if operation in ("DescribeSimulationSettings", "DescribeLimits"):
            return {}
        return {"TableName": "create a table first"}
    c = context
    table = c.table
    pk_name, pk_type = c.partition
    placeholder = "<none yet: {}>"
    templates: dict[str, dict[str, Any]] = {
        "ListTables": {"Limit": 10},
        "DescribeTable": {"TableName": table},
        "DescribeLimits": {},
        "CreateTable": {
            "TableName": f"{table}Copy",
            "AttributeDefinitions": [{"AttributeName": pk_name, "AttributeType": pk_type}],
            "KeySchema": [{"AttributeName": pk_name, "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
        "DeleteTable": {"TableName": table},
        "UpdateTable": {"TableName": table, "BillingMode": "PAY_PER_REQUEST"},
        "GetItem": {"TableName": table, "Key": c.key, "ConsistentRead": True},
        "PutItem": {"TableName": table, "Item": c.item},
        "UpdateItem": {
            "TableName": table,
            "Key": c.key,
            "UpdateExpression": "SET #n = :v",
            "ExpressionAttributeNames": {"#n": "note"},
            "ExpressionAttributeValues": {":v": {"S": "updated from the runner"}},
            "ReturnValues": "ALL_NEW",
        },
        "DeleteItem": {"TableName": table, "Key": c.key, "ReturnValues": "ALL_OLD"},
        "Query": {
            "TableName": table,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": pk_name},
            "ExpressionAttributeValues": {":pk": c.key[pk_name]},
        },
        "Scan": {"TableName": table, "Limit": 10},
        "BatchGetItem": {"RequestItems": {table: {"Keys": [c.key]}}},
        "BatchWriteItem": {"RequestItems": {table: [{"PutRequest": {"Item": c.item}}]}},
        "TransactGetItems": {"TransactItems": [{"Get": {"TableName": table, "Key": c.key}}]},
        "TransactWriteItems": {
            "TransactItems": [
                {
                    "Update": {
                        "TableName": table,
                        "Key": c.key,
                        "UpdateExpression": "ADD #c :one",
                        "ExpressionAttributeNames": {"#c": "counter"},
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                }
            ]
        },
        "UpdateTimeToLive": {
            "TableName": table,
            "TimeToLiveSpecification": {"Enabled": True, "AttributeName": "expiresAt"},
        },
        "DescribeTimeToLive": {"TableName": table},
        "CreateBackup": {"TableName": table, "BackupName": f"{table}-backup"},
        "ListBackups": {"TableName": table},
        "DescribeBackup": {"BackupArn": c.backup_arn or placeholder.format("create a backup")},
        "DeleteBackup": {"BackupArn": c.backup_arn or placeholder.format("create a backup")},
        "RestoreTableFromBackup": {
            "BackupArn": c.backup_arn or placeholder.format("create a backup"),
            "TargetTableName": f"{table}Restored",
        },
        "UpdateContinuousBackups": {
            "TableName": table,
            "PointInTimeRecoverySpecification": {
                "PointInTimeRecoveryEnabled": True,
                "RecoveryPeriodInDays": 35,
            },
        },
        "DescribeContinuousBackups": {"TableName": table},
        "RestoreTableToPointInTime": {
            "SourceTableName": table,
            "TargetTableName": f"{table}AtLatest",
            "UseLatestRestorableTime": True,
        },
        "TagResource": {
            "ResourceArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}",
            "Tags": [{"Key": "course", "Value": "dynalab"}],
        },
        "UntagResource": {
            "ResourceArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}",
            "TagKeys": ["course"],
        },
        "ListTagsOfResource": {
            "ResourceArn": f"arn:aws:dynamodb:us-east-1:000000000000:table/{table}",
        },
        "ListStreams": {"TableName": table},
        "DescribeStream": {"StreamArn": c.stream_arn or placeholder.format("turn a stream on")},
        "GetShardIterator": {
            "StreamArn": c.stream_arn or placeholder.format("turn a stream on"),
            "ShardId": c.shard_id or placeholder.format("turn a stream on"),
            "ShardIteratorType": "TRIM_HORIZON",
        },
        "GetRecords": {
            "ShardIterator": "<paste the ShardIterator that GetShardIterator answers>",
            "Limit": 10,
        },
        "CreateTrigger": {
            "StreamArn": c.stream_arn or placeholder.format("turn a stream on"),
            "HandlerName": "copy_to_table",
            "HandlerParameters": {"TableName": c.other_table or f"{table}Copy"},
            "StartingPosition": "TRIM_HORIZON",
        },
        "ListTriggers": {"TableName": table},
        "DescribeTrigger": {"TriggerId": c.trigger_id or placeholder.format("create a trigger")},
        "DeleteTrigger": {"TriggerId": c.trigger_id or placeholder.format("create a trigger")},
        "DescribeThroughput": {"TableName": table},
        "DescribeSimulationSettings": {},
        "UpdateSimulationSettings": {
            "GsiPropagationDelaySeconds": 60,
            "TtlDeletionMode": "IMMEDIATE",
        },
        "SimulateWriteBurst": {"TableName": table, "Count": 100, "ItemSizeBytes": 1024},
    }
    if c.index is not None and c.index_partition is not None:
        index_value = c.item.get(c.index_partition[0]) or {
            c.index_partition[1]: "example" if c.index_partition[1] == "S" else "1"
        }
        templates["Query"] = {
            "TableName": table,
            "IndexName": c.index,
            "KeyConditionExpression": "#pk = :pk",
            "ExpressionAttributeNames": {"#pk": c.index_partition[0]},
            "ExpressionAttributeValues": {":pk": index_value},
        }
    return templates.get(operation, {"TableName": table})


@dataclass
class RunForm:
    """The request runner's form: an operation and its request as JSON text."""

    operation: str = ""
    request_text: str = ""
    request: dict[str, Any] = field(default_factory=dict)
    errors: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_data(
        cls, data: Any, *, template: Callable[[str], dict[str, Any]] | None = None
    ) -> RunForm:
        """The form from GET or POST data. Given only an operation (no request), the form
        holds ``template(operation)``: a request for the learner's own tables."""
        form = cls(
            operation=str(data.get("operation", "")).strip(),
            request_text=str(data.get("request", "")),
        )
        if not form.operation and not form.request_text:
            form.operation = "ListTables"
            form.request_text = "{}"
            return form
        if form.operation not in RUNNABLE_OPERATIONS:
            form.errors["operation"] = [
                selectors.not_simulated_message(form.operation)
                or f"{form.operation or 'Nothing'} is not an operation this engine answers; "
                "pick one from the list."
            ]
        elif not form.request_text and template is not None:
            form.request = template(form.operation)
            form.request_text = json.dumps(form.request, indent=2, ensure_ascii=False)
            return form
        try:
            parsed = value_text.parse_json_object(
                form.request_text or "{}", what="The request", exact_numbers=False
            )
        except value_text.ItemJSONError as error:
            form.errors["request"] = [f"{error}."]
            return form
        form.request = parsed
        if form.request_text and not form.errors:
            form.request_text = json.dumps(parsed, indent=2, ensure_ascii=False)
        return form


def run_request(sandbox: Sandbox, form: RunForm, *, endpoint: str, region: str) -> CallResult:
    """Run the form's request in one Region of the sandbox, asking for the capacity it
    consumed."""
    request = dict(form.request)
    if bills_capacity(form.operation) and "ReturnConsumedCapacity" not in request:
        request["ReturnConsumedCapacity"] = "TOTAL"
    return call(sandbox, form.operation, request, endpoint=endpoint, region=region)
