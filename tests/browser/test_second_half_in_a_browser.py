"""The second half of DynamoDB from the browser alone, at desktop width and on a 390 px phone:
a sparse GSI and which items are in it, a stream stepped record by record, a TTL'd item
expiring and being deleted, a table restored to a chosen second and diffed against the live
one; the runner's templates; the rule for error answers; and no page scrolling sideways.

Screenshots land in test-artifacts/screenshots/second-half-*.png for people to look at.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.support.browser import advance_clock as advance

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.django_db(transaction=True)

VIEWPORTS = {"desktop": {"width": 1360, "height": 900}, "phone": {"width": 390, "height": 844}}


@pytest.fixture(params=list(VIEWPORTS))
def device(request, browser, live_server) -> Iterator[tuple[str, Page]]:
    """A fresh visitor at desktop width, then on a phone."""
    context = browser.new_context(
        viewport=VIEWPORTS[request.param],
        base_url=live_server.url,
        is_mobile=request.param == "phone",
        has_touch=request.param == "phone",
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield request.param, page
    context.close()


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"second-half-{name}.png"), full_page=True)


def no_sideways_scroll(page: Page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    viewport = page.evaluate("window.innerWidth")
    assert width <= viewport, f"{page.url} is {width}px wide in a {viewport}px window"


def open_details(page: Page, summary: str) -> None:
    page.locator("summary", has_text=summary).first.click()


def add_item(page: Page, table: str, item: dict) -> None:
    page.goto(f"/tables/{table}/items/new/")
    page.get_by_label("Item as plain JSON").fill(json.dumps(item))
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()


def simulated_epoch(page: Page) -> int:
    stamp = page.get_by_test_id("sim-now").get_attribute("datetime")
    return int(page.evaluate(f"Date.parse({json.dumps(stamp)}) / 1000"))


# ---------------------------------------------------------------------- a sparse index
def test_a_sparse_index_and_which_items_are_in_it(device) -> None:
    name, page = device
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Orders")
    page.get_by_label("Partition key attribute name").fill("orderId")
    open_details(page, "Global secondary index 1")
    page.get_by_label("Index name of global index 1").fill("Returned")
    page.get_by_label("Index partition key of global index 1").fill("returnedAt")
    page.get_by_label("Type of the partition key of global index 1").select_option("N")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()
    expect(page.get_by_test_id("table-glance")).to_contain_text("GSI Returned")

    add_item(page, "Orders", {"orderId": "o1", "total": 20})
    add_item(page, "Orders", {"orderId": "o2", "total": 35, "returnedAt": 1718000000})
    add_item(page, "Orders", {"orderId": "o3", "total": 12})

    # Whatever propagation lag the engine starts with (a second, or none), let it pass.
    page.wait_for_timeout(1100)
    page.get_by_role("link", name="Indexes", exact=True).first.click()
    card = page.get_by_test_id("index-Returned")
    expect(card).to_contain_text("1 of 3")
    shoot(page, f"indexes-{name}")
    card.get_by_role("link", name="Which items are in it, and why").click()
    expect(page.get_by_test_id("index-counts")).to_contain_text("1 item in the index, of 3")
    members = page.get_by_test_id("members")
    expect(members.locator("tr", has_text="orderId = o1")).to_contain_text(
        "no returnedAt attribute, so not in the index"
    )
    expect(members.locator("tr", has_text="orderId = o2")).to_contain_text("in the index")
    expect(page.get_by_test_id("overlay-legend")).to_contain_text("in the index (1)")
    shoot(page, f"index-overlay-{name}")

    # The same question two ways: a Scan with a filter reads all three, the Query one.
    page.get_by_label("returnedAt =").fill("1718000000")
    page.get_by_role("button", name="Ask both ways").click()
    expect(page.get_by_test_id("sparse-summary")).to_contain_text("Both found 1 item")
    expect(page.get_by_test_id("sparse-scan-scanned")).to_have_text("3")
    expect(page.get_by_test_id("sparse-query-scanned")).to_have_text("1")
    no_sideways_scroll(page)
    shoot(page, f"index-two-ways-{name}")

    # In the Query builder, choosing the index relabels the key fields at once.
    page.goto("/query/?table=Orders")
    expect(page.get_by_label("orderId =")).to_be_visible()
    page.get_by_label("Read from").select_option("Returned")
    expect(page.get_by_label("returnedAt =")).to_be_visible()
    expect(page.get_by_test_id("builder-keys")).to_contain_text("Keys of Returned: returnedAt (N)")
    page.goto("/tables/Orders/indexes/Returned/")

    # Propagation lag on: the write is not in the index at once; a minute later it is.
    page.get_by_label("Propagation lag").select_option("60")
    page.get_by_role("button", name="Set the lag").click()
    expect(page.get_by_test_id("lag-now")).to_contain_text("1 min")
    page.get_by_label(re.compile("Write this item")).fill(
        '{"orderId": "o4", "returnedAt": 1718000000}'
    )
    page.get_by_role("button", name="Write, then query the index").click()
    expect(page.get_by_test_id("probe-result")).to_contain_text("the index has not caught up")
    expect(page.get_by_test_id("pending-writes")).to_contain_text("orderId")
    advance(page, "advance by 1 minute")
    expect(page.get_by_test_id("index-counts")).to_contain_text("2 items in the index")
    expect(page.get_by_test_id("pending-writes")).to_contain_text("None")


# ---------------------------------------------------------------------- a stream
def test_stepping_through_a_streams_records(device) -> None:
    name, page = device
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Books")
    page.get_by_label("Partition key attribute name").fill("isbn")
    page.get_by_label("Stream").select_option("NEW_AND_OLD_IMAGES")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_test_id("table-glance")).to_contain_text("Stream NEW_AND_OLD_IMAGES")

    add_item(page, "Books", {"isbn": "1", "title": "Dune", "copies": 1})
    page.locator("tbody tr").first.get_by_role("link", name="Edit").click()
    editor = page.get_by_label(re.compile("Item as"))
    editor.fill(json.dumps({"isbn": "1", "title": "Dune", "copies": 2, "shelf": "A"}))
    page.get_by_role("button", name="Save item").click()
    expect(page.get_by_text("Item saved.")).to_be_visible()

    page.goto("/tables/Books/stream/")
    expect(page.get_by_test_id("shards")).to_contain_text("2 records")
    expect(page.get_by_test_id("event-name")).to_have_text("INSERT")
    page.get_by_role("link", name="Next record").click()
    expect(page.get_by_test_id("event-name")).to_have_text("MODIFY")
    images = page.get_by_test_id("images")
    expect(images.locator('tr[data-change="changed"]')).to_contain_text("copies")
    expect(images.locator('tr[data-change="added"]')).to_contain_text("shelf")
    expect(images.locator('tr[data-change="same"]').first).to_contain_text("isbn")
    expect(page.get_by_test_id("record")).to_contain_text("NEW_AND_OLD_IMAGES this stream")
    no_sideways_scroll(page)
    shoot(page, f"stream-modify-{name}")
    page.get_by_role("link", name="Previous").click()
    expect(page.get_by_test_id("event-name")).to_have_text("INSERT")
    page.get_by_role("link", name="From LATEST").click()
    expect(page.get_by_test_id("no-record")).to_contain_text("waits at the end")


# ---------------------------------------------------------------------- time to live
def test_a_ttld_item_expires_then_is_deleted(device) -> None:
    name, page = device
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Sessions")
    page.get_by_label("Partition key attribute name").fill("id")
    page.get_by_label("Stream").select_option("NEW_IMAGE")
    page.get_by_label(re.compile("Time to live attribute")).fill("expiresAt")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_test_id("table-glance")).to_contain_text("TTL on, expiresAt")

    page.goto("/tables/Sessions/ttl/")
    page.get_by_label(re.compile("Deletion delay in your sandbox")).select_option("60")
    page.get_by_role("button", name="Set the delay").click()
    expect(page.get_by_test_id("ttl-delay")).to_contain_text("1 minute after expiry")
    expires = simulated_epoch(page) + 30
    add_item(page, "Sessions", {"id": "s1", "expiresAt": expires})
    add_item(page, "Sessions", {"id": "s2"})

    page.goto("/tables/Sessions/ttl/")
    expect(page.get_by_test_id("ttl-counts")).to_contain_text("1 live item")
    expect(page.get_by_test_id("clock-next")).to_contain_text("TTL deletes 1 item")
    advance(page, "advance by 1 minute")
    expect(page.get_by_test_id("ttl-counts")).to_contain_text("1 expired, not yet deleted")
    expect(page.get_by_test_id("ttl-timeline")).to_contain_text("still returned by reads")
    expect(page.get_by_test_id("ttl-filter")).to_contain_text("#ttl > :now")
    no_sideways_scroll(page)
    shoot(page, f"ttl-expired-{name}")
    advance(page, "advance by 1 minute")
    expect(page.get_by_test_id("ttl-counts")).to_contain_text("1 deleted")
    timeline = page.get_by_test_id("ttl-timeline")
    expect(timeline).to_contain_text("The stream holds its REMOVE")
    shoot(page, f"ttl-deleted-{name}")
    timeline.get_by_role("link", name="see the record").click()
    expect(page.get_by_test_id("event-name")).to_have_text("REMOVE")
    expect(page.get_by_test_id("record")).to_contain_text("dynamodb.amazonaws.com")


# ---------------------------------------------------------------------- backups and PITR
def test_restore_to_a_chosen_second_and_diff_it(device) -> None:
    name, page = device
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Ledger")
    page.get_by_label("Partition key attribute name").fill("account")
    page.get_by_label("Point-in-time recovery").check()
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_test_id("table-glance")).to_contain_text("PITR on, 35 days")
    add_item(page, "Ledger", {"account": "a", "balance": 10})
    add_item(page, "Ledger", {"account": "b", "balance": 20})
    page.goto("/tables/Ledger/")
    advance(page, "advance by 1 hour")
    # A mistake: an item is overwritten and another deleted.
    add_item(page, "Ledger", {"account": "c", "balance": 5})
    page.goto("/tables/Ledger/")
    row = page.locator("tbody tr", has_text="20")
    row.get_by_role("link", name="Delete").click()
    page.get_by_role("button", name=re.compile("Delete")).click()
    advance(page, "advance by 1 hour")

    page.goto("/tables/Ledger/backups/")
    expect(page.get_by_test_id("pitr-latest")).to_contain_text("UTC")
    # The slider writes the moment it points at into the date field, as a date.
    slider = page.get_by_label("Moment to restore to")
    slider.fill(slider.get_attribute("min"))
    earliest = page.get_by_test_id("pitr-earliest").inner_text().removesuffix(" UTC")
    expect(page.get_by_label("Restore to (UTC)")).to_have_value(earliest)
    no_sideways_scroll(page)
    shoot(page, f"backups-{name}")
    # Restore to the second before the first mistaken write (the PutItem of c, the last
    # PutItem), chosen from the writes the timeline marks.
    # (Writes in the window's very first second may fall before its first whole second.)
    marks = page.locator("li", has_text="PutItem at")
    expect(marks.last).to_contain_text("restore to just before")
    marks.last.get_by_role("button", name="restore to just before").click()
    expect(page.get_by_test_id("restore-waiting")).to_contain_text("still being restored")
    advance(page, "advance by 1 hour")
    summary = page.get_by_test_id("diff-summary")
    expect(summary).to_contain_text("1 item added")
    expect(summary).to_contain_text("1 item removed")
    rows = page.get_by_test_id("diff-rows")
    expect(rows.locator('[data-kind="added"]')).to_contain_text("account = c")
    expect(rows.locator('[data-kind="removed"]')).to_contain_text("account = b")
    no_sideways_scroll(page)
    shoot(page, f"diff-{name}")


# ---------------------------------------------------------------------- the runner and errors
def test_the_runner_fills_a_template_for_your_table(device) -> None:
    name, page = device
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Notes")
    page.get_by_label("Partition key attribute name").fill("id")
    page.get_by_role("button", name="Create table").click()
    add_item(page, "Notes", {"id": "n1", "text": "hello"})
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Run a request").click()
    page.get_by_label("Operation").select_option("GetItem")
    expect(page.get_by_label("Request JSON")).to_have_value(re.compile(r'"n1"'))
    page.get_by_label("Operation").select_option("SimulateWriteBurst")
    expect(page.get_by_test_id("operation-facts")).to_contain_text("DynaLab's own")
    page.get_by_label("Operation").select_option("GetItem")
    expect(page.get_by_label("Request JSON")).to_have_value(re.compile(r'"n1"'))
    page.get_by_role("button", name="Run", exact=True).click()
    expect(page.get_by_role("region", name="Result")).to_contain_text('"hello"')
    no_sideways_scroll(page)
    shoot(page, f"runner-{name}")


def test_the_last_operation_chosen_wins_when_answers_arrive_late(device) -> None:
    """A learner who changes their mind before the first template arrives sees the second
    choice: the slow first answer is dropped, not swapped over it. The network holds the
    first answer back so that the two requests always overlap."""
    name, page = device
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Notes")
    page.get_by_label("Partition key attribute name").fill("id")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_role("heading", name="Notes")).to_be_visible()  # created before we leave
    page.goto("/run/")

    def slow(route) -> None:
        time.sleep(1.0)
        # The newer request may have aborted this one while it waited.
        with contextlib.suppress(Exception):
            route.continue_()

    page.route(re.compile(r".*/run/\?operation=DeleteItem.*"), slow)
    page.get_by_label("Operation").select_option("DeleteItem")
    page.get_by_label("Operation").select_option("SimulateWriteBurst")
    expect(page.get_by_test_id("operation-facts")).to_contain_text("DynaLab's own")
    page.wait_for_timeout(1500)
    expect(page.get_by_test_id("operation-facts")).to_contain_text("SimulateWriteBurst")
    expect(page.get_by_label("Operation")).to_have_value("SimulateWriteBurst")


def test_a_refused_read_shows_its_error_in_place(device) -> None:
    """The error rule: an htmx request answered 400 is swapped in like a 200, so the
    service's message appears where the results would have."""
    name, page = device
    page.goto("/tables/new/")
    page.get_by_label("Table name").fill("Orders")
    page.get_by_label("Partition key attribute name").fill("customer")
    page.get_by_role("button", name="Create table").click()
    expect(page.get_by_role("heading", name="Orders")).to_be_visible()  # created before we leave
    page.goto("/query/?table=Orders")
    page.get_by_label("FilterExpression").fill("total >")
    page.get_by_label("customer =").fill("ann")
    page.get_by_role("button", name="Run").click()
    errors = page.locator("#q-filter-errors")
    expect(errors).to_contain_text("ValidationException")
    expect(errors).to_contain_text("Invalid FilterExpression")
    expect(page.locator("#request-failed")).to_be_hidden()
    shoot(page, f"query-error-{name}")


