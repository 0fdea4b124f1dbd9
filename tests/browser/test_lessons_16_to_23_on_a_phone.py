"""Lessons 16-23 on a phone: each page, its figure and its widest request fit 390 px without
scrolling sideways (code blocks scroll inside themselves)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

SLUGS = (
    "single-table-design",
    "streams-and-triggers",
    "time-to-live",
    "backups-and-pitr",
    "global-tables",
    "dax",
    "security-monitoring-toolbox",
    "capstone",
)


def test_the_new_lessons_fit_a_phone(page: Page, screenshot) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    for slug in SLUGS:
        page.goto(f"/learn/{slug}/")
        figure = page.locator("figure.lesson-figure").first
        expect(figure).to_be_visible()
        box = figure.bounding_box()
        assert box is not None and box["width"] <= 390, slug
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, f"{slug} scrolls sideways ({overflow} px)"
    page.goto("/learn/single-table-design/")
    page.locator("figure.lesson-figure").first.scroll_into_view_if_needed()
    screenshot("course-lessons-16-23-figure-on-a-phone")
