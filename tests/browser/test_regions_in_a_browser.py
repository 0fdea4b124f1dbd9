"""Regions in a real browser: switching Region, finding a table made in another one, and a
global table's replication page, on a desktop and a phone-sized screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import advance_clock

pytestmark = pytest.mark.django_db(transaction=True)


def create_orders_table(page: Page) -> None:
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Orders")
    page.get_by_label("Partition key attribute name").fill("customer")
    page.get_by_label("Sort key attribute name").fill("order_date")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()


def switch_to(page: Page, region: str) -> None:
    page.get_by_label("Region", exact=True).select_option(region)
    page.get_by_role("button", name="Switch", exact=True).click()
    expect(page.get_by_test_id("current-region")).to_have_text(region)


def no_sideways_scroll(page: Page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_learner_switches_region_and_finds_a_table_left_in_another(
    page: Page, screenshot
) -> None:
    create_orders_table(page)
    expect(page.get_by_test_id("current-region")).to_have_text("us-east-1")

    page.goto("/tables/")
    switch_to(page, "eu-west-1")
    expect(page.get_by_role("heading", name="No tables yet in eu-west-1")).to_be_visible()
    elsewhere = page.get_by_test_id("tables-elsewhere")
    expect(elsewhere).to_contain_text("us-east-1")
    expect(elsewhere).to_contain_text("Orders")
    screenshot("20-tables-in-another-region")

    page.goto("/tables/Orders/")
    expect(page.get_by_role("heading", name="No table named Orders in eu-west-1")).to_be_visible()
    screenshot("21-table-in-another-region-404")
    page.get_by_role("button", name="Switch to us-east-1").click()
    expect(page.get_by_test_id("current-region")).to_have_text("us-east-1")
    expect(page).to_have_url(re.compile(r"/tables/Orders/$"))
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()


def test_a_learner_makes_a_table_global_and_watches_it_replicate(page: Page, screenshot) -> None:
    create_orders_table(page)
    page.goto("/tables/Orders/replication/")
    expect(page.get_by_role("heading", name="A regional table")).to_be_visible()
    page.get_by_label("Add a replica in").select_option("eu-west-1")
    page.get_by_role("button", name="Add replica").click()
    replicas = page.get_by_test_id("replicas")
    expect(replicas).to_contain_text("eu-west-1")
    expect(replicas).to_contain_text("CREATING")

    advance_clock(page, "advance by 1 minute")  # landed before the reload asks again
    page.reload()
    expect(page.get_by_test_id("replicas")).not_to_contain_text("CREATING")
    screenshot("22-global-table-replication")

    switch_to(page, "eu-west-1")
    page.goto("/tables/")
    # exact: the header's clock may link "the stream of Orders closes ..." too
    expect(page.get_by_role("link", name="Orders", exact=True)).to_be_visible()
    expect(page.get_by_text("global", exact=True)).to_be_visible()


def test_the_region_pages_fit_a_phone(page: Page) -> None:
    create_orders_table(page)
    page.set_viewport_size({"width": 390, "height": 844})
    for url in ("/tables/", "/tables/Orders/replication/", "/tables/Nope/"):
        page.goto(url)
        expect(page.get_by_test_id("current-region")).to_be_visible()
        assert no_sideways_scroll(page), url
