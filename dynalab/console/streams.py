"""The Stream tab: a table's stream as shards on a timeline, a record-by-record stepper that
manages shard iterators for the learner, and DynaLab's triggers (stand-ins for Lambda).

The stepper's state is the URL: a shard and a position (a sequence number, as a shard
iterator holds one). Reading goes through the sandbox's inspection view, which returns the
records GetRecords would; the page shows the two calls an SDK would make for the same step.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from dynalab.console import values as value_text
from dynalab.console.calls import CallResult, call
from dynalab.console.codegen import RequestCode
from dynalab.console.tables import TableSummary
from dynalab.sandboxes import selectors
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Sandbox

VIEW_TYPES = ("KEYS_ONLY", "NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES")
VIEW_TYPE_TEXT = {
    "KEYS_ONLY": "only the key attributes of the item that changed",
    "NEW_IMAGE": "the whole item as it was after the change",
    "OLD_IMAGE": "the whole item as it was before the change",
    "NEW_AND_OLD_IMAGES": "the item before and after the change",
}
EVENT_TEXT = {
    "INSERT": "a new item was written",
    "MODIFY": "an existing item changed",
    "REMOVE": "an item was deleted",
}
#: Positions a learner may start from, besides a sequence number.
START_POSITIONS = ("trim_horizon", "latest")


def set_stream(
    sandbox: Sandbox, table: str, view_type: str | None, *, endpoint: str, region: str
) -> CallResult:
    """UpdateTable turning the stream on with ``view_type``, or off (None)."""
    specification: dict[str, Any] = {"StreamEnabled": view_type is not None}
    if view_type is not None:
        specification["StreamViewType"] = view_type
    return call(
        sandbox,
        "UpdateTable",
        {"TableName": table, "StreamSpecification": specification},
        endpoint=endpoint,
        region=region,
    )


# ---------------------------------------------------------------------- shards
@dataclass
class ShardBar:
    """A shard placed on the stream's timeline (left and width in percent)."""

    shard: selectors.ShardView
    left: float
    width: float
    generation: int


def shard_bars(stream: selectors.StreamView, now: float) -> tuple[list[ShardBar], float, float]:
    """Each shard as a bar from its opening to its closing (or now), over the stream's life."""
    start = min((s.opened_at for s in stream.shards), default=stream.created_at)
    end = max(now, start + 1)
    bars = []
    for generation, shard in enumerate(stream.shards):
        closed = shard.closed_at if shard.closed_at is not None else now
        left = 100 * (shard.opened_at - start) / (end - start)
        width = max(1.5, 100 * (closed - shard.opened_at) / (end - start))
        bars.append(ShardBar(shard, round(left, 2), round(min(width, 100 - left), 2), generation))
    return bars, start, end


# ---------------------------------------------------------------------- records
@dataclass(frozen=True)
class AttributeChange:
    name: str
    old: str | None
    new: str | None
    #: "added", "removed", "changed" or "same"
    change: str


@dataclass
class ViewTypeRow:
    view_type: str
    text: str
    this_stream: bool
    #: What a record of that view type would hold here, as JSON text; None when this stream
    #: did not keep it.
    holds: list[tuple[str, str | None]] = field(default_factory=list)


def attribute_changes(
    old: dict[str, Any] | None, new: dict[str, Any] | None
) -> list[AttributeChange]:
    """Every attribute of the old and new images, with what happened to it."""
    names = list(dict.fromkeys([*(old or {}), *(new or {})]))
    changes = []
    for name in names:
        before = (old or {}).get(name)
        after = (new or {}).get(name)
        if before is None:
            kind = "added"
        elif after is None:
            kind = "removed"
        elif selectors.values_equal(before, after):
            kind = "same"
        else:
            kind = "changed"
        changes.append(
            AttributeChange(
                name,
                value_text.cell_text(before, typed=True) if before is not None else None,
                value_text.cell_text(after, typed=True) if after is not None else None,
                kind,
            )
        )
    return changes


def view_type_rows(record: selectors.StreamRecordView) -> list[ViewTypeRow]:
    """What each view type would have put in this record, from what this stream kept."""
    keys = _item_json(record.keys)
    kept = {"NEW_IMAGE": record.new_image, "OLD_IMAGE": record.old_image}
    has_new = record.event_name != "REMOVE"
    has_old = record.event_name != "INSERT"

    def image(name: str, exists: bool) -> str | None:
        if not exists:
            return (
                "(none: " + ("the item is new" if name == "OLD_IMAGE" else "the item is gone") + ")"
            )
        value = kept[name]
        return _item_json(value) if value is not None else None

    rows = []
    for view_type in VIEW_TYPES:
        holds: list[tuple[str, str | None]] = [("Keys", keys)]
        if view_type in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            holds.append(("NewImage", image("NEW_IMAGE", has_new)))
        if view_type in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            holds.append(("OldImage", image("OLD_IMAGE", has_old)))
        rows.append(
            ViewTypeRow(view_type, VIEW_TYPE_TEXT[view_type], view_type == record.view_type, holds)
        )
    return rows


def _item_json(item: dict[str, Any]) -> str:
    """An item (or a key) as the record holds it: DynamoDB JSON, on one line."""
    return json.dumps(item, ensure_ascii=False, separators=(", ", ": "))


