"""Reading the course for a learner: the course map, where to continue, a lesson page's state.

Nothing here writes; the views hand these objects to the templates.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from django.urls import NoReverseMatch, reverse

from dynalab.course.blocks import Lab, LabStep, Quiz, Request
from dynalab.course.lessons import Course, Lesson
from dynalab.course.models import Learner, LessonVisit, QuizAnswer, StepProgress
from dynalab.course.services import RunResult, SetupResult, solution_available

#: A wrong answer is followed by a hint and another try; the right answer is shown only after
#: this many wrong answers (so the first mistake is something to think about, not to read).
WRONG_ANSWERS_BEFORE_REVEAL = 2

DONE, IN_PROGRESS, NOT_STARTED = "done", "in_progress", "not_started"
STATUS_LABELS = {DONE: "Done", IN_PROGRESS: "In progress", NOT_STARTED: "Not started"}
#: The workbench page that takes ``?operation=...&request=<JSON>`` (dynalab/console).
WORKBENCH_URL_NAME = "console:run"


# --------------------------------------------------------------------------- course map
@dataclass
class LessonProgress:
    lesson: Lesson
    visited: bool = False
    last_activity_at: datetime | None = None
    steps_passed: int = 0
    #: Of the steps passed, those passed after their solution was shown.
    steps_with_solution: int = 0
    quizzes_correct: int = 0

    @property
    def steps_total(self) -> int:
        return self.lesson.step_count

    @property
    def quizzes_total(self) -> int:
        return len(self.lesson.quizzes)

    @property
    def tasks_done(self) -> int:
        return self.steps_passed + self.quizzes_correct

    @property
    def tasks_total(self) -> int:
        return self.steps_total + self.quizzes_total

    @property
    def status(self) -> str:
        if self.tasks_total and self.tasks_done >= self.tasks_total:
            return DONE
        if not self.tasks_total and self.visited:
            return DONE
        if self.visited or self.tasks_done:
            return IN_PROGRESS
        return NOT_STARTED

    @property
    def status_label(self) -> str:
        return STATUS_LABELS[self.status]

    @property
    def percent(self) -> int:
        if not self.tasks_total:
            return 100 if self.status == DONE else 0
        return round(100 * self.tasks_done / self.tasks_total)


def course_progress(learner: Learner | None, course: Course) -> list[LessonProgress]:
    """Every lesson with the learner's progress in it (nothing done for a new visitor)."""
    progress = {lesson.slug: LessonProgress(lesson) for lesson in course.lessons}
    if learner is None:
        return list(progress.values())
    for visit in LessonVisit.objects.filter(learner=learner):
        entry = progress.get(visit.lesson)
        if entry is not None:
            entry.visited = True
            entry.last_activity_at = _latest(entry.last_activity_at, visit.last_visited_at)
    for row in StepProgress.objects.filter(learner=learner):
        entry = progress.get(row.lesson)
        if entry is None:
            continue
        entry.last_activity_at = _latest(entry.last_activity_at, row.updated_at)
        lab = entry.lesson.lab(row.lab)
        if row.passed_at is not None and lab is not None and lab.step(row.step) is not None:
            entry.steps_passed += 1
            entry.steps_with_solution += int(row.passed_with_solution)
    correct = set(
        QuizAnswer.objects.filter(learner=learner, correct=True).values_list("lesson", "quiz")
    )
    for slug, quiz_id in correct:
        entry = progress.get(slug)
        if entry is not None and entry.lesson.quiz(quiz_id) is not None:
            entry.quizzes_correct += 1
    return list(progress.values())


def _latest(a: datetime | None, b: datetime | None) -> datetime | None:
    present = [moment for moment in (a, b) if moment is not None]
    return max(present) if present else None


@dataclass(frozen=True)
class ContinueLink:
    lesson: Lesson
    #: "start", "continue" or "next".
    kind: str

    @property
    def label(self) -> str:
        if self.kind == "start":
            return f"Start with lesson {self.lesson.number}: {self.lesson.title}"
        if self.kind == "continue":
            return f"Continue lesson {self.lesson.number}: {self.lesson.title}"
        return f"Next up, lesson {self.lesson.number}: {self.lesson.title}"


def continue_link(progress: list[LessonProgress]) -> ContinueLink | None:
    """Where the learner left off: the lesson they last worked in, if unfinished; else the
    next unfinished lesson after it; the first lesson for a newcomer; None when all is done."""
    if not progress:
        return None
    touched = [p for p in progress if p.last_activity_at is not None]
    if not touched:
        return ContinueLink(progress[0].lesson, "start")
    latest = max(touched, key=lambda p: p.last_activity_at)
    if latest.status != DONE:
        return ContinueLink(latest.lesson, "continue")
    start = progress.index(latest)
    for entry in progress[start + 1 :] + progress[:start]:
        if entry.status != DONE:
            return ContinueLink(entry.lesson, "next")
    return None


