"""The course's actions: who the learner is, running a lesson's requests in their sandbox,
checking a lab step, revealing hints and solutions, answering quizzes, recording progress.

Each function takes the HTTP request only to find the learner and their sandbox; everything
else is explicit. The sandbox is changed only through ``sandboxes.services.execute`` and read
only through the sandboxes' selectors and inspection view.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from dynalab.course import checks, placeholders
from dynalab.course.blocks import Lab, LabStep, Quiz, Request
from dynalab.course.jsontext import compact_json
from dynalab.course.lessons import Lesson
from dynalab.course.models import Learner, LessonVisit, QuizAnswer, StepProgress
from dynalab.sandboxes import selectors as sandbox_selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.capacity import asking_for_capacity, capacity_lines, total_units, unit_name
from dynalab.sandboxes.errors import ServiceError

#: Session key holding an anonymous learner's id (login keeps session data, see signals.py).
SESSION_LEARNER_ID = "dynalab_learner_id"
#: How many of the learner's latest calls a check may look at.
ACTIVITY_WINDOW = 500
MAX_ANSWER_LENGTH = 200
#: How often setup re-sends a batch's unprocessed items.
MAX_BATCH_RETRIES = 5
#: The AWS Region lessons run in: their requests, setups and checks (a learner who switched
#: the workbench to another Region still finds the lessons' tables here).
LESSON_REGION = sandbox_selectors.DEFAULT_REGION


# --------------------------------------------------------------------------- learners
def learner_for_request(request: HttpRequest, *, create: bool = True) -> Learner | None:
    """The visitor's learner record: their account's, or their session's if anonymous.

    With ``create=False`` a visitor who has done nothing yet gets None (reading pages never
    creates rows).
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        learner = Learner.objects.filter(user=user).first()
        if learner is None and create:
            try:
                with transaction.atomic():
                    learner = Learner.objects.create(user=user)
            except IntegrityError:  # a concurrent request created it first
                learner = Learner.objects.get(user=user)
        return learner
    learner = _session_learner(request)
    if learner is None and create:
        learner = Learner.objects.create()
        request.session[SESSION_LEARNER_ID] = str(learner.pk)
    return learner


def _session_learner(request: HttpRequest) -> Learner | None:
    session = getattr(request, "session", None)
    stored = session.get(SESSION_LEARNER_ID) if session is not None else None
    try:
        learner_id = uuid.UUID(str(stored)) if stored else None
    except ValueError:
        learner_id = None
    if learner_id is None:
        return None
    return Learner.objects.filter(pk=learner_id, user__isnull=True).first()


def adopt_session_learner(request: HttpRequest, user: AbstractBaseUser) -> Learner | None:
    """At sign-in: the anonymous learner's progress becomes the account's.

    If the account has no learner yet, the anonymous one simply becomes it; otherwise the two
    are merged (a step passed in either is passed, answers are all kept) and the anonymous
    one is deleted. Returns the account's learner, or None if there was nothing to adopt.
    """
    anonymous = _session_learner(request)
    if anonymous is None:
        return None
    with transaction.atomic():
        own = Learner.objects.select_for_update().filter(user=user).first()
        if own is None:
            anonymous.user = user
            anonymous.save(update_fields=["user"])
            own = anonymous
        else:
            merge_learners(anonymous, into=own)
    request.session.pop(SESSION_LEARNER_ID, None)
    return own


def merge_learners(source: Learner, *, into: Learner) -> None:
    """Move ``source``'s progress to ``into`` and delete ``source``."""
    with transaction.atomic():
        own_visits = {v.lesson: v for v in into.visits.all()}
        for visit in source.visits.all():
            target = own_visits.get(visit.lesson)
            if target is None:
                visit.learner = into
                visit.save(update_fields=["learner"])
            else:
                target.first_visited_at = min(target.first_visited_at, visit.first_visited_at)
                target.last_visited_at = max(target.last_visited_at, visit.last_visited_at)
                target.save(update_fields=["first_visited_at", "last_visited_at"])
        own_steps = {(s.lesson, s.lab, s.step): s for s in into.steps.all()}
        for step in source.steps.all():
            target = own_steps.get((step.lesson, step.lab, step.step))
            if target is None:
                step.learner = into
                step.save(update_fields=["learner"])
                continue
            if step.passed_at is not None and (
                target.passed_at is None or step.passed_at < target.passed_at
            ):
                target.passed_with_solution = step.passed_with_solution
            target.passed_at = _earliest(target.passed_at, step.passed_at)
            target.solution_shown_at = _earliest(target.solution_shown_at, step.solution_shown_at)
            target.attempts += step.attempts
            target.hints_revealed = max(target.hints_revealed, step.hints_revealed)
            if step.updated_at > target.updated_at:
                target.last_passed, target.last_message = step.last_passed, step.last_message
            target.save()
        source.answers.update(learner=into)
        source.delete()


