"""The DAX page in a real browser: a cluster made from the page, started by the clock, a stale
read provoked and explained, the TTL ending it; no sideways scrolling at 390 px."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import advance_clock as advance

pytestmark = pytest.mark.django_db(transaction=True)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], width


def test_a_learner_makes_a_cluster_and_watches_it_go_stale(page: Page, screenshot) -> None:
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Books")
    page.get_by_label("Partition key attribute name").fill("isbn")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_role("heading", name="Books")).to_be_visible()

    page.get_by_role("navigation", name="Main").get_by_role("link", name="DAX").click()
    expect(page.get_by_role("heading", name="No clusters yet")).to_be_visible()
    expect(page.get_by_text("Real applications use the DAX client SDK")).to_be_visible()
    page.get_by_label("Cluster name").fill("--bad")
    page.get_by_role("button", name="Create cluster").click()
    expect(page.locator("#id_name-errors")).to_contain_text("not a valid identifier")

    page.get_by_label("Cluster name").fill("books-cache")
    page.get_by_label("Nodes", exact=True).fill("3")
    page.get_by_role("button", name="Create cluster").click()
    expect(page.get_by_test_id("cluster-status")).to_have_text("creating")
    screenshot("dax-01-cluster-creating")

    advance(page, "+1m")  # the header's clock
    page.reload()
    expect(page.get_by_test_id("cluster-status")).to_have_text("available")
    expect(page.get_by_test_id("endpoint-url")).to_contain_text("/dax/books-cache/")

    page.get_by_label("Table", exact=True).select_option("Books")
    page.get_by_role("button", name="Run the five calls").click()
    story = page.get_by_test_id("stale-read")
    expect(story).to_contain_text("A stale read.")
    expect(story).to_contain_text("version 1, written through DAX")
    expect(page.get_by_test_id("item-cache")).to_contain_text("dax-demo")
    expect(page.get_by_test_id("item-cache")).to_contain_text("5m 0s")
    screenshot("dax-02-stale-read")

    advance(page, "+1h")
    page.get_by_role("button", name="Read the item again").click()
    expect(page.get_by_test_id("stale-read")).to_contain_text("Current.")
    expect(page.get_by_test_id("stale-read")).to_contain_text("version 2, written straight")
    expect(page.get_by_test_id("dax-statistics")).to_contain_text("1")

    page.set_viewport_size({"width": 390, "height": 844})
    no_sideways_scroll(page)
    screenshot("dax-03-cluster-phone")
    page.goto("/dax-clusters/")
    expect(page.get_by_role("link", name="books-cache")).to_be_visible()
    no_sideways_scroll(page)
    page.goto("/connect/")
    expect(page.locator("#dax-stand-in")).to_contain_text("stand-in for the DAX client")
    no_sideways_scroll(page)
