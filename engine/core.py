"""The Engine: one entry point, ``call(operation, request)``, over all of a sandbox's tables."""

from __future__ import annotations

import copy
import json
from typing import TYPE_CHECKING, Any

from engine import catalog
from engine.clock import SimClock
from engine.errors import (
    DynamoDBError,
    InternalServerError,
    ResourceNotFoundException,
    SerializationException,
    UnknownOperationException,
)
from engine.table import Table


class Extension:
    """A subsystem that lives beside the tables (streams, TTL, backups, throughput...).

    Subclasses override what they need. Every hook must be deterministic: a pure function of
    engine state and the simulated time it is given.
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def advance(self, now: float) -> None:
        """Apply whatever became due at simulated time ``now`` (called before every operation
        and after every clock advance)."""

    def table_created(self, table: Table) -> None:
        """A table was created (or rebuilt by ``Engine.load``): attach listeners here."""

    def table_deleted(self, table: Table, now: float) -> None:
        """A table was deleted."""

    def table_updated(self, table: Table, now: float) -> None:
        """UpdateTable changed a table's settings (for example its StreamSpecification)."""

    def settle(self, now: float) -> None:
        """An operation has just succeeded: react to the changes it made (stream triggers)."""

    def charge(self, table: Table, consumption: Any, now: float) -> None:
        """Called with a request's capacity before it takes effect; raise to refuse it
        (ProvisionedThroughputExceededException)."""

    def table_description(self, table: Table, description: dict[str, Any], now: float) -> None:
        """Add this extension's fields to a table's TableDescription (global tables add
        ``Replicas``)."""

    def dump(self) -> Any:
        """JSON-compatible state for ``Engine.dump``."""
        return None

    def load(self, state: Any) -> None:
        """Restore ``dump()`` output (tables are already loaded)."""


