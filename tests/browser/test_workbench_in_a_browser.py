"""A learner's session in a real browser: tables, items, Query and Scan, paging, clock, reset.

Screenshots of the main screens land in test-artifacts/screenshots/ for people to look at.
"""

from __future__ import annotations

import json
import re
import time

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import advance_clock, shown_time

pytestmark = pytest.mark.django_db(transaction=True)


def create_orders_table(page: Page) -> None:
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Orders")
    page.get_by_label("Partition key attribute name").fill("customer")
    page.get_by_label("Sort key attribute name").fill("order_date")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()


def add_item(page: Page, item: dict) -> None:
    page.get_by_role("link", name="Add item").click()
    page.get_by_label("Item as plain JSON").fill(json.dumps(item, indent=2))
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()


def test_a_learner_builds_a_table_and_edits_its_items(page: Page, screenshot) -> None:
    page.goto("/tables/")
    expect(page.get_by_role("heading", name="No tables yet")).to_be_visible()
    screenshot("01-tables-empty")

    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("ab")
    page.get_by_label("Partition key attribute name").fill("customer")
    page.get_by_role("button", name="Create table").click()
    expect(page.locator("#id_table_name-errors")).to_contain_text(
        "Member must have length greater than or equal to 3"
    )
    expect(page.get_by_label("Partition key attribute name")).to_have_value("customer")
    screenshot("02-create-table-error")

    create_orders_table(page)
    expect(page.get_by_text("What just ran")).to_be_visible()
    for number, date in enumerate(["2023-05-01", "2024-02-11", "2025-01-30"], 1):
        add_item(
            page, {"customer": "ann", "order_date": date, "total": 10 * number, "note": "<b>hi</b>"}
        )
    expect(page.locator("tbody tr")).to_have_count(3)
    screenshot("03-items")

    page.get_by_role("link", name="DynamoDB JSON").click()
    expect(page.locator("tbody")).to_contain_text('{"N": "20"}')
    expect(page).to_have_url(re.compile(r"view=dynamodb"))

    page.locator("tbody tr").nth(1).get_by_role("link", name="Edit").click()
    editor = page.get_by_label(re.compile("Item as"))
    expect(editor).to_contain_text('"2024-02-11"')
    screenshot("04-item-editor")
    text = editor.input_value().replace('"20"', '"25"').replace(": 20", ": 25")
    editor.fill(text)
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()
    expect(page.locator("tbody")).to_contain_text("25")
    # Markup a learner typed is shown as text, never run.
    expect(page.locator("tbody")).to_contain_text("<b>hi</b>")


def test_a_learner_queries_scans_and_reads_the_bill(page: Page, screenshot) -> None:
    page.goto("/tables/")
    page.locator("#sample-orders").get_by_role("button").click()
    expect(page.locator("#sample-orders")).to_contain_text("Loaded", timeout=60_000)
    screenshot("05-tables-with-sample")

    page.goto("/query/?table=CustomerOrders")
    page.get_by_label("customer =").fill("ann")
    page.get_by_label("order_date").select_option(">=")
    page.get_by_label("value", exact=True).fill("2024")
    page.get_by_role("button", name="Run").click()
    panel = page.get_by_test_id("capacity-panel")
    expect(panel).to_contain_text("What this Query cost")
    expect(page.get_by_test_id("scanned-count")).to_have_text("24")
    expect(page.get_by_test_id("rcu")).to_have_text("1.0 RCU")
    expect(page.get_by_test_id("capacity-arithmetic")).to_contain_text("units of 4 KB")
    expect(page).to_have_url(re.compile(r"pk=ann"))
    screenshot("06-query")

    page.get_by_text("Scan", exact=True).click()
    page.get_by_label("FilterExpression").fill("ship_city = :c")
    page.get_by_label("ExpressionAttributeValues (JSON, plain or typed)").fill('{":c": "Oslo"}')
    page.get_by_label("Limit").fill("40")
    page.get_by_role("button", name="Run").click()
    expect(panel).to_contain_text("What this Scan cost")
    expect(page.get_by_test_id("scanned-count")).to_have_text("40")
    expect(panel).to_contain_text("you paid for all 40")
    first_url = page.url
    screenshot("07-scan")

    page.get_by_role("link", name="Next page").click()
    expect(page).to_have_url(re.compile(r"start="))
    assert page.url != first_url
    expect(page.get_by_role("link", name="First page")).to_be_visible()
    expect(page.get_by_test_id("scanned-count")).to_have_text("40")

    # A reload of the URL is the same state: the URL is the query.
    page.reload()
    expect(page.get_by_label("FilterExpression")).to_have_value("ship_city = :c")

    page.goto("/compare/")
    expect(page.get_by_test_id("compare-summary")).to_contain_text("The Query read 24")
    screenshot("08-query-vs-scan")

    page.goto("/tables/CustomerOrders/bookshelf/?mode=query&pk=ann&sk_op=%3E%3D&sk=2024")
    expect(page.get_by_test_id("bookshelf-read")).to_contain_text("24")
    screenshot("09-bookshelf")


def test_a_learner_moves_the_clock_and_resets_the_sandbox(page: Page, screenshot) -> None:
    create_orders_table(page)
    page.goto("/tables/")
    page.get_by_role("button", name=re.compile(r"advance by 1 day")).click()
    expect(page.locator("#sim-clock")).to_contain_text("1d ahead")
    page.get_by_role("button", name=re.compile(r"advance by 1 hour")).click()
    expect(page.locator("#sim-clock")).to_contain_text("1d 1h ahead")
    screenshot("10-clock-advanced")

    page.get_by_role("link", name="Reset sandbox…").click()
    expect(page.get_by_role("heading", name="Reset your sandbox?")).to_be_visible()
    screenshot("11-reset-confirm")
    page.get_by_role("button", name="Yes, reset my sandbox").click()
    expect(page.get_by_text("Your sandbox was reset")).to_be_visible()
    expect(page.get_by_role("heading", name="No tables yet")).to_be_visible()
    expect(page.locator("#sim-clock")).not_to_contain_text("ahead")


def test_the_clock_helper_waits_for_a_slow_advance_to_land(page: Page) -> None:
    """Browser tests that move the clock and then look rely on ``advance_clock`` waiting for
    the answer: with the server's answer held back, the helper still returns only once the
    header shows the new time (it once compared text that never matched and did not wait)."""
    page.goto("/tables/")
    before = shown_time(page)

    def slow(route) -> None:
        time.sleep(1.0)
        route.continue_()

    page.route(re.compile(r".*/clock/advance/$"), slow)
    advance_clock(page, "+1h")
    assert (shown_time(page) - before).total_seconds() >= 3600
    expect(page.locator("#sim-clock")).to_contain_text("1h ahead")


def test_the_workbench_is_keyboard_navigable(page: Page) -> None:
    page.goto("/tables/")
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
