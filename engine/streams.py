"""DynamoDB Streams: each table's changes as a time-ordered log, read shard by shard.

How the simulation works (a pure function of the tables' changes and the simulated clock):

- Enabling a stream (CreateTable or UpdateTable ``StreamSpecification``) creates a *new* stream
  whose label is the simulated time it was enabled, ``YYYY-MM-DDTHH:MM:SS.mmm``; its ARN is
  ``<table ARN>/stream/<label>``. If two streams of one table would get the same label (enabled
  twice within one simulated millisecond) the later one moves on by a millisecond.
- Status changes are immediate in simulated time: a stream is ``ENABLED`` as soon as it is
  enabled and ``DISABLED`` as soon as it is disabled (the service passes through ``ENABLING`` /
  ``DISABLING`` for a few seconds; DynaLab skips them so a learner sees the effect at once).
  Disabling a stream, or deleting its table, closes its shards; it stays listable and readable
  for 24 hours and then disappears.
- Each write that changed something appends one record to the stream's open shard: INSERT,
  MODIFY or REMOVE with the images the view type asks for. A write that changed nothing (a
  PutItem storing an identical item, a DeleteItem of a missing item) writes no record.
- Shards roll over every ``shard_rollover_seconds`` (default 4 hours) of simulated time, also
  while idle: the open shard closes (it gains an ``EndingSequenceNumber``) and a child shard opens
  whose ``ParentShardId`` is the closed one, so a reader follows children.
- Records older than 24 hours are trimmed; a shard that closed more than 24 hours ago is gone.
- Sequence numbers are 21-digit decimal strings that increase through the whole stream. Every
  shard reserves its ``StartingSequenceNumber`` when it opens; an empty shard closes with
  ``EndingSequenceNumber`` equal to it.
- Shard iterators are opaque strings that carry the stream ARN, the shard, the position and the
  simulated time they were issued; they expire 15 minutes later. No state is kept per iterator,
  so they survive ``Engine.dump`` / ``Engine.load`` exactly as the stream does.
- Identifiers (shard ids, event ids) are derived from the stream ARN and counters: no randomness.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hashlib
import math
import re
from collections.abc import Iterator
from typing import Any

from engine.core import Engine, Extension
from engine.errors import DynamoDBError, ResourceNotFoundException, ValidationException
from engine.table import Change, Table
from engine.values import Item, copy_item, item_size, values_equal

VIEW_TYPES = ("NEW_IMAGE", "OLD_IMAGE", "NEW_AND_OLD_IMAGES", "KEYS_ONLY")
RETENTION_SECONDS = 24 * 3600
SHARD_ROLLOVER_SECONDS = 4 * 3600
ITERATOR_LIFETIME_SECONDS = 15 * 60
#: GetRecords returns at most 1,000 records or 1 MB, whichever comes first.
MAX_RECORDS = 1000
MAX_RECORDS_BYTES = 1024 * 1024
#: Sequence numbers are 21 digits: the first one handed out is 100000000000000000001.
SEQUENCE_BASE = 10**20
EVENT_VERSION = "1.1"
EVENT_SOURCE = "aws:dynamodb"

TRIMMED_MESSAGE = "The operation attempted to read past the oldest stream record in a shard."
EXPIRED_MESSAGE = "Shard iterator has expired"


class ExpiredIteratorException(DynamoDBError):
    """A shard iterator was used more than 15 minutes after it was issued."""

    code = "ExpiredIteratorException"


class TrimmedDataAccessException(DynamoDBError):
    """A position before the oldest record the shard still holds (24-hour retention)."""

    code = "TrimmedDataAccessException"


def stream_label_at(milliseconds: int) -> str:
    """The label of a stream enabled at ``milliseconds`` since the epoch.

    >>> stream_label_at(1_750_000_000_123)
    '2025-06-15T15:06:40.123'
    """
    moment = datetime.datetime.fromtimestamp(milliseconds // 1000, tz=datetime.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{milliseconds % 1000:03d}"


def format_sequence(number: int) -> str:
    return f"{number:021d}"


def items_equal(left: Item, right: Item) -> bool:
    """True when two items hold the same attributes and values (sets ignore order)."""
    if left.keys() != right.keys():
        return False
    return all(values_equal(left[name], right[name]) for name in left)


# ---------------------------------------------------------------------- shards
class Shard:
    """A run of consecutive records of one stream. Records are appended in sequence order."""

    __slots__ = (
        "shard_id",
        "parent_id",
        "opened_at",
        "closed_at",
        "start",
        "end",
        "seqs",
        "times",
        "records",
        "first",
        "floor",
    )

    def __init__(self, shard_id: str, parent_id: str | None, opened_at: float, start: int) -> None:
        self.shard_id = shard_id
        self.parent_id = parent_id
        self.opened_at = opened_at
        self.closed_at: float | None = None
        #: StartingSequenceNumber (reserved when the shard opens).
        self.start = start
        #: EndingSequenceNumber once closed.
        self.end: int | None = None
        self.seqs: list[int] = []
        self.times: list[float] = []
        self.records: list[dict[str, Any]] = []
        #: Index of the oldest record not yet trimmed.
        self.first = 0
        #: The trim point once every record is trimmed: one past the last trimmed record.
        self.floor = start

    @property
    def closed(self) -> bool:
        return self.end is not None

    @property
    def trim_point(self) -> int:
        """The lowest sequence number still readable (TRIM_HORIZON)."""
        if self.first < len(self.seqs):
            return self.seqs[self.first]
        return self.floor

    @property
    def after_last(self) -> int:
        """The position just after the newest record (LATEST)."""
        if self.end is not None:
            return self.end + 1
        return self.seqs[-1] + 1 if self.seqs else self.floor

    def trim(self, now: float, retention: float) -> None:
        """Drop records older than ``retention`` seconds. O(k) for k trimmed records."""
        times = self.times
        first = self.first
        while first < len(times) and now - times[first] > retention:
            first += 1
        if first != self.first:
            self.floor = self.seqs[first - 1] + 1
        self.first = first
        if first > 256 and first * 2 > len(times):
            del self.seqs[:first], self.times[:first], self.records[:first]
            self.first = 0

    def exhausted(self, position: int) -> bool:
        """A closed shard holds no record at or after ``position``: readers move to its child."""
        return self.end is not None and self.index_of(position) >= len(self.seqs)

    def index_of(self, position: int) -> int:
        """Index of the first record whose sequence number is >= position. O(log n)."""
        low, high = self.first, len(self.seqs)
        seqs = self.seqs
        while low < high:
            middle = (low + high) // 2
            if seqs[middle] < position:
                low = middle + 1
            else:
                high = middle
        return low

    def to_wire(self) -> dict[str, Any]:
        shard: dict[str, Any] = {"ShardId": self.shard_id}
        if self.parent_id is not None:
            shard["ParentShardId"] = self.parent_id
        number_range = {"StartingSequenceNumber": format_sequence(self.start)}
        if self.end is not None:
            number_range["EndingSequenceNumber"] = format_sequence(self.end)
        shard["SequenceNumberRange"] = number_range
        return shard

    def dump(self) -> dict[str, Any]:
        live = range(self.first, len(self.seqs))
        return {
            "id": self.shard_id,
            "parent": self.parent_id,
            "opened_at": self.opened_at,
            "closed_at": self.closed_at,
            "start": self.start,
            "end": self.end,
            # The trim point survives even when every record is gone.
            "trim": self.trim_point,
            "records": [[self.seqs[i], self.times[i], self.records[i]] for i in live],
        }

    @classmethod
    def load(cls, state: dict[str, Any]) -> Shard:
        shard = cls(state["id"], state.get("parent"), state["opened_at"], state["start"])
        shard.closed_at = state.get("closed_at")
        shard.end = state.get("end")
        shard.floor = state.get("trim", shard.start)
        for seq, at, record in state.get("records") or []:
            shard.seqs.append(seq)
            shard.times.append(at)
            shard.records.append(record)
        return shard


# ---------------------------------------------------------------------- streams
class Stream:
    """One stream of one table: its description, shards and sequence counter."""

    def __init__(
        self,
        *,
        arn: str,
        label: str,
        table_name: str,
        key_schema: list[dict[str, str]],
        view_type: str,
        created_at: float,
    ) -> None:
        self.arn = arn
        self.label = label
        self.table_name = table_name
        self.key_schema = key_schema
        self.view_type = view_type
        self.created_at = created_at
        self.disabled_at: float | None = None
        self.shards: list[Shard] = []
        #: The last sequence number handed out (to a record or to an empty shard).
        self.counter = SEQUENCE_BASE
        #: How many shards were ever opened (shard ids derive from it).
        self.shards_opened = 0
        self.last_shard_id: str | None = None

    # ------------------------------------------------------------------ state
    @property
    def enabled(self) -> bool:
        return self.disabled_at is None

    def status(self) -> str:
        return "ENABLED" if self.enabled else "DISABLED"

    def shard(self, shard_id: str) -> Shard | None:
        for shard in self.shards:
            if shard.shard_id == shard_id:
                return shard
        return None

    def child_of(self, shard: Shard) -> Shard | None:
        """The shard opened when ``shard`` closed (shards form one chain of generations)."""
        for index, candidate in enumerate(self.shards):
            if candidate is shard:
                return self.shards[index + 1] if index + 1 < len(self.shards) else None
        return None

    # ------------------------------------------------------------------ changes
    def open_shard(self, at: float) -> Shard:
        """Open the next shard at simulated time ``at``; its id derives from the ARN and index."""
        index = self.shards_opened
        self.shards_opened += 1
        digest = hashlib.sha256(f"{self.arn}#shard#{index}".encode()).hexdigest()[:8]
        shard_id = f"shardId-{max(0, math.floor(at * 1000)):020d}-{digest}"
        shard = Shard(shard_id, self.last_shard_id, at, self.counter + 1)
        self.last_shard_id = shard_id
        self.shards.append(shard)
        return shard

    def close_shard(self, shard: Shard, at: float) -> None:
        if shard.end is not None:
            return
        if shard.seqs:
            shard.end = shard.seqs[-1]
        elif shard.floor > shard.start:
            shard.end = shard.floor - 1  # its records were all trimmed and compacted away
        else:
            # An empty shard consumes the sequence number it reserved.
            self.counter = max(self.counter, shard.start)
            shard.end = shard.start
        shard.closed_at = at

    def roll(self, now: float, interval: float) -> None:
        """Close the open shard at every rollover boundary up to ``now``; open its child."""
        if not self.enabled or not self.shards:
            return
        shard = self.shards[-1]
        while shard.end is None and shard.opened_at + interval <= now:
            boundary = shard.opened_at + interval
            self.close_shard(shard, boundary)
            shard = self.open_shard(boundary)

    def append(self, change: Change, region: str, interval: float) -> None:
        """Record one change in the open shard. O(1): the record is built when read."""
        self.roll(change.time, interval)
        shard = self.shards[-1]
        self.counter += 1
        seq = self.counter
        shard.seqs.append(seq)
        shard.times.append(change.time)
        # The wire record (images, sizes, event id) is built when first read: most records
        # of a busy table are never read, and the write path stays short.
        shard.records.append((seq, change, region))

    def _record(self, seq: int, change: Change, region: str) -> dict[str, Any]:
        old, new = change.old, change.new
        if old is None:
            event = "INSERT"
        elif new is None:
            event = "REMOVE"
        else:
            event = "MODIFY"
        view = self.view_type
        body: dict[str, Any] = {
            "ApproximateCreationDateTime": float(math.floor(change.time)),
            "Keys": copy_item(change.key),
        }
        size = item_size(change.key)
        # Stored items are never mutated in place, so the images may share them.
        if new is not None and view in ("NEW_IMAGE", "NEW_AND_OLD_IMAGES"):
            body["NewImage"] = new
            size += change.new_size if change.new_size is not None else item_size(new)
        if old is not None and view in ("OLD_IMAGE", "NEW_AND_OLD_IMAGES"):
            body["OldImage"] = old
            size += change.old_size if change.old_size is not None else item_size(old)
        body["SequenceNumber"] = format_sequence(seq)
        body["SizeBytes"] = max(1, size)
        body["StreamViewType"] = view
        record: dict[str, Any] = {
            "eventID": hashlib.sha256(f"{self.arn}#{seq}".encode()).hexdigest()[:32],
            "eventName": event,
            "eventVersion": EVENT_VERSION,
            "eventSource": EVENT_SOURCE,
            "awsRegion": region,
            "dynamodb": body,
        }
        if change.user_identity:
            record["userIdentity"] = {
                "PrincipalId": change.user_identity["PrincipalId"],
                "Type": change.user_identity["Type"],
            }
        return record

    def disable(self, now: float) -> None:
        if self.disabled_at is not None:
            return
        if self.shards:
            self.close_shard(self.shards[-1], now)
        self.disabled_at = now

    def expire(self, now: float, retention: float) -> None:
        """Trim old records and forget shards that closed more than ``retention`` ago.

        Shards hold records in time order, one after another, so the work stops at the first
        record still within retention: O(1) on every call that trims nothing."""
        for shard in self.shards:
            times, first = shard.times, shard.first
            if first < len(times) and not now - times[first] > retention:
                break  # this record and every later one are still within retention
            shard.trim(now, retention)
        oldest = self.shards[0] if self.shards else None
        if (
            oldest is not None
            and oldest.closed_at is not None
            and now - oldest.closed_at > retention
        ):
            self.shards = [
                shard
                for shard in self.shards
                if shard.closed_at is None or now - shard.closed_at <= retention
            ]

    # ------------------------------------------------------------------ reading
    def record_at(self, shard: Shard, index: int) -> dict[str, Any]:
        """The wire record at ``index`` of ``shard``, built (once) from its change."""
        record = shard.records[index]
        if isinstance(record, tuple):
            record = self._record(*record)
            shard.records[index] = record
        return record

    def built(self) -> None:
        """Build every record not yet built (before the stream is dumped)."""
        for shard in self.shards:
            for index in range(shard.first, len(shard.records)):
                self.record_at(shard, index)

    def records_from(
        self, shard: Shard, position: int, limit: int, max_bytes: int = MAX_RECORDS_BYTES
    ) -> tuple[list[dict[str, Any]], int]:
        """Up to ``limit`` records at or after ``position`` (and at most ``max_bytes`` of
        them, but always at least one); returns them with the position after the last one."""
        index = shard.index_of(position)
        records: list[dict[str, Any]] = []
        total = 0
        while index < len(shard.seqs) and len(records) < limit:
            record = self.record_at(shard, index)
            size = record["dynamodb"]["SizeBytes"]
            if records and total + size > max_bytes:
                break
            records.append(record)
            total += size
            position = shard.seqs[index] + 1
            index += 1
        return records, position

    def pending(self, shard: Shard, position: int) -> int:
        """How many records sit at or after ``position`` in ``shard`` and its descendants."""
        count = 0
        started = False
        for candidate in self.shards:
            if candidate is shard:
                started = True
                count += len(candidate.seqs) - candidate.index_of(position)
            elif started:
                count += len(candidate.seqs) - candidate.first
        return count

    # ------------------------------------------------------------------ description
    def describe(self) -> dict[str, Any]:
        return {
            "StreamArn": self.arn,
            "StreamLabel": self.label,
            "StreamStatus": self.status(),
            "StreamViewType": self.view_type,
            "CreationRequestDateTime": self.created_at,
            "TableName": self.table_name,
            "KeySchema": [dict(element) for element in self.key_schema],
        }

    def dump(self) -> dict[str, Any]:
        self.built()
        return {
            "arn": self.arn,
            "label": self.label,
            "table_name": self.table_name,
            "key_schema": self.key_schema,
            "view_type": self.view_type,
            "created_at": self.created_at,
            "disabled_at": self.disabled_at,
            "counter": self.counter,
            "shards_opened": self.shards_opened,
            "last_shard_id": self.last_shard_id,
            "shards": [shard.dump() for shard in self.shards],
        }

    @classmethod
    def load(cls, state: dict[str, Any]) -> Stream:
        stream = cls(
            arn=state["arn"],
            label=state["label"],
            table_name=state["table_name"],
            key_schema=state["key_schema"],
            view_type=state["view_type"],
            created_at=state["created_at"],
        )
        stream.disabled_at = state.get("disabled_at")
        stream.counter = state["counter"]
        stream.shards_opened = state["shards_opened"]
        stream.last_shard_id = state.get("last_shard_id")
        stream.shards = [Shard.load(shard) for shard in state.get("shards", [])]
        return stream


# ---------------------------------------------------------------------- iterators
def encode_iterator(stream_arn: str, shard_id: str, position: int, issued: float) -> str:
    """An opaque shard iterator: ``<stream ARN>|1|<token>``, the token carrying the shard, the
    position and the issue time, with a checksum so a mistyped iterator is refused."""
    payload = f"{shard_id}|{position}|{issued!r}"
    check = hashlib.sha256(f"{stream_arn}|{payload}".encode()).hexdigest()[:16]
    token = base64.urlsafe_b64encode(f"{payload}|{check}".encode()).decode().rstrip("=")
    return f"{stream_arn}|1|{token}"


def decode_iterator(text: str) -> tuple[str, str, int, float]:
    """``(stream ARN, shard id, position, issued)`` or ValidationException."""
    try:
        stream_arn, version, token = text.rsplit("|", 2)
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        shard_id, position, issued, check = raw.split("|")
        expected = hashlib.sha256(
            f"{stream_arn}|{shard_id}|{position}|{issued}".encode()
        ).hexdigest()[:16]
        if version != "1" or check != expected:
            raise ValueError(text)
        return stream_arn, shard_id, int(position), float(issued)
    except (ValueError, UnicodeDecodeError, binascii.Error):
        raise ValidationException("Invalid ShardIterator") from None


def stream_not_found(arn: str) -> ResourceNotFoundException:
    return ResourceNotFoundException(f"Requested resource not found: Stream: {arn} not found")


#: ``arn:<partition>:dynamodb:<region>:<account>:table/<table>/stream/<label>``.
_STREAM_ARN = re.compile(r"arn:[^:]+:dynamodb:[^:]+:[^:]+:table/[^/]+/stream/[^/]+")


def check_stream_arn(arn: str) -> None:
    """A StreamArn that is not a stream ARN at all is a ValidationException; a well-formed
    one naming no stream is a ResourceNotFoundException (``StreamsExtension.get``)."""
    if not _STREAM_ARN.fullmatch(arn):
        raise ValidationException("Invalid StreamArn")


# ---------------------------------------------------------------------- extension
class StreamsExtension(Extension):
    """Every stream of the engine, fed by the tables' change listeners.

    Settings (attributes, saved by ``Engine.dump``): ``shard_rollover_seconds`` (default 4
    hours; tests make it short), ``retention_seconds`` (24 hours) and
    ``iterator_lifetime_seconds`` (15 minutes).
    """

    def __init__(self, engine: Engine) -> None:
        super().__init__(engine)
        self.shard_rollover_seconds: float = SHARD_ROLLOVER_SECONDS
        self.retention_seconds: float = RETENTION_SECONDS
        self.iterator_lifetime_seconds: float = ITERATOR_LIFETIME_SECONDS
        #: Stream ARN -> stream, in creation order (disabled ones stay for 24 hours).
        self.streams: dict[str, Stream] = {}
        #: Table name -> ARN of its enabled stream.
        self.open: dict[str, str] = {}

    # ------------------------------------------------------------------ hooks
    def table_created(self, table: Table) -> None:
        table.change_listeners.append(lambda change, name=table.name: self._record(name, change))
        if not _enabled(table):
            return
        if table.stream_label is None:
            self._enable(table, self.engine.now())
        else:
            # A table rebuilt by Engine.load: its stream comes back with the extension's state.
            arn = f"{table.arn}/stream/{table.stream_label}"
            if arn not in self.streams:
                self._adopt(table, arn, table.stream_label, self.engine.now())

    def table_updated(self, table: Table, now: float) -> None:
        current = self.open.get(table.name)
        if _enabled(table) and current is None:
            self._enable(table, now)
        elif not _enabled(table) and current is not None:
            self.streams[current].disable(now)
            del self.open[table.name]

    def table_deleted(self, table: Table, now: float) -> None:
        # DeleteTable disables the stream; it is deleted 24 hours later.
        current = self.open.pop(table.name, None)
        if current is not None:
            self.streams[current].disable(now)

    def advance(self, now: float) -> None:
        # TTL deletions due by now go into the stream first, before its shards roll over to
        # ``now`` (the engine's extension order does not matter; TTL's advance is idempotent).
        ttl = self.engine.extensions.get("ttl")
        if ttl is not None:
            ttl.advance(now)
        interval = self.shard_rollover_seconds
        retention = self.retention_seconds
        gone = []
        for arn, stream in self.streams.items():
            stream.roll(now, interval)
            stream.expire(now, retention)
            if stream.disabled_at is not None and now - stream.disabled_at > retention:
                gone.append(arn)
        for arn in gone:
            del self.streams[arn]

    # ------------------------------------------------------------------ internals
    def _enable(self, table: Table, now: float) -> Stream:
        milliseconds = math.floor(now * 1000)
        label = stream_label_at(milliseconds)
        while f"{table.arn}/stream/{label}" in self.streams:
            milliseconds += 1
            label = stream_label_at(milliseconds)
        table.stream_label = label
        return self._adopt(table, f"{table.arn}/stream/{label}", label, now)

    def _adopt(self, table: Table, arn: str, label: str, now: float) -> Stream:
        spec = table.stream_specification or {}
        stream = Stream(
            arn=arn,
            label=label,
            table_name=table.name,
            key_schema=table.schema.to_wire(),
            view_type=spec.get("StreamViewType", "KEYS_ONLY"),
            created_at=now,
        )
        stream.open_shard(now)
        self.streams[arn] = stream
        self.open[table.name] = arn
        return stream

    def _record(self, table_name: str, change: Change) -> None:
        arn = self.open.get(table_name)
        if arn is None:
            return
        old, new = change.old, change.new
        if old is not None and new is not None and items_equal(old, new):
            return  # the write changed nothing: no record
        self.streams[arn].append(change, self.engine.region, self.shard_rollover_seconds)

    # ------------------------------------------------------------------ reading API
    def get(self, arn: str) -> Stream:
        check_stream_arn(arn)
        stream = self.streams.get(arn)
        if stream is None:
            raise stream_not_found(arn)
        return stream

    def ordered(self) -> Iterator[Stream]:
        """Streams newest first (ties by ARN), the order ListStreams pages through."""
        return iter(sorted(self.streams.values(), key=lambda s: (-s.created_at, s.arn)))

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        return {
            "shard_rollover_seconds": self.shard_rollover_seconds,
            "retention_seconds": self.retention_seconds,
            "iterator_lifetime_seconds": self.iterator_lifetime_seconds,
            "streams": [stream.dump() for stream in self.streams.values()],
            "open": dict(self.open),
        }

    def load(self, state: dict[str, Any]) -> None:
        self.shard_rollover_seconds = state.get("shard_rollover_seconds", SHARD_ROLLOVER_SECONDS)
        self.retention_seconds = state.get("retention_seconds", RETENTION_SECONDS)
        self.iterator_lifetime_seconds = state.get(
            "iterator_lifetime_seconds", ITERATOR_LIFETIME_SECONDS
        )
        self.streams = {}
        for stream_state in state.get("streams", []):
            stream = Stream.load(stream_state)
            self.streams[stream.arn] = stream
        self.open = {
            name: arn for name, arn in (state.get("open") or {}).items() if arn in self.streams
        }


def _enabled(table: Table) -> bool:
    return bool(table.stream_specification and table.stream_specification.get("StreamEnabled"))


def streams_of(engine: Engine) -> StreamsExtension:
    ext = engine.extensions["streams"]
    assert isinstance(ext, StreamsExtension)
    return ext