def _earliest(a: datetime | None, b: datetime | None) -> datetime | None:
    present = [moment for moment in (a, b) if moment is not None]
    return min(present) if present else None


def record_visit(request: HttpRequest, lesson: Lesson) -> Learner:
    learner = learner_for_request(request)
    assert learner is not None
    now = timezone.now()
    updated = LessonVisit.objects.filter(learner=learner, lesson=lesson.slug).update(
        last_visited_at=now
    )
    if not updated:
        try:
            with transaction.atomic():
                LessonVisit.objects.create(
                    learner=learner, lesson=lesson.slug, first_visited_at=now, last_visited_at=now
                )
        except IntegrityError:
            pass  # a concurrent request recorded the visit
    return learner


# --------------------------------------------------------------------------- requests
ERROR_ADVICE = {
    ("CreateTable", "ResourceInUseException"): (
        "You already have this table in your sandbox, so you can carry on."
    ),
    ("*", "ResourceNotFoundException"): (
        "The table is not in your sandbox yet: run the lesson's earlier requests first."
    ),
    ("*", "ConditionalCheckFailedException"): (
        "The condition was false, so nothing was written (a failed condition still costs "
        "write units)."
    ),
    ("*", "TransactionCanceledException"): (
        "Nothing in the transaction was written: the message lists a reason for each action, "
        "in order (None for the ones that were fine)."
    ),
    ("*", "ProvisionedThroughputExceededException"): (
        "Throttled: nothing was done. The table's Throughput page shows which limit refused it."
    ),
}


@dataclass
class RunResult:
    """What one request did in the learner's sandbox."""

    request: Request
    response: dict[str, Any] | None = None
    error_code: str = ""
    error_message: str = ""
    consumed: Any = None
    #: For a repeated request: how each run ended, "ok" or the error code, in order.
    runs: list[str] = field(default_factory=list)
    #: The body as sent, when placeholders (``{{now+600}}``) were filled in; else None.
    sent_body: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return not self.error_code

    @property
    def run_counts(self) -> list[tuple[str, int]]:
        """("ok" or an error code, how many runs ended so), in order of first appearance."""
        counts: dict[str, int] = {}
        for outcome in self.runs:
            counts[outcome] = counts.get(outcome, 0) + 1
        return list(counts.items())

    @property
    def response_json(self) -> str:
        return compact_json(self.response)

    @property
    def sent_json(self) -> str:
        return compact_json(self.sent_body) if self.sent_body is not None else ""

    @property
    def capacity_lines(self) -> list[Any]:
        return capacity_lines(self.consumed)

    @property
    def capacity_total(self) -> str:
        units = total_units(self.consumed)
        return f"{units:g}" if units is not None else ""

    @property
    def unit_name(self) -> str:
        return unit_name(self.request.operation, self.request.body, self.consumed)

    @property
    def consistent_read(self) -> bool | None:
        if self.request.operation in ("GetItem", "Query", "Scan"):
            return bool(self.request.body.get("ConsistentRead"))
        return None

    @property
    def advice(self) -> str:
        key = (self.request.operation, self.error_code)
        return ERROR_ADVICE.get(key) or ERROR_ADVICE.get(("*", self.error_code), "")


def run_request(request: HttpRequest, *, lesson: Lesson, key: str) -> RunResult:
    """Run one of the lesson's requests in the visitor's sandbox, as the lesson wrote it."""
    runnable = lesson.requests[key]
    sandbox = request.sandbox  # type: ignore[attr-defined]
    return _execute(sandbox, runnable)


def _execute(sandbox: Any, runnable: Request) -> RunResult:
    """Run a request (``repeat`` times, one right after the other): the result of the last
    run, with every run's outcome."""
    if runnable.repeat <= 1:
        return _execute_once(sandbox, runnable)
    results = [_execute_once(sandbox, runnable) for _ in range(runnable.repeat)]
    shown = results[-1]
    shown.runs = [result.error_code or "ok" for result in results]
    return shown


