"""A rehearsal of a lesson for ``check_lessons``: a learner working in a scratch sandbox.

The scratch sandbox (``dynalab.sandboxes.scratch``) behaves like a learner's sandbox without a
database: the same requests, the same Activity facts, the same inspection view. So a check
sees in a rehearsal exactly what it sees live. Time is simulated and deterministic: each call
happens one second after the previous one, and a learner "thinks" for a minute before
pressing Check.

Everything a rehearsal does is kept as a script, so ``fork()`` can replay it into a second
rehearsal in exactly the same state: ``check_lessons`` tries what-ifs (a learner who strays,
a counterexample) from one point of a lab without disturbing the main line.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from dynalab.course import placeholders
from dynalab.course.blocks import ADVANCE_CLOCK
from dynalab.course.checks import CheckContext
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.models import Activity
from dynalab.sandboxes.scratch import ScratchSandbox
from dynalab.sandboxes.selectors import DEFAULT_REGION

THINKING_SECONDS = 60.0
SECONDS_BETWEEN_CALLS = 1.0

Result = TypeVar("Result")


@dataclass
class Rehearsal:
    sandbox: ScratchSandbox = field(default_factory=ScratchSandbox)
    step_passed_at: dict[int, datetime] = field(default_factory=dict)
    #: What was done, in order: ("call", operation, request, region), ("wait", seconds),
    #: ("passed", n).
    script: list[tuple[Any, ...]] = field(default_factory=list)

    @property
    def activities(self) -> list[Activity]:
        """Every call made so far, oldest first (unsaved Activity rows)."""
        return self.sandbox.activities

    def wall_time(self) -> datetime:
        return self.sandbox.wall_time()

    def wait(self, seconds: float) -> None:
        self.script.append(("wait", seconds))
        self.sandbox.advance_clock(seconds)

    def execute(
        self,
        operation: str,
        request: dict[str, Any],
        *,
        at_once: bool = False,
        region: str | None = None,
    ) -> dict[str, Any]:
        """Run one call as the learner would, a second after the previous one (``at_once``:
        in the same instant, as the runs of a repeated request are).

        ``AdvanceClock`` moves the simulated clock as the lesson's button does; placeholders
        (``{{now+600}}``) are filled in from the sandbox first, as a learner's Run does. The
        call runs in ``region`` (the lessons' Region, us-east-1, by default)."""
        region = region or DEFAULT_REGION
        if not at_once:
            self.wait(SECONDS_BETWEEN_CALLS)
        if placeholders.has_placeholders(request):
            # Filled in now, as a learner's Run fills them in; the script keeps the result, so
            # a fork replays exactly what was sent.
            with self.sandbox.inspecting(region=region) as view:
                request = placeholders.resolve(request, view, self.sandbox.now())
        self.script.append(("call", operation, request, region))
        if operation == ADVANCE_CLOCK:
            return {"Now": self.sandbox.advance_clock(float(request["seconds"]))}
        return self.sandbox.execute(operation, request, source="lesson", region=region)

    def attempt(
        self,
        operation: str,
        request: dict[str, Any],
        *,
        at_once: bool = False,
        region: str | None = None,
    ) -> ServiceError | None:
        """Run one call whose outcome does not matter (a learner trying things)."""
        try:
            self.execute(operation, request, at_once=at_once, region=region)
        except ServiceError as error:
            return error
        return None

    def run_repeated(
        self, operation: str, request: dict[str, Any], times: int, *, region: str | None = None
    ) -> list[ServiceError | None]:
        """Send a request ``times`` times at once (a repeated request); each run's error."""
        return [
            self.attempt(operation, request, at_once=run > 0, region=region) for run in range(times)
        ]

    def check(self, step: int, run: Callable[[CheckContext], Result]) -> Result:
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
        self.script.append(("passed", step))
        self.step_passed_at[step] = self.wall_time()

    def tables(self) -> list[tuple[str, str]]:
        """Every table of the sandbox, as (Region, table name)."""
        with self.sandbox.inspecting() as view:
            return [(found.region, name) for found in view.regions() for name in found.tables]

    def fork(self) -> Rehearsal:
        """A second rehearsal in the same state, made by replaying this one's script (the
        sandbox is deterministic, so the replay ends where this one stands)."""
        copy = Rehearsal()
        for entry in self.script:
            if entry[0] == "wait":
                copy.wait(entry[1])
            elif entry[0] == "passed":
                copy.step_passed(entry[1])
            else:
                _, operation, request, region = entry
                copy.script.append(entry)
                try:
                    if operation == ADVANCE_CLOCK:
                        copy.sandbox.advance_clock(float(request["seconds"]))
                    else:
                        copy.sandbox.execute(operation, request, source="lesson", region=region)
                except ServiceError:
                    pass
        return copy
