"""What the instructor's dashboard shows, as plain data: the grid, the misconceptions, a
learner's page and the reports. Pages render it; the JSON twins and the exports serialise it.

Progress comes from the course (``course_progress``); sandboxes, their activity and their
tables from ``dynalab.sandboxes.selectors``. Nothing here writes.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Count, QuerySet
from django.utils import timezone

from dynalab.classroom import course_progress
from dynalab.classroom.course_progress import (
    ITEM_READS,
    LearnerProgress,
    LessonColumns,
    QuizColumn,
    StepColumn,
)
from dynalab.classroom.models import Classroom, Enrollment, ProblemReport
from dynalab.sandboxes import selectors as sandbox_selectors
from dynalab.sandboxes.errors import ServiceError

#: "Paid many times the model answer's units": from this ratio up.
COSTLY_RATIO = 5.0
TOP_ERRORS = 10
TOP_QUIZZES = 10


def classes_taught(user: Any) -> QuerySet[Classroom]:
    return (
        Classroom.objects.filter(instructor=user)
        .annotate(learner_count=Count("enrollments", distinct=True))
        .order_by("archived_at", "-created_at")
    )


def classes_joined(user: Any) -> QuerySet[Classroom]:
    return (
        Classroom.objects.filter(enrollments__learner=user)
        .select_related("instructor")
        .order_by("archived_at", "-created_at")
    )


def learners(classroom: Classroom) -> list[Any]:
    """The class's learners, in the order they joined."""
    return [
        enrollment.learner
        for enrollment in Enrollment.objects.filter(classroom=classroom).select_related("learner")
    ]


def lesson_slugs(classroom: Classroom) -> list[str]:
    return list(classroom.lessons.values_list("lesson", flat=True))


def due_dates(classroom: Classroom) -> dict[str, Any]:
    return dict(classroom.lessons.values_list("lesson", "due_on"))


def display_name(user: Any) -> str:
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return full or user.get_username()