def course_map_data(progress: list[LessonProgress]) -> dict[str, Any]:
    """The course map as JSON-ready data (the map page's machine-readable twin)."""
    link = continue_link(progress)
    return {
        "lessons": [
            {
                "number": entry.lesson.number,
                "slug": entry.lesson.slug,
                "title": entry.lesson.title,
                "minutes": entry.lesson.minutes,
                "status": entry.status,
                "steps_passed": entry.steps_passed,
                "steps_with_solution": entry.steps_with_solution,
                "steps": entry.steps_total,
                "quizzes_correct": entry.quizzes_correct,
                "quizzes": entry.quizzes_total,
            }
            for entry in progress
        ],
        "continue": {"slug": link.lesson.slug, "kind": link.kind} if link else None,
    }


# --------------------------------------------------------------------------- lesson page
def workbench_path() -> str | None:
    """The workbench's request runner (``console:run``), or None where the console is not
    installed (the course works without it)."""
    try:
        return reverse(WORKBENCH_URL_NAME)
    except NoReverseMatch:
        return None


def workbench_url(request: Request, body: dict[str, Any] | None = None) -> str | None:
    """The workbench with this request loaded: ``?operation=<Op>&request=<JSON>`` (``body``:
    the request's body with its placeholders filled in)."""
    path = workbench_path()
    if path is None:
        return None
    query = urlencode(
        {
            "operation": request.operation,
            "request": json.dumps(
                request.body if body is None else body, separators=(",", ":"), ensure_ascii=False
            ),
        }
    )
    return f"{path}?{query}"


@dataclass
class RequestView:
    lesson: Lesson
    request: Request
    result: RunResult | None = None

    @property
    def dom_id(self) -> str:
        return f"block-{self.request.key}"

    @property
    def workbench_url(self) -> str | None:
        if self.request.is_clock_move:
            return None  # the workbench's header has clock buttons of its own
        if (self.request.placeholders or self.request.region) and workbench_path() is not None:
            # Filled in from the sandbox when the learner follows the link, not when the
            # page was drawn (``{{now+600}}`` would be stale by then); a request in another
            # Region also switches the workbench to that Region.
            return reverse("course:open_in_workbench", args=(self.lesson.slug, self.request.key))
        return workbench_url(self.request)


@dataclass
class StepView:
    lesson: Lesson
    lab: Lab
    step: LabStep
    progress: StepProgress | None = None
    #: True in the response to the learner's Check, so the verdict is announced.
    just_checked: bool = False
    results: dict[str, RunResult] = field(default_factory=dict)
    #: Why the learner's last action on this step was not taken (shown once).
    notice: str = ""

    @property
    def dom_id(self) -> str:
        return f"lab-{self.lab.id}-step-{self.step.number}"

    @property
    def passed(self) -> bool:
        return self.progress is not None and self.progress.passed_at is not None

    @property
    def last_passed(self) -> bool | None:
        return self.progress.last_passed if self.progress else None

    @property
    def message(self) -> str:
        return self.progress.last_message if self.progress else ""

    @property
    def hints(self) -> tuple[str, ...]:
        shown = self.progress.hints_revealed if self.progress else 0
        return self.step.hints_html[:shown]

    @property
    def hints_left(self) -> int:
        return len(self.step.hints_html) - len(self.hints)

    @property
    def solution_shown(self) -> bool:
        return self.progress is not None and self.progress.solution_shown_at is not None

    @property
    def solution_available(self) -> bool:
        """Whether "Show solution" is offered: after a check, or after every hint."""
        return solution_available(self.progress, self.step)

    @property
    def passed_with_solution(self) -> bool:
        return self.passed and bool(self.progress and self.progress.passed_with_solution)

    @property
    def solution(self) -> list[RequestView]:
        return [
            RequestView(self.lesson, request, self.results.get(request.key))
            for request in self.step.solution
        ]


@dataclass
class LabView:
    lesson: Lesson
    lab: Lab
    steps: list[StepView]

    @property
    def dom_id(self) -> str:
        return f"lab-{self.lab.id}"

    @property
    def passed_count(self) -> int:
        return sum(1 for step in self.steps if step.passed)

    @property
    def with_solution_count(self) -> int:
        return sum(1 for step in self.steps if step.passed_with_solution)

    @property
    def done(self) -> bool:
        return self.passed_count == len(self.steps)


