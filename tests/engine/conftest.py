"""Fixtures for the engine's tests: a fresh engine on a frozen clock (helpers live in
tests/support/engine.py)."""

from __future__ import annotations

import pytest

from engine import Engine, SimClock
from tests.support.engine import FROZEN_AT


@pytest.fixture
def engine() -> Engine:
    return Engine(SimClock(frozen_at=FROZEN_AT))
