"""Template helpers for lesson pages."""

from django import template
from django.utils.safestring import SafeString, mark_safe

from dynalab.course.rendering import highlight as highlight_code

register = template.Library()


@register.filter
def highlight(code: str, language: str = "json") -> SafeString:
    """``{{ text|highlight:"json" }}``: Pygments HTML; the text is escaped by Pygments."""
    return mark_safe(highlight_code(str(code), language))  # noqa: S308 - Pygments escapes
