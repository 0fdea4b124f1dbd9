"""The engine's extensions, registered in one ordered place.

An extension is a subsystem that lives beside the tables (``engine.core.Extension``): it is
told when tables are created, updated and deleted, applies what became due when the clock
moves, may refuse a request's capacity, and keeps its own state in ``Engine.dump()``.

Every engine gets one instance of each, in this order, and every hook runs in this order.
The order is part of the engine's behaviour: journals are replayed in it, so changing it can
change what a replayed sandbox holds. Why it is this one:

1. ``throughput``: buckets refill before anything else runs, and it is the only extension
   that refuses capacity (``charge``).
2. ``backups``: restores that finished become ACTIVE tables that later hooks see; PITR
   history trims.
3. ``indexes``: GSI writes whose propagation delay passed, and finished backfills, land.
4. ``streams``: shards roll over and records older than 24 hours are trimmed.
5. ``triggers``: triggers read the stream records that are still there.
6. ``ttl``: expired items are deleted; their REMOVE records reach triggers on the next
   advance.
7. ``replication``: global tables (engine/replication.py). Its change listener runs after the
   stream's and TTL's, so a write is recorded in its own Region before it is queued for the
   others; the deliveries themselves are applied by the sandbox's ``MultiRegionEngine``.
8. ``dax``: DAX clusters, a cache in front of the tables (one set of clusters per Region, as
   on AWS). It changes no table and no other extension reads it: its hook only ends cluster
   and node lifecycles, so it runs last, once this moment's TTL deletions have landed (they
   bypass DAX, leaving it stale, as on AWS, and so do replicated writes arriving from another
   Region). Running it anywhere else would change nothing; last says that nothing depends on
   it.
"""

from __future__ import annotations

from engine.backups import Backups
from engine.core import Extension
from engine.dax import DaxExtension
from engine.operations.indexing import IndexMaintenance
from engine.replication import ReplicationExtension
from engine.streams import StreamsExtension
from engine.throughput import Throughput
from engine.triggers import TriggersExtension
from engine.ttl import TTLExtension

#: (name, class) of every extension, in the order they are created and their hooks run.
EXTENSIONS: tuple[tuple[str, type[Extension]], ...] = (
    ("throughput", Throughput),
    ("backups", Backups),
    ("indexes", IndexMaintenance),
    ("streams", StreamsExtension),
    ("triggers", TriggersExtension),
    ("ttl", TTLExtension),
    ("replication", ReplicationExtension),
    ("dax", DaxExtension),
)
