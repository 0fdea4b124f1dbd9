"""An instructor's session in two real browsers: the instructor creates a class; a learner, in
a second browser context, signs up, joins with the code and passes a lab step; the instructor's
grid turns the cell done on its own, the misconception view names the learner after their
Scan, and the grid exports.

Screenshots land in test-artifacts/screenshots/classroom-*.png for people to look at.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, expect

from dynalab.classroom import roles

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "a long teacher passphrase"
CELL = "query-and-scan/scan-vs-query/1"


def test_an_instructor_watches_a_learner_join_and_pass_a_step(
    page: Page, browser, live_server, django_user_model, screenshot
) -> None:
    teacher = django_user_model.objects.create_user("teacher", password=PASSWORD)
    roles.make_instructor(teacher)

    # The instructor logs in and creates a class with the Query and Scan lesson.
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("teacher")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="New class").click()
    page.get_by_label("Name").fill("Tuesday lab")
    page.get_by_label("8. Query and Scan", exact=True).check()
    page.get_by_role("button", name="Create class").click()
    expect(page.get_by_role("heading", level=1, name="Tuesday lab")).to_be_visible()
    code = page.locator("[data-join-code]").inner_text()
    screenshot("classroom-01-new-class")

    # A learner, in a browser of their own, signs up and joins with the code.
    other = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    other.set_default_timeout(15_000)
    learner = other.new_page()
    learner.goto("/accounts/signup/")
    learner.get_by_label("Username").fill("ada")
    learner.get_by_label("Password", exact=True).fill("learner passphrase 42")
    learner.get_by_label("Password confirmation").fill("learner passphrase 42")
    learner.get_by_role("button", name="Sign up").click()
    learner.get_by_label("Join a class with its code").fill(code)
    learner.get_by_role("button", name="Join", exact=True).click()
    expect(learner.get_by_text("You joined Tuesday lab.")).to_be_visible()
    # At 390 px wide the page does not scroll sideways.
    assert learner.evaluate("document.documentElement.scrollWidth") <= 390

    # The learner appears in the grid on its own (htmx polls it), the step not started.
    cell = page.locator(f'td[data-learner="ada"][data-column="{CELL}"]')
    expect(cell).to_have_attribute("data-status", "not_started", timeout=15_000)

    # The learner sets up, runs the lesson's Scan, and passes the lab's first step.
    learner.goto("/learn/query-and-scan/")
    learner.get_by_role("button", name="Set up my sandbox").click()
    expect(learner.locator("#lesson-setup-result")).to_contain_text(
        "Your sandbox is ready", timeout=30_000
    )
    # The lesson's own Scan (of c07) does not pass the step: the learner writes theirs, for
    # c03, in the workbench's request runner.
    request = (
        '{"TableName": "ShopOrders", "FilterExpression": "customer = :c", '
        '"ExpressionAttributeValues": {":c": {"S": "c03"}}}'
    )
    learner.goto("/run/?operation=Scan&request=" + quote(request))
    learner.get_by_role("button", name="Run", exact=True).click()
    expect(learner.get_by_role("heading", name="Response")).to_be_visible()
    learner.goto("/learn/query-and-scan/")
    step = learner.locator("#lab-scan-vs-query-step-1")
    step.get_by_role("button", name="Check").click()
    expect(step.get_by_role("status")).to_contain_text("Passed.")

    # Within seconds, with no reload, the instructor's cell turns done.
    expect(cell).to_have_attribute("data-status", "done", timeout=12_000)
    screenshot("classroom-02-grid-done")

    # The misconception view names them: a Scan where a Query on customer fits.
    page.get_by_role("link", name="Misconceptions").click()
    scans = page.locator("#scans")
    expect(scans.locator('[data-learner="ada"]')).to_contain_text("ShopOrders")
    expect(scans).to_contain_text("customer = :c")
    screenshot("classroom-03-misconceptions")

    # The grid exports as CSV, with the learner's step done.
    page.get_by_role("link", name="Progress").click()
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").first.click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.reader(io.StringIO(text)))
    ada = next(row for row in rows if row[0] == "ada")
    assert ada[rows[0].index(CELL)] == "done"
    other.close()
