"""The classroom's actions: classes and who is in them, problem reports, and resets.

Every function takes what it acts on explicitly (keyword-only past the first argument);
views check who may act before calling one.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from dynalab.classroom.models import (
    ClassLesson,
    Classroom,
    Enrollment,
    ProblemReport,
    new_join_code,
)
from dynalab.sandboxes import selectors as sandbox_selectors
from dynalab.sandboxes import services as sandbox_services
from dynalab.sandboxes.models import Sandbox

MAX_REPORT_LENGTH = 4000


class ClassroomError(Exception):
    """An action the classroom refuses, with the message to show."""


# --------------------------------------------------------------------------- classes
def create_class(instructor: Any, *, name: str, lessons: dict[str, date | None]) -> Classroom:
    """A new class taught by ``instructor`` with these lessons (slug -> due date or None)."""
    with transaction.atomic():
        classroom = _with_unique_code(
            lambda: Classroom.objects.create(name=name, instructor=instructor)
        )
        set_lessons(classroom, lessons=lessons)
    return classroom


def update_class(classroom: Classroom, *, name: str, lessons: dict[str, date | None]) -> None:
    with transaction.atomic():
        classroom.name = name
        classroom.save(update_fields=["name"])
        set_lessons(classroom, lessons=lessons)


def set_lessons(classroom: Classroom, *, lessons: dict[str, date | None]) -> None:
    """Make the class's lessons exactly these (slug -> due date or None)."""
    ClassLesson.objects.filter(classroom=classroom).exclude(lesson__in=list(lessons)).delete()
    for slug, due_on in lessons.items():
        ClassLesson.objects.update_or_create(
            classroom=classroom, lesson=slug, defaults={"due_on": due_on}
        )


def regenerate_code(classroom: Classroom) -> str:
    """A new join code: the old code and link stop working at once."""

    def save() -> Classroom:
        classroom.join_code = new_join_code()
        classroom.save(update_fields=["join_code"])
        return classroom

    _with_unique_code(save)
    return classroom.join_code


def archive(classroom: Classroom, *, archived: bool = True) -> None:
    """Archive (no new learners; kept, read-only in spirit) or bring back a class."""
    classroom.archived_at = timezone.now() if archived else None
    classroom.save(update_fields=["archived_at"])


def _with_unique_code(save: Any) -> Classroom:
    for _ in range(10):
        try:
            with transaction.atomic():
                return save()
        except IntegrityError:
            continue
    raise ClassroomError("Could not find a free join code; try again.")


# --------------------------------------------------------------------------- learners
def find_by_code(code: str) -> Classroom | None:
    """The class this join code opens (spaces, dashes and case do not matter)."""
    cleaned = "".join(ch for ch in code.upper() if ch.isalnum())[:16]
    if not cleaned:
        return None
    return Classroom.objects.filter(join_code=cleaned).select_related("instructor").first()


def join(classroom: Classroom, *, learner: Any) -> Enrollment:
    """Put ``learner`` in the class (joining twice is harmless)."""
    if classroom.archived:
        raise ClassroomError("This class is archived and takes no new learners.")
    if classroom.instructor_id == learner.pk:
        raise ClassroomError("You teach this class: share its code with your learners instead.")
    try:
        with transaction.atomic():
            return Enrollment.objects.create(classroom=classroom, learner=learner)
    except IntegrityError:
        return Enrollment.objects.get(classroom=classroom, learner=learner)


def remove_learner(classroom: Classroom, *, learner_id: Any) -> bool:
    """Take a learner out of the class (their work and sandbox stay theirs)."""
    return bool(Enrollment.objects.filter(classroom=classroom, learner_id=learner_id).delete()[0])


def reset_learner_sandbox(classroom: Classroom, *, learner_id: Any) -> Sandbox | None:
    """Reset the learner's sandbox for them: the old one is kept (inactive, its history
    visible on the learner's page); the new one records that the instructor reset it."""
    sandbox = Sandbox.objects.filter(owner_id=learner_id, is_active=True).first()
    if sandbox is None:
        return None
    return sandbox_services.reset_sandbox(sandbox, reset_by=f"instructor of {classroom.name}")


# --------------------------------------------------------------------------- reports
def file_report(learner: Any, *, message: str, page: str, sandbox: Sandbox | None) -> ProblemReport:
    """A problem report for the instructors of every active class the learner is in: the
    message, the page, the sandbox and its journal position, and its last call."""
    classes = list(Classroom.objects.filter(enrollments__learner=learner, archived_at__isnull=True))
    if not classes:
        raise ClassroomError(
            "You are not in a class yet, so there is no instructor to send this to: join a "
            "class with the code your instructor gave you."
        )
    last_call = None
    if sandbox is not None:
        latest = sandbox_selectors.recent_activity(sandbox, limit=1).first()
        if latest is not None:
            last_call = {
                "operation": latest.operation,
                "source": latest.source,
                "status": latest.status,
                "error_message": latest.error_message,
                "request": latest.request,
                "response": latest.response,
                "consumed_capacity": latest.consumed_capacity,
                "summary": latest.summary,
                "at": latest.created_at.isoformat(),
            }
    with transaction.atomic():
        report = ProblemReport.objects.create(
            learner=learner,
            message=message.strip()[:MAX_REPORT_LENGTH],
            page=page[:2000],
            sandbox_id=sandbox.pk if sandbox is not None else None,
            sandbox_sequence=sandbox.last_sequence if sandbox is not None else 0,
            last_call=last_call,
        )
        report.classrooms.set(classes)
    return report


def resolve_report(report: ProblemReport, *, resolved: bool = True) -> None:
    report.resolved_at = timezone.now() if resolved else None
    report.save(update_fields=["resolved_at"])
