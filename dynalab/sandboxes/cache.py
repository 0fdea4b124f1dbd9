"""Each worker's cache of engines: sandbox id -> (engine, journal sequence it includes).

Engines in memory are only caches of the journal (DESIGN.md, "Persistence and scale"). A caller
``take``s an engine out while it works on it, so no other thread sees it half-changed, and
``put``s it back once the database has committed what it did; an engine that may have diverged
is simply not put back, and the next call rebuilds it from the snapshot and the journal.

The cache is bounded by memory, not only by count: each engine is weighed when it is put back
(``memory.estimate``), and the least recently used go until the total fits the budget. An
engine heavier than the whole budget is not kept at all (its sandbox is rebuilt on each call,
which its limits make rare: a sandbox's memory limit is below the budget by default).
"""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

from engine import MultiRegionEngine

#: Per-sandbox locks are striped: a fixed number, so memory stays bounded however many
#: sandboxes a worker serves; two sandboxes sharing a stripe only wait for each other.
LOCK_STRIPES = 256


@dataclass
class CachedEngine:
    engine: MultiRegionEngine
    #: The journal sequence the engine has applied (0: the empty engine).
    sequence: int
    #: Estimated bytes of memory it takes (memory.estimate).
    weight: int = 0


class EngineCache:
    """A bounded LRU of engines, safe to use from several threads.

    Every method is O(1) but ``put``, which is O(engines evicted).
    """

    def __init__(
        self,
        size: Callable[[], int],
        budget: Callable[[], int] | None = None,
        weigh: Callable[[MultiRegionEngine], int] | None = None,
    ) -> None:
        self._size = size
        self._budget = budget
        self._weigh = weigh
        self._entries: OrderedDict[uuid.UUID, CachedEngine] = OrderedDict()
        self._weight = 0
        self._guard = threading.Lock()
        # Re-entrant, so a view holding a sandbox's lock (reading_engine) may still execute().
        self._locks = [threading.RLock() for _ in range(LOCK_STRIPES)]

    def lock(self, sandbox_id: uuid.UUID) -> threading.RLock:
        """The lock a thread holds while it works on this sandbox's engine."""
        return self._locks[hash(sandbox_id) % LOCK_STRIPES]

    def take(self, sandbox_id: uuid.UUID) -> CachedEngine | None:
        """Remove and return the cached engine (None if this worker has none)."""
        with self._guard:
            entry = self._entries.pop(sandbox_id, None)
            if entry is not None:
                self._weight -= entry.weight
            return entry

    def put(
        self,
        sandbox_id: uuid.UUID,
        engine: MultiRegionEngine,
        sequence: int,
        *,
        weight: int | None = None,
    ) -> None:
        """Cache an engine unless one at the same or a later sequence is already there.

        ``weight`` is its estimated memory (weighed by the cache's ``weigh`` when omitted).
        """
        if weight is None:
            weight = self._weigh(engine) if self._weigh is not None else 0
        budget = self._budget() if self._budget is not None else None
        with self._guard:
            current = self._entries.get(sandbox_id)
            if current is None or current.sequence < sequence:
                if current is not None:
                    self._weight -= current.weight
                if budget is not None and weight > budget:
                    self._entries.pop(sandbox_id, None)
                    return
                self._entries[sandbox_id] = CachedEngine(engine, sequence, weight)
                self._weight += weight
            self._entries.move_to_end(sandbox_id)
            while len(self._entries) > self._size() or (
                budget is not None and self._weight > budget and len(self._entries) > 1
            ):
                _, evicted = self._entries.popitem(last=False)
                self._weight -= evicted.weight

    def peek(self, sandbox_id: uuid.UUID) -> CachedEngine | None:
        """The cached entry without taking it or touching its recency (for tests, admin, and
        to tell whether a row read a moment ago is behind this worker's engine)."""
        with self._guard:
            return self._entries.get(sandbox_id)

    def discard(self, sandbox_id: uuid.UUID) -> None:
        with self._guard:
            entry = self._entries.pop(sandbox_id, None)
            if entry is not None:
                self._weight -= entry.weight

    def clear(self) -> None:
        """Forget every engine, as a freshly started worker would."""
        with self._guard:
            self._entries.clear()
            self._weight = 0

    @property
    def weight(self) -> int:
        """The estimated memory of every cached engine together."""
        return self._weight

    def __len__(self) -> int:
        return len(self._entries)
