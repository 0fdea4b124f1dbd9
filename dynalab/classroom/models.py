"""Classes, who is in them, and the problems learners report to their instructor.

Lessons are files, not rows: a class names its lessons by their stable slugs (as the course's
progress does), so editing a lesson keeps the class. Learners' progress is the course's
(``course_progress.py`` reads it) and their sandboxes the sandboxes app's.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models

#: Join codes avoid letters and digits that read alike (0/O, 1/I/L).
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


def new_join_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


class Classroom(models.Model):
    name = models.CharField(max_length=100)
    instructor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="classrooms_taught"
    )
    join_code = models.CharField(max_length=16, unique=True, default=new_join_code)
    #: Set when the instructor archives the class: it takes no new learners and leaves lists.
    archived_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.name

    @property
    def archived(self) -> bool:
        return self.archived_at is not None


class ClassLesson(models.Model):
    """One lesson of a class, by the lesson's slug, with an optional due date."""

    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="lessons")
    lesson = models.CharField(max_length=100)
    due_on = models.DateField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["classroom", "lesson"], name="classroom_lesson_once")
        ]

    def __str__(self) -> str:
        return f"{self.classroom}: {self.lesson}"


class Enrollment(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="enrollments")
    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="enrollments"
    )
    joined_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["joined_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["classroom", "learner"], name="classroom_join_once")
        ]

    def __str__(self) -> str:
        return f"{self.learner} in {self.classroom}"


class ProblemReport(models.Model):
    """ "Report a problem": what the learner wrote, where they were, and what their sandbox
    last did, for the instructors of their classes."""

    learner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="problem_reports"
    )
    #: The classes whose instructors see it (the learner's classes when they reported).
    classrooms = models.ManyToManyField(Classroom, related_name="problem_reports")
    message = models.TextField(max_length=4000)
    #: The page they reported from (a path on this site).
    page = models.CharField(max_length=2000, blank=True)
    #: The sandbox they were working in, and its journal position: the state to look at.
    sandbox_id = models.UUIDField(null=True, blank=True)
    sandbox_sequence = models.PositiveBigIntegerField(default=0)
    #: The sandbox's last call: operation, request (as the activity log keeps it), status,
    #: error message, consumed capacity and the response's facts (Count, ScannedCount...).
    last_call = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"report by {self.learner} at {self.created_at:%Y-%m-%d %H:%M}"