def _fresh(body: dict[str, Any]) -> dict[str, Any]:
    """A copy of a lesson's request that shares nothing with the lesson (it is read once and
    run many times). Bodies are JSON, and a round trip through it is several times faster
    than copy.deepcopy. O(size)."""
    return json.loads(json.dumps(body))


def _execute_once(sandbox: Any, runnable: Request) -> RunResult:
    if runnable.is_clock_move:
        try:
            now = sandbox_services.advance_clock(
                sandbox, float(runnable.body["seconds"]), source="lesson"
            )
        except ServiceError as error:
            return RunResult(runnable, error_code=error.code, error_message=error.message)
        return RunResult(runnable, response={"Now": now})
    body, filled = runnable.body, None
    region = runnable.region or LESSON_REGION
    try:
        if runnable.has_placeholders:
            body = filled = resolve_placeholders(sandbox, body, region=region)
        sent, added = asking_for_capacity(runnable.operation, body)
        response = sandbox_services.execute(
            sandbox, runnable.operation, _fresh(sent), source="lesson", region=region
        )
    except ServiceError as error:
        return RunResult(
            runnable, error_code=error.code, error_message=error.message, sent_body=filled
        )
    consumed = response.get("ConsumedCapacity")
    if added:
        response = {k: v for k, v in response.items() if k != "ConsumedCapacity"}
    return RunResult(runnable, response=response, consumed=consumed, sent_body=filled)


def work_in_region(request: HttpRequest, region: str) -> None:
    """Switch the visitor's workbench to ``region`` (kept in their session)."""
    sandbox_services.remember_region(request, region)


def filled_body(request: HttpRequest, runnable: Request) -> dict[str, Any]:
    """The request's body with its placeholders filled in from the visitor's sandbox (as
    written, if the sandbox cannot fill them yet: the workbench then shows why it fails)."""
    if not runnable.has_placeholders:
        return runnable.body
    try:
        return resolve_placeholders(
            request.sandbox,  # type: ignore[attr-defined]
            runnable.body,
            region=runnable.region or LESSON_REGION,
        )
    except ServiceError:
        return runnable.body


def resolve_placeholders(
    sandbox: Any, body: dict[str, Any], *, region: str = LESSON_REGION
) -> dict[str, Any]:
    """``body`` with its placeholders (``{{now+600}}``, ``{{stream-arn T}}``...) filled in
    from the sandbox's ``region`` as it is now (see placeholders.py); the service's error if
    it cannot."""
    now = sandbox_services.simulated_now(sandbox)
    with sandbox_services.inspecting(sandbox, region=region) as view:
        resolved: dict[str, Any] = placeholders.resolve(body, view, now)
    return resolved


