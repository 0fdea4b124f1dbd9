"""Signal receivers: an anonymous visitor's sandbox becomes theirs when they sign in."""

from typing import Any

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest


@receiver(user_logged_in, dispatch_uid="dynalab.sandboxes.adopt_session_sandbox")
def adopt_session_sandbox(
    sender: type, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    """Keep the work a visitor did before signing in, unless their account already has a sandbox.

    ``login()`` gives the session a new key before this runs but keeps its data, which is why
    the session stores the sandbox id rather than relying on the session key.
    """
    if request is None or not hasattr(request, "session"):
        return
    from dynalab.sandboxes import services

    services.adopt_session_sandbox(request, user)
