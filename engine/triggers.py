"""Stream triggers: a safe, built-in handler attached to a stream, run deterministically.

This is a DynaLab extension, *not* part of the DynamoDB API. It plays the part an AWS Lambda
event-source mapping plays for a real stream: ``CreateTrigger`` attaches one of the built-in
handlers (:data:`HANDLERS`) to a stream, and the engine feeds it the stream's records in
order, ``BatchSize`` records at a time.

When handlers run: after every operation (the engine's ``settle`` hook, so a BatchWriteItem's
25 changes reach the handler as one batch) and whenever the simulated clock moves (``advance``,
which also delivers TTL deletions). Nothing runs on a thread; the same calls at the same
simulated times always produce the same state.

Failures: a batch stops at the first record whose handler call fails (for example, the target
table does not exist). The records before it are done; the failing record and the rest wait
and are retried on the next run in which something changed (the clock moved, or any table or
item changed), so nothing is skipped and nothing is applied twice. ``DescribeTrigger`` shows
the last error and the counts. Handler writes go through ``Engine.call`` like any client's, so
they are validated, consume capacity and appear in their own table's stream.

If records were trimmed (24-hour retention) before a trigger reached them, the trigger resumes
at the oldest record still there and reports TrimmedDataAccessException as its last error.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from engine.core import Engine, Extension
from engine.errors import DynamoDBError, ResourceNotFoundException, ValidationException
from engine.streams import TRIMMED_MESSAGE, Shard, Stream, streams_of
from engine.table import Table
from engine.values import copy_item, format_number

#: At most this many batches per run, so handlers that feed each other cannot loop forever;
#: what is left waits for the next run.
MAX_BATCHES_PER_RUN = 1000
DEFAULT_BATCH_SIZE = 100


# ---------------------------------------------------------------------- handlers
@dataclass(frozen=True)
class Handler:
    """A built-in handler: checks its parameters once, then applies one record at a time."""

    name: str
    description: str
    check: Callable[[dict[str, Any], str], dict[str, Any]]
    apply: Callable[[Engine, dict[str, Any], dict[str, Any]], None]


def _string_parameter(parameters: dict[str, Any], name: str, *, required: bool = True) -> Any:
    value = parameters.get(name)
    if value is None:
        if required:
            raise ValidationException(f"HandlerParameters.{name} is required")
        return None
    if not isinstance(value, str) or not value:
        raise ValidationException(f"HandlerParameters.{name} must be a non-empty string")
    return value


def _needs_view(handler: str, view_type: str, allowed: tuple[str, ...]) -> None:
    if view_type not in allowed:
        raise ValidationException(
            f"Handler {handler} needs a stream whose StreamViewType is {' or '.join(allowed)}; "
            f"this stream's is {view_type}"
        )


def _check_copy(parameters: dict[str, Any], view_type: str) -> dict[str, Any]:
    _needs_view("copy_to_table", view_type, ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"))
    unknown = sorted(set(parameters) - {"TableName"})
    if unknown:
        raise ValidationException(f"Unknown HandlerParameters for copy_to_table: {unknown[0]}")
    return {"TableName": _string_parameter(parameters, "TableName")}


def _apply_copy(engine: Engine, record: dict[str, Any], parameters: dict[str, Any]) -> None:
    """INSERT and MODIFY put the new image into the target table; REMOVE deletes the key."""
    body = record["dynamodb"]
    if record["eventName"] == "REMOVE":
        engine.call(
            "DeleteItem", {"TableName": parameters["TableName"], "Key": copy_item(body["Keys"])}
        )
    else:
        engine.call(
            "PutItem", {"TableName": parameters["TableName"], "Item": copy_item(body["NewImage"])}
        )


def _check_aggregate(parameters: dict[str, Any], view_type: str) -> dict[str, Any]:
    _needs_view("running_aggregate", view_type, ("NEW_AND_OLD_IMAGES",))
    allowed = {"TableName", "GroupBy", "Operation", "Attribute", "KeyAttribute", "ResultAttribute"}
    unknown = sorted(set(parameters) - allowed)
    if unknown:
        raise ValidationException(f"Unknown HandlerParameters for running_aggregate: {unknown[0]}")
    operation = parameters.get("Operation", "COUNT")
    if operation not in ("COUNT", "SUM"):
        raise ValidationException("HandlerParameters.Operation must be COUNT or SUM")
    group_by = _string_parameter(parameters, "GroupBy")
    attribute = _string_parameter(parameters, "Attribute", required=operation == "SUM")
    if operation == "COUNT" and attribute is not None:
        raise ValidationException("HandlerParameters.Attribute is only used when Operation is SUM")
    return {
        "TableName": _string_parameter(parameters, "TableName"),
        "GroupBy": group_by,
        "Operation": operation,
        **({"Attribute": attribute} if attribute else {}),
        "KeyAttribute": _string_parameter(parameters, "KeyAttribute", required=False) or group_by,
        "ResultAttribute": _string_parameter(parameters, "ResultAttribute", required=False)
        or operation.lower(),
    }


def _apply_aggregate(engine: Engine, record: dict[str, Any], parameters: dict[str, Any]) -> None:
    """Keep a count (or a sum of ``Attribute``) per value of ``GroupBy`` in the target table:
    the old image's contribution is taken away and the new image's added, so MODIFY and REMOVE
    keep the totals right. One record's (at most two) updates are applied atomically."""
    body = record["dynamodb"]
    deltas: dict[str, list[Any]] = {}
    for image, sign in ((body.get("OldImage"), -1), (body.get("NewImage"), 1)):
        if image is None:
            continue
        group = image.get(parameters["GroupBy"])
        if group is None or next(iter(group)) not in ("S", "N", "B"):
            continue
        if parameters["Operation"] == "COUNT":
            amount = Decimal(1)
        else:
            value = image.get(parameters["Attribute"])
            if value is None or "N" not in value:
                continue
            amount = Decimal(value["N"])
        slot = deltas.setdefault(json.dumps(group, sort_keys=True), [group, Decimal(0)])
        slot[1] += sign * amount
    updates = [
        {
            "TableName": parameters["TableName"],
            "Key": {parameters["KeyAttribute"]: dict(group)},
            "UpdateExpression": "ADD #result :delta",
            "ExpressionAttributeNames": {"#result": parameters["ResultAttribute"]},
            "ExpressionAttributeValues": {":delta": {"N": format_number(delta)}},
        }
        for group, delta in deltas.values()
        if delta != 0
    ]
    if len(updates) == 1:
        engine.call("UpdateItem", updates[0])
    elif updates:
        engine.call("TransactWriteItems", {"TransactItems": [{"Update": u} for u in updates]})


