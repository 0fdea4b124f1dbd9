"""``manage.py check_lessons``: tell a course author everything that is wrong with the lessons.

Exits 1 (after listing every problem as ``file:line: message``) if anything is wrong, so CI
and ``make load-demo`` stop on a broken lesson before a learner sees it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from dynalab.course import lessons, validation


class Command(BaseCommand):
    help = (
        "Check every lesson: front matter, links, request/lab/quiz blocks, lab checks, and "
        "that each lab's solution passes its own checks in a fresh engine."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "paths",
            nargs="*",
            help="Lesson folders or files to check (default: the DYNALAB_LESSON_DIRS folders).",
        )

    def handle(self, *args: Any, paths: list[str], **options: Any) -> None:
        course = lessons.load_course([Path(p) for p in paths] if paths else None)
        if not course.lessons:
            where = ", ".join(paths) if paths else ", ".join(map(str, lessons.lesson_dirs()))
            raise CommandError(f"No lessons found in {where}.")
        problems = validation.check_course(course)
        for problem in problems:
            self.stderr.write(str(problem))
        summary = validation.summarize(course)
        counts = (
            f"{_count(summary.lessons, 'lesson')}, {_count(summary.labs, 'lab')} "
            f"({_count(summary.steps, 'step')}), {_count(summary.quizzes, 'quiz', 'quizzes')}, "
            f"{_count(summary.requests, 'runnable request')}"
        )
        if problems:
            raise CommandError(f"{_count(len(problems), 'problem')} in {counts}.")
        self.stdout.write(self.style.SUCCESS(f"Checked {counts}: all good."))


def _count(number: int, singular: str, plural: str | None = None) -> str:
    return f"{number} {singular if number == 1 else plural or singular + 's'}"
