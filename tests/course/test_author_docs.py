"""lessons/README.md documents every check with its arguments, so the docs cannot drift."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.conf import settings

from dynalab.course import checks

README = Path(settings.BASE_DIR, "lessons", "README.md").read_text(encoding="utf-8")
ROWS = {
    match.group(1): match.group(2)
    for match in re.finditer(r"^\| `(\w+)` \| ([^|]*) \|", README, re.M)
}


@pytest.mark.parametrize("name", sorted(checks.REGISTRY))
def test_every_check_is_documented_with_its_arguments(name: str) -> None:
    assert name in ROWS, f"add {name} to the checks table in lessons/README.md"
    documented = set(re.findall(r"`(\w+)`", ROWS[name]))
    assert documented == set(checks.REGISTRY[name].arguments), name


def test_the_docs_list_no_check_that_does_not_exist() -> None:
    assert set(ROWS) <= set(checks.REGISTRY)
