"""The simulated clock, reset, sample data, activity, and CSRF on every form of the workbench."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client
from django.urls import reverse

from dynalab.console import samples
from dynalab.sandboxes import services as sandbox_services
from tests.support.workbench import HTMX, by_testid, create_table, sandbox_of, text

TABLES = reverse("console:tables")
ADVANCE = reverse("console:advance_clock")


def test_the_header_shows_the_simulated_clock(learner: Client) -> None:
    html = learner.get(TABLES).content.decode()

    assert "Simulated time" in html
    for label in ("1 minute", "1 hour", "1 day"):
        assert f"Advance the simulated clock by {label}" in html
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC", by_testid(html, "sim-now"))


def test_advancing_the_clock_moves_the_sandbox_a_day_ahead(learner: Client) -> None:
    learner.get(TABLES)
    before = sandbox_services.simulated_now(sandbox_of(learner))

    response = learner.post(ADVANCE, {"seconds": "86400", "next": "/query/"})

    assert response.status_code == 302
    assert response["Location"] == "/query/"
    after = sandbox_services.simulated_now(sandbox_of(learner))
    assert after - before == pytest.approx(86400, abs=5)
    assert "1d ahead" in text(learner.get(TABLES).content)


def test_advancing_by_htmx_returns_only_the_clock(learner: Client) -> None:
    learner.get(TABLES)

    response = learner.post(ADVANCE, {"seconds": "3600", "next": "/tables/"}, **HTMX)

    html = response.content.decode()
    assert html.lstrip().startswith("{#") is False
    assert 'id="sim-clock"' in html and "<html" not in html
    assert "1h ahead" in text(html)
    assert "clockAdvanced" in json.loads(response["HX-Trigger"])


def test_the_clock_refuses_other_steps_and_foreign_redirects(learner: Client) -> None:
    assert learner.post(ADVANCE, {"seconds": "-60"}).status_code == 400

    response = learner.post(ADVANCE, {"seconds": "60", "next": "https://evil.example/"})

    assert response["Location"] == TABLES


def test_reset_asks_first_then_empties_the_sandbox(learner: Client) -> None:
    create_table(learner, "Orders")
    learner.post(ADVANCE, {"seconds": "86400"})
    old = sandbox_of(learner)
    url = reverse("console:reset_sandbox")

    confirm = learner.get(url)
    assert "Reset your sandbox?" in text(confirm.content)
    assert "Orders" in text(learner.get(TABLES).content)

    response = learner.post(url)

    assert response.status_code == 302
    page = text(learner.get(TABLES).content)
    assert "No tables yet" in page
    assert "ahead" not in by_testid(learner.get(TABLES).content, "sim-now")
    assert sandbox_of(learner).pk != old.pk


def test_loading_a_sample_without_javascript_loads_it_all(learner: Client) -> None:
    response = learner.post(reverse("console:load_sample", args=["bookstore"]))

    assert response.status_code == 302
    tables = json.loads(learner.get(TABLES, {"format": "json"}).content)["Tables"]
    assert tables[0]["TableName"] == "SampleBookstore"
    assert tables[0]["ItemCount"] == samples.SAMPLE_SETS["bookstore"].item_count


def test_loading_a_sample_by_htmx_reports_progress_step_by_step(learner: Client) -> None:
    sample = samples.SAMPLE_SETS["scores"]
    url = reverse("console:load_sample", args=["scores"])

    first = learner.post(url, {"step": "0"}, **HTMX).content.decode()
    assert "Table created; writing items" in first
    assert 'hx-trigger="load"' in first and '"step": "1"' in first

    second = learner.post(url, {"step": "1"}, **HTMX).content.decode()
    assert f"Writing items: 100 of {sample.item_count:,}" in second
    assert '<progress id="progress-scores" max="100" value="8"' in second

    for step in range(2, sample.steps):
        last = learner.post(url, {"step": str(step)}, **HTMX)
    # Done: the page reloads, so the tables list and the activity beside it are current.
    assert last["HX-Refresh"] == "true"
    described = json.loads(learner.get(TABLES, {"format": "json"}).content)["Tables"][0]
    assert described["ItemCount"] == sample.item_count
    assert described["GlobalSecondaryIndexes"][0]["IndexName"] == "GameLeaderboard"


def test_loading_a_sample_twice_explains_the_clash(learner: Client) -> None:
    url = reverse("console:load_sample", args=["orders"])
    learner.post(url, {"step": "0"}, **HTMX)

    again = learner.post(url, {"step": "0"}, **HTMX)

    assert "already has a table named CustomerOrders" in text(again.content)


def test_sample_sets_are_the_same_every_time() -> None:
    for sample in samples.SAMPLE_SETS.values():
        assert sample.items == samples._GENERATORS[sample.slug](
            __import__("random").Random(f"dynalab-sample-{sample.slug}")
        )
        assert len(sample.items) == sample.item_count
        assert 100 <= sample.item_count <= 5000


def test_recent_activity_lists_operations_status_and_capacity(learner: Client) -> None:
    create_table(learner, "Orders")
    learner.get(reverse("console:query"), {"table": "Orders", "mode": "query", "pk": "x"})
    learner.get(
        reverse("console:query"), {"table": "Orders", "mode": "query", "key_condition": "??"}
    )

    rows = json.loads(learner.get(reverse("console:activity"), {"format": "json"}).content)[
        "Activity"
    ]
    operations = [(row["operation"], row["status"]) for row in rows]
    assert ("CreateTable", "ok") in operations
    assert ("Query", "ok") in operations
    assert ("Query", "ValidationException") in operations
    assert "DescribeTable" not in {row["operation"] for row in rows}
    query = next(row for row in rows if row["operation"] == "Query" and row["status"] == "ok")
    assert query["capacity_units"] == 0.5
    page = text(learner.get(reverse("console:activity")).content)
    assert "0.5 CU" in page


POSTS = [
    ("console:create_table", [], {"table_name": "Orders"}),
    ("console:advance_clock", [], {"seconds": "60"}),
    ("console:reset_sandbox", [], {}),
    ("console:load_sample", ["orders"], {"step": "0"}),
    ("console:item_new", ["Orders"], {"item": "{}"}),
    ("console:item_edit", ["Orders"], {"item": "{}"}),
    ("console:item_delete", ["Orders"], {"key": "{}"}),
    ("console:delete_table", ["Orders"], {}),
]


@pytest.mark.parametrize(("name", "args", "data"), POSTS, ids=[p[0] for p in POSTS])
def test_every_form_needs_the_csrf_token(db: None, name: str, args: list, data: dict) -> None:
    client = Client(enforce_csrf_checks=True)
    client.get(TABLES)

    assert client.post(reverse(name, args=args), data).status_code == 403
    assert client.post(reverse(name, args=args), data, **HTMX).status_code == 403


def test_a_form_with_the_pages_token_is_accepted(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(TABLES).content.decode()
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)

    response = client.post(ADVANCE, {"seconds": "60", "csrfmiddlewaretoken": token})

    assert response.status_code == 302


def test_an_htmx_post_with_the_pages_header_is_accepted(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    page = client.get(TABLES).content.decode()
    headers = json.loads(re.search(r"hx-headers='([^']*)'", page).group(1))

    response = client.post(ADVANCE, {"seconds": "60"}, headers=headers, **HTMX)

    assert response.status_code == 200


def test_activity_says_where_each_call_came_from(learner: Client) -> None:
    create_table(learner, "Orders")
    sandbox_services.execute(sandbox_of(learner), "ListTables", {}, source="api")
    sandbox_services.execute(sandbox_of(learner), "Scan", {"TableName": "Orders"}, source="lesson")

    page = text(learner.get(reverse("console:activity"), {"all": "1"}).content)

    assert "Scan Orders from lesson" in page
    assert "ListTables from SDK or CLI" in page
    assert "CreateTable Orders from workbench page" in page
    twin = learner.get(reverse("console:activity"), {"format": "json", "all": "1"}).json()
    assert {row["source_label"] for row in twin["Activity"]} >= {"lesson", "SDK or CLI"}
