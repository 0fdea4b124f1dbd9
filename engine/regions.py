"""A sandbox's Regions: one Engine per AWS Region, all on one simulated clock, with the global
tables that replicate between them (engine/replication.py).

Tables belong to a Region, as on AWS: a table created in us-east-1 is not in eu-west-1. The
Region of a call is the caller's choice (the wire endpoint takes it from the request's SigV4
credential scope). Each Region is an ordinary ``Engine`` created on its first call; a call in
one Region costs nothing in the others unless the sandbox has global tables, whose replication
is applied before each call (O(Regions that replicate)).

>>> from engine.clock import SimClock
>>> sandbox = MultiRegionEngine(SimClock(frozen_at=1_700_000_000))
>>> _ = sandbox.call("CreateTable", {
...     "TableName": "Books", "BillingMode": "PAY_PER_REQUEST",
...     "AttributeDefinitions": [{"AttributeName": "isbn", "AttributeType": "S"}],
...     "KeySchema": [{"AttributeName": "isbn", "KeyType": "HASH"}]}, region="us-east-1")
>>> sandbox.call("ListTables", {}, region="eu-west-1")
{'TableNames': []}
>>> sandbox.inspect.table_regions("Books")
('us-east-1',)
"""

from __future__ import annotations

import json
from typing import Any

from engine.clock import SimClock
from engine.core import Engine
from engine.errors import ValidationException
from engine.inspect import Inspector, SandboxInspector
from engine.replication import Replication

DEFAULT_REGION = "us-east-1"
DEFAULT_ACCOUNT_ID = "000000000000"

#: The commercial AWS Regions (partition ``aws``) DynaLab answers, as global tables list them.
REGIONS: tuple[str, ...] = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-1",
    "ap-south-2",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-7",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ca-central-1",
    "ca-west-1",
    "eu-central-1",
    "eu-central-2",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "eu-south-1",
    "eu-south-2",
    "eu-north-1",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
    "sa-east-1",
)
_KNOWN = frozenset(REGIONS)


def is_region(name: Any) -> bool:
    """True for a Region DynaLab answers. O(1)."""
    return isinstance(name, str) and name in _KNOWN


def check_region(name: Any) -> str:
    """``name`` when DynaLab answers that Region, else ValidationException."""
    if not is_region(name):
        raise ValidationException(
            f"DynaLab has no Region named {str(name)[:64]!r}: use an AWS Region such as "
            f"{DEFAULT_REGION} (the Region is the one your SDK signs requests for, boto3's "
            "region_name)"
        )
    return name


class MultiRegionEngine:
    """A sandbox's DynamoDB across Regions (see the module docstring)."""

    def __init__(
        self, clock: SimClock | None = None, *, account_id: str = DEFAULT_ACCOUNT_ID
    ) -> None:
        self.clock = clock or SimClock()
        self.account_id = account_id
        #: Region -> its engine, created on the Region's first call.
        self.engines: dict[str, Engine] = {}
        self.replication = Replication(self)
        self.clock.on_advance(self.apply_due)

    # ------------------------------------------------------------------ entry point
    def call(
        self, operation: str, request: dict[str, Any] | None, *, region: str = DEFAULT_REGION
    ) -> dict[str, Any]:
        """Run one operation in ``region`` (``Engine.call``'s shapes and errors).

        An unknown Region is a ValidationException. O(1) beyond the call itself, plus the
        replication due by now when the sandbox has global tables.
        """
        return self.region(check_region(region)).call(operation, request)

    def region(self, name: str) -> Engine:
        """The engine of Region ``name``, created empty on first use. O(1)."""
        engine = self.engines.get(name)
        if engine is None:
            engine = Engine(self.clock, region=name, account_id=self.account_id, regions=self)
            self.engines[name] = engine
        return engine

    # ------------------------------------------------------------------ time
    def prepare(self, engine: Engine) -> None:
        """Before a call in ``engine``'s Region: replication due by now, then the Region's own
        due work."""
        now = self.clock.now()
        self.replication.catch_up(now)
        engine.advance_extensions(now)

    def apply_due(self) -> None:
        """Everything due by now in every Region, then the replicated writes due (called
        after every clock advance). O(Regions) plus the work that became due."""
        now = self.clock.now()
        for name in sorted(self.engines):
            self.engines[name].advance_extensions(now)
        self.replication.deliver(now)

    def now(self) -> float:
        return self.clock.now()

    @property
    def revision(self) -> int:
        """Changes to the sandbox's state, over all Regions (see ``Engine.revision``)."""
        return sum(engine.revision for engine in self.engines.values())

    # ------------------------------------------------------------------ inspection
    @property
    def inspect(self) -> SandboxInspector:
        """The read-only view of the whole sandbox; ``inspect.region(name)`` is one Region's
        ``Inspector`` (engine/inspect.py)."""
        return SandboxInspector(self)

    def inspector(self, region: str) -> Inspector:
        """One Region's read-only view (an empty Region's when it has never been used)."""
        engine = self.engines.get(check_region(region))
        if engine is None:
            engine = Engine(self.clock, region=region, account_id=self.account_id, regions=self)
        return Inspector(engine)

    # ------------------------------------------------------------------ persistence
    def dump(self) -> dict[str, Any]:
        """The whole sandbox as JSON-compatible data: every Region that holds anything, the
        clock and the replication state."""
        empty = _empty_extensions(self)
        regions = {}
        for name in sorted(self.engines):
            engine = self.engines[name]
            state = engine.dump()
            if state["tables"] or state["transaction_tokens"] or state["extensions"] != empty:
                del state["clock"]
                regions[name] = state
        return {
            "format": 2,
            "account_id": self.account_id,
            "clock": self.clock.dump(),
            "regions": regions,
            "replication": self.replication.dump(),
        }

    @classmethod
    def load(cls, state: dict[str, Any]) -> MultiRegionEngine:
        """Rebuild from ``dump()`` output, or from a single Engine's dump (a sandbox saved
        before it had Regions: its tables are in the dump's Region, us-east-1)."""
        sandbox = cls(
            SimClock.load(state.get("clock") or {}),
            account_id=state.get("account_id", DEFAULT_ACCOUNT_ID),
        )
        if "regions" in state:
            regions = state["regions"]
        else:
            regions = {state.get("region", DEFAULT_REGION): state}
        for name in sorted(regions):
            engine = Engine.load(regions[name], clock=sandbox.clock, regions=sandbox)
            sandbox.engines[name] = engine
        sandbox.replication.load(state.get("replication") or {})
        return sandbox

    def dumps(self) -> str:
        """``dump()`` as compact JSON text."""
        return json.dumps(self.dump(), separators=(",", ":"))

    @classmethod
    def loads(cls, text: str) -> MultiRegionEngine:
        return cls.load(json.loads(text))


def _empty_extensions(sandbox: MultiRegionEngine) -> dict[str, Any]:
    """What a Region that was never changed dumps for its extensions."""
    probe = Engine(SimClock(frozen_at=0.0), account_id=sandbox.account_id, regions=sandbox)
    return probe.dump()["extensions"]
