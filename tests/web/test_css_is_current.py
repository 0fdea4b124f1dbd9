"""The committed CSS holds every Tailwind class the templates use.

Tailwind writes only the utilities it finds in the templates, so a class added to a template
without `make css` silently does nothing. This test names the classes that are missing.
"""

import re
from pathlib import Path

from django.conf import settings

CSS = Path(settings.BASE_DIR, "dynalab", "theme", "static", "css", "dist", "styles.css")
TEMPLATE_FOLDERS = [
    Path(settings.BASE_DIR, "templates"),
    *Path(settings.BASE_DIR, "dynalab").glob("*/templates"),
]
# Classes that are hooks for JavaScript or htmx, not Tailwind utilities.
NOT_UTILITIES = {"htmx-indicator", "group", "peer"}

CLASS_ATTRIBUTE = re.compile(r'\bclass="([^"]*)"')
TEMPLATE_CODE = re.compile(r"{%.*?%}|{{.*?}}", re.DOTALL)


def css_selector(class_name: str) -> str:
    """The class selector as Tailwind writes it: `.md\\:grid-cols-2` for `md:grid-cols-2`."""
    escaped = "".join(
        char if char.isascii() and (char.isalnum() or char in "-_") else "\\" + char
        for char in class_name
    )
    if class_name[0].isdigit():
        escaped = f"\\3{class_name[0]} " + escaped[1:]
    return "." + escaped


def classes_in_templates() -> dict[str, set[str]]:
    used: dict[str, set[str]] = {}
    for folder in TEMPLATE_FOLDERS:
        for template in folder.rglob("*.html"):
            for value in CLASS_ATTRIBUTE.findall(template.read_text(encoding="utf-8")):
                for class_name in TEMPLATE_CODE.sub(" ", value).split():
                    used.setdefault(class_name, set()).add(str(template.relative_to(folder)))
    return used


def test_css_selector_escapes_like_tailwind() -> None:
    assert css_selector("md:grid-cols-2") == ".md\\:grid-cols-2"
    assert css_selector("py-0.5") == ".py-0\\.5"
    assert css_selector("aria-[current=page]:underline") == ".aria-\\[current\\=page\\]\\:underline"


def test_every_template_class_is_in_the_built_css() -> None:
    css = CSS.read_text(encoding="utf-8")
    used = classes_in_templates()
    assert used, "no class attributes found in the templates"

    missing = sorted(
        f"{name} (in {', '.join(sorted(where))})"
        for name, where in used.items()
        if name not in NOT_UTILITIES
        and not re.search(re.escape(css_selector(name)) + r"(?![\w\\-])", css)
    )

    assert not missing, (
        "These classes are not in the committed CSS: run `make css` and commit "
        f"{CSS.relative_to(settings.BASE_DIR)}, or fix the class name:\n" + "\n".join(missing)
    )