#: The handlers a learner can attach, by name.
HANDLERS: dict[str, Handler] = {
    "copy_to_table": Handler(
        "copy_to_table",
        "Copy every change into another table: INSERT and MODIFY put the new image, REMOVE "
        "deletes the key. Parameters: TableName.",
        _check_copy,
        _apply_copy,
    ),
    "running_aggregate": Handler(
        "running_aggregate",
        "Keep a count (Operation COUNT) or a sum of a numeric Attribute (Operation SUM) per "
        "value of GroupBy in another table, keyed by KeyAttribute (default: GroupBy) and "
        "stored in ResultAttribute (default: count or sum). Needs NEW_AND_OLD_IMAGES.",
        _check_aggregate,
        _apply_aggregate,
    ),
}


# ---------------------------------------------------------------------- triggers
@dataclass
class Trigger:
    trigger_id: str
    stream_arn: str
    table_name: str
    handler_name: str
    parameters: dict[str, Any]
    batch_size: int
    starting_position: str
    created_at: float
    #: The next record to deliver: a shard of the stream and a sequence number in it.
    shard_id: str | None
    position: int
    records_processed: int = 0
    batches_processed: int = 0
    failed_attempts: int = 0
    last_result: str = "No records processed"
    last_processed_at: float | None = None
    last_error: dict[str, Any] | None = None
    #: ``[time, engine revision]`` of the last failed attempt: retry only once either moved.
    failure_mark: list[Any] | None = None
    state: str = "Enabled"

    def dump(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


class TriggersExtension(Extension):
    """The engine's triggers, run after each operation and as the clock moves."""

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.triggers: dict[str, Trigger] = {}
        self.created = 0
        #: Bumped by every change and table lifecycle event: a failed batch waits for it (or
        #: the clock) to move before it is retried.
        self.revision = 0
        self._running = False

    # ------------------------------------------------------------------ hooks
    def table_created(self, table: Table) -> None:
        table.change_listeners.append(self._changed)
        self.revision += 1

    def table_updated(self, table: Table, now: float) -> None:
        self.revision += 1

    def table_deleted(self, table: Table, now: float) -> None:
        self.revision += 1

    def _changed(self, change: Any) -> None:
        self.revision += 1

    def advance(self, now: float) -> None:
        # Let what became due by now (TTL deletions, shard rollovers) reach the streams first.
        streams_of(self.engine).advance(now)
        self.run(now)

    def settle(self, now: float) -> None:
        self.run(now)

    # ------------------------------------------------------------------ API
    def create(
        self,
        stream: Stream,
        handler_name: str,
        parameters: dict[str, Any],
        batch_size: int,
        starting_position: str,
        now: float,
    ) -> Trigger:
        handler = HANDLERS.get(handler_name)
        if handler is None:
            raise ValidationException(
                f"Unknown HandlerName: {handler_name}. Built-in handlers: "
                + ", ".join(sorted(HANDLERS))
            )
        checked = handler.check(parameters, stream.view_type)
        if starting_position == "LATEST":
            shard = stream.shards[-1] if stream.shards else None
            position = shard.after_last if shard else 0
        else:
            shard = stream.shards[0] if stream.shards else None
            position = shard.trim_point if shard else 0
        trigger_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{stream.arn}#trigger#{self.created}"))
        self.created += 1
        trigger = Trigger(
            trigger_id=trigger_id,
            stream_arn=stream.arn,
            table_name=stream.table_name,
            handler_name=handler_name,
            parameters=checked,
            batch_size=batch_size,
            starting_position=starting_position,
            created_at=now,
            shard_id=shard.shard_id if shard else None,
            position=position,
        )
        self.triggers[trigger_id] = trigger
        return trigger

    def get(self, trigger_id: str) -> Trigger:
        trigger = self.triggers.get(trigger_id)
        if trigger is None:
            raise ResourceNotFoundException(
                f"Requested resource not found: Trigger: {trigger_id} not found"
            )
        return trigger

    def describe(self, trigger: Trigger) -> dict[str, Any]:
        stream = streams_of(self.engine).streams.get(trigger.stream_arn)
        pending = 0
        if stream is not None:
            shard = stream.shard(trigger.shard_id) if trigger.shard_id else None
            if shard is not None:
                pending = stream.pending(shard, trigger.position)
        description: dict[str, Any] = {
            "TriggerId": trigger.trigger_id,
            "StreamArn": trigger.stream_arn,
            "TableName": trigger.table_name,
            "HandlerName": trigger.handler_name,
            "HandlerParameters": json.loads(json.dumps(trigger.parameters)),
            "BatchSize": trigger.batch_size,
            "StartingPosition": trigger.starting_position,
            "State": trigger.state,
            "CreationDateTime": trigger.created_at,
            "LastProcessingResult": trigger.last_result,
            "RecordsProcessed": trigger.records_processed,
            "BatchesProcessed": trigger.batches_processed,
            "FailedAttempts": trigger.failed_attempts,
            "PendingRecords": pending,
        }
        if trigger.last_processed_at is not None:
            description["LastProcessedDateTime"] = trigger.last_processed_at
        if trigger.last_error is not None:
            description["LastError"] = dict(trigger.last_error)
        return description

    # ------------------------------------------------------------------ running
    def run(self, now: float) -> None:
        """Feed every trigger its pending records, in creation order, until none has more.

        Re-entrant calls (a handler's own writes settle too) return at once: the outer run
        picks up whatever those writes produced.
        """
        if self._running or not self.triggers:
            return
        self._running = True
        try:
            failed: set[str] = set()
            budget = MAX_BATCHES_PER_RUN
            moved = True
            while moved and budget > 0:
                moved = False
                for trigger in list(self.triggers.values()):
                    if trigger.trigger_id in failed or trigger.trigger_id not in self.triggers:
                        continue
                    outcome = self._step(trigger, now)
                    if outcome == "failed":
                        failed.add(trigger.trigger_id)
                    elif outcome == "moved":
                        moved = True
                        budget -= 1
                        if budget <= 0:
                            break
        finally:
            self._running = False

    def _step(self, trigger: Trigger, now: float) -> str:
        """Deliver one batch to one trigger: ``"moved"``, ``"idle"`` or ``"failed"``."""
        stream = streams_of(self.engine).streams.get(trigger.stream_arn)
        if stream is None:
            if trigger.state != "Disabled":
                trigger.state = "Disabled"
                trigger.last_result = "PROBLEM: Stream not found"
            return "idle"
        if trigger.failure_mark == [now, self.revision]:
            return "idle"  # nothing changed since the last failure
        shard = self._shard(trigger, stream, now)
        if shard is None:
            return "idle"
        records, after = stream.records_from(shard, trigger.position, trigger.batch_size)
        if not records:
            if shard.exhausted(trigger.position):
                child = stream.child_of(shard)
                if child is not None:
                    trigger.shard_id = child.shard_id
                    trigger.position = child.trim_point
                    return "moved"
            return "idle"
        handler = HANDLERS[trigger.handler_name]
        for record in records:
            try:
                handler.apply(self.engine, record, trigger.parameters)
            except DynamoDBError as error:
                self._failed(trigger, record, error, now)
                return "failed"
            trigger.position = int(record["dynamodb"]["SequenceNumber"]) + 1
            trigger.records_processed += 1
        trigger.position = max(trigger.position, after)
        trigger.batches_processed += 1
        trigger.last_result = "OK"
        trigger.last_processed_at = now
        trigger.failure_mark = None
        return "moved"

    def _shard(self, trigger: Trigger, stream: Stream, now: float) -> Shard | None:
        shard = stream.shard(trigger.shard_id) if trigger.shard_id else None
        if shard is None and trigger.shard_id is None and stream.shards:
            shard = stream.shards[0]
            trigger.shard_id, trigger.position = shard.shard_id, shard.trim_point
        if shard is None:
            if not stream.shards:
                return None
            shard = stream.shards[0]  # the trigger's shard expired: resume at the oldest
            self._trimmed(trigger, shard, now)
        elif trigger.position < shard.trim_point:
            self._trimmed(trigger, shard, now)
        return shard

    def _trimmed(self, trigger: Trigger, shard: Shard, now: float) -> None:
        trigger.last_error = {
            "ErrorCode": "TrimmedDataAccessException",
            "Message": TRIMMED_MESSAGE + " Records older than 24 hours were lost.",
            "Time": now,
        }
        trigger.shard_id, trigger.position = shard.shard_id, shard.trim_point

    def _failed(
        self, trigger: Trigger, record: dict[str, Any], error: DynamoDBError, now: float
    ) -> None:
        trigger.failed_attempts += 1
        trigger.last_result = f"PROBLEM: {error.code}: {error.message}"
        trigger.last_error = {
            "ErrorCode": error.code,
            "Message": error.message,
            "Time": now,
            "SequenceNumber": record["dynamodb"]["SequenceNumber"],
        }
        trigger.failure_mark = [now, self.revision]

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        return {
            "created": self.created,
            "revision": self.revision,
            "triggers": [trigger.dump() for trigger in self.triggers.values()],
        }

    def load(self, state: dict[str, Any]) -> None:
        self.created = state.get("created", 0)
        self.revision = state.get("revision", 0)
        self.triggers = {}
        for trigger_state in state.get("triggers", []):
            trigger = Trigger(**trigger_state)
            self.triggers[trigger.trigger_id] = trigger


def triggers_of(engine: Engine) -> TriggersExtension:
    ext = engine.extensions["triggers"]
    assert isinstance(ext, TriggersExtension)
    return ext


__all__ = ["HANDLERS", "Handler", "Trigger", "TriggersExtension", "triggers_of"]
