"""The engine's simulated clock: wall time plus an offset that a learner can advance."""

from __future__ import annotations

import time
from collections.abc import Callable


class SimClock:
    """Epoch seconds as the engine sees them.

    ``now()`` is the wall clock plus ``offset``; ``advance(seconds)`` moves the offset forward.
    ``freeze(at)`` stops the clock at a fixed instant so tests (and replays) are deterministic:
    a frozen clock only moves through ``advance``.
    """

    def __init__(
        self,
        *,
        offset: float = 0.0,
        frozen_at: float | None = None,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.offset = float(offset)
        self.frozen_at = frozen_at
        self._wall = wall
        self._listeners: list[Callable[[], None]] = []

    def now(self) -> float:
        """Current simulated time in epoch seconds. O(1)."""
        if self.frozen_at is not None:
            return self.frozen_at + self.offset
        return self._wall() + self.offset

    def advance(self, seconds: float) -> float:
        """Move simulated time forward by ``seconds`` (>= 0) and return the new time."""
        seconds = float(seconds)
        if seconds < 0:
            raise ValueError("the simulated clock only moves forward")
        self.offset += seconds
        for listener in list(self._listeners):
            listener()
        return self.now()

    def freeze(self, at: float | None = None) -> None:
        """Stop following the wall clock; keep ``now()`` at ``at`` (default: the current time)."""
        current = self.now() if at is None else float(at)
        self.offset = 0.0
        self.frozen_at = current

    def on_advance(self, listener: Callable[[], None]) -> None:
        """Call ``listener`` after every ``advance`` (the engine applies what became due)."""
        self._listeners.append(listener)

    def dump(self) -> dict[str, float | None]:
        return {"offset": self.offset, "frozen_at": self.frozen_at}

    @classmethod
    def load(cls, state: dict[str, float | None]) -> SimClock:
        return cls(offset=float(state.get("offset") or 0.0), frozen_at=state.get("frozen_at"))
