"""Every workbench form and page, fed random and hostile input, answers with a page (4xx at
worst), never a 500: JSON nested past the service's depth, integers longer than Python parses,
lone surrogates, U+0000, invalid UTF-8, markup, numbers out of range.

The registry below names every view of the console with the fields it reads; a test keeps it
complete, so a new form cannot be left out.
"""

from __future__ import annotations

import json
from urllib.parse import quote

import pytest
from django.test import Client
from django.urls import URLPattern, reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dynalab.console import urls as console_urls
from tests.support.workbench import HTMX, create_table, execute

CREATE_TABLE_FIELDS = [
    "table_name",
    "partition_key_name",
    "partition_key_type",
    "sort_key_name",
    "sort_key_type",
    "billing_mode",
    "read_capacity",
    "write_capacity",
    "stream_view_type",
    "ttl_attribute",
    "pitr",
    "pitr_days",
    "gsi_0_name",
    "gsi_0_pk",
    "gsi_0_pk_type",
    "gsi_0_sk",
    "gsi_0_sk_type",
    "gsi_0_projection",
    "gsi_0_include",
    "lsi_0_name",
    "lsi_0_sk",
    "lsi_0_projection",
    "lsi_0_include",
]
READ_FIELDS = [
    "mode",
    "table",
    "index",
    "pk",
    "sk_op",
    "sk",
    "sk2",
    "key_condition",
    "filter",
    "projection",
    "names",
    "values",
    "limit",
    "consistent",
    "order",
    "start",
    "view",
]
ADD_INDEX_FIELDS = [
    "index_name",
    "partition_key_name",
    "partition_key_type",
    "sort_key_name",
    "sort_key_type",
    "projection",
    "include",
    "read_capacity",
    "write_capacity",
]

#: URL name -> (path arguments, {method: fields it reads}). Each path argument is a list of
#: values to try, the one that exists first.
TABLE = ["Orders", "Nope", "Orders\x00", "x" * 300]
INDEX = ["ByStatus", "Nope", "ByTotal"]
REGISTRY: dict[str, tuple[list[list[str]], dict[str, list[str]]]] = {
    "home": ([], {"GET": []}),
    "engine_probe": ([], {"POST": []}),
    "tables": ([], {"GET": ["format"]}),
    "create_table": ([], {"GET": ["format"], "POST": CREATE_TABLE_FIELDS}),
    "items": ([TABLE], {"GET": ["start", "view", "format"]}),
    "delete_table": ([TABLE], {"GET": []}),
    "item_new": ([TABLE], {"GET": ["format"], "POST": ["item", "format"]}),
    "item_edit": ([TABLE], {"GET": ["key", "format"], "POST": ["key", "item", "format"]}),
    "item_delete": ([TABLE], {"GET": ["key"], "POST": ["key"]}),
    "bookshelf": ([TABLE], {"GET": READ_FIELDS}),
    "throughput": ([TABLE], {"GET": ["format"], "POST": ["count", "size_kb"]}),
    "indexes": ([TABLE], {"GET": ["format"], "POST": ADD_INDEX_FIELDS}),
    "index_detail": ([TABLE, INDEX], {"GET": ["offset", "value", "format"], "POST": ["item"]}),
    "delete_index": ([TABLE, INDEX], {"GET": ["format"]}),
    "stream": (
        [TABLE],
        {"GET": ["shard", "position", "stream", "format"], "POST": ["view_type", "disable"]},
    ),
    "create_trigger": (
        [TABLE],
        {
            "POST": [
                "handler",
                "target",
                "group_by",
                "operation",
                "attribute",
                "batch_size",
                "starting_position",
            ]
        },
    ),
    "delete_trigger": ([TABLE], {"POST": ["trigger_id"]}),
    "ttl": ([TABLE], {"GET": ["format"], "POST": ["attribute", "disable"]}),
    "backups": (
        [TABLE],
        {
            "GET": ["format"],
            "POST": [
                "action",
                "backup_name",
                "days",
                "at",
                "at_mark",
                "at_epoch",
                "target",
                "backup_arn",
            ],
        },
    ),
    "diff": ([TABLE], {"GET": ["against", "format"]}),
    "run": (
        [],
        {
            "GET": ["operation", "request", "table", "template", "format"],
            "POST": ["operation", "request", "table"],
        },
    ),
    "query": ([], {"GET": [*READ_FIELDS, "format"]}),
    "compare": ([], {"GET": [*READ_FIELDS, "format"]}),
    "load_sample": ([["orders", "nope"]], {"POST": ["step"]}),
    "clock": ([], {"GET": ["format"]}),
    "advance_clock": ([], {"POST": ["seconds", "next"]}),
    "simulation": ([], {"POST": ["gsi_lag", "ttl_delay", "next"]}),
    "reset_sandbox": ([], {"GET": []}),
    "activity": ([], {"GET": ["all", "format"]}),
    "dax": ([], {"GET": ["format"], "POST": ["name", "node_type", "nodes", "parameter_group"]}),
    "dax_parameter_groups": (
        [],
        {"POST": ["name", "record_ttl_millis", "query_ttl_millis"]},
    ),
    "dax_cluster": ([["books-cache", "nope"]], {"GET": ["format"]}),
    "dax_nodes": ([["books-cache", "nope"]], {"POST": ["nodes"]}),
    "dax_delete": ([["books-cache", "nope"]], {"POST": []}),
    "dax_stale_read": ([["books-cache", "nope"]], {"POST": ["table", "action"]}),
    "replication": (
        [TABLE],
        {"GET": ["format"], "POST": ["action", "region", "seconds"]},
    ),
    "switch_region": ([], {"POST": ["region", "next"]}),
}
#: Forms left out of the random runs, with the reason (each has tests of its own).
NOT_RANDOMISED = {
    ("delete_table", "POST"): "it deletes the table every other form needs",
    ("delete_index", "POST"): "it deletes the index the index forms need",
    ("reset_sandbox", "POST"): "it empties the sandbox every other form needs",
}