class Engine:
    """An in-memory DynamoDB for one sandbox.

    >>> engine = Engine()
    >>> engine.call("ListTables", {})
    {'TableNames': []}
    """

    def __init__(
        self,
        clock: SimClock | None = None,
        *,
        region: str = "us-east-1",
        account_id: str = "000000000000",
        regions: MultiRegionEngine | None = None,
    ) -> None:
        self.clock = clock or SimClock()
        self.region = region
        self.account_id = account_id
        #: The sandbox's other regions when this engine is one Region of a MultiRegionEngine
        #: (engine/regions.py), which then owns the clock's listener and global tables.
        self.regions = regions
        self.tables: dict[str, Table] = {}
        #: Names of replica tables still being created: only DescribeTable sees them
        #: (engine/replication.py keeps this set; ``get_table`` consults it).
        self.creating_replicas: set[str] = set()
        #: ClientRequestToken -> (fingerprint, response, time) for TransactWriteItems.
        self.transaction_tokens: dict[str, tuple[str, dict[str, Any], float]] = {}
        #: Counts changes to the engine's state: every stored item written (by a request, TTL
        #: or a trigger) and every capacity charge (buckets, counters and the throughput log
        #: change on reads too). A caller that skips journaling
        #: read-only requests compares it before and after a read to see if that read changed
        #: state a replay must reproduce. Time-driven work (GSI propagation) is not counted.
        self.revision = 0
        # One instance of each extension, in the order engine/extensions.py lists them.
        self.extensions: dict[str, Extension] = {name: cls(self) for name, cls in EXTENSIONS}
        if regions is None:
            self.clock.on_advance(self.apply_due)

    # ------------------------------------------------------------------ entry point
    def call(self, operation: str, request: dict[str, Any] | None) -> dict[str, Any]:
        """Run one DynamoDB operation with the service's request and response shapes.

        Raises a DynamoDBError subclass carrying the service's code and message; an
        unexpected fault inside the engine surfaces as InternalServerError, never as a
        bare Python exception.
        """
        handler = catalog.handler(operation)
        if handler is None:
            raise UnknownOperationException(catalog.unknown_operation_message(operation))
        if request is None:
            request = {}
        if not isinstance(request, dict):
            raise SerializationException("Start of list found where not expected")
        try:
            if self.regions is not None:
                # Replication due by now lands first, in this region and every other.
                self.regions.prepare(self)
            else:
                self.apply_due()
            response = handler(self, request)
            self.settle()
            return response
        except DynamoDBError:
            raise
        except RecursionError:
            raise SerializationException("The request is nested too deeply") from None
        except Exception as error:  # a bug of ours: never leak a traceback to a client
            raise InternalServerError(
                f"The server encountered an internal error trying to fulfill the request: "
                f"{type(error).__name__}"
            ) from error

    @property
    def operations(self) -> list[str]:
        """Names of every supported operation (``engine.catalog`` has their facts)."""
        return catalog.names()

    @property
    def inspect(self) -> Inspector:
        """The engine's read-only view of itself (engine/inspect.py): uncharged, no side
        effects, plain dataclasses."""
        return Inspector(self)

    # ------------------------------------------------------------------ hooks
    def apply_due(self) -> None:
        """Let every extension apply what became due at the current simulated time (and, in
        a multi-region sandbox, every other region and the replication between them)."""
        if self.regions is not None:
            self.regions.apply_due()
        else:
            self.advance_extensions(self.clock.now())

    def advance_extensions(self, now: float) -> None:
        """This region's own due work at ``now``, every extension in order."""
        for ext in self.extensions.values():
            ext.advance(now)

    def add_table(self, table: Table) -> None:
        """Register a new (or restored) table and tell the extensions about it."""
        self.tables[table.name] = table
        table.on_write = self._count_write
        for ext in self.extensions.values():
            ext.table_created(table)

    def _count_write(self) -> None:
        self.revision += 1

    def remove_table(self, table: Table) -> None:
        """Drop a table and tell the extensions."""
        del self.tables[table.name]
        now = self.now()
        for ext in self.extensions.values():
            ext.table_deleted(table, now)

    def table_updated(self, table: Table) -> None:
        """Tell the extensions that UpdateTable changed a table's settings."""
        now = self.now()
        for ext in self.extensions.values():
            ext.table_updated(table, now)

    def settle(self) -> None:
        """Let the extensions react to what the operation that just succeeded changed."""
        now = self.now()
        for ext in self.extensions.values():
            ext.settle(now)

    def charge(self, table: Table, consumption: Any) -> None:
        """Offer a request's capacity to the extensions before it takes effect.

        Write handlers call this before changing anything; read handlers before answering.
        An extension may raise (for example ProvisionedThroughputExceededException).
        """
        now = self.now()
        for ext in self.extensions.values():
            ext.charge(table, consumption, now)

    def describe_table(self, table: Table, now: float | None = None) -> dict[str, Any]:
        """The table's TableDescription, with what the extensions add (``Replicas``)."""
        moment = self.now() if now is None else now
        description = table.describe(moment)
        for ext in self.extensions.values():
            ext.table_description(table, description, moment)
        return description

    # ------------------------------------------------------------------ helpers
    def now(self) -> float:
        return self.clock.now()

    def table_arn(self, name: str) -> str:
        return f"arn:aws:dynamodb:{self.region}:{self.account_id}:table/{name}"

    def resolve_table_name(self, name_or_arn: str) -> str:
        """TableName parameters accept a table name or its ARN."""
        if name_or_arn.startswith("arn:"):
            return name_or_arn.rsplit("table/", 1)[-1].split("/", 1)[0]
        return name_or_arn

    def get_table(self, name: str, *, message: str | None = None) -> Table:
        """The table with this name (or ARN), or ResourceNotFoundException."""
        table = self.tables.get(self.resolve_table_name(name))
        if table is None or (self.creating_replicas and self._still_creating(table)):
            raise ResourceNotFoundException(message or "Requested resource not found")
        return table

    def _still_creating(self, table: Table) -> bool:
        """A replica being created answers DescribeTable only (reads and writes: not found)."""
        if table.name not in self.creating_replicas:
            return False
        if self.now() < table.active_at:
            return True
        self.creating_replicas.discard(table.name)
        return False

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        """The whole state as JSON-compatible data (tables, items, clock, tokens)."""
        return {
            "format": 1,
            "region": self.region,
            "account_id": self.account_id,
            "clock": self.clock.dump(),
            "tables": [_dump_table(table) for table in self.tables.values()],
            "transaction_tokens": {
                token: [fingerprint, response, at]
                for token, (fingerprint, response, at) in self.transaction_tokens.items()
            },
            "extensions": {name: ext.dump() for name, ext in self.extensions.items()},
        }

    @classmethod
    def load(
        cls,
        state: dict[str, Any],
        *,
        clock: SimClock | None = None,
        regions: MultiRegionEngine | None = None,
    ) -> Engine:
        """Rebuild an engine from ``dump()`` output (on ``clock`` when one Region of a
        MultiRegionEngine shares it; the dump's own clock otherwise)."""
        engine = cls(
            clock if clock is not None else SimClock.load(state.get("clock") or {}),
            region=state.get("region", "us-east-1"),
            account_id=state.get("account_id", "000000000000"),
            regions=regions,
        )
        for table_state in state.get("tables", []):
            engine.add_table(_load_table(table_state))
        for token, (fingerprint, response, at) in state.get("transaction_tokens", {}).items():
            engine.transaction_tokens[token] = (fingerprint, response, at)
        for name, ext_state in (state.get("extensions") or {}).items():
            if name in engine.extensions and ext_state is not None:
                engine.extensions[name].load(ext_state)
        return engine

    def dumps(self) -> str:
        """``dump()`` as compact JSON text."""
        return json.dumps(self.dump(), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> Engine:
        return cls.load(json.loads(text))


_TABLE_FIELDS = (
    "name",
    "attribute_definitions",
    "arn",
    "created_at",
    "billing_mode",
    "billing_mode_explicit",
    "last_update_to_pay_per_request",
    "stream_specification",
    "local_indexes",
    "global_indexes",
    "tags",
    "deletion_protection",
    "table_class",
    "active_at",
    "restore_summary",
    "stream_label",
)


def table_definition(table: Table) -> dict[str, Any]:
    """Everything ``_load_table`` needs except the items: a JSON-compatible deep copy."""
    state = {name: copy.deepcopy(getattr(table, name)) for name in _TABLE_FIELDS}
    state["schema"] = table.schema.dump()
    throughput = table.throughput
    state["throughput"] = {
        "read": throughput.read,
        "write": throughput.write,
        "last_increase": throughput.last_increase,
        "last_decrease": throughput.last_decrease,
        "decreases_today": throughput.decreases_today,
    }
    return state


def _dump_table(table: Table) -> dict[str, Any]:
    state = table_definition(table)
    state["items"] = list(table.all_items())
    return state


def _load_table(state: dict[str, Any]) -> Table:
    from engine.keys import KeySchema
    from engine.table import Throughput
    from engine.values import freeze_item, key_sort_value

    fields = {name: state[name] for name in _TABLE_FIELDS if name in state}
    table = Table(
        schema=KeySchema(**state["schema"]),
        throughput=Throughput(**state["throughput"]),
        **fields,
    )
    partition_key = table.schema.partition_key
    sort_key = table.schema.sort_key
    for item in state.get("items", []):
        # Scalars, as a write stores them, so reads after a restart share them too.
        item = freeze_item(item)
        table.write(
            key_sort_value(item[partition_key]),
            key_sort_value(item[sort_key]) if sort_key else None,
            item,
            table.created_at,
        )
    return table


# Register every operation with the catalog, then the extensions in their one ordered list.
from engine import operations as _operations  # noqa: E402,F401
from engine.extensions import EXTENSIONS  # noqa: E402
from engine.inspect import Inspector  # noqa: E402

if TYPE_CHECKING:
    from engine.regions import MultiRegionEngine