# ---------------------------------------------------------------------- no sideways scrolling
PAGES = [
    "/",
    "/tables/",
    "/tables/new/",
    "/tables/CustomerOrders/",
    "/tables/CustomerOrders/bookshelf/?mode=query&pk=ann",
    "/tables/CustomerOrders/indexes/",
    "/tables/CustomerOrders/stream/",
    "/tables/CustomerOrders/ttl/",
    "/tables/CustomerOrders/backups/",
    "/tables/CustomerOrders/throughput/",
    "/tables/CustomerOrders/diff/",
    "/tables/CustomerOrders/items/new/",
    "/query/?table=CustomerOrders&mode=query&pk=ann",
    "/query/?table=CustomerOrders&mode=scan&limit=5",
    "/compare/",
    "/run/",
    "/activity/",
    "/clock/",
    "/connect/",
    "/learn/",
]


def test_no_page_scrolls_sideways_on_a_phone(browser, live_server) -> None:
    context = browser.new_context(
        viewport=VIEWPORTS["phone"], base_url=live_server.url, is_mobile=True
    )
    context.set_default_timeout(60_000)
    page = context.new_page()
    try:
        page.goto("/tables/")
        page.locator("#sample-orders").get_by_role("button").click()
        expect(page.locator("#sample-orders")).to_contain_text("Loaded", timeout=60_000)
        wide = []
        for path in PAGES:
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > 390:
                wide.append(f"{path}: {width}px")
            slug = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "home"
            page.screenshot(path=str(SCREENSHOTS / f"phone-{slug}.png"), full_page=True)
        assert not wide, "pages wider than the phone: " + "; ".join(wide)
    finally:
        context.close()


def test_the_connect_page_has_copy_buttons(device) -> None:
    name, page = device
    page.goto("/connect/")
    buttons = page.get_by_role("button", name="Copy")
    expect(buttons).to_have_count(7)
    for index in range(7):
        expect(buttons.nth(index)).to_be_visible()
    no_sideways_scroll(page)
    shoot(page, f"connect-{name}")
