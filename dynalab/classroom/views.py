"""Classroom views: accounts, classes, the instructor's dashboard, reports and exports.

Thin, as everywhere: find who asks and what, call one service or selector, answer through
``render_page`` (the page, its htmx partial, or its ``?format=json`` twin). Who may see what:
dashboard pages need the class's own instructor (another instructor gets a 404, so a class's
existence does not leak; a learner or an operator who teaches nothing gets a 403; an anonymous
visitor is sent to log in).
"""

from __future__ import annotations

import csv
import functools
import json
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.serializers.json import DjangoJSONEncoder
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from dynalab.classroom import roles, selectors, services
from dynalab.classroom.forms import ClassroomForm, JoinForm, ReportForm, SignUpForm
from dynalab.classroom.models import Classroom, ProblemReport
from dynalab.rendering import render_page

#: How often the dashboard's grid asks for itself again, in seconds.
POLL_SECONDS = 5


# --------------------------------------------------------------------------- access
def instructor_of_class(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The view gets the class, if the signed-in user is the class's instructor."""

    @functools.wraps(view)
    @login_required
    @never_cache
    def run(request: HttpRequest, class_id: int, *args: Any, **kwargs: Any) -> HttpResponse:
        if not roles.is_instructor(request.user):
            raise PermissionDenied("Only a class's instructor sees its dashboard.")
        classroom = Classroom.objects.filter(pk=class_id, instructor=request.user).first()
        if classroom is None:
            raise Http404("No such class among yours.")
        return view(request, classroom, *args, **kwargs)

    return run


def _learner_or_404(classroom: Classroom, user_id: int) -> Any:
    learner = selectors.get_learner(classroom, user_id)
    if learner is None:
        raise Http404("No such learner in this class.")
    return learner


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


# --------------------------------------------------------------------------- accounts
@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    """A learner's account. A visitor's anonymous sandbox and progress become theirs (the
    sandboxes' and the course's login receivers adopt them)."""
    if request.user.is_authenticated:
        return redirect("classroom:classes")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}: your work so far is kept.")
        return redirect(_safe_next(request, reverse("classroom:classes")))
    return render(
        request, "registration/signup.html", {"form": form, "next": request.GET.get("next", "")}
    )


# --------------------------------------------------------------------------- classes
@require_GET
@login_required
def classes(request: HttpRequest) -> HttpResponse:
    """Classes the user teaches (instructors) and the classes they joined."""
    taught = (
        list(selectors.classes_taught(request.user)) if roles.is_instructor(request.user) else []
    )
    joined = list(selectors.classes_joined(request.user))

    def data() -> dict[str, Any]:
        return {
            "role": roles.role_of(request.user),
            "taught": [
                {
                    "id": c.pk,
                    "name": c.name,
                    "join_code": c.join_code,
                    "learners": c.learner_count,
                    "archived": c.archived,
                    "url": reverse("classroom:dashboard", args=[c.pk]),
                }
                for c in taught
            ],
            "joined": [
                {
                    "id": c.pk,
                    "name": c.name,
                    "instructor": c.instructor.get_username(),
                    "archived": c.archived,
                }
                for c in joined
            ],
        }

    return render_page(
        request,
        "classroom/classes.html",
        {
            "taught": taught,
            "joined": joined,
            "is_instructor": roles.is_instructor(request.user),
            "join_form": JoinForm(),
        },
        json=data,
    )


@require_http_methods(["GET", "POST"])
@login_required
def new_class(request: HttpRequest) -> HttpResponse:
    if not roles.is_instructor(request.user):
        raise PermissionDenied("Only instructors create classes.")
    form = ClassroomForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom = services.create_class(
            request.user, name=form.cleaned_data["name"], lessons=form.lessons()
        )
        messages.success(request, f"Class created. Its join code is {classroom.join_code}.")
        return redirect("classroom:dashboard", class_id=classroom.pk)
    return render(request, "classroom/class_form.html", {"form": form, "classroom": None})


@require_http_methods(["GET", "POST"])
@instructor_of_class
def edit_class(request: HttpRequest, classroom: Classroom) -> HttpResponse:
    current = selectors.due_dates(classroom)
    form = ClassroomForm(
        request.POST or None, initial={"name": classroom.name}, initial_lessons=current
    )
    if request.method == "POST" and form.is_valid():
        services.update_class(classroom, name=form.cleaned_data["name"], lessons=form.lessons())
        messages.success(request, "Class saved.")
        return redirect("classroom:dashboard", class_id=classroom.pk)
    return render(request, "classroom/class_form.html", {"form": form, "classroom": classroom})


