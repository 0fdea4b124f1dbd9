"""A rehearsal of a lesson for ``check_lessons``: a learner working in a scratch sandbox.

The scratch sandbox (``dynalab.sandboxes.scratch``) behaves like a learner's sandbox without a
database: the same requests, the same Activity facts, the same inspection view. So a check
sees in a rehearsal exactly what it sees live. Time is simulated and deterministic: each call
happens one second after the previous one, and a learner "thinks" for a minute before
pressing Check (so eventually consistent indexes have caught up, as they would have).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Model

from dynalab.course.checks import CheckContext
from dynalab.sandboxes.scratch import ScratchSandbox

THINKING_SECONDS = 60.0
SECONDS_BETWEEN_CALLS = 1.0


@dataclass
class Rehearsal:
    sandbox: ScratchSandbox = field(default_factory=ScratchSandbox)
    step_passed_at: dict[int, datetime] = field(default_factory=dict)

    @property
    def activities(self) -> list[Model]:
        """Every call made so far, oldest first (unsaved Activity rows)."""
        return self.sandbox.activities

    def wall_time(self) -> datetime:
        return self.sandbox.wall_time()

    def wait(self, seconds: float) -> None:
        self.sandbox.advance_clock(seconds)

    def execute(self, operation: str, request: dict[str, Any]) -> dict[str, Any]:
        """Run one call as the learner would, a second after the previous one."""
        self.wait(SECONDS_BETWEEN_CALLS)
        return self.sandbox.execute(operation, request, source="lesson")

    def check(self, step: int, run: Any) -> Any:
        """Think, then run ``run(context)`` against the sandbox as step ``step``'s Check does."""
        self.wait(THINKING_SECONDS)
        with self.sandbox.inspecting() as view:
            context = CheckContext(
                view=view,
                activities=list(self.activities),
                step_passed_at=dict(self.step_passed_at),
                step=step,
            )
            return run(context)

    def step_passed(self, step: int) -> None:
        self.step_passed_at[step] = self.wall_time()
