"""Accounts: sign up (keeping what a visitor did), log in and out, change and reset a password,
the roles, the admin for operators, create_instructor, and DYNALAB_REQUIRE_LOGIN."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.core.management import call_command
from django.core.management.base import CommandError
from django.test import Client, override_settings
from django.urls import reverse

from dynalab.classroom import roles
from dynalab.course.models import Learner, LessonVisit
from dynalab.sandboxes.models import Sandbox
from tests.support.classroom import logged_in

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def test_signing_up_keeps_the_visitors_sandbox_and_progress(client) -> None:
    client.get(reverse("course:lesson", args=["query-and-scan"]))  # progress: a visit
    client.get(reverse("console:tables"))  # a sandbox for the session
    anonymous = Sandbox.objects.get(owner__isnull=True)

    response = client.post(
        reverse("signup"),
        {"username": "ada", "email": "", "password1": PASSWORD, "password2": PASSWORD},
    )

    user = get_user_model().objects.get(username="ada")
    assert response.status_code == 302
    assert Sandbox.objects.get(pk=anonymous.pk).owner == user
    assert LessonVisit.objects.filter(learner__user=user, lesson="query-and-scan").exists()
    assert not Learner.objects.filter(user__isnull=True).exists()
    assert roles.role_of(user) == "learner"
    assert b"Log out" in client.get(reverse("console:home")).content


def test_log_in_and_out(client, django_user_model) -> None:
    django_user_model.objects.create_user("ada", password=PASSWORD)
    page = client.get(reverse("login"))
    wrong = client.post(reverse("login"), {"username": "ada", "password": "nope"})
    right = client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    out = client.post(reverse("logout"))

    assert page.status_code == 200 and b"Forgot your password?" in page.content
    assert wrong.status_code == 200 and b"enter a correct username and password" in wrong.content
    assert right.status_code == 302 and right["Location"] == reverse("classroom:classes")
    assert out.status_code == 302
    assert client.get(reverse("classroom:classes")).status_code == 302  # logged out


def test_change_a_password(django_user_model) -> None:
    user = django_user_model.objects.create_user("ada", password=PASSWORD)
    client = logged_in(user)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "an entirely new passphrase",
            "new_password2": "an entirely new passphrase",
        },
    )
    user.refresh_from_db()
    assert response.status_code == 302
    assert user.check_password("an entirely new passphrase")


def test_reset_a_forgotten_password_by_email(client, django_user_model) -> None:
    user = django_user_model.objects.create_user("ada", email="ada@example.com", password=PASSWORD)
    client.post(reverse("password_reset"), {"email": "ada@example.com"})

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.subject == "Reset your DynaLab password"
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", message.body).group(1)
    form = client.get(link, follow=True)
    response = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a fresh passphrase here", "new_password2": "a fresh passphrase here"},
    )
    user.refresh_from_db()
    assert response.status_code == 302
    assert user.check_password("a fresh passphrase here")


def test_email_defaults_to_the_console_backend() -> None:
    from dynalab import settings as project_settings

    assert project_settings.EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend"


def test_create_instructor_makes_an_instructor(capsys) -> None:
    call_command("create_instructor", "teacher", "--password", "a teacher's passphrase")
    user = get_user_model().objects.get(username="teacher")
    assert roles.is_instructor(user)
    assert user.check_password("a teacher's passphrase")
    assert "Created instructor teacher" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("create_instructor", "weak", "--password", "123")
    client = logged_in(user)
    assert client.get(reverse("classroom:new_class")).status_code == 200


def test_operators_get_the_admin_and_nobody_else(django_user_model) -> None:
    operator = django_user_model.objects.create_superuser("root", password=PASSWORD)
    learner = django_user_model.objects.create_user("ada", password=PASSWORD)
    assert logged_in(operator).get("/admin/classroom/classroom/").status_code == 200
    assert logged_in(learner).get("/admin/").status_code == 302
    assert Client().get("/admin/").status_code == 302


@override_settings(DYNALAB_REQUIRE_LOGIN=True)
def test_require_login_creates_no_sandbox_for_a_visitor(client, django_user_model) -> None:
    tables = client.get(reverse("console:tables"))
    twin = client.get(reverse("console:tables") + "?format=json")
    lesson = client.get(reverse("course:lesson", args=["query-and-scan"]))
    login_page = client.get(reverse("login"))

    assert tables.status_code == 302
    assert tables["Location"].startswith(reverse("login") + "?next=")
    assert twin.status_code == 401
    assert lesson.status_code == 200 and login_page.status_code == 200
    assert not Sandbox.objects.exists()
    django_user_model.objects.create_user("ada", password=PASSWORD)
    client.post(reverse("login"), {"username": "ada", "password": PASSWORD})
    assert client.get(reverse("console:tables")).status_code == 200
    assert Sandbox.objects.get().owner.username == "ada"


def test_require_login_is_off_by_default(client) -> None:
    assert client.get(reverse("console:tables")).status_code == 200
    assert Sandbox.objects.count() == 1