@dataclass
class Step:
    """Where the stepper stands: a shard, a position in it, and the record found there."""

    stream: selectors.StreamView
    shard: selectors.ShardView
    position: str
    record: selectors.StreamRecordView | None
    previous_position: str | None = None
    previous_shard: str | None = None
    next_position: str | None = None
    child_shard: str | None = None
    changes: list[AttributeChange] = field(default_factory=list)
    view_types: list[ViewTypeRow] = field(default_factory=list)
    calls: list[RequestCode] = field(default_factory=list)
    error: str = ""

    @property
    def event_text(self) -> str:
        return EVENT_TEXT.get(self.record.event_name, "") if self.record else ""

    @property
    def by_the_service(self) -> bool:
        identity = self.record.user_identity if self.record else None
        return bool(identity and identity.get("Type") == "Service")


def _next_sequence(sequence: str) -> str:
    return f"{int(sequence) + 1:021d}"


def step(
    sandbox: Sandbox,
    stream: selectors.StreamView,
    shard_id: str | None,
    position: str | None,
    *,
    endpoint: str,
    region: str,
) -> Step | None:
    """The record an iterator at ``position`` of ``shard_id`` would read next.

    ``position`` is ``trim_horizon`` (the oldest record still kept), ``latest`` (just past the
    newest) or a sequence number; missing, the stepper starts at the oldest shard's
    TRIM_HORIZON, as a new reader does.
    """
    if not stream.shards:
        return None
    shards = {shard.shard_id: shard for shard in stream.shards}
    shard = shards.get(shard_id or "") or stream.shards[0]
    chosen = position or "trim_horizon"
    if chosen == "trim_horizon":
        sequence = shard.trim_horizon
    elif chosen == "latest":
        sequence = shard.latest
    elif chosen.isdigit() and len(chosen) <= 40:
        sequence = chosen
    else:
        sequence = shard.trim_horizon
    found: selectors.StreamRecordView | None = None
    result = Step(stream, shard, sequence, None)
    try:
        records = selectors.stream_records(
            sandbox, stream.arn, shard.shard_id, position=sequence, region=region
        )
        found = records[0] if records else None
        before = selectors.stream_records(
            sandbox,
            stream.arn,
            shard.shard_id,
            position=found.sequence_number if found else sequence,
            backwards=True,
            region=region,
        )
    except ServiceError as error:
        result.error = f"{error.code}: {error.message}"
        return result
    result.record = found
    if before:
        result.previous_position = before[0].sequence_number
        result.previous_shard = shard.shard_id
    elif shard.parent_shard_id in shards:
        parent = shards[shard.parent_shard_id]
        last = selectors.stream_records(
            sandbox,
            stream.arn,
            parent.shard_id,
            position=parent.latest,
            backwards=True,
            region=region,
        )
        if last:
            result.previous_position = last[0].sequence_number
            result.previous_shard = parent.shard_id
    if found is not None:
        result.next_position = _next_sequence(found.sequence_number)
        result.changes = attribute_changes(found.old_image, found.new_image)
        result.view_types = view_type_rows(found)
    elif shard.closed_at is not None:
        child = next((s for s in stream.shards if s.parent_shard_id == shard.shard_id), None)
        result.child_shard = child.shard_id if child else None
    iterator_type = "AT_SEQUENCE_NUMBER"
    iterator_request: dict[str, Any] = {
        "StreamArn": stream.arn,
        "ShardId": shard.shard_id,
        "ShardIteratorType": iterator_type,
        "SequenceNumber": found.sequence_number if found else sequence,
    }
    if found is None:
        iterator_request = {
            "StreamArn": stream.arn,
            "ShardId": shard.shard_id,
            "ShardIteratorType": "LATEST" if chosen == "latest" else "TRIM_HORIZON",
        }
    result.calls = [
        RequestCode("GetShardIterator", iterator_request, endpoint, region),
        RequestCode(
            "GetRecords",
            {"ShardIterator": "<the ShardIterator GetShardIterator answered>", "Limit": 1},
            endpoint,
            region,
        ),
    ]
    return result


# ---------------------------------------------------------------------- triggers
def create_trigger(
    sandbox: Sandbox, stream_arn: str, data: dict[str, str], *, endpoint: str, region: str
) -> CallResult:
    """DynaLab's CreateTrigger (a stand-in for a Lambda event-source mapping)."""
    handler = data.get("handler", "")
    parameters: dict[str, Any] = {"TableName": data.get("target", "")}
    if handler == "running_aggregate":
        parameters["GroupBy"] = data.get("group_by", "")
        parameters["Operation"] = data.get("operation", "COUNT") or "COUNT"
        if parameters["Operation"] == "SUM":
            parameters["Attribute"] = data.get("attribute", "")
    request: dict[str, Any] = {
        "StreamArn": stream_arn,
        "HandlerName": handler,
        "HandlerParameters": parameters,
        "StartingPosition": data.get("starting_position") or "TRIM_HORIZON",
    }
    batch = data.get("batch_size", "")
    if batch:
        request["BatchSize"] = int(batch) if batch.isdigit() and len(batch) < 6 else batch
    return call(sandbox, "CreateTrigger", request, endpoint=endpoint, region=region)


def delete_trigger(sandbox: Sandbox, trigger_id: str, *, endpoint: str, region: str) -> CallResult:
    return call(
        sandbox, "DeleteTrigger", {"TriggerId": trigger_id}, endpoint=endpoint, region=region
    )


def latest_stream(
    sandbox: Sandbox, table: TableSummary, arn: str | None = None, *, region: str
) -> tuple[selectors.StreamView | None, tuple[selectors.StreamView, ...]]:
    """The stream asked for (by ARN), else the table's newest; and all of the table's (in
    ``region``: each replica of a global table has its own stream)."""
    streams = selectors.streams(sandbox, table.name, region=region)
    chosen = next((s for s in streams if s.arn == arn), None) if arn else None
    return chosen or (streams[0] if streams else None), streams