@dataclass
class SetupResult:
    results: list[RunResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.failures

    @property
    def failures(self) -> list[RunResult]:
        return [r for r in self.results if not r.ok and r.error_code != "ResourceInUseException"]

    @property
    def already_there(self) -> list[RunResult]:
        return [r for r in self.results if r.error_code == "ResourceInUseException"]


def prepare_sandbox(request: HttpRequest, *, lesson: Lesson) -> SetupResult:
    """Run the lesson's setup requests in the visitor's sandbox (a table that is already
    there is fine: writes then put the lesson's items back as they were)."""
    sandbox = request.sandbox  # type: ignore[attr-defined]
    results = []
    for runnable in lesson.setup:
        result = _execute(sandbox, runnable)
        # A throttled batch hands back what it did not write; send it again, as SDKs do.
        for _ in range(MAX_BATCH_RETRIES):
            unprocessed = (result.response or {}).get("UnprocessedItems")
            if not unprocessed:
                break
            retry = Request(runnable.key, runnable.operation, {"RequestItems": unprocessed}, None)
            result = _execute(sandbox, retry)
        if (result.response or {}).get("UnprocessedItems"):
            result.error_code = "UnprocessedItems"
            result.error_message = "Some items were not written (throttled): set up again."
        results.append(result)
    return SetupResult(results)


# --------------------------------------------------------------------------- labs
def check_step(request: HttpRequest, *, lesson: Lesson, lab: Lab, step: LabStep) -> StepProgress:
    """Run the step's checks against the visitor's sandbox and record the verdict.

    Steps are done in order: checking a step whose previous step is not passed yet runs no
    check and records no attempt (the step's checks look at the calls made since the
    previous step was passed, so there is nothing to judge yet)."""
    learner = learner_for_request(request)
    sandbox = request.sandbox  # type: ignore[attr-defined]
    progress = _progress(learner, lesson, lab, step)
    passed_at = dict(
        StepProgress.objects.filter(
            learner=learner, lesson=lesson.slug, lab=lab.id, passed_at__isnull=False
        ).values_list("step", "passed_at")
    )
    if step.number > 1 and step.number - 1 not in passed_at and progress.passed_at is None:
        progress.last_passed = False
        progress.last_message = (
            f"Finish step {step.number - 1} first: each step checks the work you do after "
            "passing the one before."
        )
        progress.save(update_fields=["last_passed", "last_message", "updated_at"])
        return progress
    # Every Region's calls: the context keeps the lessons' Region's (a Query of a table of
    # the same name in another Region is another table's), and a check given a ``region``
    # looks at that Region's.
    activities = list(reversed(sandbox_selectors.recent_calls(sandbox, limit=ACTIVITY_WINDOW)))
    with sandbox_services.inspecting(sandbox, region=LESSON_REGION) as view:
        context = checks.CheckContext(
            view=view,
            activities=activities,
            step_passed_at=passed_at,
            step=step.number,
            region=LESSON_REGION,
        )
        results = [checks.run_check(spec.name, context, spec.args) for spec in step.checks]
    passed = all(result.passed for result in results)
    if passed:
        message = " ".join(result.message for result in results)
    else:
        message = next(result.message for result in results if not result.passed)
    progress.attempts += 1
    progress.last_passed = passed
    progress.last_message = message
    if passed and progress.passed_at is None:
        progress.passed_at = timezone.now()
        progress.passed_with_solution = progress.solution_shown_at is not None
    progress.save()
    return progress


def reveal_hint(request: HttpRequest, *, lesson: Lesson, lab: Lab, step: LabStep) -> StepProgress:
    """Reveal the step's next hint (one at a time)."""
    progress = _progress(learner_for_request(request), lesson, lab, step)
    if progress.hints_revealed < len(step.hints_html):
        progress.hints_revealed += 1
        progress.save(update_fields=["hints_revealed", "updated_at"])
    return progress


def solution_available(progress: StepProgress | None, step: LabStep) -> bool:
    """The solution comes after an attempt: once the learner has pressed Check (a check
    that did not pass), or read every hint."""
    if progress is None:
        return False
    return progress.attempts > 0 or progress.hints_revealed >= len(step.hints_html)


def show_solution(request: HttpRequest, *, lesson: Lesson, lab: Lab, step: LabStep) -> StepProgress:
    """Show the step's solution, if it is available yet (see ``solution_available``); a step
    passed after this is recorded as passed with the solution."""
    progress = _progress(learner_for_request(request), lesson, lab, step)
    if progress.solution_shown_at is None and solution_available(progress, step):
        progress.solution_shown_at = timezone.now()
        progress.save(update_fields=["solution_shown_at", "updated_at"])
    return progress


def _progress(learner: Learner | None, lesson: Lesson, lab: Lab, step: LabStep) -> StepProgress:
    assert learner is not None
    progress, _ = StepProgress.objects.get_or_create(
        learner=learner, lesson=lesson.slug, lab=lab.id, step=step.number
    )
    return progress


# --------------------------------------------------------------------------- quizzes
@dataclass(frozen=True)
class QuizOutcome:
    """An answer recorded, or why what was sent is not an answer (nothing is recorded)."""

    answer: QuizAnswer | None = None
    refusal: str = ""


def answer_quiz(request: HttpRequest, *, lesson: Lesson, quiz: Quiz, given: str) -> QuizOutcome:
    """Record an answer; an empty one, "abc" to a numeric question, or a choice that is not
    one of the options is refused with a message and not recorded."""
    given = given.strip()[:MAX_ANSWER_LENGTH]
    if not given:
        refusal = "Choose an answer first." if quiz.is_multiple_choice else "Type a number first."
        return QuizOutcome(refusal=refusal)
    refusal = quiz.refusal(given)
    if refusal:
        return QuizOutcome(refusal=refusal)
    learner = learner_for_request(request)
    answer = QuizAnswer.objects.create(
        learner=learner,
        lesson=lesson.slug,
        quiz=quiz.id,
        answer=given,
        correct=quiz.is_correct(given),
        answered_at=timezone.now(),
    )
    return QuizOutcome(answer=answer)
