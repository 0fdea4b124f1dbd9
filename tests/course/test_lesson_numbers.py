"""The capacity numbers the lessons teach, checked against the engine.

Request blocks pin their own cost with ``capacity=`` (check_lessons runs them); this file
covers what is written as prose: lesson 7's table and quiz answers, lesson 6's byte counts.
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


def costs(size: int) -> dict[str, float]:
    """What writing and reading an item of ``size`` bytes costs in the engine."""
    engine = Engine()
    engine.call(
        "CreateTable",
        {
            "TableName": "Sizes",
            "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
            "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
            "BillingMode": "PAY_PER_REQUEST",
        },
    )

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
