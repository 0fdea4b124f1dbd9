"""Helpers for the Playwright tests in tests/browser."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect


def advance_clock(page: Page, label: str) -> None:
    """Press one of the header's clock buttons (+1m, +1h, +1d) and wait until it has landed.

    Some pages swap the clock in place (htmx), others reload: either way wait until the clock
    shows the move, or the next step could race the request and lose it.
    """
    ahead = page.locator("#sim-clock").inner_text()
    page.locator("#sim-clock").get_by_role("button", name=re.compile(re.escape(label))).click()
    expect(page.locator("#sim-clock")).not_to_have_text(ahead)
    page.wait_for_load_state()
