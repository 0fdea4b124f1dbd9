"""Template helpers for lesson pages."""

from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from dynalab.course.rendering import highlight as highlight_code

register = template.Library()


@register.filter
def highlight(code: str, language: str = "json") -> SafeString:
    """``{{ text|highlight:"json" }}``: Pygments HTML; the text is escaped by Pygments."""
    return mark_safe(highlight_code(str(code), language))  # noqa: S308 - Pygments escapes


@register.inclusion_tag("course/_continue_card.html", takes_context=True)
def course_continue(context: template.Context) -> dict[str, Any]:
    """``{% load course_tags %}{% course_continue %}``: a "continue where you left off" card
    for any page (the home page, say), for the visitor making the request."""
    from dynalab.course import selectors, services
    from dynalab.course.lessons import get_course

    request = context.get("request")
    course = get_course()
    learner = services.learner_for_request(request, create=False) if request else None
    progress = selectors.course_progress(learner, course)
    return {
        "continue_link": selectors.continue_link(progress),
        "lessons": len(course.lessons),
        "done": sum(1 for entry in progress if entry.status == selectors.DONE),
    }
