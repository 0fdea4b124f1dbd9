"""Who is who: learners, instructors and operators.

- A **learner** is anyone signed in (signing up makes one).
- An **instructor** is in the "Instructors" group (``manage.py create_instructor``, or an
  operator adds them in the admin): they create classes and see their own classes' dashboards.
- An **operator** is staff: Django's admin at /admin/ (``manage.py createsuperuser``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import Group

INSTRUCTORS_GROUP = "Instructors"


def is_instructor(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    cached = getattr(user, "_dynalab_is_instructor", None)
    if cached is None:
        cached = user.groups.filter(name=INSTRUCTORS_GROUP).exists()
        user._dynalab_is_instructor = cached
    return cached


def is_operator(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_staff)


def make_instructor(user: Any) -> None:
    group, _ = Group.objects.get_or_create(name=INSTRUCTORS_GROUP)
    user.groups.add(group)
    user._dynalab_is_instructor = True


def role_of(user: Any) -> str:
    """ "operator", "instructor", "learner" or "anonymous" (the strongest that applies)."""
    if not getattr(user, "is_authenticated", False):
        return "anonymous"
    if is_operator(user):
        return "operator"
    if is_instructor(user):
        return "instructor"
    return "learner"
