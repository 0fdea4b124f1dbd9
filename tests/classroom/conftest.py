"""Classroom tests: people in each role, a class with two of the course's lessons, and a clean
engine cache per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.test import Client

from dynalab.classroom import roles, services
from dynalab.classroom.models import Classroom
from dynalab.sandboxes import services as sandbox_services
from tests.support.classroom import logged_in

LESSONS = {"dynamodb-fundamentals": None, "query-and-scan": None}


@pytest.fixture(autouse=True)
def fresh_engine_cache() -> Iterator[None]:
    sandbox_services.ENGINES.clear()
    yield
    sandbox_services.ENGINES.clear()


@pytest.fixture
def instructor(django_user_model):
    user = django_user_model.objects.create_user("teacher", password="a long passphrase 1")
    roles.make_instructor(user)
    return user


@pytest.fixture
def other_instructor(django_user_model):
    user = django_user_model.objects.create_user("other-teacher", password="a long passphrase 2")
    roles.make_instructor(user)
    return user


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("ada", password="a long passphrase 3")


@pytest.fixture
def operator(django_user_model):
    return django_user_model.objects.create_superuser("root", password="a long passphrase 4")


@pytest.fixture
def classroom(instructor, learner) -> Classroom:
    found = services.create_class(instructor, name="DynamoDB 101", lessons=dict(LESSONS))
    services.join(found, learner=learner)
    return found


@pytest.fixture
def instructor_client(instructor) -> Client:
    return logged_in(instructor)


@pytest.fixture
def learner_client(learner) -> Client:
    return logged_in(learner)