@require_POST
@instructor_of_class
def archive_class(request: HttpRequest, classroom: Classroom) -> HttpResponse:
    archived = request.POST.get("archived", "1") == "1"
    services.archive(classroom, archived=archived)
    messages.success(
        request,
        "Class archived: it takes no new learners." if archived else "Class brought back.",
    )
    return redirect("classroom:dashboard", class_id=classroom.pk)


@require_POST
@instructor_of_class
def regenerate_code(request: HttpRequest, classroom: Classroom) -> HttpResponse:
    code = services.regenerate_code(classroom)
    messages.success(request, f"New join code: {code}. The old code and link no longer work.")
    return redirect("classroom:dashboard", class_id=classroom.pk)


@require_POST
@instructor_of_class
def remove_learner(request: HttpRequest, classroom: Classroom, user_id: int) -> HttpResponse:
    learner = _learner_or_404(classroom, user_id)
    services.remove_learner(classroom, learner_id=learner.pk)
    messages.success(request, f"{learner.get_username()} is no longer in {classroom.name}.")
    return redirect("classroom:dashboard", class_id=classroom.pk)


# --------------------------------------------------------------------------- joining
@require_http_methods(["GET", "POST"])
@login_required
def join(request: HttpRequest) -> HttpResponse:
    """Join with a code typed in (the form on the classes page, or this page)."""
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        classroom = services.find_by_code(form.cleaned_data["code"])
        if classroom is None:
            form.add_error("code", "No class has this code: check it with your instructor.")
        else:
            return _join(request, classroom)
    return render(request, "classroom/join.html", {"form": form, "classroom": None})


@require_http_methods(["GET", "POST"])
@login_required
def join_link(request: HttpRequest, code: str) -> HttpResponse:
    """The join link: shows the class, joins on POST (a GET never changes anything)."""
    classroom = services.find_by_code(code)
    if classroom is None:
        raise Http404("No class has this code.")
    if request.method == "POST":
        return _join(request, classroom)
    return render(request, "classroom/join.html", {"form": None, "classroom": classroom})


def _join(request: HttpRequest, classroom: Classroom) -> HttpResponse:
    try:
        services.join(classroom, learner=request.user)
    except services.ClassroomError as refused:
        messages.error(request, str(refused))
        return redirect("classroom:classes")
    messages.success(request, f"You joined {classroom.name}.")
    return redirect("classroom:classes")


# --------------------------------------------------------------------------- the dashboard
@require_GET
@instructor_of_class
def dashboard(request: HttpRequest, classroom: Classroom) -> HttpResponse:
    """The progress grid; htmx asks for its partial again every POLL_SECONDS."""
    data = selectors.grid(classroom)
    return render_page(
        request,
        "classroom/dashboard.html",
        {
            "classroom": classroom,
            "grid": data,
            "poll_seconds": POLL_SECONDS,
            "open_reports": selectors.open_report_count(classroom),
            "join_url": request.build_absolute_uri(
                reverse("classroom:join_link", args=[classroom.join_code])
            ),
        },
        partial="classroom/_grid.html",
        json=lambda: selectors.grid_data(data),
    )


@require_GET
@instructor_of_class
def misconceptions(request: HttpRequest, classroom: Classroom) -> HttpResponse:
    data = selectors.misconceptions(classroom)
    return render_page(
        request,
        "classroom/misconceptions.html",
        {"classroom": classroom, "found": data},
        json=data.as_data,
    )


@require_GET
@instructor_of_class
def learner(request: HttpRequest, classroom: Classroom, user_id: int) -> HttpResponse:
    person = _learner_or_404(classroom, user_id)
    sandboxes = selectors.learner_sandboxes(person.pk)
    active = next((s for s in sandboxes if s.is_active), None)
    tables = selectors.learner_tables(active) if active is not None else []
    timeline = selectors.learner_timeline(person.pk)
    reports = list(selectors.reports_for(classroom, learner_id=person.pk))

    def data() -> dict[str, Any]:
        return {
            "learner": {"id": person.pk, "username": person.get_username()},
            "sandboxes": [
                {
                    "id": str(s.pk),
                    "active": s.is_active,
                    "created_at": s.created_at,
                    "replaced_by": str(s.replaced_by_id) if s.replaced_by_id else None,
                    "journal_position": s.last_sequence,
                }
                for s in sandboxes
            ],
            "tables": [
                {
                    "name": t.name,
                    "region": t.region,
                    "key": t.key_names,
                    "items": t.items,
                    "more": t.truncated,
                }
                for t in tables
            ],
            "timeline": timeline,
            "reports": [selectors.report_data(r) for r in reports],
        }

    return render_page(
        request,
        "classroom/learner.html",
        {
            "classroom": classroom,
            "person": person,
            "sandboxes": sandboxes,
            "active": active,
            "tables": tables,
            "timeline": timeline,
            "reports": reports,
        },
        json=data,
    )


