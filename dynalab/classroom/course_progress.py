"""The classroom's one window on the course: its lessons, and learners' progress through them.

The apps do not import each other (pyproject.toml's contracts); this module is the single,
named exception, and it only reads: the course's lessons (``lessons.get_course``: labs,
steps, quizzes and their solutions, as plain objects) and its progress rows
(``course.models``: lesson visits, step progress, quiz answers), in bulk for a whole class, so
a dashboard costs a few queries however many learners it shows. Nothing here writes to the
course. Keeping the read here, rather than in a module of the course app, leaves the course's
engineers free to change their app: only this file follows them.

"Done through the shown solution" is the course's own record of it:
``StepProgress.passed_with_solution``, set when a step passes after its solution was shown.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.html import strip_tags
from django.utils.text import Truncator

from dynalab.course.lessons import get_course
from dynalab.course.models import Learner, LessonVisit, QuizAnswer, StepProgress
from dynalab.sandboxes.errors import ServiceError
from dynalab.sandboxes.scratch import ScratchSandbox

DONE, SOLUTION, IN_PROGRESS, NOT_STARTED = "done", "solution", "in_progress", "not_started"
FIRST_TRY, LATER, WRONG, NOT_ANSWERED = "first_try", "later", "wrong", "not_answered"
#: Reads whose units the misconception view compares with the model answer's.
ITEM_READS = ("GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems")


# --------------------------------------------------------------------------- the lessons
@dataclass(frozen=True)
class StepColumn:
    lesson: str
    lab: str
    lab_title: str
    step: int

    @property
    def key(self) -> str:
        return f"{self.lesson}/{self.lab}/{self.step}"


@dataclass(frozen=True)
class QuizColumn:
    lesson: str
    quiz: str
    question: str

    @property
    def key(self) -> str:
        return f"{self.lesson}/{self.quiz}"


@dataclass(frozen=True)
class LessonColumns:
    slug: str
    number: int
    title: str
    steps: tuple[StepColumn, ...]
    quizzes: tuple[QuizColumn, ...]

    @property
    def width(self) -> int:
        """Columns the lesson takes in the grid."""
        return len(self.steps) + len(self.quizzes)


def lesson_choices() -> list[tuple[str, str]]:
    """(slug, "3. Title") of every lesson, in course order: what a class may contain."""
    return [(lesson.slug, f"{lesson.number}. {lesson.title}") for lesson in get_course().lessons]


def lesson_columns(slugs: Iterable[str]) -> list[LessonColumns]:
    """The lessons named (in course order; unknown slugs, say of a deleted lesson, skipped),
    each with its lab steps and quizzes."""
    wanted = set(slugs)
    columns = []
    for lesson in get_course().lessons:
        if lesson.slug not in wanted:
            continue
        steps = tuple(
            StepColumn(lesson.slug, lab.id, lab.title, step.number)
            for lab in lesson.labs
            for step in lab.steps
        )
        quizzes = tuple(
            QuizColumn(
                lesson.slug,
                quiz.id,
                Truncator(strip_tags(quiz.question_html).strip()).chars(140),
            )
            for quiz in lesson.quizzes
        )
        columns.append(LessonColumns(lesson.slug, lesson.number, lesson.title, steps, quizzes))
    return columns


# --------------------------------------------------------------------------- progress
@dataclass
class StepState:
    status: str = NOT_STARTED
    #: When it passed (done, solution) or was last touched (in progress).
    at: datetime | None = None
    attempts: int = 0
    hints: int = 0


@dataclass
class QuizState:
    status: str = NOT_ANSWERED
    first_answer: str = ""
    answers: int = 0
    at: datetime | None = None


@dataclass
class LearnerProgress:
    steps: dict[str, StepState] = field(default_factory=dict)
    quizzes: dict[str, QuizState] = field(default_factory=dict)
    #: lesson slug -> first visit
    visited: dict[str, datetime] = field(default_factory=dict)
    last_seen: datetime | None = None

    def step(self, column: StepColumn) -> StepState:
        return self.steps.get(column.key) or StepState()

    def quiz(self, column: QuizColumn) -> QuizState:
        return self.quizzes.get(column.key) or QuizState()


_STEP_FIELDS = (
    "learner_id",
    "lesson",
    "lab",
    "step",
    "passed_at",
    "passed_with_solution",
    "updated_at",
    "attempts",
    "hints_revealed",
)
_ANSWER_FIELDS = ("learner_id", "lesson", "quiz", "answer", "correct", "answered_at")
_VISIT_FIELDS = ("learner_id", "lesson", "first_visited_at", "last_visited_at")


def step_state(row: StepProgress | Any) -> StepState:
    """One step's cell: done, done through the shown solution, in progress."""
    if row.passed_at is not None:
        status = SOLUTION if row.passed_with_solution else DONE
        return StepState(status, row.passed_at, row.attempts, row.hints_revealed)
    return StepState(IN_PROGRESS, row.updated_at, row.attempts, row.hints_revealed)


