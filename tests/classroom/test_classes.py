"""Classes: an instructor creates one with lessons and due dates; learners join with the code
or the link; archive, a new code, and removing a learner."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse

from dynalab.classroom.models import Classroom, Enrollment
from tests.support.classroom import logged_in

pytestmark = pytest.mark.django_db


def test_an_instructor_creates_a_class_with_lessons_and_due_dates(instructor_client) -> None:
    response = instructor_client.post(
        reverse("classroom:new_class"),
        {
            "name": "Databases, spring",
            "lesson_query-and-scan": "on",
            "due_query-and-scan": "2030-04-01",
            "lesson_primary-keys": "on",
            "due_primary-keys": "",
        },
    )

    classroom = Classroom.objects.get(name="Databases, spring")
    assert response.status_code == 302
    assert response["Location"] == reverse("classroom:dashboard", args=[classroom.pk])
    assert dict(classroom.lessons.values_list("lesson", "due_on")) == {
        "query-and-scan": datetime.date(2030, 4, 1),
        "primary-keys": None,
    }
    page = instructor_client.get(response["Location"])
    assert classroom.join_code.encode() in page.content
    assert reverse("classroom:join_link", args=[classroom.join_code]).encode() in page.content


def test_a_class_needs_a_name_and_a_lesson(instructor_client) -> None:
    response = instructor_client.post(reverse("classroom:new_class"), {"name": "  "})
    assert response.status_code == 200
    assert b"This field is required." in response.content
    assert b"Choose at least one lesson" in response.content
    assert not Classroom.objects.exists()


def test_a_learner_joins_with_the_code_and_another_class_with_the_link(
    classroom, instructor, django_user_model
) -> None:
    from dynalab.classroom import services

    second = services.create_class(instructor, name="Second", lessons={"query-and-scan": None})
    newcomer = django_user_model.objects.create_user("grace", password="another passphrase")
    client = logged_in(newcomer)

    typed = client.post(reverse("classroom:join"), {"code": classroom.join_code.lower()})
    link = reverse("classroom:join_link", args=[second.join_code])
    shown = client.get(link)
    assert Enrollment.objects.filter(learner=newcomer, classroom=second).count() == 0  # GET
    joined = client.post(link)

    assert typed.status_code == joined.status_code == 302
    assert b"Join Second?" in shown.content
    assert set(Enrollment.objects.filter(learner=newcomer).values_list("classroom", flat=True)) == {
        classroom.pk,
        second.pk,
    }
    assert client.post(link).status_code == 302  # joining twice is harmless
    assert Enrollment.objects.filter(learner=newcomer).count() == 2


def test_a_wrong_code_says_so(learner_client) -> None:
    response = learner_client.post(reverse("classroom:join"), {"code": "NOPE1234"})
    assert b"No class has this code" in response.content


def test_an_archived_class_takes_no_one_and_a_new_code_retires_the_old(
    classroom, instructor_client, django_user_model
) -> None:
    old_link = reverse("classroom:join_link", args=[classroom.join_code])
    instructor_client.post(reverse("classroom:regenerate_code", args=[classroom.pk]))
    classroom.refresh_from_db()
    newcomer = logged_in(django_user_model.objects.create_user("lin", password="pass phrase 9"))

    assert newcomer.get(old_link).status_code == 404
    instructor_client.post(reverse("classroom:archive", args=[classroom.pk]), {"archived": "1"})
    newcomer.post(reverse("classroom:join_link", args=[classroom.join_code]))

    assert not Enrollment.objects.filter(learner__username="lin").exists()
    instructor_client.post(reverse("classroom:archive", args=[classroom.pk]), {"archived": "0"})
    newcomer.post(reverse("classroom:join_link", args=[classroom.join_code]))
    assert Enrollment.objects.filter(learner__username="lin").exists()


def test_the_instructor_removes_a_learner(classroom, learner, instructor_client) -> None:
    response = instructor_client.post(
        reverse("classroom:remove_learner", args=[classroom.pk, learner.pk])
    )
    assert response.status_code == 302
    assert not Enrollment.objects.filter(classroom=classroom, learner=learner).exists()
    assert (
        instructor_client.get(
            reverse("classroom:learner", args=[classroom.pk, learner.pk])
        ).status_code
        == 404
    )


def test_joining_needs_an_account(client, classroom) -> None:
    response = client.get(reverse("classroom:join_link", args=[classroom.join_code]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
