"""What ``manage.py check_lessons`` verifies, beyond what loading a lesson already reports.

Loading (lessons.py) reports the front matter, block syntax, unknown operations and checks,
bad check arguments and broken links. This module then checks the course's rules for labs
(COURSE.md), running the content in fresh scratch sandboxes:

- each lesson's setup and request blocks, in document order: a block must succeed, or fail
  with the code its ``expect=`` names, and consume the units its ``capacity=`` states;
- the shape of a lesson: at least one quiz; every lab at least three steps; every step at
  least one hint (hints come before the solution) and a solution;
- each lab, rehearsed by a learner who first ran the setup and every request block. For each
  step, from the point where the previous step was passed:

  1. **not before its work**: the step's checks must fail there, and still fail after the
     lesson's request blocks are run again (the lesson's own examples cannot do the step's
     work), and after each of the step's ``counterexamples`` (wrong work does not pass);
  2. **no lockout**: a learner who strays first (scans every table, sets the sandbox up
     again, reruns the request blocks) and then runs the step's solution passes the step;
  3. **the solution works**: after the solution, every check of the step passes.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from dynalab.course import checks
from dynalab.course.blocks import Lab, LabStep, Problem, Request
from dynalab.course.checks.base import THROTTLED
from dynalab.course.lessons import Course, Lesson
from dynalab.course.rehearsal import Rehearsal
from dynalab.sandboxes.capacity import total_units
from dynalab.sandboxes.errors import ServiceError

MIN_LAB_STEPS = 3


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
    """Every problem of the course: loading's, then the rules' and the rehearsals'."""
    problems = list(course.problems)
    for lesson in course.lessons:
        if not lesson.problems:  # a half-loaded lesson's shape would only add noise
            problems.extend(lesson_shape(lesson))
        problems.extend(rehearse_requests(lesson))
        for lab in lesson.labs:
            problems.extend(rehearse_lab(lesson, lab))
    return problems


# --------------------------------------------------------------------------- shape
def lesson_shape(lesson: Lesson) -> list[Problem]:
    """The rules a lesson's blocks must follow, whatever they do in a sandbox."""
    path = lesson.display_path
    problems = []
    if not lesson.quizzes:
        problems.append(
            Problem(path, None, "the lesson has no quiz: add at least one ```quiz block")
        )
    for lab in lesson.labs:
        if len(lab.steps) < MIN_LAB_STEPS:
            problems.append(
                Problem(
                    path,
                    lab.line,
                    f"lab {lab.id!r} has {len(lab.steps)} step(s): a lab needs at least "
                    f"{MIN_LAB_STEPS} checked steps",
                )
            )
        for step in lab.steps:
            where = f"lab {lab.id!r} step {step.number}"
            if not step.hints_html:
                problems.append(
                    Problem(
                        path,
                        step.line,
                        f"{where} has no hints: give at least one (the solution is shown only "
                        "after a failed check or every hint)",
                    )
                )
            if not step.solution:
                problems.append(
                    Problem(
                        path,
                        step.line,
                        f"{where} has no solution: give the requests that do the step's work",
                    )
                )
    return problems


# --------------------------------------------------------------------------- requests
def _run(
    rehearsal: Rehearsal,
    request: Request,
    lesson: Lesson,
    what: str,
    *,
    tolerate_existing: bool = False,
) -> Problem | None:
    """Run one request; the problem if it did not go as the lesson says."""

    def problem(message: str) -> Problem:
        return Problem(
            lesson.display_path, request.line, f"{what} ({request.operation}): {message}"
        )

    if request.repeat > 1:
        # A burst: runs may be throttled (that may be its point), but a request every run of
        # which is refused for another reason is broken.
        errors = rehearsal.run_repeated(
            request.operation, request.body, request.repeat, region=request.region
        )
        if all(error is not None and error.code not in THROTTLED for error in errors):
            first = errors[0]
            assert first is not None
            return problem(
                f"fails every one of its {request.repeat} runs, the first with {first.code}: "
                f"{first.message}"
            )
        return None
    try:
        rehearsal.execute(request.operation, request.body, region=request.region)
    except ServiceError as error:
        if request.expect == error.code:
            return None
        if tolerate_existing and error.code == "ResourceInUseException":
            return None  # the learner is told "you already have this table": carry on
        return problem(f"fails with {error.code}: {error.message}")
    if request.expect:
        return problem(f"succeeds, but the lesson says it fails with {request.expect}")
    if request.capacity is not None:
        units = total_units(rehearsal.activities[-1].consumed_capacity)
        if units is None or Decimal(str(units)) != request.capacity:
            return problem(
                f"consumes {units:g} capacity units, not the {request.capacity} it states"
                if units is not None
                else f"reports no consumed capacity, but the lesson states {request.capacity}"
            )
    return None


