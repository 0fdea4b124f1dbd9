"""A learner walks lesson 9's lab end to end in a real browser: some steps by hand in the
workbench, some through the solution (shown only after a failed check), with a stray Scan and
the lesson's examples run again in between, and every counter updating in place.

Screenshots land in test-artifacts/screenshots/course-lab-*.png for people to look at.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

LESSON = "/learn/updating-safely/"


def run_in_workbench(page: Page, operation: str, request: dict) -> None:
    """Type a request into the workbench's runner and run it, as a learner would."""
    page.goto("/run/?" + urlencode({"operation": operation}))
    page.locator("#run-operation").select_option(operation)
    # Choosing the operation fetches its template and swaps the form: typing before the swap
    # lands loses the request to the template (a race a loaded machine loses).
    page.wait_for_load_state("networkidle")
    page.locator("#run-request").fill(json.dumps(request, indent=2))
    page.get_by_role("button", name="Run", exact=True).click()


def step(page: Page, number: int):
    return page.locator(f"#lab-claim-a-name-step-{number}")


def check(page: Page, number: int, expected: str) -> None:
    step(page, number).get_by_role("button", name="Check").click()
    expect(step(page, number).get_by_role("status")).to_contain_text(expected)


def solve_with_the_solution(page: Page, number: int) -> None:
    """Check (which fails), reveal the solution, run each of its requests, check again."""
    current = step(page, number)
    expect(current.get_by_role("button", name="Show solution")).to_have_count(0)
    check(page, number, "Not yet.")
    current.get_by_role("button", name="Show solution").click()
    expect(current.get_by_text("Solution", exact=True)).to_be_visible()
    buttons = current.get_by_role("button", name="Run in my sandbox")
    for index in range(buttons.count()):
        buttons.nth(index).click()
        expect(current.locator("[id$='-result']").nth(index)).not_to_be_empty()
    check(page, number, "Passed with the solution.")


def test_a_learner_walks_a_lab_with_a_stray_and_a_revealed_solution(page: Page, screenshot) -> None:
    page.goto(LESSON)
    expect(page.get_by_role("heading", level=1, name="Updating safely")).to_be_visible()
    expect(page.locator("#lab-claim-a-name-progress")).to_have_text("0 of 5 steps done")
    page.locator("#block-request-1").get_by_role("button", name="Run in my sandbox").click()
    expect(page.locator("#block-request-1")).to_contain_text("CreateTable succeeded")

    # Step 1 through its solution, which appears only after a failed check.
    solve_with_the_solution(page, 1)
    expect(page.locator("#lab-claim-a-name-progress")).to_have_text(
        "1 of 5 steps done (1 with the solution)"
    )
    expect(page.locator("#lesson-progress")).to_contain_text("1 of 8 exercises done")
    step(page, 1).scroll_into_view_if_needed()
    screenshot("course-lab-01-step-1-with-the-solution")

    # Step 2 by hand, in the workbench: the impostor's conditional put is refused.
    run_in_workbench(
        page,
        "PutItem",
        {
            "TableName": "Users",
            "Item": {
                "username": {"S": "mei"},
                "email": {"S": "impostor@example.com"},
                "version": {"N": "1"},
            },
            "ConditionExpression": "attribute_not_exists(username)",
        },
    )
    expect(page.get_by_text("ConditionalCheckFailedException").first).to_be_visible()
    page.goto(LESSON + "#lab-claim-a-name")
    check(page, 2, "Passed.")
    expect(step(page, 2).get_by_role("status")).not_to_contain_text("with the solution")

    # A stray: a Scan of the table to look around, and the lesson's own examples again.
    run_in_workbench(page, "Scan", {"TableName": "Users"})
    page.goto(LESSON)
    for key in ("request-2", "request-4"):
        page.locator(f"#block-{key}").get_by_role("button", name="Run in my sandbox").click()
        expect(page.locator(f"#block-{key}-result")).not_to_be_empty()
    # The example counted ana's logins, not mei's: step 3 is not done by it.
    check(page, 3, "Not yet.")

    # Step 3 by hand: the example's counter, opened in the workbench and pointed at mei.
    link = page.locator("#block-request-4").get_by_role("link", name="Open in workbench")
    page.goto(link.get_attribute("href"))
    request = page.locator("#run-request")
    request.fill(request.input_value().replace('"ana"', '"mei"'))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_text(re.compile("UpdateItem"))).not_to_have_count(0)
    page.goto(LESSON + "#lab-claim-a-name")
    check(page, 3, "Passed.")

    # Steps 4 and 5 through their solutions.
    solve_with_the_solution(page, 4)
    solve_with_the_solution(page, 5)
    expect(page.locator("#lab-claim-a-name-progress")).to_contain_text(
        "All 5 steps done (3 with the solution)"
    )
    expect(page.locator("#lesson-progress")).to_contain_text("5 of 8 exercises done")
    page.locator("#lab-claim-a-name").scroll_into_view_if_needed()
    screenshot("course-lab-02-all-steps")

    # Reloaded, the page shows the same: nothing lived only in the browser.
    page.reload()
    expect(page.locator("#lab-claim-a-name-progress")).to_contain_text(
        "All 5 steps done (3 with the solution)"
    )
    expect(step(page, 3)).to_contain_text("Passed.")


def test_lessons_with_figures_fit_a_phone(page: Page, screenshot) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    for slug in ("what-is-nosql", "capacity-units", "global-secondary-indexes"):
        page.goto(f"/learn/{slug}/")
        figure = page.locator("figure.lesson-figure").first
        expect(figure).to_be_visible()
        box = figure.bounding_box()
        assert box is not None and box["width"] <= 390
        overflow = page.evaluate("document.documentElement.scrollWidth")
        assert overflow <= 390, f"{slug} scrolls sideways ({overflow} px)"
    page.goto("/learn/what-is-nosql/")
    page.locator("figure.lesson-figure").first.scroll_into_view_if_needed()
    screenshot("course-lab-03-figure-on-a-phone")
