"""Helpers for the Playwright tests in tests/browser."""

from __future__ import annotations

import re
from datetime import datetime

from playwright.sync_api import Page

#: How far each of the header's clock buttons moves the simulated clock, by the unit its
#: label names (+1m, +1h, +1d; or "advance by 1 minute", ...).
STEP_SECONDS = {"m": 60, "minute": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}


def step_seconds(label: str) -> int:
    """Seconds a clock button labelled ``label`` moves the clock ("+1h" or "advance by 1 hour")."""
    found = re.search(r"(\d+)\s*(minute|hour|day|m|h|d)\b", label)
    assert found, f"not a clock button: {label!r}"
    return int(found.group(1)) * STEP_SECONDS[found.group(2)]


def shown_time(page: Page) -> datetime:
    """The simulated time the header's clock shows (its ``datetime``, to the second)."""
    stamp = page.get_by_test_id("sim-now").get_attribute("datetime")
    assert stamp, "the header has no simulated clock"
    return datetime.fromisoformat(stamp)


def advance_clock(page: Page, label: str) -> None:
    """Press one of the header's clock buttons (+1m, +1h, +1d) and wait until it has landed.

    Some pages swap the clock in place (htmx), others reload: either way wait until the clock
    shows at least the step's move, or the next step could race the request and lose it.
    The machine-readable ``datetime`` is compared, never the text: Playwright's ``inner_text``
    applies CSS (the label is upper-cased) while its text assertions read ``textContent``,
    so a text comparison passed at once and did not wait at all.
    """
    before = shown_time(page).timestamp()
    page.locator("#sim-clock").get_by_role("button", name=re.compile(re.escape(label))).click()
    page.wait_for_function(
        """threshold => {
            const shown = document.querySelector('[data-testid="sim-now"]');
            return shown !== null && Date.parse(shown.getAttribute('datetime')) / 1000 >= threshold;
        }""",
        arg=before + step_seconds(label),
    )
    page.wait_for_load_state()
