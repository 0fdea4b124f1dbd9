"""What a sandbox's engine takes in a worker's memory, estimated without walking it.

Measured with tracemalloc on the engine (tests/sandboxes/test_memory.py keeps the estimate
above the truth): each stored item costs about 2.4 KB of Python objects (dicts, typed values,
index entries) before its data, and its data about twice its DynamoDB size (a str object per
value). So a table of small items takes some 40 times its DynamoDB size, which is why the
cache is bounded by this estimate rather than by a count of engines, and why a sandbox's
limits count it. What items' totals do not see (backups, stream records, point-in-time
history) shows in the size of the newest snapshot, which the estimate never goes below.
"""

from __future__ import annotations

from engine.inspect import Usage

PER_ITEM = 2_600
PER_ITEM_BYTE = 2
PER_TABLE = 64 * 1024
BASE = 64 * 1024
#: Memory per byte of a snapshot's JSON text, for what only the snapshot measures.
PER_STATE_BYTE = 1.5


def estimate(usage: Usage, state_bytes: int = 0) -> int:
    """Bytes the engine is estimated to take: from its tables, items and item bytes, and
    never less than its newest snapshot suggests. O(1)."""
    from_items = (
        BASE + usage.tables * PER_TABLE + usage.items * PER_ITEM + usage.bytes * PER_ITEM_BYTE
    )
    return max(from_items, int(state_bytes * PER_STATE_BYTE))


def growth(items: int, item_bytes: int) -> int:
    """The estimate's growth when ``items`` items holding ``item_bytes`` bytes are added."""
    return items * PER_ITEM + item_bytes * PER_ITEM_BYTE
