"""The browser and the SDK share a sandbox: a learner reads their keys on the Connect page, and
what boto3 writes the workbench shows, and the other way round."""

from __future__ import annotations

import json
import re

import pytest
from django.test import Client

from tests.support import api as helpers

pytestmark = pytest.mark.django_db(transaction=True)


def keys_on_the_connect_page(client: Client) -> tuple[str, str]:
    html = client.get("/connect/").content.decode()
    access_key_id = re.search(r'id="access-key-id">([^<]+)<', html)
    secret = re.search(r'id="secret-access-key">([^<]+)<', html)
    assert access_key_id and secret, html
    return access_key_id.group(1), secret.group(1)


@pytest.fixture
def boto3_as_the_browser(client: Client, live_server):
    """A boto3 client holding the keys the browser session's Connect page shows."""
    access_key_id, secret = keys_on_the_connect_page(client)
    dynamodb = helpers.client(live_server.url + "/", access_key_id, secret)
    dynamodb.create_table(**helpers.create_table_request())
    return dynamodb


def test_what_boto3_writes_the_workbench_shows(client: Client, boto3_as_the_browser) -> None:
    boto3_as_the_browser.put_item(
        TableName=helpers.TABLE,
        Item={"pk": {"S": "from-boto3"}, "sk": {"N": "7"}, "note": {"S": "written by boto3"}},
    )

    page = client.get(f"/tables/{helpers.TABLE}/")

    assert page.status_code == 200
    html = page.content.decode()
    assert "from-boto3" in html
    assert "written by boto3" in html


def test_what_the_workbench_writes_boto3_reads(client: Client, boto3_as_the_browser) -> None:
    saved = client.post(
        f"/tables/{helpers.TABLE}/items/new/",
        {
            "item": json.dumps({"pk": "from-workbench", "sk": 8, "note": "typed in"}),
            "format": "plain",
        },
    )

    got = boto3_as_the_browser.get_item(
        TableName=helpers.TABLE, Key={"pk": {"S": "from-workbench"}, "sk": {"N": "8"}}
    )

    assert saved.status_code == 302, saved.content.decode()
    assert got["Item"] == {
        "pk": {"S": "from-workbench"},
        "sk": {"N": "8"},
        "note": {"S": "typed in"},
    }


def test_another_browser_has_other_keys_and_other_tables(
    client: Client, boto3_as_the_browser, live_server
) -> None:
    stranger = Client()
    access_key_id, secret = keys_on_the_connect_page(stranger)

    theirs = helpers.client(live_server.url + "/", access_key_id, secret).list_tables()

    assert access_key_id != keys_on_the_connect_page(client)[0]
    assert theirs["TableNames"] == []
