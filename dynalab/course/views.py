"""Course views: find the lesson, call one service or selector, render a page or a partial.

Every action is a form POST that works without JavaScript (the whole lesson page comes back
with the outcome in place); with htmx, only the block that changed is swapped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from dynalab.course import selectors, services
from dynalab.course.blocks import Lab, LabStep
from dynalab.course.lessons import Course, Lesson, get_course
from dynalab.rendering import wants_partial


def _lesson(slug: str) -> tuple[Course, Lesson]:
    course = get_course()
    lesson = course.lesson(slug)
    if lesson is None:
        raise Http404("No such lesson.")
    return course, lesson


def _lab_step(lesson: Lesson, lab_id: str, number: int) -> tuple[Lab, LabStep]:
    lab = lesson.lab(lab_id)
    step = lab.step(number) if lab is not None else None
    if lab is None or step is None:
        raise Http404("No such lab step.")
    return lab, step


def _respond(
    request: HttpRequest,
    *,
    course: Course,
    lesson: Lesson,
    partial: str,
    partial_context: Callable[[], dict[str, Any]],
    status: int = 200,
    **page_state: Any,
) -> HttpResponse:
    """The partial for htmx; the whole lesson page (with the outcome in place) otherwise.
    ``status``: 400 when the learner's input was refused (the page says why)."""
    if wants_partial(request):
        learner = services.learner_for_request(request, create=False)
        context = {
            "lesson": lesson,
            # The header's "n of m exercises done", swapped out of band.
            "lesson_progress": selectors.lesson_progress(learner, lesson),
            **partial_context(),
        }
        response = render(request, partial, context, status=status)
    else:
        learner = services.learner_for_request(request, create=False)
        page = selectors.lesson_page(learner, course, lesson, **page_state)
        response = render(
            request, "course/lesson.html", {"lesson": lesson, "page": page}, status=status
        )
    patch_vary_headers(response, ("HX-Request",))
    return response


@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The course map; ``?format=json`` gives the same facts as JSON."""
    course = get_course()
    learner = services.learner_for_request(request, create=False)
    progress = selectors.course_progress(learner, course)
    if request.GET.get("format") == "json":
        return JsonResponse(selectors.course_map_data(progress))
    return render(
        request,
        "course/index.html",
        {
            "course": course,
            "progress": progress,
            "continue_link": selectors.continue_link(progress),
            "total_minutes": sum(lesson.minutes for lesson in course.lessons),
        },
    )


@require_GET
def lesson(request: HttpRequest, lesson: str) -> HttpResponse:
    course, current = _lesson(lesson)
    if current.problems:
        return render(request, "course/broken.html", {"lesson": current}, status=500)
    learner = services.record_visit(request, current)
    page = selectors.lesson_page(learner, course, current)
    return render(request, "course/lesson.html", {"lesson": current, "page": page})


@require_POST
def run_request(request: HttpRequest, lesson: str, key: str) -> HttpResponse:
    course, current = _lesson(lesson)
    if key not in current.requests:
        raise Http404("No such request in this lesson.")
    result = services.run_request(request, lesson=current, key=key)
    return _respond(
        request,
        course=course,
        lesson=current,
        partial="course/_request_result.html",
        partial_context=lambda: {"result": result},
        run_result=result,
    )


@require_GET
def open_in_workbench(request: HttpRequest, lesson: str, key: str) -> HttpResponse:
    """The workbench's runner with one of the lesson's requests loaded, its placeholders
    (``{{now+600}}``, ``{{stream-arn T}}``) filled in from the visitor's sandbox now, and the
    workbench switched to the request's Region when it names one."""
    _, current = _lesson(lesson)
    runnable = current.requests.get(key)
    if runnable is None or runnable.is_clock_move:
        raise Http404("No such request in this lesson.")
    if runnable.region:
        services.work_in_region(request, runnable.region)
    url = selectors.workbench_url(runnable, services.filled_body(request, runnable))
    if url is None:
        raise Http404("The workbench is not installed.")
    return redirect(url)


@require_POST
def prepare_sandbox(request: HttpRequest, lesson: str) -> HttpResponse:
    course, current = _lesson(lesson)
    if not current.setup:
        raise Http404("This lesson has no setup.")
    result = services.prepare_sandbox(request, lesson=current)
    return _respond(
        request,
        course=course,
        lesson=current,
        partial="course/_setup_result.html",
        partial_context=lambda: {"setup": selectors.SetupView(current, result)},
        setup_result=result,
    )


def _step_action(
    request: HttpRequest,
    lesson: str,
    lab: str,
    step: int,
    action: Callable[..., Any],
    *,
    checked: bool = False,
    refused: Callable[[Any, LabStep], str] | None = None,
) -> HttpResponse:
    """Run ``action`` on one step and answer with the step; ``refused(progress, step)``
    names why the action was not taken (then the answer is a 409 saying so)."""
    course, current = _lesson(lesson)
    found_lab, found_step = _lab_step(current, lab, step)
    progress = action(request, lesson=current, lab=found_lab, step=found_step)
    notice = refused(progress, found_step) if refused is not None else ""
    learner = services.learner_for_request(request, create=False)

    def context() -> dict[str, Any]:
        return {
            "step": selectors.step_view(
                learner, current, found_lab, found_step, just_checked=checked, notice=notice
            ),
            # Updates the lab's "n of m steps" counter out of band.
            "lab_progress": selectors.lab_view(learner, current, found_lab),
        }

    return _respond(
        request,
        course=course,
        lesson=current,
        partial="course/_lab_step_response.html",
        partial_context=context,
        focus_step=(found_lab.id, found_step.number) if checked or notice else None,
        step_notice=notice,
        status=409 if notice else 200,
    )


@require_POST
def check_step(request: HttpRequest, lesson: str, lab: str, step: int) -> HttpResponse:
    return _step_action(request, lesson, lab, step, services.check_step, checked=True)


@require_POST
def reveal_hint(request: HttpRequest, lesson: str, lab: str, step: int) -> HttpResponse:
    return _step_action(request, lesson, lab, step, services.reveal_hint)


def _solution_refused(progress: Any, step: LabStep) -> str:
    if progress.solution_shown_at is not None:
        return ""
    return (
        "The solution comes after you try: press Check once, or read every hint, and the "
        "Show solution button appears."
    )


@require_POST
def show_solution(request: HttpRequest, lesson: str, lab: str, step: int) -> HttpResponse:
    return _step_action(
        request, lesson, lab, step, services.show_solution, refused=_solution_refused
    )


@require_POST
def answer_quiz(request: HttpRequest, lesson: str, quiz: str) -> HttpResponse:
    course, current = _lesson(lesson)
    found = current.quiz(quiz)
    if found is None:
        raise Http404("No such quiz.")
    outcome = services.answer_quiz(
        request, lesson=current, quiz=found, given=request.POST.get("answer", "")
    )
    learner = services.learner_for_request(request, create=False)
    return _respond(
        request,
        course=course,
        lesson=current,
        partial="course/_quiz_response.html",
        partial_context=lambda: {
            "quiz": selectors.quiz_view(
                learner,
                current,
                found,
                just_answered=outcome.answer is not None,
                refusal=outcome.refusal,
            )
        },
        focus_quiz=found.id,
        quiz_refusal=outcome.refusal,
        status=400 if outcome.refusal else 200,
    )
