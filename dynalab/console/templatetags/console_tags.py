"""Small filters for the workbench's templates."""

from __future__ import annotations

from typing import Any

from django import template
from django.http import QueryDict

register = template.Library()


@register.filter
def intcomma(value: Any) -> str:
    """1234567 -> "1,234,567" (django.contrib.humanize without the app)."""
    try:
        return f"{int(value):,}"
    except (TypeError, ValueError):
        return "" if value is None else str(value)


@register.filter
def field_errors(errors: dict[str, list[str]] | None, name: str) -> list[str]:
    """The messages a form dict gives one field: ``errors|field_errors:"pk"``."""
    if not errors:
        return []
    return errors.get(name, [])


@register.filter
def querystring(params: dict[str, str] | None) -> str:
    """URL parameters as ``a=1&b=2``, encoded."""
    query = QueryDict(mutable=True)
    for name, value in (params or {}).items():
        query[name] = value
    return query.urlencode()
