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
from tests.support.course import put_book as book_request

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


def test_the_solution_comes_only_after_a_check_or_every_hint(client: Client, course: Path) -> None:
    before = client.get("/learn/books/").content.decode()
    assert f'hx-post="{LAB}/1/solution/"' not in before  # no button before an attempt
    assert "The solution appears after you press Check once or read every hint." in before
    # Asking anyway (a stale page, a crafted POST) is refused with a reason.
    refused = client.post(f"{LAB}/1/solution/", **HTMX)
    assert refused.status_code == 409
    assert "The solution comes after you try" in refused.content.decode()
    assert StepProgress.objects.get(step=1).solution_shown_at is None

    # A failed check makes it available.
    checked = client.post(f"{LAB}/1/check/", **HTMX).content.decode()
    assert "Not yet." in checked
    assert f'hx-post="{LAB}/1/solution/"' in checked
    shown = client.post(f"{LAB}/1/solution/", **HTMX)
    assert shown.status_code == 200
    html = shown.content.decode()
    assert 'hx-post="/learn/books/requests/books-lab-step-1-solution-1/run/"' in html
    assert StepProgress.objects.get(step=1).solution_shown_at is not None
    assert "Show solution" not in html


def test_reading_every_hint_also_opens_the_solution(client: Client, course: Path) -> None:
    client.post(f"{LAB}/1/hint/", **HTMX)
    one = client.post(f"{LAB}/1/solution/", **HTMX)
    assert one.status_code == 409
    client.post(f"{LAB}/1/hint/", **HTMX)  # the second and last hint
    assert client.post(f"{LAB}/1/solution/", **HTMX).status_code == 200


def test_a_step_passed_after_its_solution_is_recorded_as_such(client: Client, course: Path) -> None:
    client.post(f"{LAB}/1/check/", **HTMX)
    client.post(f"{LAB}/1/solution/", **HTMX)
    create_books(client)
    passed = client.post(f"{LAB}/1/check/", **HTMX).content.decode()
    assert "Passed with the solution." in passed
    assert "(1 with the solution)" in passed  # the lab's counter, out of band
    progress = StepProgress.objects.get(step=1)
    assert progress.passed_with_solution is True
    assert str(progress).endswith("passed with the solution")
    # Step 2, solved without the solution, is not.
    put_book(client)
    client.post(f"{LAB}/2/check/", **HTMX)
    assert StepProgress.objects.get(step=2).passed_with_solution is False
    # Showing the solution after passing changes nothing.
    client.post(f"{LAB}/2/solution/", **HTMX)
    assert StepProgress.objects.get(step=2).passed_with_solution is False


def test_steps_are_checked_in_order(client: Client, course: Path) -> None:
    create_books(client)
    put_book(client)
    early = client.post(f"{LAB}/2/check/", **HTMX).content.decode()
    assert "Finish step 1 first" in early
    progress = StepProgress.objects.get(step=2)
    assert (progress.attempts, progress.passed_at) == (0, None)
    client.post(f"{LAB}/1/check/", **HTMX)
    put_book(client)  # step 2's checks look at what happens after step 1 was passed
    assert "Passed." in client.post(f"{LAB}/2/check/", **HTMX).content.decode()


def test_a_passed_step_is_ticked_on_the_page_and_counted(client: Client, course: Path) -> None:
    create_books(client)
    response = client.post(f"{LAB}/1/check/", **HTMX).content.decode()
    assert "Passed." in response
    assert 'bg-emerald-700 text-white">✓</span>' in response
    # The lab's counter and the lesson's are updated out of band: no reload needed.
    assert 'id="lab-books-lab-progress" hx-swap-oob="true"' in response
    assert '<span id="lesson-progress" hx-swap-oob="true"' in response
    assert "1 of 2 exercises done" in response
    assert "1 of 2 steps done" in response
    page = client.get("/learn/books/").content.decode()
    assert "1 of 2 steps done" in page
    assert "1 of 2 exercises done" in page


