"""A learner's progress through the course: lessons opened, lab steps passed, quiz answers.

Lessons are files, not rows: progress refers to them by their stable names (the lesson's
slug, a lab's id and step number, a quiz's id), so renumbering or editing a lesson keeps the
learners' progress. A ``Learner`` is a signed-in user or an anonymous session; when an
anonymous learner signs in, their progress moves to their account (see services.py).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models


class Learner(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    #: Empty for an anonymous visitor, whose session holds this learner's id.
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="course_learner",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return str(self.user) if self.user_id else f"anonymous learner {self.id}"


class LessonVisit(models.Model):
    """The learner opened a lesson: what "continue where you left off" follows."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="visits")
    lesson = models.CharField(max_length=100)
    first_visited_at = models.DateTimeField()
    last_visited_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["learner", "lesson"], name="course_visit_once"),
        ]

    def __str__(self) -> str:
        return f"{self.learner} visited {self.lesson}"


class StepProgress(models.Model):
    """One lab step for one learner: checks tried, hints revealed, whether (and when) passed."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="steps")
    lesson = models.CharField(max_length=100)
    lab = models.CharField(max_length=100)
    step = models.PositiveSmallIntegerField()
    attempts = models.PositiveIntegerField(default=0)
    hints_revealed = models.PositiveSmallIntegerField(default=0)
    solution_shown_at = models.DateTimeField(null=True, blank=True)
    #: Set the first time the step's checks all pass; a passed step stays passed.
    passed_at = models.DateTimeField(null=True, blank=True)
    #: The step was passed after its solution had been shown: done through the solution,
    #: not solved by the learner alone (the instructor's view tells the two apart).
    passed_with_solution = models.BooleanField(default=False)
    #: The verdict of the latest check, shown again when the page is reloaded.
    last_passed = models.BooleanField(null=True, blank=True)
    last_message = models.TextField(blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "step progress"
        constraints = [
            models.UniqueConstraint(
                fields=["learner", "lesson", "lab", "step"], name="course_step_once"
            ),
        ]

    def __str__(self) -> str:
        state = "passed" if self.passed_at else "not passed"
        if self.passed_with_solution:
            state += " with the solution"
        return f"{self.lesson}/{self.lab}/{self.step} {state}"


class QuizAnswer(models.Model):
    """Every answer a learner gave (an instructor can see first tries and misconceptions)."""

    learner = models.ForeignKey(Learner, on_delete=models.CASCADE, related_name="answers")
    lesson = models.CharField(max_length=100)
    quiz = models.CharField(max_length=100)
    answer = models.CharField(max_length=500)
    correct = models.BooleanField()
    answered_at = models.DateTimeField()

    class Meta:
        ordering = ["answered_at", "id"]
        indexes = [
            models.Index(fields=["learner", "lesson", "quiz"], name="course_answer_lookup"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.lesson}/{self.quiz}: {self.answer!r} ({'right' if self.correct else 'wrong'})"
        )