@require_http_methods(["GET", "POST"])
@instructor_of_class
def reset_learner(request: HttpRequest, classroom: Classroom, user_id: int) -> HttpResponse:
    """Reset a learner's sandbox, after a confirmation page (the old one stays in history)."""
    person = _learner_or_404(classroom, user_id)
    if request.method == "POST":
        services.reset_learner_sandbox(classroom, learner_id=person.pk)
        messages.success(
            request,
            f"{person.get_username()}'s sandbox was reset; the old one is kept in their history.",
        )
        return redirect("classroom:learner", class_id=classroom.pk, user_id=person.pk)
    return render(
        request, "classroom/reset_learner.html", {"classroom": classroom, "person": person}
    )


@require_GET
@instructor_of_class
def reports(request: HttpRequest, classroom: Classroom) -> HttpResponse:
    found = list(selectors.reports_for(classroom))
    return render_page(
        request,
        "classroom/reports.html",
        {"classroom": classroom, "reports": found},
        json=lambda: {"reports": [selectors.report_data(r) for r in found]},
    )


@require_POST
@instructor_of_class
def resolve_report(request: HttpRequest, classroom: Classroom, report_id: int) -> HttpResponse:
    report = get_object_or_404(ProblemReport, pk=report_id, classrooms=classroom)
    services.resolve_report(report, resolved=request.POST.get("resolved", "1") == "1")
    return redirect("classroom:reports", class_id=classroom.pk)


# --------------------------------------------------------------------------- exports
EXPORTS = {"grid", "misconceptions"}


@require_GET
@instructor_of_class
def export(request: HttpRequest, classroom: Classroom, what: str, extension: str) -> HttpResponse:
    """grid.csv, grid.json, misconceptions.csv, misconceptions.json: a download."""
    if what not in EXPORTS or extension not in ("csv", "json"):
        raise Http404("No such export.")
    if what == "grid":
        data = selectors.grid(classroom)
        rows, payload = (
            (lambda: selectors.grid_csv_rows(data)),
            (lambda: selectors.grid_data(data)),
        )
    else:
        found = selectors.misconceptions(classroom)
        rows, payload = (lambda: selectors.misconception_csv_rows(found)), found.as_data
    filename = f"{_slug(classroom.name)}-{what}.{extension}"
    if extension == "csv":
        response = HttpResponse(content_type="text/csv; charset=utf-8")
        writer = csv.writer(response)
        for row in rows():
            writer.writerow([_cell(value) for value in row])
    else:
        response = HttpResponse(
            json.dumps(payload(), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False),
            content_type="application/json",
        )
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def _slug(name: str) -> str:
    cleaned = "".join(ch.lower() if ch.isalnum() else "-" for ch in name).strip("-")
    return "-".join(part for part in cleaned.split("-") if part) or "class"


def _cell(value: Any) -> Any:
    """A CSV cell a spreadsheet will not run: text starting with =, +, - or @ is quoted."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


# --------------------------------------------------------------------------- reporting
@require_http_methods(["GET", "POST"])
@login_required
def report_problem(request: HttpRequest) -> HttpResponse:
    """ "Report a problem": the learner's message, with the page they were on and their
    sandbox's last call, to the instructors of their classes."""
    initial_page = request.GET.get("page", "")
    form = ReportForm(request.POST or None, initial={"page": initial_page})
    if request.method == "POST" and form.is_valid():
        try:
            services.file_report(
                request.user,
                message=form.cleaned_data["message"],
                page=form.cleaned_data["page"],
                sandbox=request.sandbox,  # type: ignore[attr-defined]
            )
        except services.ClassroomError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request, "Sent to your instructor, with the page and your last request."
            )
            page = form.cleaned_data["page"]
            return redirect(page or "console:home")
    return render(request, "classroom/report.html", {"form": form, "page": initial_page})
