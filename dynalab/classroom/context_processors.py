"""What base.html needs on every page: the visitor's role, for its header links."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from dynalab.classroom import roles


def classroom(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"is_instructor": SimpleLazyObject(lambda: roles.is_instructor(user))}
