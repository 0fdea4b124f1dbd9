"""Small filters for the workbench's templates."""

from __future__ import annotations

import datetime
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
def utc(epoch: Any) -> str:
    """Epoch seconds as a date a person reads: ``2025-06-15 15:06:40 UTC``."""
    try:
        moment = datetime.datetime.fromtimestamp(float(epoch), tz=datetime.UTC)
    except (TypeError, ValueError, OverflowError, OSError):
        return ""
    return moment.strftime("%Y-%m-%d %H:%M:%S UTC")


@register.filter
def duration(seconds: Any) -> str:
    """A span of simulated time in words, to the nearest unit shown: ``45 s``, ``5 min``,
    ``2 h 30 min``, ``3 d 4 h``."""
    try:
        total = abs(float(seconds))
    except (TypeError, ValueError, OverflowError):
        return ""
    if total != total or total == float("inf"):
        return ""
    if total < 59.5:
        return f"{int(round(total))} s"
    minutes = int(round(total / 60))
    if minutes < 60:
        return f"{minutes} min"
    if minutes < 48 * 60:
        # Up to two days in hours: "24 h", "36 h", as people count a day and a half.
        hours, minutes = divmod(minutes, 60)
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    days, hours = divmod(int(round(total / 3600)), 24)
    return f"{days} d {hours} h" if hours else f"{days} d"


@register.filter
def plural(count: Any, words: str) -> str:
    """``3|plural:"item,items"`` -> ``3 items``; ``1`` -> ``1 item`` (with thousands commas)."""
    singular, _, many = words.partition(",")
    try:
        number = int(count)
    except (TypeError, ValueError):
        return f"{count} {many or singular}"
    return f"{number:,} {singular if number == 1 else (many or singular + 's')}"


@register.filter
def json_text(value: Any) -> str:
    """A value as compact JSON (DynamoDB JSON stays DynamoDB JSON), never a Python repr."""
    return json.dumps(value, ensure_ascii=False, separators=(", ", ": "), default=str)


@register.filter
def subtract(value: Any, other: Any) -> float | str:
    """``a|subtract:b`` is ``a - b`` for numbers (times in epoch seconds, percentages)."""
    try:
        return round(float(value) - float(other), 6)
    except (TypeError, ValueError):
        return ""


@register.filter
def get(mapping: Any, key: Any) -> Any:
    """``mapping|get:key``: a dict's value for a key held in a variable ("" if absent)."""
    try:
        return mapping.get(key, "")
    except AttributeError:
        return ""


@register.filter
def errors_except(form: Any, inline: str | None) -> list[tuple[str, str]]:
    """A form's errors as (field label, message), leaving out the fields named in ``inline``
    (the page shows those beside their field); errors of the whole form have no label."""
    shown = set((inline or "").split())
    problems = []
    for name, errors in form.errors.items():
        if name in shown:
            continue
        field = form.fields.get(name)
        label = "" if name == "__all__" else str(field.label if field and field.label else name)
        problems.extend((label, str(error)) for error in errors)
    return problems


@register.filter
def countdown(seconds: Any) -> str:
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
