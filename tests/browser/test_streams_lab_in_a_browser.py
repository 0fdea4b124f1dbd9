"""A learner walks lesson 17's lab (a leaderboard kept by a stream trigger) end to end in a real
browser: the stream turned on with the stream page's form, the trigger attached through a
revealed solution whose stream ARN is filled in from the sandbox, games written in the
workbench, and the last steps through their solutions; then the stream page shows the
records and PlayerTotals the total.

Screenshots land in test-artifacts/screenshots/course-streams-*.png for people to look at.
"""

from __future__ import annotations

import json
import re
from urllib.parse import urlencode

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

LESSON = "/learn/streams-and-triggers/"


def step(page: Page, number: int):
    return page.locator(f"#lab-leaderboard-step-{number}")


def check(page: Page, number: int, expected: str) -> None:
    step(page, number).get_by_role("button", name="Check").click()
    expect(step(page, number).get_by_role("status")).to_contain_text(expected)


def run_solution(page: Page, number: int) -> None:
    """Check (which fails), reveal the solution, run each of its requests in turn."""
    current = step(page, number)
    check(page, number, "Not yet.")
    current.get_by_role("button", name="Show solution").click()
    expect(current.get_by_text("Solution", exact=True)).to_be_visible()
    buttons = current.get_by_role("button", name="Run in my sandbox")
    for index in range(buttons.count()):
        buttons.nth(index).click()
        expect(current.locator("[id$='-result']").nth(index)).to_contain_text("succeeded")


def put_game(page: Page, game: str, points: int) -> None:
    item = {"gameId": {"S": game}, "player": {"S": "zoe"}, "points": {"N": str(points)}}
    text = json.dumps({"TableName": "Games", "Item": item})
    page.goto("/run/?" + urlencode({"operation": "PutItem", "table": "Games"}))
    page.wait_for_load_state("networkidle")
    page.locator("#run-request").fill(text)
    expect(page.locator("#run-request")).to_have_value(text)
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("region", name="Result")).to_contain_text("Response")


def test_a_learner_keeps_a_leaderboard_with_a_stream_and_a_trigger(page: Page, screenshot) -> None:
    page.goto(LESSON)
    expect(page.get_by_role("heading", level=1, name="Streams and triggers")).to_be_visible()
    page.get_by_role("button", name="Set up my sandbox").click()
    expect(page.locator("#lab-leaderboard-progress")).to_have_text("0 of 5 steps done")
    expect(page.get_by_text(re.compile("Games"))).not_to_have_count(0)

    # Step 1 by hand: the stream page's form, which offers both images by default.
    page.goto("/tables/Games/stream/")
    page.get_by_role("button", name="Turn the stream on").click()
    expect(page.get_by_role("heading", name=re.compile("The stream is on"))).to_be_visible()
    page.goto(LESSON + "#lab-leaderboard")
    check(page, 1, "Passed.")

    # Step 2 through its solution: the page says what the placeholder becomes, and the run
    # shows the request as sent, with this sandbox's stream ARN in it.
    run_solution(page, 2)
    current = step(page, 2)
    expect(current).to_contain_text("Filled in from your sandbox when you run it")
    expect(current).to_contain_text("the ARN of Games's stream")
    current.get_by_text("Sent, with your sandbox's values filled in").click()
    expect(current.locator("pre").filter(has_text="table/Games/stream/")).not_to_have_count(0)
    check(page, 2, "Passed with the solution.")
    current.scroll_into_view_if_needed()
    screenshot("course-streams-01-trigger-from-the-solution")

    # Step 3 by hand: two games written in the workbench; the trigger adds them up.
    put_game(page, "g-zoe-1", 10)
    put_game(page, "g-zoe-2", 25)
    page.goto(LESSON + "#lab-leaderboard")
    check(page, 3, "Passed.")

    # Steps 4 and 5 through their solutions: a MODIFY, then a REMOVE.
    run_solution(page, 4)
    check(page, 4, "Passed with the solution.")
    run_solution(page, 5)
    check(page, 5, "Passed with the solution.")
    expect(page.locator("#lab-leaderboard-progress")).to_contain_text(
        "All 5 steps done (3 with the solution)"
    )
    page.locator("#lab-leaderboard").scroll_into_view_if_needed()
    screenshot("course-streams-02-all-steps")

    # The workbench agrees: the stream holds the REMOVE, the leaderboard zoe's 20 points.
    page.goto("/tables/Games/stream/")
    expect(page.get_by_test_id("trigger")).to_contain_text("running_aggregate → PlayerTotals")
    page.goto("/tables/PlayerTotals/")
    expect(page.get_by_text("zoe").first).to_be_visible()
    expect(page.locator("body")).to_contain_text("20")
    screenshot("course-streams-03-the-leaderboard")
