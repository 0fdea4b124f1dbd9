"""The Engine: one entry point, ``call(operation, request)``, over all tables."""

from __future__ import annotations

from typing import Any

from engine.clock import SimClock
from engine.errors import UnknownOperationException


class Engine:
    def __init__(self, clock: SimClock | None = None) -> None:
        self.clock = clock or SimClock()

    def call(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        raise UnknownOperationException(f"Unknown operation: {operation}")