@dataclass
class QuizView:
    lesson: Lesson
    quiz: Quiz
    answers: list[QuizAnswer] = field(default_factory=list)
    just_answered: bool = False
    #: Why what the learner sent was not taken as an answer ("Type a number ...").
    refusal: str = ""

    @property
    def dom_id(self) -> str:
        return f"quiz-{self.quiz.id}"

    @property
    def last(self) -> QuizAnswer | None:
        return self.answers[-1] if self.answers else None

    @property
    def choices(self) -> list[tuple[str, str]]:
        """(value, rendered HTML) of each multiple-choice option."""
        return list(zip(self.quiz.options, self.quiz.options_html, strict=True))

    @property
    def answered_correctly(self) -> bool:
        """The latest answer is right (an earlier right answer followed by a wrong one is
        not shown as "answered correctly" beside "Not quite")."""
        return self.last is not None and self.last.correct

    @property
    def wrong_answers(self) -> int:
        return sum(1 for answer in self.answers if not answer.correct)

    @property
    def reveal_answer(self) -> bool:
        """Show the right answer and the explanation: after a right answer, or after
        ``WRONG_ANSWERS_BEFORE_REVEAL`` wrong ones."""
        if self.last is None:
            return False
        return self.last.correct or self.wrong_answers >= WRONG_ANSWERS_BEFORE_REVEAL

    @property
    def tries_before_reveal(self) -> int:
        return max(0, WRONG_ANSWERS_BEFORE_REVEAL - self.wrong_answers)


@dataclass
class SetupView:
    lesson: Lesson
    result: SetupResult | None = None

    @property
    def summary(self) -> list[str]:
        """What the setup does, e.g. ``CreateTable Orders``, ``BatchWriteItem Orders × 4``."""
        counts: dict[str, int] = {}
        for request in self.lesson.setup:
            label = f"{request.operation} {request.table_name or ''}".strip()
            counts[label] = counts.get(label, 0) + 1
        return [f"{label} × {n}" if n > 1 else label for label, n in counts.items()]


@dataclass
class PageSegment:
    kind: str
    html: str = ""
    view: Any = None


@dataclass
class LessonPage:
    lesson: Lesson
    segments: list[PageSegment]
    progress: LessonProgress
    setup: SetupView | None
    previous: Lesson | None
    next: Lesson | None
    lesson_count: int


def lesson_progress(learner: Learner | None, lesson: Lesson) -> LessonProgress:
    """The learner's progress in one lesson (the page header's "n of m exercises done")."""
    return next(p for p in course_progress(learner, Course((lesson,))) if p.lesson is lesson)


def step_view(
    learner: Learner | None, lesson: Lesson, lab: Lab, step: LabStep, **extra: Any
) -> StepView:
    progress = None
    if learner is not None:
        progress = StepProgress.objects.filter(
            learner=learner, lesson=lesson.slug, lab=lab.id, step=step.number
        ).first()
    return StepView(lesson, lab, step, progress, **extra)


def lab_view(learner: Learner | None, lesson: Lesson, lab: Lab) -> LabView:
    rows = {}
    if learner is not None:
        rows = {
            row.step: row
            for row in StepProgress.objects.filter(learner=learner, lesson=lesson.slug, lab=lab.id)
        }
    return LabView(lesson, lab, [StepView(lesson, lab, s, rows.get(s.number)) for s in lab.steps])


def quiz_view(learner: Learner | None, lesson: Lesson, quiz: Quiz, **extra: Any) -> QuizView:
    answers = []
    if learner is not None:
        answers = list(QuizAnswer.objects.filter(learner=learner, lesson=lesson.slug, quiz=quiz.id))
    return QuizView(lesson, quiz, answers, **extra)


def lesson_page(
    learner: Learner | None,
    course: Course,
    lesson: Lesson,
    *,
    run_result: RunResult | None = None,
    setup_result: SetupResult | None = None,
    focus_step: tuple[str, int] | None = None,
    focus_quiz: str | None = None,
    quiz_refusal: str = "",
    step_notice: str = "",
) -> LessonPage:
    """The lesson with the learner's state in every block. The keyword arguments carry the
    outcome of the action just taken, for the page shown without JavaScript."""
    results = {run_result.request.key: run_result} if run_result else {}
    segments = []
    for segment in lesson.segments:
        if segment.kind == "html":
            segments.append(PageSegment("html", html=segment.html))
        elif segment.kind == "request":
            view = RequestView(lesson, segment.block, results.get(segment.block.key))
            segments.append(PageSegment("request", view=view))
        elif segment.kind == "lab":
            view = lab_view(learner, lesson, segment.block)
            for step in view.steps:
                step.results = results
                focused = focus_step == (view.lab.id, step.step.number)
                step.just_checked = focused and not step_notice
                step.notice = step_notice if focused else ""
            segments.append(PageSegment("lab", view=view))
        elif segment.kind == "quiz":
            focused = focus_quiz == segment.block.id
            view = quiz_view(
                learner,
                lesson,
                segment.block,
                just_answered=focused and not quiz_refusal,
                refusal=quiz_refusal if focused else "",
            )
            segments.append(PageSegment("quiz", view=view))
    progress = lesson_progress(learner, lesson)
    previous, following = course.neighbours(lesson)
    setup = SetupView(lesson, setup_result) if lesson.setup else None
    return LessonPage(lesson, segments, progress, setup, previous, following, len(course.lessons))
