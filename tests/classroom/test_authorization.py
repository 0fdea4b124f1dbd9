"""Every dashboard URL against every kind of visitor: only the class's instructor gets in."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from dynalab.classroom import services
from dynalab.classroom.models import ProblemReport
from tests.support.classroom import logged_in

pytestmark = pytest.mark.django_db


def _urls(classroom, learner, report) -> list[tuple[str, str]]:
    """(method, url) of every page and action that shows or changes a class's data."""
    c, u = classroom.pk, learner.pk
    return [
        ("GET", reverse("classroom:dashboard", args=[c])),
        ("GET", reverse("classroom:dashboard", args=[c]) + "?format=json"),
        ("GET", reverse("classroom:misconceptions", args=[c])),
        ("GET", reverse("classroom:misconceptions", args=[c]) + "?format=json"),
        ("GET", reverse("classroom:reports", args=[c])),
        ("GET", reverse("classroom:reports", args=[c]) + "?format=json"),
        ("GET", reverse("classroom:learner", args=[c, u])),
        ("GET", reverse("classroom:learner", args=[c, u]) + "?format=json"),
        ("GET", reverse("classroom:reset_learner", args=[c, u])),
        ("GET", reverse("classroom:edit", args=[c])),
        ("GET", reverse("classroom:export", args=[c, "grid", "csv"])),
        ("GET", reverse("classroom:export", args=[c, "grid", "json"])),
        ("GET", reverse("classroom:export", args=[c, "misconceptions", "csv"])),
        ("GET", reverse("classroom:export", args=[c, "misconceptions", "json"])),
        ("POST", reverse("classroom:reset_learner", args=[c, u])),
        ("POST", reverse("classroom:remove_learner", args=[c, u])),
        ("POST", reverse("classroom:archive", args=[c])),
        ("POST", reverse("classroom:regenerate_code", args=[c])),
        ("POST", reverse("classroom:resolve_report", args=[c, report.pk])),
    ]


@pytest.fixture
def report(classroom, learner) -> ProblemReport:
    return services.file_report(learner, message="It broke", page="/tables/", sandbox=None)


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        ("anonymous", 302),
        ("learner", 403),
        ("other_instructor", 404),
        ("operator", 403),
        ("instructor", 200),
    ],
)
def test_only_the_class_instructor_reaches_its_dashboard(
    request, classroom, learner, report, who: str, expected: int
) -> None:
    client = Client() if who == "anonymous" else logged_in(request.getfixturevalue(who))
    code_before = classroom.join_code
    answers = {}
    for method, url in _urls(classroom, learner, report):
        response = client.get(url) if method == "GET" else client.post(url)
        status = response.status_code
        if who == "instructor" and method == "POST":
            status = 200 if status == 302 else status  # actions redirect back
        answers[(method, url)] = status
        if who == "anonymous":
            assert response["Location"].startswith(reverse("login")), url
    assert set(answers.values()) == {expected}, answers
    classroom.refresh_from_db()
    if who != "instructor":
        # Nothing changed for anyone else: same code, not archived, learner still in.
        assert classroom.join_code == code_before
        assert not classroom.archived
        assert classroom.enrollments.filter(learner=learner).exists()


def test_a_learner_sees_no_dashboard_link_and_no_instructor_pages(learner_client) -> None:
    page = learner_client.get(reverse("classroom:classes"))
    assert page.status_code == 200
    assert b"New class" not in page.content
    assert learner_client.get(reverse("classroom:new_class")).status_code == 403
    assert learner_client.post(reverse("classroom:new_class"), {"name": "x"}).status_code == 403


def test_the_instructor_of_another_class_cannot_tell_it_exists(classroom, other_instructor) -> None:
    client = logged_in(other_instructor)
    missing = client.get(reverse("classroom:dashboard", args=[classroom.pk + 1000]))
    existing = client.get(reverse("classroom:dashboard", args=[classroom.pk]))
    assert missing.status_code == existing.status_code == 404
