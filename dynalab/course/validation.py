"""What ``manage.py check_lessons`` verifies, beyond what loading a lesson already reports.

Loading (lessons.py) reports the front matter, block syntax, unknown operations and checks,
bad check arguments and broken links. This module then runs the content in fresh engines:

- each lesson's setup and request blocks, in document order: a block must succeed, or fail
  with the code its ``expect=`` names, and consume the units its ``capacity=`` states;
- each lab: after the setup alone its first step must not pass (so its checks can fail);
  then step by step, its solution must make every check of the step pass.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from dynalab.course import checks
from dynalab.course.blocks import CheckSpec, Lab, Problem, Request
from dynalab.course.lessons import Course, Lesson
from dynalab.course.rehearsal import Rehearsal
from dynalab.sandboxes.capacity import total_units
from dynalab.sandboxes.errors import ServiceError


@dataclass(frozen=True)
class Summary:
    lessons: int
    labs: int
    steps: int
    quizzes: int
    requests: int


def summarize(course: Course) -> Summary:
    return Summary(
        lessons=len(course.lessons),
        labs=sum(len(lesson.labs) for lesson in course.lessons),
        steps=sum(lesson.step_count for lesson in course.lessons),
        quizzes=sum(len(lesson.quizzes) for lesson in course.lessons),
        requests=sum(len(lesson.requests) for lesson in course.lessons),
    )


def check_course(course: Course) -> list[Problem]:
    """Every problem of the course: loading's, then the rehearsals'."""
    problems = list(course.problems)
    for lesson in course.lessons:
        problems.extend(rehearse_requests(lesson))
        for lab in lesson.labs:
            problems.extend(rehearse_lab(lesson, lab))
    return problems


def _run(
    rehearsal: Rehearsal, request: Request, lesson: Lesson, what: str
) -> tuple[bool, Problem | None]:
    """Run one request; (whether it went as the lesson says, the problem if not)."""

    def problem(message: str) -> Problem:
        return Problem(
            lesson.display_path, request.line, f"{what} ({request.operation}): {message}"
        )

    try:
        rehearsal.execute(request.operation, request.body)
    except ServiceError as error:
        if request.expect == error.code:
            return True, None
        return False, problem(f"fails with {error.code}: {error.message}")
    if request.expect:
        return False, problem(f"succeeds, but the lesson says it fails with {request.expect}")
    if request.capacity is not None:
        units = total_units(rehearsal.activities[-1].consumed_capacity)
        if units is None or Decimal(str(units)) != request.capacity:
            return False, problem(
                f"consumes {units:g} capacity units, not the {request.capacity} it states"
                if units is not None
                else f"reports no consumed capacity, but the lesson states {request.capacity}"
            )
    return True, None


def _setup(rehearsal: Rehearsal, lesson: Lesson) -> list[Problem]:
    problems = []
    for request in lesson.setup:
        _, problem = _run(rehearsal, request, lesson, f"setup {request.key}")
        if problem:
            problems.append(problem)
    return problems


def rehearse_requests(lesson: Lesson) -> list[Problem]:
    """The setup and request blocks, in order, in one fresh scratch sandbox."""
    rehearsal = Rehearsal()
    problems = _setup(rehearsal, lesson)
    for kind, block in lesson.blocks:
        if kind == "request":
            _, problem = _run(rehearsal, block, lesson, f"request block {block.key}")
            if problem:
                problems.append(problem)
    return problems


def rehearse_lab(lesson: Lesson, lab: Lab) -> list[Problem]:
    """The lab's solution, step by step, in a fresh scratch sandbox prepared by the lesson's
    setup."""
    rehearsal = Rehearsal()
    if _setup(rehearsal, lesson):
        return []  # already reported by rehearse_requests
    problems: list[Problem] = []
    first = lab.steps[0]
    results = _check_step(rehearsal, first.number, first.checks)
    if all(result.passed for result in results):
        problems.append(
            Problem(
                lesson.display_path,
                first.line,
                f"lab {lab.id!r} step 1 passes before the learner has done anything "
                "(with only the lesson's setup), so its check cannot tell whether they did it",
            )
        )
    for step in lab.steps:
        where = f"lab {lab.id!r} step {step.number}"
        for request in step.solution:
            _, problem = _run(rehearsal, request, lesson, f"{where} solution")
            if problem:
                problems.append(problem)
        results = _check_step(rehearsal, step.number, step.checks)
        failed = [(spec, r) for spec, r in zip(step.checks, results, strict=True) if not r.passed]
        for spec, result in failed:
            problems.append(
                Problem(
                    lesson.display_path,
                    spec.line or step.line,
                    f"{where}: after the solution, check {spec.name!r} does not pass: "
                    f"{result.message}",
                )
            )
        if failed:
            break  # later steps build on this one
        rehearsal.step_passed(step.number)
    return problems


def _check_step(
    rehearsal: Rehearsal, step: int, specs: Iterable[CheckSpec]
) -> list[checks.CheckResult]:
    return rehearsal.check(
        step, lambda context: [checks.run_check(spec.name, context, spec.args) for spec in specs]
    )
