"""Lesson files for the course tests, built from small pieces so each test shows what it varies."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

FRONT: dict[str, Any] = {
    "title": "A test lesson",
    "summary": "What the test lesson is about.",
    "objectives": ["Learn one thing"],
    "minutes": 10,
}

CREATE_BOOKS = {
    "TableName": "Books",
    "AttributeDefinitions": [{"AttributeName": "isbn", "AttributeType": "S"}],
    "KeySchema": [{"AttributeName": "isbn", "KeyType": "HASH"}],
    "BillingMode": "PAY_PER_REQUEST",
}


def put_book(isbn: str = "1", **extra: Any) -> dict[str, Any]:
    item = {"isbn": {"S": isbn}}
    item.update({name: {"S": value} for name, value in extra.items()})
    return {"TableName": "Books", "Item": item}


def request_block(operation: str, body: dict[str, Any], info: str = "") -> str:
    fence = f"```request {info}".rstrip()
    return f"{fence}\n{operation}\n{json.dumps(body, indent=2)}\n```\n"


def yaml_block(kind: str, data: dict[str, Any]) -> str:
    return f"```{kind}\n{yaml.safe_dump(data, sort_keys=False, allow_unicode=True)}```\n"


def lab(
    lab_id: str = "books-lab",
    *,
    steps: list[dict[str, Any]] | None = None,
    title: str = "Stock the shelf",
) -> dict[str, Any]:
    """A valid two-step lab on the Books table, unless steps are given."""
    return {
        "id": lab_id,
        "title": title,
        "steps": steps
        if steps is not None
        else [
            {
                "text": "Create the `Books` table.",
                "check": {
                    "name": "table_exists",
                    "args": {"table": "Books", "partition_key": "isbn"},
                },
                "hints": ["Use CreateTable.", "The key is isbn, a string."],
                "solution": [{"operation": "CreateTable", "request": CREATE_BOOKS}],
            },
            {
                "text": "Put book **1**.",
                "check": {
                    "name": "item_exists",
                    "args": {"table": "Books", "key": {"isbn": {"S": "1"}}},
                },
                "hints": ["PutItem."],
                "solution": [{"operation": "PutItem", "request": put_book("1")}],
            },
        ],
    }


def quiz(quiz_id: str = "q1", **fields: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": quiz_id,
        "question": "How many WCUs does a 3 KB write cost?",
        "answer": 3,
        "unit": "WCU",
        "explanation": "One per started KB.",
    }
    data.update(fields)
    return data


def lesson_text(
    body: str, *, front: dict[str, Any] | None = None, labs: list[Any] | None = None
) -> str:
    data = dict(FRONT if front is None else front)
    if labs is not None:
        data["labs"] = labs
    return f"---\n{yaml.safe_dump(data, sort_keys=False, allow_unicode=True)}---\n{body}"


def write_lesson(folder: Path, name: str, body: str = "## Start\n\nText.\n", **kwargs: Any) -> Path:
    """A lesson file (the default body passes check_lessons only with a quiz: see
    ``QUIZ_BLOCK``)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(lesson_text(body, **kwargs), encoding="utf-8")
    return path


def get_book(isbn: str = "1") -> dict[str, Any]:
    return {"TableName": "Books", "Key": {"isbn": {"S": isbn}}}


def checked_lab(lab_id: str = "shelf-lab") -> dict[str, Any]:
    """A three-step lab on the Books table that follows every rule check_lessons enforces:
    each step fails before its work (even with the lesson's request blocks run again) and
    passes after its solution, from wherever a straying learner stands."""
    return {
        "id": lab_id,
        "title": "Shelve a book",
        "steps": [
            {
                "text": "Put book **1**.",
                "check": {
                    "name": "item_exists",
                    "args": {"table": "Books", "key": {"isbn": {"S": "1"}}},
                },
                "hints": ["PutItem, with isbn 1."],
                "solution": [
                    {"operation": "CreateTable", "request": CREATE_BOOKS},
                    {"operation": "PutItem", "request": put_book("1")},
                ],
            },
            {
                "text": "Give book 1 a `title` with **UpdateItem**.",
                "checks": [
                    {
                        "name": "attribute_present",
                        "args": {
                            "table": "Books",
                            "key": {"isbn": {"S": "1"}},
                            "attribute": "title",
                        },
                    },
                    {
                        "name": "item_written_by",
                        "args": {
                            "table": "Books",
                            "key": {"isbn": {"S": "1"}},
                            "operation": "UpdateItem",
                        },
                    },
                ],
                "hints": ["SET title = :t"],
                "solution": [
                    {
                        "operation": "UpdateItem",
                        "request": {
                            "TableName": "Books",
                            "Key": {"isbn": {"S": "1"}},
                            "UpdateExpression": "SET title = :t",
                            "ExpressionAttributeValues": {":t": {"S": "Dune"}},
                        },
                    }
                ],
                "counterexamples": [
                    {"operation": "PutItem", "request": put_book("1", title="Dune")},
                ],
            },
            {
                "text": "Read book 1 back with **GetItem**.",
                "check": {
                    "name": "last_operation_succeeded",
                    "args": {"operation": "GetItem", "table": "Books", "key": {"isbn": {"S": "1"}}},
                },
                "hints": ["GetItem with the key."],
                "solution": [{"operation": "GetItem", "request": get_book("1")}],
            },
        ],
    }


def checked_lesson(
    folder: Path,
    name: str = "01-shelf.md",
    *,
    lab_data: dict[str, Any] | None = None,
    **kwargs: Any,
) -> Path:
    """A lesson that passes check_lessons: a request block, a lab (``checked_lab`` unless
    given) and a quiz."""
    the_lab = lab_data if lab_data is not None else checked_lab()
    body = (
        "## Books\n\nCreate the table.\n\n"
        + request_block("CreateTable", CREATE_BOOKS)
        + "\n## Lab\n\n"
        + yaml_block("lab", the_lab)
        + "\n## Quiz\n\n"
        + yaml_block("quiz", quiz())
    )
    return write_lesson(folder, name, body, labs=[the_lab["id"]], **kwargs)


QUIZ_BLOCK = (
    "```quiz\nid: q0\nquestion: How many WCUs does a 3 KB write cost?\nanswer: 3\n"
    "explanation: One per started KB.\n```\n"
)


def lab_lesson(folder: Path, name: str = "01-books.md", **lab_fields: Any) -> Path:
    """A lesson holding one request block and the standard (two-step, rule-breaking) lab:
    for the pages and progress tests, not for check_lessons."""
    the_lab = lab(**lab_fields)
    body = (
        "## Books\n\nCreate the table.\n\n"
        + request_block("CreateTable", CREATE_BOOKS)
        + "\n## Lab\n\n"
        + yaml_block("lab", the_lab)
    )
    return write_lesson(folder, name, body, labs=[the_lab["id"]])