# --------------------------------------------------------------------------- quizzes
def test_every_answer_is_recorded(client: Client, course: Path) -> None:
    wrong = client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "1"}, **HTMX).content.decode()
    assert "Not quite: you answered 1 WCU." in wrong
    right = client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": " 3,4 "}, **HTMX)
    assert "Correct." in right.content.decode()  # within the tolerance of 0.5
    assert "One per started KB." in right.content.decode()  # the explanation, once right
    assert list(QuizAnswer.objects.values_list("answer", "correct")) == [
        ("1", False),
        ("3,4", True),
    ]


def test_a_wrong_answer_does_not_give_the_answer_away_at_once(client: Client, course: Path) -> None:
    first = client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "1"}, **HTMX).content.decode()
    assert "Not quite: you answered 1 WCU. Think it through once more and try again." in first
    assert "The answer is" not in first
    assert "One per started KB." not in first  # the explanation gives it away too
    assert "after a right answer or one more wrong one" in first
    second = client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "2"}, **HTMX)
    html = second.content.decode()
    assert "Not quite: you answered 2 WCU. The answer is 3 WCU." in html
    assert "One per started KB." in html


def test_a_quiz_hint_follows_a_wrong_answer(client: Client, lessons_dir: Path) -> None:
    write_lesson(
        lessons_dir,
        "01-hinted.md",
        yaml_block("quiz", quiz("hinted", hint="Count the **kilobytes**.")),
    )
    page = client.get("/learn/hinted/").content.decode()
    assert "Count the" not in page
    wrong = client.post("/learn/hinted/quizzes/hinted/answer/", {"answer": "1"}, **HTMX)
    assert "Count the <strong>kilobytes</strong>." in wrong.content.decode()


@pytest.mark.parametrize(
    ("given", "message"),
    [("abc", "Type a number (in WCU), such as 3 or 0.5."), ("", "Type a number first.")],
)
def test_a_non_answer_to_a_numeric_question_is_refused(
    client: Client, course: Path, given: str, message: str
) -> None:
    for headers in (HTMX, {}):
        response = client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": given}, **headers)
        assert response.status_code == 400
        assert message in response.content.decode()
    assert not QuizAnswer.objects.exists()


def test_a_choice_that_is_not_an_option_is_refused(client: Client, course: Path) -> None:
    response = client.post("/learn/quiz/quizzes/model/answer/", {"answer": "Relational"}, **HTMX)
    assert response.status_code == 400
    assert "Choose one of the answers." in response.content.decode()
    assert not QuizAnswer.objects.exists()


def test_no_answered_correctly_badge_beside_not_quite(client: Client, course: Path) -> None:
    client.post("/learn/quiz/quizzes/model/answer/", {"answer": "Graph"}, **HTMX)
    again = client.post("/learn/quiz/quizzes/model/answer/", {"answer": "Key-value"}, **HTMX)
    html = again.content.decode()
    assert "Not quite" in html
    assert "Answered correctly" not in html
    # The quiz still counts as done: it was answered correctly once.
    assert statuses(client)["quiz"] == "in_progress"  # the numeric one is not answered yet


def test_answers_update_the_lessons_counter_without_a_reload(client: Client, course: Path) -> None:
    client.get("/learn/quiz/")
    response = client.post("/learn/quiz/quizzes/wcu/answer/", {"answer": "3"}, **HTMX)
    html = response.content.decode()
    assert '<span id="lesson-progress" hx-swap-oob="true"' in html
    assert "1 of 2 exercises done" in html


def test_an_empty_answer_is_not_recorded(client: Client, course: Path) -> None:
    response = client.post("/learn/quiz/quizzes/model/answer/", {}, **HTMX)
    assert response.status_code == 400
    assert "Choose an answer first." in response.content.decode()
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


