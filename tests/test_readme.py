"""The README's settings table names every setting the project reads."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_every_dynalab_setting_is_in_the_readme_table() -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Settings", 1)[1].split("\n## ", 1)[0]
    read_by_settings = set(
        re.findall(r"\"(DYNALAB_[A-Z_]+)\"", (ROOT / "dynalab/settings.py").read_text())
    )
    read_by_code = {
        name
        for path in (ROOT / "dynalab").rglob("*.py")
        for name in re.findall(r"\"(DYNALAB_[A-Z_]+)\"", path.read_text())
    }
    assert read_by_settings, "the settings file reads no DYNALAB_ variable: the scan is broken"
    missing = sorted(name for name in read_by_settings | read_by_code if name not in section)
    assert missing == []
