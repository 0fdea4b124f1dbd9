"""The tables overview and the create-table form: real sandboxes, the engine's own messages."""

from __future__ import annotations

import json

from django.test import Client
from django.urls import reverse

from tests.support.workbench import by_testid, create_table, execute, text

TABLES = reverse("console:tables")
CREATE = reverse("console:create_table")


def test_an_empty_sandbox_says_how_to_start(learner: Client) -> None:
    response = learner.get(TABLES)

    assert response.status_code == 200
    page = text(response.content)
    assert "No tables yet" in page
    assert "Load sample data" in page
    assert "Simulated time" in page


def test_creating_a_table_lists_it_with_its_description(learner: Client) -> None:
    response = create_table(learner, "Orders")

    assert response.status_code == 302
    assert response["Location"] == reverse("console:items", args=["Orders"])
    page = text(learner.get(TABLES).content)
    assert "Orders" in page
    assert "partition customer (S)" in page
    assert "sort order_date (S)" in page
    assert "On-demand" in page
    assert "ACTIVE" in page


def test_the_next_page_shows_the_create_table_request_as_code(learner: Client) -> None:
    create_table(learner, "Orders")

    html = learner.get(reverse("console:items", args=["Orders"])).content.decode()

    assert "What just ran" in html
    assert "response = client.create_table(" in html
    assert "aws dynamodb create-table" in html
    assert "--table-name Orders" in html
    assert "--billing-mode PAY_PER_REQUEST" in html
    # Shown once: the page after it no longer repeats it.
    assert "What just ran" not in learner.get(TABLES).content.decode()


def test_a_provisioned_table_shows_its_throughput(learner: Client) -> None:
    create_table(
        learner, "Metered", billing_mode="PROVISIONED", read_capacity="7", write_capacity="3"
    )

    page = text(learner.get(TABLES).content)
    assert "Provisioned" in page
    assert "7 RCU · 3 WCU" in page


def test_a_short_name_is_refused_next_to_the_name_field(learner: Client) -> None:
    response = create_table(learner, "ab")

    assert response.status_code == 400
    html = response.content.decode()
    errors = html.split('id="id_table_name-errors"')[1].split("</ul>")[0]
    assert "Member must have length greater than or equal to 3" in errors
    assert 'aria-invalid="true" aria-describedby="id_table_name-errors"' in html
    # Nothing the learner typed is lost.
    assert 'value="ab"' in html
    assert 'value="customer"' in html
    assert 'value="order_date"' in html


def test_each_violation_goes_to_its_own_field(learner: Client) -> None:
    response = create_table(
        learner, "a b", billing_mode="PROVISIONED", read_capacity="0", write_capacity="5"
    )

    html = response.content.decode()
    name_errors = html.split('id="id_table_name-errors"')[1].split("</ul>")[0]
    read_errors = html.split('id="id_read_capacity-errors"')[1].split("</ul>")[0]
    assert "regular expression pattern" in name_errors
    assert "readCapacityUnits" in read_errors
    assert "Member must have value greater than or equal to 1" in read_errors
    assert 'value="0"' in html
    assert 'value="PROVISIONED" class="mt-0.5 accent-sky-700" checked' in html


def test_a_taken_name_is_refused_on_the_name_field(learner: Client) -> None:
    create_table(learner, "Orders")

    response = create_table(learner, "Orders")

    errors = response.content.decode().split('id="id_table_name-errors"')[1].split("</ul>")[0]
    assert "ResourceInUseException: Table already exists: Orders" in errors


def test_a_sort_key_named_like_the_partition_key_is_refused_on_the_sort_key(
    learner: Client,
) -> None:
    response = create_table(learner, "Orders", sort_key="customer")

    errors = response.content.decode().split('id="id_sort_key_name-errors"')[1].split("</ul>")[0]
    assert "Both the Hash Key and the Range Key element in the KeySchema have the same name" in (
        errors
    )


def test_a_refused_request_is_shown_with_its_code(learner: Client) -> None:
    html = create_table(learner, "ab").content.decode()

    assert "The request that was refused" in html
    assert "&quot;TableName&quot;: &quot;ab&quot;" in html


def test_the_overview_has_a_json_twin(learner: Client) -> None:
    create_table(learner, "Orders")

    response = learner.get(TABLES, {"format": "json"})

    assert response["Content-Type"] == "application/json"
    tables = json.loads(response.content)["Tables"]
    assert [t["TableName"] for t in tables] == ["Orders"]
    assert tables[0]["KeySchema"][0] == {"AttributeName": "customer", "KeyType": "HASH"}


