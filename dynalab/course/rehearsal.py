"""A stand-in sandbox for ``check_lessons``: a fresh engine and the activity its calls made.

Checks read a sandbox through a ``CheckContext`` (an engine and the learner's calls); a
``Rehearsal`` builds the same shape without a database, so a lab's solution can be run and
checked exactly as a learner's work would be. Time is simulated and deterministic: each call
happens one second after the previous one, and a learner "thinks" for a minute before
pressing Check (so eventually consistent indexes have caught up, as they would have).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dynalab.course.capacity import asking_for_capacity
from dynalab.course.checks import CheckContext
from engine import DynamoDBError, Engine, SimClock

#: 2024-01-01T00:00:00Z: where every rehearsal's simulated clock starts.
START = 1_704_067_200.0
THINKING_SECONDS = 60.0


@dataclass
class RehearsalActivity:
    """A call as the sandboxes' Activity row records it (the fields checks read)."""

    operation: str
    status: str
    request: dict[str, Any]
    consumed_capacity: Any
    summary: dict[str, Any]
    created_at: datetime
    at: float
    source: str = "lesson"
    error_message: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def summarize(operation: str, request: dict[str, Any], response: dict[str, Any] | None) -> dict:
    """The summary facts checks read: TableName, IndexName, Count, ScannedCount, TableNames."""
    summary: dict[str, Any] = {}
    for name in ("TableName", "IndexName"):
        if isinstance(request.get(name), str):
            summary[name] = request[name]
    names = set(request.get("RequestItems") or {})
    for element in request.get("TransactItems") or []:
        for action in element.values() if isinstance(element, dict) else []:
            if isinstance(action, dict) and isinstance(action.get("TableName"), str):
                names.add(action["TableName"])
    if names:
        summary["TableNames"] = sorted(names)
    if operation in ("Query", "Scan") and response is not None:
        summary["Count"] = response.get("Count")
        summary["ScannedCount"] = response.get("ScannedCount")
    return summary


@dataclass
class Rehearsal:
    engine: Engine = field(default_factory=lambda: Engine(SimClock(frozen_at=START)))
    activities: list[RehearsalActivity] = field(default_factory=list)
    step_passed_at: dict[int, datetime] = field(default_factory=dict)

    def wall_time(self) -> datetime:
        return datetime.fromtimestamp(self.engine.clock.now(), tz=UTC)

    def wait(self, seconds: float) -> None:
        self.engine.clock.advance(seconds)

    def execute(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Run one call as ``sandboxes.services.execute`` would, recording its activity."""
        self.wait(1)
        sent, added = asking_for_capacity(operation, request)
        try:
            response = self.engine.call(operation, copy.deepcopy(sent))
        except DynamoDBError as error:
            self._record(operation, request, None, status=error.code, message=error.message)
            raise
        self._record(operation, request, response)
        if added:
            response = {k: v for k, v in response.items() if k != "ConsumedCapacity"}
        return response

    def _record(
        self,
        operation: str,
        request: dict[str, Any],
        response: dict[str, Any] | None,
        *,
        status: str = "ok",
        message: str = "",
    ) -> None:
        self.activities.append(
            RehearsalActivity(
                operation=operation,
                status=status,
                request=copy.deepcopy(request),
                consumed_capacity=(response or {}).get("ConsumedCapacity"),
                summary=summarize(operation, request, response),
                created_at=self.wall_time(),
                at=self.engine.clock.now(),
                error_message=message,
            )
        )

    def context(self, step: int) -> CheckContext:
        self.wait(THINKING_SECONDS)
        return CheckContext(
            engine=self.engine,
            activities=list(self.activities),
            step_passed_at=dict(self.step_passed_at),
            step=step,
        )

    def step_passed(self, step: int) -> None:
        self.step_passed_at[step] = self.wall_time()