def _setup(rehearsal: Rehearsal, lesson: Lesson) -> list[Problem]:
    problems = []
    for request in lesson.setup:
        problem = _run(rehearsal, request, lesson, f"setup {request.key}")
        if problem:
            problems.append(problem)
    return problems


def _request_blocks(lesson: Lesson) -> list[Request]:
    return [block for kind, block in lesson.blocks if kind == "request"]


def rehearse_requests(lesson: Lesson) -> list[Problem]:
    """The setup and request blocks, in order, in one fresh scratch sandbox."""
    rehearsal = Rehearsal()
    problems = _setup(rehearsal, lesson)
    for block in _request_blocks(lesson):
        problem = _run(rehearsal, block, lesson, f"request block {block.key}")
        if problem:
            problems.append(problem)
    return problems


# --------------------------------------------------------------------------- labs
def _check_step(rehearsal: Rehearsal, step: LabStep) -> list[checks.CheckResult]:
    return rehearsal.check(
        step.number,
        lambda context: [checks.run_check(spec.name, context, spec.args) for spec in step.checks],
    )


def _passes(results: Iterable[checks.CheckResult]) -> bool:
    return all(result.passed for result in results)


def _rerun(rehearsal: Rehearsal, requests: Iterable[Request]) -> None:
    for request in requests:
        rehearsal.run_repeated(
            request.operation, request.body, request.repeat, region=request.region
        )


def _stray(rehearsal: Rehearsal, lesson: Lesson) -> None:
    """A learner wandering off before doing the step: a Scan of every table (in every
    Region) to compare bills, the sandbox set up again, the lesson's examples run again."""
    for region, table in rehearsal.tables():
        rehearsal.attempt("Scan", {"TableName": table}, region=region)
    _rerun(rehearsal, lesson.setup)
    _rerun(rehearsal, _request_blocks(lesson))


def rehearse_lab(lesson: Lesson, lab: Lab) -> list[Problem]:
    """The lab as the module docstring describes, in fresh scratch sandboxes."""
    rehearsal = Rehearsal()
    if _setup(rehearsal, lesson):
        return []  # already reported by rehearse_requests
    _rerun(rehearsal, _request_blocks(lesson))
    problems: list[Problem] = []
    path = lesson.display_path
    for step in lab.steps:
        where = f"lab {lab.id!r} step {step.number}"

        def problem(message: str, line: int | None = None, *, _step: LabStep = step) -> Problem:
            return Problem(path, line or _step.line, message)

        if _passes(_check_step(rehearsal, step)):
            problems.append(
                problem(
                    f"{where} passes before its own solution (after the lesson's setup, its "
                    "request blocks and the earlier steps' solutions), so its checks cannot "
                    "tell whether the learner did the step"
                )
            )
        else:
            blocks_again = rehearsal.fork()
            _rerun(blocks_again, _request_blocks(lesson))
            if _passes(_check_step(blocks_again, step)):
                problems.append(
                    problem(
                        f"{where} passes when the lesson's own request blocks are run during "
                        "the step: check something only the step's work does (a value the "
                        "learner chooses, the key they asked for, the operation they used)"
                    )
                )
        for number, counterexample in enumerate(step.counterexamples, start=1):
            wrong = rehearsal.fork()
            _rerun(wrong, counterexample)
            if _passes(_check_step(wrong, step)):
                problems.append(
                    problem(
                        f"{where} passes after its counterexample {number} "
                        f"({', '.join(r.operation for r in counterexample)}): its checks "
                        "accept work that is not the step's",
                        counterexample[0].line,
                    )
                )
        strayed = rehearsal.fork()
        _stray(strayed, lesson)
        _rerun(strayed, step.solution)
        stray_results = _check_step(strayed, step)
        solution_problems = [
            found
            for request in step.solution
            if (
                found := _run(
                    rehearsal, request, lesson, f"{where} solution", tolerate_existing=True
                )
            )
        ]
        problems.extend(solution_problems)
        results = _check_step(rehearsal, step)
        failed = [(spec, r) for spec, r in zip(step.checks, results, strict=True) if not r.passed]
        for spec, result in failed:
            problems.append(
                problem(
                    f"{where}: after the solution, check {spec.name!r} does not pass: "
                    f"{result.message}",
                    spec.line,
                )
            )
        if failed:
            break  # later steps build on this one
        if not _passes(stray_results):
            message = next(r.message for r in stray_results if not r.passed)
            problems.append(
                problem(
                    f"{where} locks out a learner who strays: after a Scan of every table, a "
                    "second setup and the request blocks run again, the step's solution no "
                    f"longer passes it ({message})"
                )
            )
        rehearsal.step_passed(step.number)
    return problems
