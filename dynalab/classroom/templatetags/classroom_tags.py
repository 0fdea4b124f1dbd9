"""The progress grid's cells, built in Python: a class of 200 has thousands of them, and the
same markup through the template language's nested conditions took most of a dashboard poll
(about 150 ms of 190 for 200 learners), and even ``format_html`` took 60. Every value is
escaped with the standard library's ``html.escape`` (quotes included)."""

from __future__ import annotations

from html import escape
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime

register = template.Library()

_BADGE = "rounded px-1.5 py-0.5 text-xs font-medium"
#: (kind, status) -> (badge classes, text); anything else is the "not started" dot.
_BADGES = {
    ("step", "done"): (f"{_BADGE} bg-emerald-100 text-emerald-900", "done"),
    ("step", "solution"): (f"{_BADGE} bg-violet-100 text-violet-900", "solution"),
    ("step", "in_progress"): (f"{_BADGE} bg-amber-100 text-amber-900", "trying"),
    ("quiz", "first_try"): (f"{_BADGE} bg-emerald-100 text-emerald-900", "1st try"),
    ("quiz", "later"): (f"{_BADGE} bg-amber-100 text-amber-900", "later"),
    ("quiz", "wrong"): (f"{_BADGE} bg-rose-100 text-rose-900", "wrong"),
}
_NOTHING = {"step": "not started", "quiz": "not answered"}


@register.filter
def grid_cells(row: Any) -> SafeString:
    """A grid row's ``<td>`` cells: the status badge, and when it last changed."""
    username = escape(row.learner.get_username())
    return mark_safe("".join(_cell(username, *cell) for cell in row.cells))  # noqa: S308


def _cell(username: str, kind: str, column: Any, state: Any) -> str:
    """One cell. Every value is escaped here (``username`` by the caller): this is the
    markup's only escaping, so nothing may be added unescaped."""
    status = escape(state.status)
    badge = _BADGES.get((kind, state.status))
    if badge is None:
        shown = f'<span class="text-slate-400" aria-label="{_NOTHING[kind]}">·</span>'
    else:
        shown = f'<span class="{badge[0]}">{badge[1]}</span>'
    title = when = ""
    if state.at:
        at = template_localtime(state.at)
        title = f' title="{at:%Y-%m-%d %H:%M}"'
        when = f'<div class="text-[10px] text-slate-500">{at:%H:%M}</div>'
    return (
        '<td class="border-l border-slate-100 px-2 py-2 text-center whitespace-nowrap" '
        f'data-learner="{username}" data-column="{escape(column.key)}" data-status="{status}"'
        f"{title}>{shown}{when}</td>"
    )
