"""What lessons 13 and 16-23 claim in prose and quizzes, checked against the engine.

Request blocks pin their costs with ``capacity=`` (check_lessons runs them); this file pins the
rest: the counts the text says a request returns, and the numbers quizzes ask for.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings

from dynalab.course.lessons import load_lesson
from dynalab.course.rehearsal import Rehearsal
from dynalab.course.validation import _request_blocks, _setup

LESSONS = Path(settings.BASE_DIR, "lessons")


def lesson(name: str) -> Any:
    loaded = load_lesson(LESSONS / name)
    assert not loaded.problems, loaded.problems
    return loaded


def quiz_answer(name: str, quiz_id: str) -> Any:
    found = lesson(name).quiz(quiz_id)
    assert found is not None
    return found.answer


def test_lesson_13s_lag_hides_a_new_item_from_the_index_until_the_clock_passes_it() -> None:
    rehearsal = Rehearsal()
    current = lesson("13-global-secondary-indexes.md")
    _setup(rehearsal, current)
    counts = []
    for block in _request_blocks(current):
        if block.repeat > 1:
            continue
        answer = rehearsal.execute(block.operation, block.body) if not block.expect else None
        if block.operation == "Query" and block.body.get("ExpressionAttributeValues", {}).get(
            ":c"
        ) == {"S": "desks"}:
            counts.append(answer["Count"])
    assert counts == [0, 1]
    with rehearsal.sandbox.inspecting() as view:
        assert view.simulation_settings().gsi_propagation_delay == 0  # left as it was


def test_lesson_16s_account_page_is_the_profile_and_ten_orders() -> None:
    rehearsal = Rehearsal()
    _setup(rehearsal, lesson("16-single-table-design.md"))
    page = rehearsal.execute(
        "Query",
        {
            "TableName": "Store",
            "KeyConditionExpression": "pk = :c",
            "ExpressionAttributeValues": {":c": {"S": "CUSTOMER#ana"}},
            "ScanIndexForward": False,
            "Limit": 11,
        },
    )
    keys = [item["sk"]["S"] for item in page["Items"]]
    assert keys[0] == "PROFILE" and len(keys) == 11
    assert all(key.startswith("ORDER#") for key in keys[1:]) and keys[1:] == sorted(keys[1:])[::-1]
    assert "LastEvaluatedKey" in page  # older orders on the next page, as the text says


def test_lesson_16s_collision_quiz_leaves_one_order() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute(
        "CreateTable",
        {
            "TableName": "Orders",
            "AttributeDefinitions": [
                {"AttributeName": "customer", "AttributeType": "S"},
                {"AttributeName": "orderDate", "AttributeType": "S"},
            ],
            "KeySchema": [
                {"AttributeName": "customer", "KeyType": "HASH"},
                {"AttributeName": "orderDate", "KeyType": "RANGE"},
            ],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    for total in ("20", "35"):
        item = {"customer": {"S": "ana"}, "orderDate": {"S": "2024-05-01"}, "total": {"N": total}}
        rehearsal.execute("PutItem", {"TableName": "Orders", "Item": item})
    count = rehearsal.execute("Scan", {"TableName": "Orders"})["Count"]
    assert count == quiz_answer("16-single-table-design.md", "collide") == 1


def test_lesson_17s_records_quiz_counts_only_writes_that_change_an_item() -> None:
    rehearsal = Rehearsal()
    rehearsal.execute(
        "CreateTable",
        {
            "TableName": "Users",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
            "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "KEYS_ONLY"},
        },
    )
    rehearsal.execute(
        "PutItem", {"TableName": "Users", "Item": {"id": {"S": "u1"}, "plan": {"S": "free"}}}
    )
    rehearsal.execute(
        "UpdateItem",
        {
            "TableName": "Users",
            "Key": {"id": {"S": "u1"}},
            "UpdateExpression": "SET #p = :p",
            "ExpressionAttributeNames": {"#p": "plan"},
            "ExpressionAttributeValues": {":p": {"S": "free"}},
        },
    )
    rehearsal.execute(
        "ExecuteStatement", {"Statement": "UPDATE Users SET plan = 'pro' WHERE id = 'u1'"}
    )
    rehearsal.execute("DeleteItem", {"TableName": "Users", "Key": {"id": {"S": "nobody"}}})
    with rehearsal.sandbox.inspecting() as view:
        (stream,) = view.streams("Users")
        records = [
            record.event_name
            for shard in stream.shards
            for record in view.stream_records(stream.arn, shard.shard_id, count=100)
        ]
    assert records == ["INSERT", "MODIFY"]
    assert len(records) == quiz_answer("17-streams-and-triggers.md", "records-made")


def test_lesson_18s_expired_cart_is_returned_and_the_filter_hides_it() -> None:
    answers = dict(
        (block.operation, answer)
        for block, answer in zip(
            _request_blocks(lesson("18-time-to-live.md")),
            _responses("18-time-to-live.md"),
            strict=True,
        )
    )
    assert "Item" in answers["GetItem"]  # expired ten minutes ago, still there
    assert answers["Scan"]["Count"] == 0 and answers["Scan"]["ScannedCount"] == 1


def _responses(name: str) -> list[Any]:
    current = lesson(name)
    rehearsal = Rehearsal()
    _setup(rehearsal, current)
    return [rehearsal.execute(b.operation, b.body) for b in _request_blocks(current)]


def test_lesson_20s_hit_rate_quiz() -> None:
    """2,000 reads a second at a 90% hit rate: the misses, each an eventually consistent read
    of a small item, and a hit that costs the table nothing."""
    rehearsal = Rehearsal()
    _setup(rehearsal, lesson("20-dax.md"))
    miss = rehearsal.execute(
        "GetItem",
        {
            "TableName": "Products",
            "Key": {"productId": {"S": "p-lamp"}},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )["ConsumedCapacity"]["CapacityUnits"]
    rehearsal.execute(
        "CreateCluster",
        {
            "ClusterName": "c1",
            "NodeType": "dax.t3.small",
            "ReplicationFactor": 1,
            "IamRoleArn": "arn:aws:iam::123456789012:role/DAXServiceRole",
        },
    )
    rehearsal.wait(60)
    request = {
        "TableName": "Products",
        "Key": {"productId": {"S": "p-lamp"}},
        "ReturnConsumedCapacity": "TOTAL",
    }
    through = {"ClusterName": "c1", "Operation": "GetItem", "Request": request}
    rehearsal.execute("CallThroughDax", through)
    hit = rehearsal.execute("CallThroughDax", through)
    assert hit["Dax"]["Outcome"] == "hit"
    assert hit["Response"]["ConsumedCapacity"]["CapacityUnits"] == 0
    assert 2000 * 0.10 * miss == quiz_answer("20-dax.md", "dax-saved") == 100


def test_lesson_22s_year_statement_scans_the_library_for_two_books() -> None:
    responses = _responses("22-security-monitoring-toolbox.md")
    by_year = responses[1]
    assert len(by_year["Items"]) == 2
    with_key = responses[0]
    assert len(with_key["Items"]) == 4  # Terry Pratchett's books


def test_lesson_21s_cost_quiz_bills_every_region_that_applies_a_write() -> None:
    """One 1.5 KB write to a global table of three replicas: 2 replicated write units in
    each Region, 6 in all; 100 such writes a second, 600."""
    rehearsal = Rehearsal()
    rehearsal.execute(
        "CreateTable",
        {
            "TableName": "Profiles",
            "AttributeDefinitions": [{"AttributeName": "userId", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "userId", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )
    for region in ("eu-west-1", "ap-southeast-2"):
        rehearsal.execute(
            "UpdateTable",
            {"TableName": "Profiles", "ReplicaUpdates": [{"Create": {"RegionName": region}}]},
        )
        rehearsal.wait(30)
    item = {"userId": {"S": "zoe"}, "bio": {"S": "x" * 1500}}
    rehearsal.execute("PutItem", {"TableName": "Profiles", "Item": item})
    rehearsal.wait(5)
    with rehearsal.sandbox.inspecting() as view:
        replication = view.replication("Profiles")
    assert replication is not None
    billed = {replica.region: replica.replicated_write_units for replica in replication.replicas}
    units = sum(billed.values())
    assert units == 6
    assert 100 * units == quiz_answer("21-global-tables.md", "gt-cost")