# --------------------------------------------------------------------------- the grid
@dataclass
class GridRow:
    learner: Any
    progress: LearnerProgress
    #: (kind, column, state) for each step and quiz column, in the grid's order.
    cells: list[tuple[str, Any, Any]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return display_name(self.learner)


@dataclass
class Grid:
    classroom: Classroom
    lessons: list[LessonColumns]
    rows: list[GridRow]
    due: dict[str, Any]

    @property
    def columns(self) -> list[StepColumn | QuizColumn]:
        return [column for lesson in self.lessons for column in (*lesson.steps, *lesson.quizzes)]


def grid(classroom: Classroom) -> Grid:
    """Learners × the class's lessons' lab steps and quizzes."""
    people = learners(classroom)
    slugs = lesson_slugs(classroom)
    lessons = course_progress.lesson_columns(slugs)
    progress = course_progress.progress([person.pk for person in people], slugs)
    rows = []
    for person in people:
        mine = progress[person.pk]
        row = GridRow(person, mine)
        for lesson in lessons:
            row.cells.extend(("step", column, mine.step(column)) for column in lesson.steps)
            row.cells.extend(("quiz", column, mine.quiz(column)) for column in lesson.quizzes)
        rows.append(row)
    return Grid(classroom, lessons, rows, due_dates(classroom))


def grid_data(data: Grid) -> dict[str, Any]:
    """The grid as JSON-ready data (the dashboard's twin and the JSON export)."""
    columns = []
    for lesson in data.lessons:
        due = data.due.get(lesson.slug)
        for column in lesson.steps:
            columns.append(
                {
                    "key": column.key,
                    "kind": "step",
                    "lesson": lesson.slug,
                    "lesson_number": lesson.number,
                    "lab": column.lab,
                    "step": column.step,
                    "due_on": due,
                }
            )
        for column in lesson.quizzes:
            columns.append(
                {
                    "key": column.key,
                    "kind": "quiz",
                    "lesson": lesson.slug,
                    "lesson_number": lesson.number,
                    "quiz": column.quiz,
                    "question": column.question,
                    "due_on": due,
                }
            )
    learners_data = []
    for row in data.rows:
        cells = {}
        for kind, column, state in row.cells:
            if kind == "step":
                cells[column.key] = {
                    "status": state.status,
                    "at": state.at,
                    "attempts": state.attempts,
                    "hints": state.hints,
                }
            else:
                cells[column.key] = {
                    "status": state.status,
                    "first_answer": state.first_answer,
                    "answers": state.answers,
                    "at": state.at,
                }
        learners_data.append(
            {
                "id": row.learner.pk,
                "username": row.learner.get_username(),
                "name": row.name,
                "last_seen": row.progress.last_seen,
                "cells": cells,
            }
        )
    return {
        "class": {"id": data.classroom.pk, "name": data.classroom.name},
        "columns": columns,
        "learners": learners_data,
        "statuses": {
            "step": [
                course_progress.DONE,
                course_progress.SOLUTION,
                course_progress.IN_PROGRESS,
                course_progress.NOT_STARTED,
            ],
            "quiz": [
                course_progress.FIRST_TRY,
                course_progress.LATER,
                course_progress.WRONG,
                course_progress.NOT_ANSWERED,
            ],
        },
    }


def grid_csv_rows(data: Grid) -> list[list[Any]]:
    """One row per learner: name, then each step's and quiz's status and when."""
    header = ["username", "name", "last_seen"]
    for column in data.columns:
        header += [column.key, f"{column.key} at"]
    rows: list[list[Any]] = [header]
    for row in data.rows:
        line: list[Any] = [row.learner.get_username(), row.name, _iso(row.progress.last_seen)]
        for _, _, state in row.cells:
            line += [state.status, _iso(state.at)]
        rows.append(line)
    return rows


def _iso(moment: datetime | None) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds") if moment else ""


# --------------------------------------------------------------------------- misconceptions
@dataclass
class Misconceptions:
    #: Scans whose filter pinned a partition key: a Query would have read one partition.
    scans: list[dict[str, Any]]
    #: Reads that cost many times what the lab step's model answer's read costs.
    costly: list[dict[str, Any]]
    #: Error codes the class hit, most common first, with who hit them.
    errors: list[dict[str, Any]]
    #: Quiz questions most missed at the first try, with who missed them.
    quizzes: list[dict[str, Any]]
    ratio: float = COSTLY_RATIO

    def as_data(self) -> dict[str, Any]:
        return {
            "scans_where_query_fits": self.scans,
            "costly_reads": self.costly,
            "costly_ratio": self.ratio,
            "error_codes": self.errors,
            "missed_quiz_questions": self.quizzes,
        }


def misconceptions(classroom: Classroom) -> Misconceptions:
    people = {person.pk: person for person in learners(classroom)}
    ids = list(people)
    activity = sandbox_selectors.activity_of_owners(ids)
    return Misconceptions(
        scans=_scans_where_query_fits(activity, people),
        costly=_costly_reads(activity, people, lesson_slugs(classroom)),
        errors=_error_codes(activity, people),
        quizzes=_missed_quizzes(classroom, people),
    )


def _who(people: dict[Any, Any], user_id: Any) -> dict[str, Any]:
    person = people[user_id]
    return {"id": user_id, "username": person.get_username(), "name": display_name(person)}


def _scans_where_query_fits(activity: QuerySet, people: dict[Any, Any]) -> list[dict[str, Any]]:
    rows = activity.filter(operation="Scan", summary__has_key="QueryWouldFit").values_list(
        "sandbox__owner_id", "summary", "request", "created_at"
    )
    by_learner: dict[Any, dict[str, Any]] = {}
    for owner_id, summary, request, created_at in rows:
        entry = by_learner.get(owner_id)
        if entry is None:
            entry = by_learner[owner_id] = {
                "learner": _who(people, owner_id),
                "scans": 0,
                "tables": set(),
                "latest_at": created_at,
                "example_filter": (request or {}).get("FilterExpression", ""),
                "query_on": summary.get("QueryWouldFit"),
            }
        entry["scans"] += 1
        if isinstance(summary.get("TableName"), str):
            entry["tables"].add(summary["TableName"])
    result = sorted(by_learner.values(), key=lambda e: (-e["scans"], e["learner"]["username"]))
    for entry in result:
        entry["tables"] = sorted(entry["tables"])
    return result


def _costly_reads(
    activity: QuerySet, people: dict[Any, Any], slugs: list[str]
) -> list[dict[str, Any]]:
    """Per learner and lab step: their costliest read of the step's tables while working on
    it (from their first visit of the lesson until the step passed), against the model
    answer's costliest read, when it is ``COSTLY_RATIO`` times or more."""
    models = {
        key: model
        for key, model in course_progress.model_reads().items()
        if key.split("/", 1)[0] in slugs
    }
    if not models or not people:
        return []
    cheapest = min(model.units for model in models.values())
    reads = activity.filter(
        operation__in=ITEM_READS, status="ok", summary__CapacityUnits__gte=cheapest * COSTLY_RATIO
    ).values_list("sandbox__owner_id", "operation", "summary", "created_at")
    progress = course_progress.progress(list(people), slugs)
    found: dict[tuple[Any, str], dict[str, Any]] = {}
    for owner_id, operation, summary, created_at in reads:
        units = float(summary.get("CapacityUnits") or 0)
        tables = set(summary.get("TableNames") or [])
        if isinstance(summary.get("TableName"), str):
            tables.add(summary["TableName"])
        mine = progress.get(owner_id)
        for key, model in models.items():
            if not tables & model.tables or units < model.units * COSTLY_RATIO:
                continue
            lesson = key.split("/", 1)[0]
            started = mine.visited.get(lesson) if mine else None
            state = mine.steps.get(key) if mine else None
            finished = (
                state.at if state is not None and state.status in ("done", "solution") else None
            )
            if started is None or created_at < started or (finished and created_at > finished):
                continue
            current = found.get((owner_id, key))
            if current is None or units > current["units"]:
                found[(owner_id, key)] = {
                    "learner": _who(people, owner_id),
                    "step": key,
                    "operation": operation,
                    "table": ", ".join(sorted(tables)),
                    "units": units,
                    "model_units": model.units,
                    "ratio": round(units / model.units, 1),
                    "at": created_at,
                    "used_scan": bool(summary.get("UsedScan")),
                }
    return sorted(found.values(), key=lambda e: (-e["ratio"], e["learner"]["username"]))


def _error_codes(activity: QuerySet, people: dict[Any, Any]) -> list[dict[str, Any]]:
    rows = (
        activity.exclude(status="ok")
        .values("status", "sandbox__owner_id")
        .annotate(calls=Count("id"))
        .order_by()
    )
    codes: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = codes.setdefault(row["status"], {"code": row["status"], "calls": 0, "learners": []})
        entry["calls"] += row["calls"]
        entry["learners"].append({**_who(people, row["sandbox__owner_id"]), "calls": row["calls"]})
    result = sorted(codes.values(), key=lambda e: (-len(e["learners"]), -e["calls"], e["code"]))
    for entry in result:
        entry["learners"].sort(key=lambda who: (-who["calls"], who["username"]))
    return result[:TOP_ERRORS]


def _missed_quizzes(classroom: Classroom, people: dict[Any, Any]) -> list[dict[str, Any]]:
    slugs = lesson_slugs(classroom)
    columns = {
        column.key: column
        for lesson in course_progress.lesson_columns(slugs)
        for column in lesson.quizzes
    }
    progress = course_progress.progress(list(people), slugs)
    missed: dict[str, dict[str, Any]] = {}
    answered: Counter[str] = Counter()
    for user_id, mine in progress.items():
        for key, state in mine.quizzes.items():
            if key not in columns:
                continue
            answered[key] += 1
            if state.status in (course_progress.WRONG, course_progress.LATER):
                entry = missed.setdefault(
                    key,
                    {
                        "quiz": key,
                        "question": columns[key].question,
                        "learners": [],
                        "wrong_answers": Counter(),
                    },
                )
                entry["learners"].append(
                    {
                        **_who(people, user_id),
                        "first_answer": state.first_answer,
                        "later_right": state.status == course_progress.LATER,
                    }
                )
                entry["wrong_answers"][state.first_answer] += 1
    result = []
    for key, entry in missed.items():
        entry["answered"] = answered[key]
        entry["missed"] = len(entry["learners"])
        entry["common_wrong_answer"] = entry.pop("wrong_answers").most_common(1)[0][0]
        result.append(entry)
    result.sort(key=lambda e: (-e["missed"], e["quiz"]))
    return result[:TOP_QUIZZES]


def misconception_csv_rows(data: Misconceptions) -> list[list[Any]]:
    """One row per finding: kind, learner, where, detail, figure."""
    rows: list[list[Any]] = [["kind", "username", "where", "detail", "figure"]]
    for entry in data.scans:
        rows.append(
            [
                "scan_where_query_fits",
                entry["learner"]["username"],
                ", ".join(entry["tables"]),
                f"Query on {entry['query_on']} would fit; e.g. filter {entry['example_filter']}",
                entry["scans"],
            ]
        )
    for entry in data.costly:
        rows.append(
            [
                "costly_read",
                entry["learner"]["username"],
                entry["step"],
                f"{entry['operation']} of {entry['table']}: {entry['units']:g} units, model "
                f"answer {entry['model_units']:g}",
                entry["ratio"],
            ]
        )
    for entry in data.errors:
        for who in entry["learners"]:
            rows.append(["error_code", who["username"], "", entry["code"], who["calls"]])
    for entry in data.quizzes:
        for who in entry["learners"]:
            rows.append(
                [
                    "missed_quiz",
                    who["username"],
                    entry["quiz"],
                    who["first_answer"],
                    entry["missed"],
                ]
            )
    return rows


# --------------------------------------------------------------------------- a learner
@dataclass
class TableView:
    name: str
    items: list[Any]
    truncated: bool
    key_names: list[str]
    #: The AWS Region the table is in (tables of one name in two Regions are two tables).
    region: str = sandbox_selectors.DEFAULT_REGION


def learner_sandboxes(user_id: Any) -> list[Any]:
    return list(sandbox_selectors.sandboxes_of([user_id]))


def learner_timeline(user_id: Any, *, limit: int = 100) -> list[dict[str, Any]]:
    """Their calls (every sandbox, replaced ones too) and their course events, newest first."""
    events: list[dict[str, Any]] = []
    for row in sandbox_selectors.activity_of_owners([user_id])[:limit]:
        summary = row.summary or {}
        events.append(
            {
                "at": row.created_at,
                "kind": "call",
                "operation": row.operation,
                "status": row.status,
                "source": row.source,
                "table": summary.get("TableName", ""),
                "region": summary.get("Region", ""),
                "units": summary.get("CapacityUnits"),
                "query_would_fit": summary.get("QueryWouldFit"),
                "sandbox": str(row.sandbox_id),
                "text": row.error_message,
            }
        )
    for event in course_progress.course_events(user_id, limit=limit):
        events.append({"at": event.at, "kind": event.kind, "text": event.text})
    events.sort(key=lambda event: event["at"], reverse=True)
    return events[:limit]


def learner_tables(sandbox: Any, *, items_per_table: int = 25) -> list[TableView]:
    """Their active sandbox's tables and first items, in every Region that holds tables (by
    Region, then name), read without a call."""
    tables = []
    for entry in sandbox_selectors.regions(sandbox):
        for name in entry.tables:
            try:
                items, truncated = sandbox_selectors.table_items(
                    sandbox, name, limit=items_per_table, region=entry.region
                )
                description = (
                    sandbox_selectors.describe_table(sandbox, name, region=entry.region) or {}
                )
            except ServiceError:
                continue
            keys = [element["AttributeName"] for element in description.get("KeySchema", [])]
            tables.append(
                TableView(name, [item.item for item in items], truncated, keys, entry.region)
            )
    return tables


def reports_for(classroom: Classroom, *, learner_id: Any = None) -> QuerySet[ProblemReport]:
    reports = classroom.problem_reports.select_related("learner").order_by(
        "resolved_at", "-created_at"
    )
    if learner_id is not None:
        reports = reports.filter(learner_id=learner_id)
    return reports


def report_data(report: ProblemReport) -> dict[str, Any]:
    return {
        "id": report.pk,
        "learner": {"id": report.learner_id, "username": report.learner.get_username()},
        "message": report.message,
        "page": report.page,
        "sandbox_id": str(report.sandbox_id) if report.sandbox_id else None,
        "sandbox_sequence": report.sandbox_sequence,
        "last_call": report.last_call,
        "created_at": report.created_at,
        "resolved_at": report.resolved_at,
    }


def is_learner_of(classroom: Classroom, user_id: Any) -> bool:
    return Enrollment.objects.filter(classroom=classroom, learner_id=user_id).exists()


def get_learner(classroom: Classroom, user_id: Any) -> Any | None:
    if not is_learner_of(classroom, user_id):
        return None
    return get_user_model().objects.filter(pk=user_id).first()


def open_report_count(classroom: Classroom) -> int:
    return classroom.problem_reports.filter(resolved_at__isnull=True).count()


def now() -> datetime:
    return timezone.now()
