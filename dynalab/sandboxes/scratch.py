"""A sandbox without a database: an engine on a simulated clock and the activity its calls
made, kept in memory.

``check_lessons`` rehearses every lab in one, so a lab check sees exactly the facts it sees in
a learner's sandbox: the same requests (``ReturnConsumedCapacity`` asked for as ``execute``
asks), the same Activity rows (built by the same code, never saved), the same errors and the
same inspection API. Time moves only when told, so a rehearsal is deterministic.

Like a learner's sandbox it holds every AWS Region (a ``MultiRegionEngine``): ``execute`` and
``inspecting`` work in us-east-1 unless given ``region=``, so a lab on global tables can
rehearse writes in one Region and checks in another.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from dynalab.sandboxes import limits
from dynalab.sandboxes.capacity import asking_for_capacity
from dynalab.sandboxes.errors import SerializationException, ServiceError
from dynalab.sandboxes.models import Activity, Sandbox
from dynalab.sandboxes.services import _Call, _call_through_dax, _through_dax
from engine import DEFAULT_REGION, MultiRegionEngine, SimClock
from engine.inspect import Inspector

#: 2024-01-01T00:00:00Z: where a scratch sandbox's simulated clock starts by default.
SCRATCH_START = 1_704_067_200.0


class ScratchSandbox:
    """One learner's sandbox, in memory only (see the module docstring)."""

    def __init__(self, *, start: float = SCRATCH_START) -> None:
        #: An unsaved row: it gives the activity a sandbox id and nothing else.
        self.sandbox = Sandbox(clock_offset=0.0)
        self._engine = MultiRegionEngine(SimClock(frozen_at=start))
        #: Every call made, oldest first, as ``Activity`` rows that are never saved.
        self.activities: list[Activity] = []

    def now(self) -> float:
        """The simulated time, in epoch seconds."""
        return self._engine.clock.now()

    def wall_time(self) -> datetime:
        """The simulated time as the moment a learner would see on a wall clock."""
        return datetime.fromtimestamp(self.now(), tz=UTC)

    def advance_clock(self, seconds: float) -> float:
        """Move the simulated clock forward (what became due is applied); the new now."""
        return self._engine.clock.advance(seconds)

    def execute(
        self,
        operation: str,
        request: dict[str, Any],
        *,
        source: str = "lesson",
        region: str = DEFAULT_REGION,
        through_dax: str | None = None,
        dax_node: str | None = None,
    ) -> dict[str, Any]:
        """Run one call in ``region`` as ``services.execute`` runs it (through a DAX cluster
        of that Region when ``through_dax`` names one), recording its activity."""
        call = _Call(self.sandbox, operation, request, source, time.perf_counter(), region=region)
        call.at = self.now()
        try:
            if not isinstance(request, dict):
                raise SerializationException("Start of list found where not expected")
            call.request_text = limits.request_text(request)
            sent, added = asking_for_capacity(operation, request)
            if through_dax is None:
                response = self._engine.call(operation, copy.deepcopy(sent), region=region)
            else:
                _, payload = _through_dax(call, operation, sent, through_dax, dax_node)
                response = _call_through_dax(call, copy.deepcopy(payload), region, self._engine)
        except ServiceError as error:
            self._record(call.activity(error=error))
            raise
        self._record(call.activity(response=response))
        if added:
            response = {k: v for k, v in response.items() if k != "ConsumedCapacity"}
        return response

    @contextmanager
    def inspecting(self, *, region: str = DEFAULT_REGION) -> Iterator[Inspector]:
        """One Region's read-only view, after applying what became due (as the live
        ``services.inspecting`` does)."""
        self._engine.apply_due()
        yield self._engine.inspector(region)

    def _record(self, activity: Activity) -> None:
        activity.created_at = datetime.fromtimestamp(activity.at, tz=UTC)
        self.activities.append(activity)
