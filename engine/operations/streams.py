"""DynamoDB Streams operations (ListStreams, DescribeStream, GetShardIterator, GetRecords) and
DynaLab's trigger operations (CreateTrigger, ListTriggers, DescribeTrigger, DeleteTrigger).

The four Streams operations take and return the DynamoDB Streams API's shapes. The trigger
operations are DynaLab extensions, **not part of the DynamoDB API**: they stand in for AWS
Lambda event-source mappings so a learner can attach a safe built-in handler to a stream (see
engine/triggers.py).
"""

from __future__ import annotations

from typing import Any

from engine.catalog import DYNALAB, STREAMS, operation
from engine.core import Engine
from engine.errors import ResourceNotFoundException, ValidationException
from engine.streams import (
    EXPIRED_MESSAGE,
    MAX_RECORDS,
    TRIMMED_MESSAGE,
    ExpiredIteratorException,
    TrimmedDataAccessException,
    check_stream_arn,
    decode_iterator,
    encode_iterator,
    streams_of,
)
from engine.triggers import DEFAULT_BATCH_SIZE, triggers_of
from engine.validation import Violations, get_dict, get_int, get_str
from engine.values import copy_item

ITERATOR_TYPES = ("TRIM_HORIZON", "LATEST", "AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
SHARD_FILTER_TYPES = ("CHILD_SHARDS",)
#: ListStreams and DescribeStream return at most 100 entries per page.
PAGE_LIMIT = 100


def _stream_arn(violations: Violations, value: str | None, path: str, *, required: bool) -> None:
    if value is None:
        if required:
            violations.not_null(value, path)
        return
    violations.length(value, path, 37, 1024)


def _shard_id(violations: Violations, value: str | None, path: str, *, required: bool) -> None:
    if value is None:
        if required:
            violations.not_null(value, path)
        return
    violations.length(value, path, 28, 65)


# ---------------------------------------------------------------------- ListStreams
@operation("ListStreams", api=STREAMS, read_only=True)
def list_streams(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Streams newest first, optionally of one table; paged by ExclusiveStartStreamArn.

    Streams of deleted tables and disabled streams are listed for 24 hours. O(S log S).
    """
    violations = Violations()
    table_name = get_str(request, "TableName")
    limit = get_int(request, "Limit")
    start = get_str(request, "ExclusiveStartStreamArn")
    violations.table_name(table_name, required=False)
    violations.range(limit, "limit", 1, PAGE_LIMIT)
    _stream_arn(violations, start, "exclusiveStartStreamArn", required=False)
    violations.raise_if_any()
    if start is not None:
        check_stream_arn(start)
    streams = [
        stream
        for stream in streams_of(engine).ordered()
        if table_name is None or stream.table_name == table_name
    ]
    if start is not None:
        arns = [stream.arn for stream in streams]
        if start not in arns:
            raise ResourceNotFoundException(
                f"Requested resource not found: Stream: {start} not found"
            )
        streams = streams[arns.index(start) + 1 :]
    limit = limit or PAGE_LIMIT
    page = streams[:limit]
    response: dict[str, Any] = {
        "Streams": [
            {"StreamArn": s.arn, "TableName": s.table_name, "StreamLabel": s.label} for s in page
        ]
    }
    if len(streams) > limit:
        response["LastEvaluatedStreamArn"] = page[-1].arn
    return response


# ---------------------------------------------------------------------- DescribeStream
@operation("DescribeStream", api=STREAMS, read_only=True)
def describe_stream(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """A stream's status, key schema and shards (oldest first), paged by shard id.

    ``ShardFilter`` ``{"Type": "CHILD_SHARDS", "ShardId": parent}`` lists only the shards
    opened when that one closed, so a reader finishing a shard finds where to go next without
    listing the whole stream.
    """
    violations = Violations()
    arn = get_str(request, "StreamArn")
    limit = get_int(request, "Limit")
    start = get_str(request, "ExclusiveStartShardId")
    shard_filter = get_dict(request, "ShardFilter")
    _stream_arn(violations, arn, "streamArn", required=True)
    violations.range(limit, "limit", 1)
    _shard_id(violations, start, "exclusiveStartShardId", required=False)
    parent_id = None
    if shard_filter is not None:
        violations.enum(get_str(shard_filter, "Type"), "shardFilter.type", SHARD_FILTER_TYPES)
        parent_id = get_str(shard_filter, "ShardId")
        _shard_id(violations, parent_id, "shardFilter.shardId", required=False)
    violations.raise_if_any()
    assert arn is not None
    if shard_filter is not None and (parent_id is None or shard_filter.get("Type") is None):
        raise ValidationException("Invalid ShardFilter: both Type and ShardId are required")
    stream = streams_of(engine).get(arn)
    shards = stream.shards
    if parent_id is not None:
        shards = [shard for shard in shards if shard.parent_id == parent_id]
    if start is not None:
        ids = [shard.shard_id for shard in shards]
        shards = shards[ids.index(start) + 1 :] if start in ids else []
    limit = min(limit or PAGE_LIMIT, PAGE_LIMIT)
    page = shards[:limit]
    description = stream.describe()
    description["Shards"] = [shard.to_wire() for shard in page]
    if len(shards) > limit:
        description["LastEvaluatedShardId"] = page[-1].shard_id
    return {"StreamDescription": description}


# ---------------------------------------------------------------------- GetShardIterator
@operation("GetShardIterator", api=STREAMS, read_only=True)
def get_shard_iterator(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """An iterator into one shard, valid for 15 minutes of simulated time."""
    violations = Violations()
    arn = get_str(request, "StreamArn")
    shard_id = get_str(request, "ShardId")
    kind = get_str(request, "ShardIteratorType")
    sequence = get_str(request, "SequenceNumber")
    _stream_arn(violations, arn, "streamArn", required=True)
    _shard_id(violations, shard_id, "shardId", required=True)
    if violations.not_null(kind, "shardIteratorType"):
        violations.enum(kind, "shardIteratorType", ITERATOR_TYPES)
    violations.length(sequence, "sequenceNumber", 21, 40)
    violations.raise_if_any()
    assert arn is not None and shard_id is not None
    by_sequence = kind in ("AT_SEQUENCE_NUMBER", "AFTER_SEQUENCE_NUMBER")
    if by_sequence and sequence is None:
        raise ValidationException(f"SequenceNumber is required when ShardIteratorType is {kind}")
    if not by_sequence and sequence is not None:
        raise ValidationException(
            f"SequenceNumber must not be specified when ShardIteratorType is {kind}"
        )
    ext = streams_of(engine)
    stream = ext.get(arn)
    shard = stream.shard(shard_id)
    if shard is None:
        raise ResourceNotFoundException(
            f"Requested resource not found: Shard: {shard_id} in Stream: {arn} not found"
        )
    if kind == "TRIM_HORIZON":
        position = shard.trim_point
    elif kind == "LATEST":
        position = shard.after_last
    else:
        assert sequence is not None
        number = int(sequence) if sequence.isdigit() else -1
        if number < shard.start or (shard.end is not None and number > shard.end):
            raise ValidationException("Invalid SequenceNumber for the shard")
        position = number if kind == "AT_SEQUENCE_NUMBER" else number + 1
        if position < shard.trim_point:
            raise TrimmedDataAccessException(TRIMMED_MESSAGE)
    return {"ShardIterator": encode_iterator(arn, shard_id, position, engine.now())}


# ---------------------------------------------------------------------- GetRecords
@operation("GetRecords", api=STREAMS, read_only=True)
def get_records(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Up to Limit (1,000) records, or 1 MB, from an iterator's position.

    ``NextShardIterator`` is absent once a closed shard has nothing more to give: the reader
    then moves on to the shard whose ParentShardId is this one.
    """
    violations = Violations()
    iterator = get_str(request, "ShardIterator")
    limit = get_int(request, "Limit")
    if violations.not_null(iterator, "shardIterator"):
        violations.length(iterator, "shardIterator", 1, 2048)
    violations.range(limit, "limit", 1)
    violations.raise_if_any()
    if limit is not None and limit > MAX_RECORDS:
        raise ValidationException(
            "One or more parameter values were invalid: Limit should be less than or equal to "
            f"{MAX_RECORDS}"
        )
    assert iterator is not None
    arn, shard_id, position, issued = decode_iterator(iterator)
    ext = streams_of(engine)
    now = engine.now()
    if now - issued > ext.iterator_lifetime_seconds:
        raise ExpiredIteratorException(EXPIRED_MESSAGE)
    stream = ext.get(arn)
    shard = stream.shard(shard_id)
    if shard is None:
        raise ResourceNotFoundException("Invalid ShardId in ShardIterator")
    if position < shard.trim_point:
        raise TrimmedDataAccessException(TRIMMED_MESSAGE)
    records, after = stream.records_from(shard, position, limit or MAX_RECORDS)
    response: dict[str, Any] = {"Records": [_copy_record(record) for record in records]}
    if not shard.exhausted(after):
        response["NextShardIterator"] = encode_iterator(arn, shard_id, after, now)
    return response


def _copy_record(record: dict[str, Any]) -> dict[str, Any]:
    copied = dict(record)
    body = dict(record["dynamodb"])
    for image in ("Keys", "NewImage", "OldImage"):
        if image in body:
            body[image] = copy_item(body[image])
    copied["dynamodb"] = body
    if "userIdentity" in record:
        copied["userIdentity"] = dict(record["userIdentity"])
    return copied


# ---------------------------------------------------------------------- triggers
# DynaLab extensions, not part of the DynamoDB API.
@operation("CreateTrigger", api=DYNALAB)
def create_trigger(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Attach a built-in handler to a stream (DynaLab extension, like a Lambda event-source
    mapping): {StreamArn, HandlerName, HandlerParameters, BatchSize 1..1000 (default 100),
    StartingPosition TRIM_HORIZON | LATEST} -> the trigger's description."""
    violations = Violations()
    arn = get_str(request, "StreamArn")
    handler = get_str(request, "HandlerName")
    parameters = get_dict(request, "HandlerParameters")
    batch_size = get_int(request, "BatchSize")
    position = get_str(request, "StartingPosition")
    _stream_arn(violations, arn, "streamArn", required=True)
    violations.not_null(handler, "handlerName")
    violations.range(batch_size, "batchSize", 1, MAX_RECORDS)
    if violations.not_null(position, "startingPosition"):
        violations.enum(position, "startingPosition", ("TRIM_HORIZON", "LATEST"))
    violations.raise_if_any()
    assert arn is not None and handler is not None and position is not None
    stream = streams_of(engine).get(arn)
    ext = triggers_of(engine)
    trigger = ext.create(
        stream,
        handler,
        parameters or {},
        batch_size or DEFAULT_BATCH_SIZE,
        position,
        engine.now(),
    )
    return ext.describe(trigger)


@operation("DescribeTrigger", api=DYNALAB, read_only=True)
def describe_trigger(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """A trigger's settings, LastProcessingResult, LastError and counts (DynaLab extension)."""
    ext = triggers_of(engine)
    return ext.describe(ext.get(_trigger_id(request)))


@operation("ListTriggers", api=DYNALAB, read_only=True)
def list_triggers(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Every trigger in creation order, optionally of one stream or table (DynaLab extension)."""
    arn = get_str(request, "StreamArn")
    table_name = get_str(request, "TableName")
    ext = triggers_of(engine)
    return {
        "Triggers": [
            ext.describe(trigger)
            for trigger in ext.triggers.values()
            if (arn is None or trigger.stream_arn == arn)
            and (table_name is None or trigger.table_name == table_name)
        ]
    }


@operation("DeleteTrigger", api=DYNALAB)
def delete_trigger(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Detach a trigger; answers its last description with State ``Deleting``."""
    ext = triggers_of(engine)
    trigger = ext.get(_trigger_id(request))
    description = ext.describe(trigger)
    description["State"] = "Deleting"
    del ext.triggers[trigger.trigger_id]
    return description


def _trigger_id(request: dict[str, Any]) -> str:
    violations = Violations()
    trigger_id = get_str(request, "TriggerId")
    violations.not_null(trigger_id, "triggerId")
    violations.raise_if_any()
    assert trigger_id is not None
    return trigger_id