def progress(user_ids: list[Any], lessons: list[str]) -> dict[Any, LearnerProgress]:
    """Each user's progress in these lessons: three queries whatever the class's size."""
    learners = dict(Learner.objects.filter(user_id__in=user_ids).values_list("pk", "user_id"))
    result: dict[Any, LearnerProgress] = {user_id: LearnerProgress() for user_id in user_ids}
    if not learners:
        return result

    def seen(entry: LearnerProgress, moment: datetime | None) -> None:
        if moment is not None and (entry.last_seen is None or moment > entry.last_seen):
            entry.last_seen = moment

    # Rows as named tuples, not model instances: a class of 200 has thousands of them, and
    # building models was a third of a dashboard poll.
    steps = StepProgress.objects.filter(learner_id__in=learners, lesson__in=lessons)
    for row in steps.values_list(*_STEP_FIELDS, named=True):
        entry = result[learners[row.learner_id]]
        entry.steps[f"{row.lesson}/{row.lab}/{row.step}"] = step_state(row)
        seen(entry, row.updated_at)
    answers = QuizAnswer.objects.filter(learner_id__in=learners, lesson__in=lessons).order_by(
        "answered_at", "id"
    )
    for answer in answers.values_list(*_ANSWER_FIELDS, named=True):
        entry = result[learners[answer.learner_id]]
        key = f"{answer.lesson}/{answer.quiz}"
        state = entry.quizzes.get(key)
        if state is None:
            state = entry.quizzes[key] = QuizState(
                FIRST_TRY if answer.correct else WRONG, answer.answer, 0, answer.answered_at
            )
        elif state.status == WRONG and answer.correct:
            state.status = LATER
        state.answers += 1
        seen(entry, answer.answered_at)
    visits = LessonVisit.objects.filter(learner_id__in=learners, lesson__in=lessons)
    for visit in visits.values_list(*_VISIT_FIELDS, named=True):
        entry = result[learners[visit.learner_id]]
        entry.visited[visit.lesson] = visit.first_visited_at
        seen(entry, visit.last_visited_at)
    return result


@dataclass(frozen=True)
class CourseEvent:
    """One thing a learner did in the course, for their timeline."""

    at: datetime
    kind: str
    text: str


def course_events(user_id: Any, *, limit: int = 100) -> list[CourseEvent]:
    """The learner's course history, newest first: lessons opened, steps passed or tried,
    solutions shown, quiz answers."""
    learner = Learner.objects.filter(user_id=user_id).first()
    if learner is None:
        return []
    events: list[CourseEvent] = []
    for visit in LessonVisit.objects.filter(learner=learner):
        events.append(CourseEvent(visit.first_visited_at, "visit", f"Opened {visit.lesson}"))
    for row in StepProgress.objects.filter(learner=learner):
        where = f"{row.lesson} · {row.lab} step {row.step}"
        if row.solution_shown_at is not None:
            events.append(
                CourseEvent(row.solution_shown_at, "solution", f"Showed the solution of {where}")
            )
        state = step_state(row)
        if state.status == DONE:
            events.append(CourseEvent(row.passed_at, "passed", f"Passed {where}"))
        elif state.status == SOLUTION:
            events.append(
                CourseEvent(row.passed_at, "passed", f"Passed {where} through the solution")
            )
        else:
            events.append(
                CourseEvent(row.updated_at, "tried", f"Checked {where} ({row.attempts} tries)")
            )
    for answer in QuizAnswer.objects.filter(learner=learner).order_by("-answered_at")[:limit]:
        verdict = "right" if answer.correct else "wrong"
        events.append(
            CourseEvent(
                answer.answered_at,
                "quiz",
                f"Answered {answer.lesson} · {answer.quiz}: “{answer.answer}” ({verdict})",
            )
        )
    events.sort(key=lambda event: event.at, reverse=True)
    return events[:limit]


# --------------------------------------------------------------------------- model answers
@dataclass(frozen=True)
class ModelRead:
    """What a lab step's model answer (its solution) reads: tables, and the units of its
    costliest read, measured by running the solution in a scratch sandbox."""

    tables: frozenset[str]
    units: float


_models: dict[str, Any] = {"course": None, "reads": {}}
_models_lock = threading.Lock()


def model_reads() -> dict[str, ModelRead]:
    """step key -> ModelRead, for every lab step whose solution reads items.

    Each lesson's setup, then its labs' solutions in order, run in a scratch sandbox (as
    check_lessons rehearses them): the units are the engine's, not a guess. Computed once per
    version of the course.
    """
    course = get_course()
    with _models_lock:
        if _models["course"] is course:
            return _models["reads"]
    reads: dict[str, ModelRead] = {}
    for lesson in course.lessons:
        if not lesson.labs:
            continue
        sandbox = ScratchSandbox()
        for request in lesson.setup:
            _try(sandbox, request.operation, request.body)
        for lab in lesson.labs:
            for step in lab.steps:
                start = len(sandbox.activities)
                for request in step.solution:
                    _try(sandbox, request.operation, request.body)
                tables: set[str] = set()
                units = 0.0
                for row in sandbox.activities[start:]:
                    if row.operation in ITEM_READS and row.status == "ok":
                        units = max(units, float(row.summary.get("CapacityUnits") or 0))
                        tables.update(_tables_of(row.summary))
                if units > 0:
                    key = StepColumn(lesson.slug, lab.id, lab.title, step.number).key
                    reads[key] = ModelRead(frozenset(tables), units)
    with _models_lock:
        _models["course"], _models["reads"] = course, reads
    return reads


def _try(sandbox: ScratchSandbox, operation: str, body: dict[str, Any]) -> None:
    sandbox.advance_clock(1.0)
    with contextlib.suppress(ServiceError):
        sandbox.execute(operation, body)


def _tables_of(summary: dict[str, Any]) -> set[str]:
    names = set(summary.get("TableNames") or [])
    if isinstance(summary.get("TableName"), str):
        names.add(summary["TableName"])
    return names
