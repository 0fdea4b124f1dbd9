"""Token buckets: a request rate per key (a sandbox, a visitor, a client address), kept in this
worker's memory.

Each bucket holds up to ``burst`` tokens and refills at ``rate`` tokens a second; a request
takes one token or is refused. Buckets live per process, so a server with N workers lets a
sandbox through at up to N times the rate: a bound that protects a shared server, not an
exact quota (which would cost a database write per request).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable


class TokenBucket:
    """``take()`` is O(1): refill by the time elapsed since the last call, then spend one."""

    __slots__ = ("rate", "capacity", "tokens", "updated")

    def __init__(self, rate: float, capacity: float, now: float) -> None:
        self.rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.updated = now

    def take(self, now: float) -> bool:
        elapsed = max(0.0, now - self.updated)
        self.tokens = min(self.capacity, self.tokens + elapsed * self.rate)
        self.updated = now
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True
        return False


class RateLimiter:
    """One TokenBucket per key, the least recently used dropped past ``max_keys``.

    A dropped bucket comes back full, which only ever lets an idle key through sooner.
    Thread-safe: a threaded server may call ``allow`` from many threads at once.
    """

    def __init__(
        self,
        rate: float,
        burst: float,
        *,
        max_keys: int = 10_000,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.rate = rate
        self.burst = burst
        self.max_keys = max_keys
        self.clock = clock
        self._buckets: OrderedDict[Hashable, TokenBucket] = OrderedDict()
        self._lock = threading.Lock()

    def allow(self, key: Hashable) -> bool:
        """Whether one more request for ``key`` fits in its bucket now (and spend it)."""
        with self._lock:
            now = self.clock()
            bucket = self._buckets.get(key)
            if bucket is None:
                bucket = self._buckets[key] = TokenBucket(self.rate, self.burst, now)
                if len(self._buckets) > self.max_keys:
                    self._buckets.popitem(last=False)
            else:
                self._buckets.move_to_end(key)
            return bucket.take(now)

    def clear(self) -> None:
        with self._lock:
            self._buckets.clear()
