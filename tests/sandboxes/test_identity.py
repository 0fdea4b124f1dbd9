"""Whose sandbox is whose: sessions, users, login, access keys, keyless mode and resets."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth import get_user_model, login
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.http import HttpRequest
from django.test import RequestFactory

from dynalab.sandboxes import selectors, services
from dynalab.sandboxes.models import Sandbox
from tests.support import sandboxes as helpers

pytestmark = pytest.mark.django_db(transaction=True)

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _visit(session: SessionStore | None = None, user: object | None = None) -> HttpRequest:
    """A request as the session and authentication middleware would hand it to a view."""
    request = RequestFactory().get("/")
    request.session = session if session is not None else SessionStore()
    request.user = user if user is not None else AnonymousUser()
    return request


def _user(name: str = "ada") -> object:
    return get_user_model().objects.create_user(name)  # no password: no slow hashing


def test_two_sessions_get_two_sandboxes_that_do_not_share_tables() -> None:
    first = services.sandbox_for_request(_visit())
    second = services.sandbox_for_request(_visit())

    services.execute(first, "CreateTable", helpers.create_table())

    assert first.pk != second.pk
    assert services.execute(second, "ListTables", {}) == {"TableNames": []}
    assert services.execute(first, "ListTables", {}) == {"TableNames": ["Music"]}


def test_a_session_keeps_its_sandbox_and_gets_a_session_if_it_had_none() -> None:
    session = SessionStore()
    assert session.session_key is None

    sandbox = services.sandbox_for_request(_visit(session))

    assert session.session_key and sandbox.session_key == session.session_key
    session.save()
    again = services.sandbox_for_request(_visit(SessionStore(session.session_key)))
    assert again.pk == sandbox.pk
    assert again.owner is None


def test_a_users_sandbox_follows_them_across_sessions() -> None:
    user = _user()

    at_school = services.sandbox_for_request(_visit(user=user))
    at_home = services.sandbox_for_request(_visit(user=user))

    assert at_school.pk == at_home.pk
    assert at_school.owner == user
    assert services.sandbox_for_request(_visit(user=_user("grace"))).pk != at_school.pk


def test_an_anonymous_sandbox_is_adopted_at_login() -> None:
    request = _visit()
    anonymous = services.sandbox_for_request(request)
    services.execute(anonymous, "CreateTable", helpers.create_table())
    user = _user()

    login(request, user, backend=BACKEND)  # cycles the session key, keeps its data

    assert services.sandbox_for_request(_visit(user=user)).pk == anonymous.pk
    anonymous.refresh_from_db()
    assert anonymous.owner == user
    assert services.execute(anonymous, "ListTables", {}) == {"TableNames": ["Music"]}


def test_a_user_who_already_has_a_sandbox_keeps_theirs_at_login() -> None:
    user = _user()
    own = services.sandbox_for_request(_visit(user=user))
    request = _visit()
    anonymous = services.sandbox_for_request(request)

    login(request, user, backend=BACKEND)

    assert services.sandbox_for_request(_visit(user=user)).pk == own.pk
    anonymous.refresh_from_db()
    assert anonymous.owner is None


def test_new_sandboxes_get_access_keys_shaped_like_aws_keys() -> None:
    sandbox = services.sandbox_for_request(_visit())

    assert re.fullmatch(r"DLAB[A-Z2-7]{16}", sandbox.access_key_id)
    assert re.fullmatch(r"[A-Za-z0-9]{40}", sandbox.secret_access_key)
    assert services.sandbox_for_access_key(sandbox.access_key_id) == sandbox
    assert services.sandbox_for_access_key("DLABNOSUCHKEY0000000") is None


def test_keyless_mode_gives_one_sandbox_per_key() -> None:
    first = services.keyless_sandbox("AKIAEXAMPLE1")
    again = services.keyless_sandbox("AKIAEXAMPLE1")
    other = services.keyless_sandbox("AKIAEXAMPLE2")

    assert first.pk == again.pk != other.pk
    assert first.label == "AKIAEXAMPLE1"
    # A key the console shows opens that very sandbox, so the CLI sees the browser's tables.
    browser = services.sandbox_for_request(_visit())
    assert services.keyless_sandbox(browser.access_key_id).pk == browser.pk


def test_reset_gives_a_fresh_sandbox_and_keeps_the_old_one() -> None:
    request = _visit()
    old = services.sandbox_for_request(request)
    services.execute(old, "CreateTable", helpers.create_table())
    old_key = old.access_key_id

    new = services.reset_sandbox(old)

    assert new.pk != old.pk and new.is_active
    assert new.access_key_id != old_key
    assert services.execute(new, "ListTables", {}) == {"TableNames": []}
    old.refresh_from_db()
    assert (old.is_active, old.replaced_by_id) == (False, new.pk)
    assert services.execute(old, "ListTables", {}) == {"TableNames": ["Music"]}
    assert services.sandbox_for_access_key(old_key) is None
    assert services.sandbox_for_request(request).pk == new.pk  # the session follows
    assert services.reset_sandbox(old).pk == new.pk  # a second click does not reset twice
    first_activity = list(selectors.recent_activity(new))[-1]
    assert (first_activity.operation, first_activity.summary) == (
        "ResetSandbox",
        {"ReplacedSandbox": str(old.pk)},
    )


def test_reset_of_a_users_and_a_keyless_sandbox_keeps_who_owns_it() -> None:
    user = _user()
    owned = services.sandbox_for_request(_visit(user=user))
    keyless = services.keyless_sandbox("AKIAEXAMPLE3")

    assert services.reset_sandbox(owned).owner == user
    assert services.sandbox_for_request(_visit(user=user)).pk != owned.pk
    replacement = services.reset_sandbox(keyless)
    assert services.keyless_sandbox("AKIAEXAMPLE3").pk == replacement.pk != keyless.pk
    assert Sandbox.objects.filter(is_active=True).count() == 2
