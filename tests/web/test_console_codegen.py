"""Code the workbench shows for a request, and the plain/DynamoDB JSON conversions."""

from __future__ import annotations

import ast
import shlex
from decimal import Decimal

import pytest

from dynalab.console import values
from dynalab.console.calls import split_error
from dynalab.console.codegen import cli_command, kebab_case, python_code, snake_case

REQUEST = {
    "TableName": "Orders",
    "KeyConditionExpression": "customer = :c AND order_date >= :d",
    "ExpressionAttributeValues": {":c": {"S": "ann's"}, ":d": {"S": "2024"}},
    "ScanIndexForward": False,
    "ConsistentRead": True,
    "Limit": 10,
}


def test_names_follow_boto3_and_the_cli() -> None:
    assert snake_case("BatchWriteItem") == "batch_write_item"
    assert kebab_case("KeyConditionExpression") == "key-condition-expression"


def test_python_code_is_valid_python_passing_the_same_request() -> None:
    code = python_code("Query", REQUEST, "http://127.0.0.1:8000/dynamodb/")

    tree = ast.parse(code)
    call = tree.body[-1].value
    assert call.func.attr == "query"
    assert {k.arg: ast.literal_eval(k.value) for k in call.keywords} == REQUEST


def test_cli_command_quotes_every_value_for_a_shell() -> None:
    command = cli_command("Query", REQUEST, "http://127.0.0.1:8000/dynamodb/")

    words = shlex.split(command.replace("\\\n", " "))
    assert words[:3] == ["aws", "dynamodb", "query"]
    assert words[words.index("--key-condition-expression") + 1] == REQUEST["KeyConditionExpression"]
    values_json = words[words.index("--expression-attribute-values") + 1]
    assert values_json == '{":c":{"S":"ann\'s"},":d":{"S":"2024"}}'
    assert "--no-scan-index-forward" in words
    assert "--consistent-read" in words
    assert words[words.index("--limit") + 1] == "10"
    assert "--no-paginate" in words
    assert words[-2:] == ["--endpoint-url", "http://127.0.0.1:8000/dynamodb/"]


def test_plain_json_becomes_typed_values_and_back() -> None:
    plain = values.parse_json_object(
        '{"n": 1.50, "ok": true, "none": null, "l": [1, "a"], "m": {}}'
    )

    typed = values.item_to_typed(plain)

    assert typed == {
        "n": {"N": "1.50"},
        "ok": {"BOOL": True},
        "none": {"NULL": True},
        "l": {"L": [{"N": "1"}, {"S": "a"}]},
        "m": {"M": {}},
    }
    assert values.item_to_plain(typed)["n"] == Decimal("1.50")
    assert values.dumps(values.item_to_plain(typed), indent=None) == (
        '{"n": 1.50, "ok": true, "none": null, "l": [1, "a"], "m": {}}'
    )


def test_sets_and_binary_make_plain_json_lossy() -> None:
    assert values.plain_is_lossless({"a": {"M": {"b": {"L": [{"S": "x"}]}}}})
    assert not values.plain_is_lossless({"a": {"SS": ["x"]}})
    assert not values.plain_is_lossless({"a": {"L": [{"B": "AA=="}]}})


def test_expression_values_may_be_typed_or_plain() -> None:
    parsed = values.parse_json_object('{":a": 5, ":b": {"N": "5"}, ":c": "x"}')

    assert values.values_to_typed(parsed) == {":a": {"N": "5"}, ":b": {"N": "5"}, ":c": {"S": "x"}}


@pytest.mark.parametrize("text", ["[1]", '"x"', "{", "{'a': 1}"])
def test_what_is_not_a_json_object_is_explained(text: str) -> None:
    with pytest.raises(values.ItemJSONError, match="The item"):
        values.parse_json_object(text)


def test_a_service_error_is_split_over_the_fields_it_names() -> None:
    error = split_error(
        "ValidationException",
        "2 validation errors detected: Value 'a' at 'tableName' failed to satisfy constraint: "
        "Member must have length greater than or equal to 3; Value '0' at "
        "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member must "
        "have value greater than or equal to 1",
        [("'tableName'", "name"), ("readCapacityUnits", "read")],
    )

    assert error.by_field["name"] == [
        "Value 'a' at 'tableName' failed to satisfy constraint: Member must have length "
        "greater than or equal to 3"
    ]
    assert error.by_field["read"][0].startswith("Value '0' at 'provisionedThroughput")
    assert error.general == []
