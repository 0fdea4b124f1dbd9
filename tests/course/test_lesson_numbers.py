"""The capacity numbers the lessons teach, checked against the engine.

Request blocks pin their own cost with ``capacity=`` (check_lessons runs them); this file
covers what is written as prose or asked in quizzes: lesson 7's table and answers, lesson 6's
byte counts, and the rates, batch, index and data-set costs of lessons 3 and 10 to 13.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from dynalab.course.lessons import load_lesson
from engine import Engine
from engine.values import item_size

LESSONS = Path(settings.BASE_DIR, "lessons")


def item_of(size: int, key: str = "k") -> dict:
    """An item of exactly ``size`` bytes: "id" + key, "body" + padding."""
    item = {"id": {"S": key}, "body": {"S": ""}}
    item["body"]["S"] = "x" * (size - item_size(item))
    assert item_size(item) == size
    return item


SIZES_TABLE = {
    "TableName": "Sizes",
    "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def costs(size: int) -> dict[str, float]:
    """What writing and reading an item of ``size`` bytes costs in the engine."""
    engine = Engine()
    engine.call("CreateTable", SIZES_TABLE)

    def units(operation: str, request: dict) -> float:
        response = engine.call(operation, {**request, "ReturnConsumedCapacity": "TOTAL"})
        capacity = response["ConsumedCapacity"]
        return (
            capacity[0]["CapacityUnits"]
            if isinstance(capacity, list)
            else capacity["CapacityUnits"]
        )

    key = {"id": {"S": "k"}}
    return {
        "write": units("PutItem", {"TableName": "Sizes", "Item": item_of(size)}),
        "strong": units("GetItem", {"TableName": "Sizes", "Key": key, "ConsistentRead": True}),
        "eventual": units("GetItem", {"TableName": "Sizes", "Key": key}),
        "transactional write": units(
            "TransactWriteItems",
            {"TransactItems": [{"Put": {"TableName": "Sizes", "Item": item_of(size)}}]},
        ),
        "transactional read": units(
            "TransactGetItems", {"TransactItems": [{"Get": {"TableName": "Sizes", "Key": key}}]}
        ),
    }


def kilobytes(text: str) -> int:
    return int(Decimal(text) * 1024)


TABLE_ROW = re.compile(
    r"^\| ([\d.]+) KB \| ([\d.]+) WCU \| ([\d.]+) RCU \| ([\d.]+) RCU \| ([\d.]+) WCU \|$", re.M
)


def test_lesson_7s_table_matches_the_engine() -> None:
    text = (LESSONS / "07-capacity-units.md").read_text()
    rows = TABLE_ROW.findall(text)
    assert [row[0] for row in rows] == ["0.5", "3", "8", "25"]
    for size, write, strong, eventual, transactional in rows:
        actual = costs(kilobytes(size))
        stated = {
            "write": float(write),
            "strong": float(strong),
            "eventual": float(eventual),
            "transactional write": float(transactional),
        }
        assert {k: actual[k] for k in stated} == stated, f"the {size} KB row"


QUIZ_COSTS = {
    "write-3kb": (3 * 1024, "write"),
    "read-8kb-strong": (8 * 1024, "strong"),
    "read-8kb-eventual": (8 * 1024, "eventual"),
    "write-25kb": (25 * 1024, "write"),
    "read-25kb-eventual": (25 * 1024, "eventual"),
    "transact-3kb": (3 * 1024, "transactional write"),
}


@pytest.mark.parametrize(("quiz_id", "case"), QUIZ_COSTS.items())
def test_lesson_7s_answers_match_the_engine(quiz_id: str, case: tuple[int, str]) -> None:
    quiz = load_lesson(LESSONS / "07-capacity-units.md").quiz(quiz_id)
    size, kind = case
    assert quiz is not None
    assert float(quiz.answer) == costs(size)[kind]


def test_the_25_kb_example_in_full() -> None:
    """The brief's worked example: 25 WCU to write; 7 RCU strong, 3.5 eventual to read."""
    assert costs(25 * 1024) == {
        "write": 25.0,
        "strong": 7.0,
        "eventual": 3.5,
        "transactional write": 50.0,
        "transactional read": 14.0,
    }