#: Hostile values a learner (or a script) can type: every one has broken a form somewhere.
NASTY = [
    "",
    "0",
    "-1",
    "1.5",
    "9" * 5000,  # more digits than int() parses
    "1e400",
    "nan",
    "inf",
    "[" * 3000,
    '{"a":' * 200 + "1" + "}" * 200,
    '{"pk": {"S": "\\ud800"}}',  # a lone surrogate, as JSON writes it
    '{"S": "\\ud800"}',
    '"\\udfff"',
    "\x00",
    '{"pk": {"S": "\\u0000"}}',
    '{"customer": "ann", "order_date": "2024", "note": "\\u0000"}',
    '{"customer": "ann", "order_date": "2024", "n": ' + "9" * 5000 + "}",
    '{"customer": {"S": "ann"}, "order_date": {"S": "2024"}}',
    "<script>alert(1)</script>",
    "x" * 20000,
    "Orders",
    "ByStatus",
    "query",
    "scan",
    "=",
    "BETWEEN",
    "NEW_AND_OLD_IMAGES",
    "INCLUDE",
    "PROVISIONED",
    "copy_to_table",
    "running_aggregate",
    "restore_pitr",
    "backup",
    "pitr_on",
    "2025-01-01 00:00:00",
    "60",
    "3600",
    "spread",
    "json",
    "1",
    "trim_horizon",
    "latest",
    "https://example.com/",
    "not-a-path",
    "//evil.example/",
    "GetItem",
    "UpdateSimulationSettings",
    "{}",
    "[]",
    "null",
]
VALUES = st.one_of(st.sampled_from(NASTY), st.text(max_size=60), st.integers().map(str))


def _encode(value: str) -> str:
    # Lone surrogates cannot be UTF-8: send the bytes a broken client would.
    return quote(value.encode("utf-8", "surrogatepass"), safe="")


def _body(fields: dict[str, str]) -> str:
    return "&".join(f"{_encode(name)}={_encode(value)}" for name, value in fields.items())


@pytest.fixture
def sandbox_with_everything(transactional_db: None) -> Client:
    """A learner with a table that has a GSI, a stream, TTL, PITR and a backup."""
    client = Client()
    create_table(
        client,
        "Orders",
        gsi_0_name="ByStatus",
        gsi_0_pk="status",
        stream_view_type="NEW_AND_OLD_IMAGES",
        ttl_attribute="exp",
        pitr="on",
    )
    execute(
        client,
        "PutItem",
        {
            "TableName": "Orders",
            "Item": {
                "customer": {"S": "ann"},
                "order_date": {"S": "2024"},
                "status": {"S": "open"},
                "exp": {"N": "1"},
            },
        },
    )
    execute(client, "CreateBackup", {"TableName": "Orders", "BackupName": "snap"})
    return client


CASES = [
    (name, method)
    for name, (_, methods) in REGISTRY.items()
    for method in methods
    if (name, method) not in NOT_RANDOMISED
]


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_input_makes_a_form_fail(
    sandbox_with_everything: Client, name: str, method: str, data: st.DataObject
) -> None:
    client = sandbox_with_everything
    arguments, methods = REGISTRY[name]
    path_args = [data.draw(st.sampled_from(values)) for values in arguments]
    fields = {
        field: data.draw(VALUES, label=field)
        for field in methods[method]
        if data.draw(st.booleans(), label=f"send {field}")
    }
    url = reverse(f"console:{name}", args=path_args)
    htmx = HTMX if data.draw(st.booleans(), label="htmx") else {}
    if method == "GET":
        response = client.get(url + "?" + _body(fields), **htmx)
    else:
        response = client.post(
            url, _body(fields), content_type="application/x-www-form-urlencoded", **htmx
        )
    assert response.status_code < 500, (name, method, fields, response.content[:3000])


def test_the_registry_names_every_console_view() -> None:
    names = {
        pattern.name for pattern in console_urls.urlpatterns if isinstance(pattern, URLPattern)
    }
    assert names == set(REGISTRY)


def test_the_nasty_values_are_what_they_claim() -> None:
    """The list holds a lone surrogate, U+0000, too many digits and too deep nesting."""
    assert any("\\ud800" in value for value in NASTY)
    assert any("\x00" in value or "\\u0000" in value for value in NASTY)
    with pytest.raises(ValueError):
        int("9" * 5000)
    with pytest.raises(RecursionError):
        json.loads("[" * 3000 + "]" * 3000)


#: The values that broke forms before, each sent in every field of every form at once.
DANGEROUS = [
    "9" * 5000,
    "[" * 3000,
    '{"pk": {"S": "\\ud800"}}',
    '{"customer": "ann", "order_date": "2024", "note": "\\u0000"}',
    "\x00",
    "not-a-path",
]


@pytest.mark.parametrize(("name", "method"), CASES, ids=[f"{n}-{m}" for n, m in CASES])
def test_the_values_that_broke_forms_break_none(
    sandbox_with_everything: Client, name: str, method: str
) -> None:
    client = sandbox_with_everything
    arguments, methods = REGISTRY[name]
    path_args = [values[0] for values in arguments]
    url = reverse(f"console:{name}", args=path_args)
    for value in DANGEROUS:
        fields = {field: value for field in methods[method]}
        if method == "GET":
            response = client.get(url + "?" + _body(fields))
        else:
            response = client.post(
                url, _body(fields), content_type="application/x-www-form-urlencoded"
            )
        assert response.status_code < 500, (name, method, value[:40])
