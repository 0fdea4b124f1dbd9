"""Small filters for the workbench's templates."""

from __future__ import annotations

import json
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


@register.filter
def duration(seconds: Any) -> str:
    """Seconds as the clock shows a wait: 272.4 -> "4m 32s", 3700 -> "1h 1m 40s"; None ->
    "never" (a TTL of 0)."""
    if seconds is None:
        return "never"
    try:
        whole = int(-(-float(seconds) // 1))  # a part of a second still to wait counts
    except (TypeError, ValueError):
        return ""
    hours, rest = divmod(max(whole, 0), 3600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{hours}h" if hours else "", f"{minutes}m" if minutes else "", f"{secs}s"]
    return " ".join(part for part in parts if part)


@register.filter
def compact_json(value: Any) -> str:
    """A value as one line of JSON (the template escapes it)."""
    return json.dumps(value, separators=(", ", ": "), ensure_ascii=False, default=str)
