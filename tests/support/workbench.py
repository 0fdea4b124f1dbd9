"""Steps the workbench tests share: each does what a learner does in the browser."""

from __future__ import annotations

import json
import re
from typing import Any

from django.test import Client
from django.urls import reverse

from dynalab.sandboxes import services as sandbox_services
from engine.values import item_size

HTMX = {"HTTP_HX_REQUEST": "true"}


def create_table(
    client: Client,
    name: str = "Orders",
    *,
    partition_key: str = "customer",
    partition_type: str = "S",
    sort_key: str = "order_date",
    sort_type: str = "S",
    **extra: Any,
):
    data = {
        "table_name": name,
        "partition_key_name": partition_key,
        "partition_key_type": partition_type,
        "sort_key_name": sort_key,
        "sort_key_type": sort_type,
        "billing_mode": "PAY_PER_REQUEST",
        "read_capacity": "5",
        "write_capacity": "5",
        **extra,
    }
    return client.post(reverse("console:create_table"), data)


def add_item(client: Client, table: str, item: dict[str, Any], *, typed: bool = False):
    return client.post(
        reverse("console:item_new", args=[table]),
        {"item": json.dumps(item), "format": "dynamodb" if typed else "plain"},
    )


def sandbox_of(client: Client):
    """The sandbox the client's session holds (as the views find it)."""
    from dynalab.sandboxes.models import Sandbox

    sandbox_id = client.session[sandbox_services.SESSION_SANDBOX_ID]
    return Sandbox.objects.get(pk=sandbox_id)


def execute(
    client: Client, operation: str, request: dict[str, Any], *, region: str = "us-east-1"
) -> dict[str, Any]:
    return sandbox_services.execute(
        sandbox_of(client), operation, request, source="console", region=region
    )


def switch_region(client: Client, region: str, *, next_url: str = "") -> Any:
    """Choose the Region the workbench works in, as the header's switcher does."""
    return client.post(reverse("console:switch_region"), {"region": region, "next": next_url})


def padded_item(partition: str, sort: str, size: int, **attributes: Any) -> dict[str, Any]:
    """A typed item of exactly ``size`` bytes (names plus values), padded with ``pad``."""
    item = {"customer": {"S": partition}, "order_date": {"S": sort}}
    item.update({name: {"S": value} for name, value in attributes.items()})
    bare = item_size({**item, "pad": {"S": ""}})
    item["pad"] = {"S": "x" * (size - bare)}
    assert item_size(item) == size
    return item


def text(html: bytes | str) -> str:
    """Visible text with whitespace collapsed, for asserting sentences."""
    if isinstance(html, bytes):
        html = html.decode()
    without_tags = re.sub(r"<[^>]+>", " ", html)
    return re.sub(r"\s+", " ", without_tags)


def by_testid(html: bytes | str, name: str) -> str:
    """The text inside the element with data-testid=name (not nested in its own tag)."""
    if isinstance(html, bytes):
        html = html.decode()
    match = re.search(rf'<(\w+)[^>]*data-testid="{name}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element with data-testid={name}"
    return text(match.group(2)).strip()


def by_id(html: bytes | str, element_id: str) -> str:
    """The text inside the element with ``id=element_id`` (not nested in its own tag)."""
    if isinstance(html, bytes):
        html = html.decode()
    match = re.search(rf'<(\w+)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element with id={element_id}"
    return text(match.group(2)).strip()