def test_merging_keeps_how_the_earliest_pass_was_made() -> None:
    from django.utils import timezone

    from dynalab.course import services

    now = timezone.now()
    own, other = Learner.objects.create(), Learner.objects.create()
    common = {"lesson": "books", "lab": "books-lab"}
    # Step 1: passed alone on one device, later with the solution on the other.
    StepProgress.objects.create(learner=own, step=1, passed_at=now, **common)
    StepProgress.objects.create(
        learner=other,
        step=1,
        passed_at=now + timezone.timedelta(minutes=5),
        passed_with_solution=True,
        **common,
    )
    # Step 2: passed with the solution first.
    StepProgress.objects.create(
        learner=other, step=2, passed_at=now, passed_with_solution=True, **common
    )
    StepProgress.objects.create(
        learner=own, step=2, passed_at=now + timezone.timedelta(minutes=5), **common
    )
    services.merge_learners(other, into=own)
    merged = {s.step: s.passed_with_solution for s in own.steps.all()}
    assert merged == {1: False, 2: True}


def test_any_answer_is_recorded_or_refused_never_an_error(course: Path) -> None:
    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from dynalab.course.blocks import parse_number

    client = Client()

    @settings(
        max_examples=60,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(st.text(max_size=300), st.sampled_from(["wcu", "model"]), st.booleans())
    def answer(given_text: str, quiz_id: str, htmx: bool) -> None:
        headers = HTMX if htmx else {}
        response = client.post(
            f"/learn/quiz/quizzes/{quiz_id}/answer/", {"answer": given_text}, **headers
        )
        assert response.status_code in (200, 400)
        # Only an option or a number is ever recorded, so nothing else is shown back.
        for answer in QuizAnswer.objects.values_list("answer", flat=True):
            assert answer in ("Graph", "Key-value") or parse_number(answer) is not None

    answer()


# --------------------------------------------------------------------------- Regions
def test_lessons_run_and_check_in_us_east_1_whatever_else_the_learner_did(
    client: Client, lessons_dir: Path
) -> None:
    """A table of the same name in another Region is another table: neither its state nor
    the calls made on it pass a lesson's step, which runs and checks in us-east-1."""
    steps = [
        {
            "text": "Scan `Books`.",
            "check": {
                "name": "operation_used",
                "args": {"operation": "Scan", "table": "Books"},
            },
            "hints": ["Scan it."],
            "solution": [{"operation": "Scan", "request": {"TableName": "Books"}}],
        },
        {
            "text": "Put book **1**.",
            "check": {
                "name": "item_exists",
                "args": {"table": "Books", "key": {"isbn": {"S": "1"}}},
            },
            "hints": ["PutItem."],
            "solution": [{"operation": "PutItem", "request": book_request("1")}],
        },
    ]
    lab_lesson(lessons_dir, "01-books.md", steps=steps)
    sandbox = sandbox_services.sandbox_for_request(client.get("/learn/books/").wsgi_request)
    sandbox_services.execute(sandbox, "CreateTable", CREATE_BOOKS, region="eu-west-1")
    sandbox_services.execute(sandbox, "Scan", {"TableName": "Books"}, region="eu-west-1")

    client.post(f"{LAB}/1/check/", **HTMX)
    assert StepProgress.objects.get(step=1).last_passed is False

    create_books(client)  # the lesson's own request: us-east-1
    assert sandbox_selectors.table_names(sandbox) == ["Books"]
    sandbox_services.execute(sandbox, "Scan", {"TableName": "Books"})
    client.post(f"{LAB}/1/check/", **HTMX)
    assert StepProgress.objects.get(step=1).last_passed is True

    sandbox_services.execute(sandbox, "PutItem", book_request("1"), region="eu-west-1")
    client.post(f"{LAB}/2/check/", **HTMX)
    assert StepProgress.objects.get(step=2).last_passed is False
    put_book(client)  # the step's solution, run from the lesson: us-east-1
    client.post(f"{LAB}/2/check/", **HTMX)
    assert StepProgress.objects.get(step=2).last_passed is True
