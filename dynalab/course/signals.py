"""Signal receivers: an anonymous learner's progress follows them when they sign in."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest


@receiver(user_logged_in, dispatch_uid="dynalab.course.adopt_session_learner")
def adopt_session_learner(
    sender: type, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """``login()`` keeps the session's data (it only renews the key), so the anonymous
    learner's id is still there to adopt."""
    if request is None or not hasattr(request, "session"):
        return
    from dynalab.course import services

    services.adopt_session_learner(request, user)