def test_lesson_6s_byte_counts() -> None:
    worked = {
        "id": {"S": "p-1"},
        "price": {"N": "12.5"},
        "tags": {"L": [{"S": "red"}, {"S": "cotton"}]},
        "inStock": {"BOOL": True},
    }
    assert item_size(worked) == 39
    assert "In all, 39 bytes." in (LESSONS / "06-item-size.md").read_text()
    quizzed = {
        "sku": {"S": "MUG-220"},
        "qty": {"N": "12"},
        "sizes": {"L": [{"S": "S"}, {"S": "M"}]},
    }
    quiz = load_lesson(LESSONS / "06-item-size.md").quiz("count-bytes")
    assert quiz is not None and quiz.answer == item_size(quizzed) == 27


def test_lesson_8s_scan_reads_the_bytes_its_quiz_quotes() -> None:
    import json

    requests = json.loads((LESSONS / "data" / "orders.json").read_text())
    items = [
        put["PutRequest"]["Item"]
        for request in requests
        if request["operation"] == "BatchWriteItem"
        for put in request["request"]["RequestItems"]["ShopOrders"]
    ]
    assert len(items) == 100
    assert sum(item_size(item) for item in items) == 30_425
    assert "30,425 bytes" in (LESSONS / "08-query-and-scan.md").read_text()


# --------------------------------------------------------------------------- lessons 3 and 7-13
def quiz_answer(lesson: str, quiz_id: str) -> float:
    quiz = load_lesson(LESSONS / lesson).quiz(quiz_id)
    assert quiz is not None, quiz_id
    return float(quiz.answer)


def consumed(response: dict) -> float:
    capacity = response["ConsumedCapacity"]
    entries = capacity if isinstance(capacity, list) else [capacity]
    return sum(entry["CapacityUnits"] for entry in entries)


def test_lesson_3s_growing_post_costs_what_its_quiz_says() -> None:
    engine = Engine()
    engine.call("CreateTable", {**SIZES_TABLE, "TableName": "Posts"})
    engine.call("PutItem", {"TableName": "Posts", "Item": item_of(40 * 1024)})
    response = engine.call(
        "UpdateItem",
        {
            "TableName": "Posts",
            "Key": {"id": {"S": "k"}},
            "UpdateExpression": "SET c = :c",
            "ExpressionAttributeValues": {":c": {"S": "x" * 199}},
            "ReturnConsumedCapacity": "TOTAL",
        },
    )
    assert consumed(response) == quiz_answer("03-nested-data.md", "comment-cost") == 41


def test_rate_quizzes_are_requests_a_second_times_units_a_request() -> None:
    assert quiz_answer("07-capacity-units.md", "size-by-rate") == 400 * costs(6 * 1024)["strong"]
    assert quiz_answer("11-sizing-throughput.md", "size-writes") == 120 * costs(2560)["write"]
    # The lesson's sizing table: 3 KB items, 50 writes and 200 eventual reads a second.
    three_kb = costs(3 * 1024)
    text = (LESSONS / "11-sizing-throughput.md").read_text()
    assert f"50 × 3 = **{50 * three_kb['write']:g} WCU**" in text
    assert f"200 × 0.5 = **{200 * three_kb['eventual']:g} RCU**" in text
    assert f"2 × 8 = **{2 * costs(8 * 1024)['write']:g} WCU**" in text


def test_lesson_10s_batch_read_quiz() -> None:
    engine = Engine()
    engine.call("CreateTable", SIZES_TABLE)
    keys = []
    for number in range(40):
        engine.call("PutItem", {"TableName": "Sizes", "Item": item_of(1024, key=f"k{number}")})
        keys.append({"id": {"S": f"k{number}"}})
    response = engine.call(
        "BatchGetItem",
        {"RequestItems": {"Sizes": {"Keys": keys}}, "ReturnConsumedCapacity": "TOTAL"},
    )
    assert consumed(response) == quiz_answer("10-batches-and-transactions.md", "batch-read-cost")