def test_deleting_a_table_asks_first(learner: Client) -> None:
    create_table(learner, "Orders")
    url = reverse("console:delete_table", args=["Orders"])

    assert "cannot be undone" in learner.get(url).content.decode()
    assert "Orders" in text(learner.get(TABLES).content)

    learner.post(url)

    assert "No tables yet" in text(learner.get(TABLES).content)


def test_a_missing_table_is_a_404_page(learner: Client) -> None:
    response = learner.get(reverse("console:items", args=["Nope"]))

    assert response.status_code == 404
    assert "No table named" in text(response.content)


def test_a_table_starts_with_indexes_a_stream_ttl_and_pitr(learner: Client) -> None:
    response = create_table(
        learner,
        "Orders",
        billing_mode="PROVISIONED",
        read_capacity="4",
        write_capacity="3",
        gsi_0_name="ByStatus",
        gsi_0_pk="status",
        gsi_0_pk_type="S",
        gsi_0_projection="INCLUDE",
        gsi_0_include="total, note total",
        lsi_0_name="ByTotal",
        lsi_0_sk="total",
        lsi_0_sk_type="N",
        lsi_0_projection="KEYS_ONLY",
        stream_view_type="NEW_IMAGE",
        ttl_attribute="expiresAt",
        pitr="on",
        pitr_days="10",
    )

    assert response.status_code == 302
    description = execute(learner, "DescribeTable", {"TableName": "Orders"})["Table"]
    (gsi,) = description["GlobalSecondaryIndexes"]
    assert gsi["Projection"] == {"ProjectionType": "INCLUDE", "NonKeyAttributes": ["total", "note"]}
    assert gsi["ProvisionedThroughput"]["ReadCapacityUnits"] == 4
    (lsi,) = description["LocalSecondaryIndexes"]
    assert [k["AttributeName"] for k in lsi["KeySchema"]] == ["customer", "total"]
    assert description["StreamSpecification"]["StreamViewType"] == "NEW_IMAGE"
    ttl = execute(learner, "DescribeTimeToLive", {"TableName": "Orders"})
    assert ttl["TimeToLiveDescription"]["AttributeName"] == "expiresAt"
    pitr = execute(learner, "DescribeContinuousBackups", {"TableName": "Orders"})
    recovery = pitr["ContinuousBackupsDescription"]["PointInTimeRecoveryDescription"]
    assert recovery["RecoveryPeriodInDays"] == 10
    glance = by_testid(
        learner.get(reverse("console:items", args=["Orders"])).content, "table-glance"
    )
    assert "provisioned, 4 RCU / 3 WCU" in glance
    assert "LSI ByTotal , GSI ByStatus" in glance
    assert "Stream NEW_IMAGE" in glance and "TTL on, expiresAt" in glance
    assert "PITR on, 10 days" in glance


def test_an_index_error_is_shown_beside_that_index(learner: Client) -> None:
    response = create_table(
        learner, "Orders", gsi_0_name="ByStatus", gsi_0_pk="", gsi_0_projection="ALL"
    )

    assert response.status_code == 400
    html = response.content.decode()
    errors = html.split('id="id_gsi_0_name-errors"')[1].split("</ul>")[0]
    assert "ValidationException" in errors
    assert '<details class="rounded-lg border border-slate-200" open>' in html


def test_a_form_choice_out_of_the_list_is_explained(learner: Client) -> None:
    response = create_table(learner, "Orders", stream_view_type="EVERYTHING")
    assert response.status_code == 400
    errors = response.content.decode().split('id="id_stream_view_type-errors"')[1]
    assert "Select a valid choice. EVERYTHING is not one of the available choices." in errors


def test_the_create_form_has_a_json_twin(learner: Client) -> None:
    twin = learner.get(CREATE, {"format": "json"}).json()
    assert "gsi_0_name" in twin["Fields"] and twin["Errors"] == {}


def test_a_lesson_table_with_a_samples_name_is_not_called_the_sample(learner: Client) -> None:
    create_table(learner, "CustomerOrders", partition_key="id", sort_key="")

    page = learner.get(TABLES)

    clash = by_testid(page.content, "sample-clash")
    assert "Your table CustomerOrders has other keys than this sample" in clash
    assert "Loaded as CustomerOrders" not in text(page.content)
    assert "Load into SampleBookstore" in text(page.content)
