"""Progress: steps, hints, solutions and answers are recorded per learner, shown on the course
map, followed by "continue where you left off", and kept when an anonymous learner signs in."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from dynalab.course import selectors
from dynalab.course.lessons import get_course
from dynalab.course.models import Learner, LessonVisit, QuizAnswer, StepProgress
from dynalab.sandboxes import selectors as sandbox_selectors
from dynalab.sandboxes import services as sandbox_services
from tests.support.course import (
    CREATE_BOOKS,
    lab_lesson,
    quiz,
    request_block,
    write_lesson,
    yaml_block,
)

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}
LAB = "/learn/books/labs/books-lab/steps"


@pytest.fixture
def course(lessons_dir: Path) -> Path:
    """Lesson 1 has the two-step Books lab; lesson 2 a numeric and a choice question; lesson 3
    nothing to do but read."""
    lab_lesson(lessons_dir, "01-books.md")
    write_lesson(
        lessons_dir,
        "02-quiz.md",
        yaml_block("quiz", quiz("wcu", tolerance=0.5))
        + yaml_block(
            "quiz",
            quiz("model", options=["Graph", "Key-value"], answer="Graph", unit=None),
        ).replace("unit: null\n", ""),
    )
    write_lesson(lessons_dir, "03-reading.md", "## Just reading\n")
    return lessons_dir


def statuses(client: Client) -> dict[str, str]:
    learner = selectors_learner(client)
    return {p.lesson.slug: p.status for p in selectors.course_progress(learner, get_course())}


def selectors_learner(client: Client) -> Learner | None:
    from django.contrib.auth import get_user

    user = get_user(client)
    if user.is_authenticated:
        return Learner.objects.filter(user=user).first()
    learner_id = client.session.get("dynalab_learner_id")
    return Learner.objects.filter(pk=learner_id).first() if learner_id else None


def create_books(client: Client) -> None:
    response = client.post("/learn/books/requests/request-1/run/", **HTMX)
    assert "succeeded" in response.content.decode()


def put_book(client: Client) -> None:
    response = client.post("/learn/books/requests/books-lab-step-2-solution-1/run/", **HTMX)
    assert "succeeded" in response.content.decode()


# --------------------------------------------------------------------------- lab steps
def test_checking_a_step_records_the_verdict_and_passing_sticks(
    client: Client, course: Path
) -> None:
    client.get("/learn/books/")
    client.post(f"{LAB}/1/check/", **HTMX)
    progress = StepProgress.objects.get(lab="books-lab", step=1)
    assert (progress.attempts, progress.last_passed, progress.passed_at) == (1, False, None)
    assert progress.last_message == "There is no table named Books in your sandbox yet."

    create_books(client)
    client.post(f"{LAB}/1/check/", **HTMX)
    progress.refresh_from_db()
    assert progress.attempts == 2
    assert progress.last_passed is True
    passed_at = progress.passed_at
    assert passed_at is not None

    # Delete the table, then check again: the verdict is "not yet", but the step stays passed.
    request = client.get("/learn/books/").wsgi_request
    sandbox = sandbox_services.sandbox_for_request(request)
    sandbox_services.execute(sandbox, "DeleteTable", {"TableName": "Books"})
    client.post(f"{LAB}/1/check/", **HTMX)
    progress.refresh_from_db()
    assert (progress.last_passed, progress.passed_at) == (False, passed_at)


def test_hints_are_revealed_one_at_a_time(client: Client, course: Path) -> None:
    first = client.post(f"{LAB}/1/hint/", **HTMX).content.decode()
    assert "Use CreateTable." in first and "The key is isbn" not in first
    assert "(1 left)" in first
    second = client.post(f"{LAB}/1/hint/", **HTMX).content.decode()
    assert "The key is isbn, a string." in second
    assert "Another hint" not in second  # none left: no button
    client.post(f"{LAB}/1/hint/", **HTMX)
    assert StepProgress.objects.get(step=1).hints_revealed == 2


def test_show_solution_reveals_runnable_requests(client: Client, course: Path) -> None:
    before = client.get("/learn/books/").content.decode()
    assert "books-lab-step-1-solution-1" not in before
    shown = client.post(f"{LAB}/1/solution/", **HTMX).content.decode()
    assert 'hx-post="/learn/books/requests/books-lab-step-1-solution-1/run/"' in shown
    assert StepProgress.objects.get(step=1).solution_shown_at is not None
    assert "Show solution" not in shown


def test_a_passed_step_is_ticked_on_the_page_and_counted(client: Client, course: Path) -> None:
    create_books(client)
    response = client.post(f"{LAB}/1/check/", **HTMX).content.decode()
    assert "Passed." in response
    assert 'bg-emerald-700 text-white">✓</span>' in response
    # The lab's counter is updated out of band.
    assert 'id="lab-books-lab-progress" hx-swap-oob="true"' in response
    assert "1 of 2 steps done" in response
    page = client.get("/learn/books/").content.decode()
    assert "1 of 2 steps done" in page
    assert "1 of 2 exercises done" in page


# --------------------------------------------------------------------------- quizzes
def test_every_answer_is_recorded(client: Client, course: Path) -> None:
    wrong = client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "1"}, **HTMX).content.decode()
    assert "Not quite: you answered 1 WCU. The answer is 3 WCU." in wrong
    assert "One per started KB." in wrong  # the explanation shows after answering
    right = client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": " 3,4 "}, **HTMX)
    assert "Correct." in right.content.decode()  # within the tolerance of 0.5
    assert list(QuizAnswer.objects.values_list("answer", "correct")) == [
        ("1", False),
        ("3,4", True),
    ]


def test_an_empty_answer_is_not_recorded(client: Client, course: Path) -> None:
    response = client.post("/learn/quiz/quizzes/model/answer/", {}, **HTMX).content.decode()
    assert "Choose an answer first." in response
    assert not QuizAnswer.objects.exists()


# --------------------------------------------------------------------------- course map
def test_the_course_map_shows_done_in_progress_and_not_started(
    client: Client, course: Path
) -> None:
    assert client.get("/learn/").status_code == 200
    assert not Learner.objects.exists()  # looking at the map records nothing

    client.get("/learn/books/")
    create_books(client)
    client.post(f"{LAB}/1/check/", **HTMX)
    client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "3"}, **HTMX)
    client.post("/learn/quiz/quizzes/model/answer/", {"answer": "Graph"}, **HTMX)
    assert statuses(client) == {"books": "in_progress", "quiz": "done", "reading": "not_started"}

    put_book(client)
    client.post(f"{LAB}/2/check/", **HTMX)
    client.get("/learn/reading/")
    assert statuses(client) == {"books": "done", "quiz": "done", "reading": "done"}

    html = client.get("/learn/").content.decode()
    assert html.count("✓</span>Done</span>") == 3
    assert "Course complete" in html


def test_continue_where_you_left_off(client: Client, course: Path) -> None:
    def continue_text() -> str:
        html = client.get("/learn/").content.decode()
        start = html.index('id="continue-link"')
        return html[html.index(">", start) + 1 : html.index("</a>", start)]

    assert continue_text() == "Start with lesson 1: A test lesson"
    client.get("/learn/quiz/")
    assert continue_text() == "Continue lesson 2: A test lesson"
    client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "3"}, **HTMX)
    client.post("/learn/quiz/quizzes/model/answer/", {"answer": "Graph"}, **HTMX)
    # Lesson 2 is done: go on to the next unfinished lesson.
    assert continue_text() == "Next up, lesson 3: A test lesson"
    assert '<a href="/learn/reading/" id="continue-link"' in client.get("/learn/").content.decode()


def test_progress_ignores_steps_and_quizzes_a_lesson_no_longer_has(
    client: Client, course: Path
) -> None:
    client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "3"}, **HTMX)
    write_lesson(course, "02-quiz.md", "## The quizzes are gone\n")
    assert statuses(client)["quiz"] == "not_started"


# --------------------------------------------------------------------------- signing in
def passed_steps(learner: Learner) -> set[int]:
    return set(learner.steps.filter(passed_at__isnull=False).values_list("step", flat=True))


def test_an_anonymous_learner_keeps_progress_after_signing_in(client: Client, course: Path) -> None:
    client.get("/learn/books/")
    create_books(client)
    client.post(f"{LAB}/1/check/", **HTMX)
    client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "3"}, **HTMX)
    anonymous = Learner.objects.get()

    user = get_user_model().objects.create_user("ana", password="a long passphrase")
    client.force_login(user)

    learner = Learner.objects.get(user=user)
    assert learner.pk == anonymous.pk
    assert passed_steps(learner) == {1}
    assert learner.answers.count() == 1
    assert statuses(client)["books"] == "in_progress"
    assert "1 of 2 steps done" in client.get("/learn/books/").content.decode()


def test_signing_in_merges_with_the_accounts_earlier_progress(course: Path) -> None:
    user = get_user_model().objects.create_user("raj", password="a long passphrase")
    earlier = Client()
    earlier.force_login(user)
    create_books(earlier)
    earlier.post(f"{LAB}/1/check/", **HTMX)
    earlier.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "2"}, **HTMX)

    # Later, on another device, without signing in: the sandbox is new, so step 1 does not
    # pass here, but a quiz answer and a hint are recorded.
    elsewhere = Client()
    elsewhere.get("/learn/quiz/")
    elsewhere.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "3"}, **HTMX)
    elsewhere.post(f"{LAB}/1/check/", **HTMX)
    elsewhere.post(f"{LAB}/1/hint/", **HTMX)
    assert Learner.objects.count() == 2

    elsewhere.force_login(user)

    learner = Learner.objects.get()
    assert learner.user == user
    assert passed_steps(learner) == {1}
    step = learner.steps.get(step=1)
    assert (step.attempts, step.hints_revealed) == (2, 1)
    assert list(learner.answers.values_list("answer", flat=True)) == ["2", "3"]
    assert LessonVisit.objects.filter(learner=learner, lesson="quiz").exists()
    assert statuses(elsewhere)["quiz"] == "in_progress"  # one of two questions right


def test_signing_out_starts_a_fresh_anonymous_learner(client: Client, course: Path) -> None:
    user = get_user_model().objects.create_user("mei", password="a long passphrase")
    client.force_login(user)
    client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "3"}, **HTMX)
    client.logout()
    assert statuses(client)["quiz"] == "not_started"


def test_request_blocks_run_in_the_learners_sandbox_as_lesson_activity(
    client: Client, course: Path
) -> None:
    create_books(client)
    request = client.get("/learn/books/").wsgi_request
    sandbox = sandbox_services.sandbox_for_request(request)
    activity = sandbox_selectors.recent_activity(sandbox, limit=1)[0]
    assert (activity.operation, activity.source, activity.status) == ("CreateTable", "lesson", "ok")


def test_a_lesson_request_that_fails_shows_the_service_error(client: Client, course: Path) -> None:
    html = client.post(
        "/learn/books/requests/books-lab-step-2-solution-1/run/", **HTMX
    ).content.decode()
    assert "PutItem failed:" in html
    assert "ResourceNotFoundException" in html
    assert "The table is not in your sandbox yet" in html


def test_write_lesson_helper_requests(lessons_dir: Path) -> None:
    # The request helper writes what the engine accepts: a guard for the other tests.
    write_lesson(lessons_dir, "01-x.md", request_block("CreateTable", CREATE_BOOKS))
    assert get_course().lessons[0].requests["request-1"].body == CREATE_BOOKS