def test_lesson_13s_index_write_quiz() -> None:
    engine = Engine()
    engine.call(
        "CreateTable",
        {
            **SIZES_TABLE,
            "AttributeDefinitions": [
                {"AttributeName": "id", "AttributeType": "S"},
                {"AttributeName": "g", "AttributeType": "S"},
            ],
            "GlobalSecondaryIndexes": [
                {
                    "IndexName": "All",
                    "KeySchema": [{"AttributeName": "g", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                }
            ],
        },
    )
    item = item_of(2560 - 2)  # 2.5 KB once "g": "x" is added
    item["g"] = {"S": "x"}
    assert item_size(item) == 2560
    response = engine.call(
        "PutItem", {"TableName": "Sizes", "Item": item, "ReturnConsumedCapacity": "TOTAL"}
    )
    assert consumed(response) == quiz_answer("13-global-secondary-indexes.md", "index-write-cost")


def load_data(engine: Engine, name: str) -> None:
    import json

    for request in json.loads((LESSONS / "data" / name).read_text()):
        engine.call(request["operation"], request["request"])


def test_lesson_11s_telemetry_scan_costs_what_the_lesson_says() -> None:
    engine = Engine()
    load_data(engine, "telemetry.json")
    engine.call("UpdateTable", {"TableName": "Telemetry", "BillingMode": "PAY_PER_REQUEST"})
    strong = engine.call(
        "Scan",
        {"TableName": "Telemetry", "ConsistentRead": True, "ReturnConsumedCapacity": "TOTAL"},
    )
    eventual = engine.call("Scan", {"TableName": "Telemetry", "ReturnConsumedCapacity": "TOTAL"})
    assert strong["Count"] == 100 and "LastEvaluatedKey" not in strong  # one page
    assert (consumed(strong), consumed(eventual)) == (250, 125)
    assert (
        "costs 1,024,000 / 4,096 = **250 RCU**" in (LESSONS / "11-sizing-throughput.md").read_text()
    )


def test_lesson_13s_saga_writes_8_index_units_an_update() -> None:
    engine = Engine()
    load_data(engine, "tickets.json")
    engine.call(
        "UpdateTable",
        {
            "TableName": "Tickets",
            "AttributeDefinitions": [
                {"AttributeName": "customer", "AttributeType": "S"},
                {"AttributeName": "openedAt", "AttributeType": "S"},
            ],
            "GlobalSecondaryIndexUpdates": [
                {
                    "Create": {
                        "IndexName": "ByCustomer",
                        "KeySchema": [
                            {"AttributeName": "customer", "KeyType": "HASH"},
                            {"AttributeName": "openedAt", "KeyType": "RANGE"},
                        ],
                        "Projection": {"ProjectionType": "ALL"},
                        "ProvisionedThroughput": {
                            "ReadCapacityUnits": 1,
                            "WriteCapacityUnits": 500,
                        },
                    }
                }
            ],
        },
    )
    engine.clock.advance(60)  # the backfill
    response = engine.call(
        "UpdateItem",
        {
            "TableName": "Tickets",
            "Key": {"ticketId": {"S": "T-0099"}},
            "UpdateExpression": "ADD viewCount :one",
            "ExpressionAttributeValues": {":one": {"N": "1"}},
            "ReturnConsumedCapacity": "INDEXES",
        },
    )
    assert response["ConsumedCapacity"]["GlobalSecondaryIndexes"] == {
        "ByCustomer": {"CapacityUnits": 8.0}
    }
    text = " ".join((LESSONS / "13-global-secondary-indexes.md").read_text().split())
    assert (
        "writes 8 units to the index" in text and "50 such updates at once, 400 index units" in text
    )
