"""CreateTable, UpdateTable and DeleteTable as the service words and shapes them: attribute
definitions, multi-attribute index keys, INCLUDE projections, index updates, DeleteTable's answer."""

from __future__ import annotations

from typing import Any

import pytest

from engine import Engine, catalog
from tests.support.engine import create_table, error_of, s

INVALID = "One or more parameter values were invalid: "


def definitions(*names: str, kind: str = "S") -> list[dict[str, str]]:
    return [{"AttributeName": name, "AttributeType": kind} for name in names]


def keys(*elements: tuple[str, str]) -> list[dict[str, str]]:
    return [{"AttributeName": name, "KeyType": kind} for name, kind in elements]


def gsi(name: str, *elements: tuple[str, str], **projection: Any) -> dict[str, Any]:
    return {
        "IndexName": name,
        "KeySchema": keys(*elements),
        "Projection": projection or {"ProjectionType": "ALL"},
    }


def table_with(indexes: list[dict[str, Any]], attributes: list[dict[str, str]]) -> dict[str, Any]:
    return {
        "TableName": "Games",
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": attributes,
        "KeySchema": keys(("pk", "HASH")),
        "GlobalSecondaryIndexes": indexes,
    }


def test_a_duplicated_attribute_definition_is_named(engine: Engine) -> None:
    request = table_with(
        [gsi("by-x", ("x", "HASH"))], definitions("pk", "x") + definitions("x", kind="N")
    )
    error = error_of(engine, "CreateTable", request)
    assert (error.code, error.message) == ("ValidationException", "Attribute Name is duplicated: x")


def test_a_gsi_may_key_on_two_hash_attributes_and_no_range(engine: Engine) -> None:
    request = table_with(
        [gsi("by-pair", ("a", "HASH"), ("b", "HASH"))], definitions("pk", "a", "b")
    )
    engine.call("CreateTable", request)
    item = {"pk": s("1"), "a": s("x"), "b": s("y")}
    engine.call("PutItem", {"TableName": "Games", "Item": item})
    found = engine.call(
        "Query",
        {
            "TableName": "Games",
            "IndexName": "by-pair",
            "KeyConditionExpression": "a = :a AND b = :b",
            "ExpressionAttributeValues": {":a": s("x"), ":b": s("y")},
        },
    )
    assert found["Items"] == [item]


@pytest.mark.parametrize(
    ("elements", "message"),
    [
        (
            (("a", "HASH"), ("c", "RANGE"), ("b", "HASH")),
            INVALID + "All HASH key attributes must precede RANGE key attributes in the KeySchema",
        ),
        (
            tuple((name, "HASH") for name in "abcde"),
            INVALID + "The KeySchema exceeds the maximum allowed number of HASH key attributes",
        ),
        (
            (("a", "HASH"),) + tuple((name, "RANGE") for name in "bcdef"),
            INVALID + "The KeySchema exceeds the maximum allowed number of RANGE key attributes",
        ),
        (
            (("a", "HASH"), ("a", "HASH")),
            "The KeySchema contains multiple key attributes with the same name",
        ),
    ],
)
def test_multi_attribute_key_schema_errors(
    engine: Engine, elements: tuple[tuple[str, str], ...], message: str
) -> None:
    names = sorted({name for name, _ in elements})
    error = error_of(
        engine, "CreateTable", table_with([gsi("idx", *elements)], definitions("pk", *names))
    )
    assert (error.code, error.message) == ("ValidationException", message)


def test_multi_attribute_key_types_are_all_checked_on_write(engine: Engine) -> None:
    attributes = definitions("pk", "a") + definitions("b", "c", kind="N")
    request = table_with([gsi("idx", ("a", "HASH"), ("b", "HASH"), ("c", "RANGE"))], attributes)
    engine.call("CreateTable", request)
    for name in ("b", "c"):
        item = {"pk": s("1"), "a": s("x"), "b": {"N": "1"}, "c": {"N": "2"}, name: s("oops")}
        error = error_of(engine, "PutItem", {"TableName": "Games", "Item": item})
        assert error.message == (
            INVALID + f"Type mismatch for Index Key {name} Expected: N Actual: S IndexName: idx"
        )


def include(*names: Any) -> dict[str, Any]:
    return {"ProjectionType": "INCLUDE", "NonKeyAttributes": list(names)}


def test_include_projection_rules(engine: Engine) -> None:
    def create(*indexes: dict[str, Any]) -> Any:
        attributes = definitions(
            "pk", *sorted({i["KeySchema"][0]["AttributeName"] for i in indexes})
        )
        return error_of(engine, "CreateTable", table_with(list(indexes), attributes))

    error = create({**gsi("idx", ("a", "HASH")), "Projection": include("x", "y", "x")})
    assert error.message == INVALID + "Duplicate element in NonKeyAttributes: x"
    error = create({**gsi("idx", ("a", "HASH")), "Projection": include("x", 7)})
    assert (error.code, error.message) == (
        "SerializationException",
        "NUMBER_VALUE can not be converted to String",
    )
    error = create({**gsi("idx", ("a", "HASH")), "Projection": include("x" * 256)})
    assert error.message == (
        "1 validation error detected: Value '[" + "x" * 256 + "]' at "
        "'globalSecondaryIndexes.1.member.projection.nonKeyAttributes' failed to satisfy "
        "constraint: Member must satisfy constraint: [Member must have length less than or "
        "equal to 255, Member must have length greater than or equal to 1]"
    )
    error = create(
        {**gsi("idx", ("a", "HASH")), "Projection": include(*(f"n{i}" for i in range(21)))}
    )
    assert "Member must have length less than or equal to 20" in error.message
    error = create({**gsi("idx", ("a", "HASH")), "Projection": {"ProjectionType": "INCLUDE"}})
    assert (
        error.message
        == INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified"
    )
    # 100 projected attributes across all indexes at most, the same name counting each time.
    five = [
        {**gsi(f"idx{i}", (f"k{i}", "HASH")), "Projection": include(*(f"n{j}" for j in range(20)))}
        for i in range(5)
    ]
    engine.call("CreateTable", table_with(five, definitions("pk", *(f"k{i}" for i in range(5)))))
    sixth = {**gsi("idx5", ("k5", "HASH")), "Projection": include("n0")}
    error = create(*five, sixth)
    assert (
        error.message
        == INVALID + "Number of projected attributes in all indexes exceeds limit of 100"
    )
    update = {
        "TableName": "Games",
        "AttributeDefinitions": definitions("k5"),
        "GlobalSecondaryIndexUpdates": [{"Create": sixth}],
    }
    assert error_of(engine, "UpdateTable", update).message == error.message


def books_with_gsi(engine: Engine) -> None:
    create_table(
        engine,
        AttributeDefinitions=definitions("pk", "author"),
        GlobalSecondaryIndexes=[gsi("by-author", ("author", "HASH"))],
    )


def update_indexes(engine: Engine, updates: Any, **extra: Any) -> Any:
    return engine.call(
        "UpdateTable", {"TableName": "Books", "GlobalSecondaryIndexUpdates": updates, **extra}
    )


def update_error(engine: Engine, updates: Any, **extra: Any) -> Any:
    request = {"TableName": "Books", "GlobalSecondaryIndexUpdates": updates, **extra}
    return error_of(engine, "UpdateTable", request)


def test_global_secondary_index_update_errors(engine: Engine) -> None:
    books_with_gsi(engine)
    assert (
        update_error(engine, []).message == INVALID + "List of GlobalSecondaryIndexUpdates is empty"
    )
    assert update_error(engine, [{"Rename": {"IndexName": "by-author"}}]).message == (
        INVALID + "One of GlobalSecondaryIndexUpdate.Update, GlobalSecondaryIndexUpdate.Create, "
        "GlobalSecondaryIndexUpdate.Delete must not be null"
    )
    both = {"Update": {"IndexName": "by-author"}, "Delete": {"IndexName": "by-author"}}
    assert update_error(engine, [both]).message == (
        INVALID + "Only one global secondary index action is allowed per "
        "GlobalSecondaryIndexUpdate object"
    )
    create = {"Create": gsi("by-title", ("title", "HASH"))}
    assert update_error(engine, [create]).message == (
        INVALID + "AttributeDefinitions is not specified for index: by-title"
    )
    again = {"Create": gsi("by-author", ("author", "HASH"))}
    error = update_error(engine, [again], AttributeDefinitions=definitions("author"))
    assert error.message == "Attempting to create an index which already exists"


def test_a_new_index_needs_its_keys_defined_in_the_request(engine: Engine) -> None:
    books_with_gsi(engine)
    # "pk" is defined on the table, but this request defines only "title".
    create = {"Create": gsi("by-both", ("title", "HASH"), ("pk", "RANGE"))}
    error = update_error(engine, [create], AttributeDefinitions=definitions("title"))
    assert error.message == (
        INVALID + "Some index key attributes are not defined in AttributeDefinitions. "
        "Keys: [title, pk], AttributeDefinitions: [title]"
    )
    assert (
        len(engine.call("DescribeTable", {"TableName": "Books"})["Table"]["GlobalSecondaryIndexes"])
        == 1
    )


def test_redefining_a_key_attribute_with_another_type_keeps_the_table_type(engine: Engine) -> None:
    books_with_gsi(engine)
    create = {"Create": gsi("by-author-2", ("author", "HASH"))}
    update_indexes(engine, [create], AttributeDefinitions=definitions("author", kind="N"))
    described = engine.call("DescribeTable", {"TableName": "Books"})["Table"]
    assert {"AttributeName": "author", "AttributeType": "S"} in described["AttributeDefinitions"]
    assert len(described["GlobalSecondaryIndexes"]) == 2
    # Items keyed by a string author are still accepted by both indexes.
    engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s("1"), "author": s("Le Guin")}})


def test_delete_table_answers_without_schema_or_indexes(engine: Engine) -> None:
    books_with_gsi(engine)
    deleted = engine.call("DeleteTable", {"TableName": "Books"})["TableDescription"]
    assert deleted["TableStatus"] == "DELETING"
    for absent in (
        "AttributeDefinitions",
        "KeySchema",
        "CreationDateTime",
        "GlobalSecondaryIndexes",
    ):
        assert absent not in deleted
    for present in ("TableName", "TableArn", "TableId", "ItemCount", "TableSizeBytes"):
        assert present in deleted
    assert deleted["BillingModeSummary"]["BillingMode"] == "PAY_PER_REQUEST"


def test_a_backfill_leaves_out_items_whose_new_key_is_empty_or_too_long(engine: Engine) -> None:
    create_table(engine)
    authors = {"ok": s("Le Guin"), "empty": s(""), "long": s("x" * 2049), "binary": {"B": ""}}
    for pk, author in authors.items():
        engine.call("PutItem", {"TableName": "Books", "Item": {"pk": s(pk), "author": author}})
    create = {"Create": gsi("by-author", ("author", "HASH"))}
    update_indexes(engine, [create], AttributeDefinitions=definitions("author"))
    engine.clock.advance(10)
    index = engine.call("DescribeTable", {"TableName": "Books"})["Table"]["GlobalSecondaryIndexes"][
        0
    ]
    assert (index["IndexStatus"], index["ItemCount"]) == ("ACTIVE", 1)
    scanned = engine.call("Scan", {"TableName": "Books", "IndexName": "by-author"})
    assert [item["pk"] for item in scanned["Items"]] == [s("ok")]
    # Once the index exists, such a value is refused on write.
    error = error_of(
        engine, "PutItem", {"TableName": "Books", "Item": {"pk": s("new"), "author": s("")}}
    )
    assert error.code == "ValidationException"
    assert "IndexName: by-author, IndexKey: author" in error.message


def tag(key: str, value: str = "v") -> dict[str, str]:
    return {"Key": key, "Value": value}


def test_tag_keys_and_values_use_the_documented_characters(engine: Engine) -> None:
    arn = create_table(engine)["TableDescription"]["TableArn"]
    fine = [tag("Team name", "a+b-c=d.e_f:g/h"), tag("émoi 7", ""), tag("x" * 128, "y" * 256)]
    engine.call("TagResource", {"ResourceArn": arn, "Tags": fine})
    for tags, message in (
        ([tag("hi!")], "The Tag Key provided is invalid, Key: hi!"),
        ([tag("ok", "d%g")], "The Tag Value provided is invalid, Value: d%g"),
        ([tag("aws:owner")], "Tag Key cannot be prefixed with aws:, Key: aws:owner"),
        (
            [tag("a"), tag("a", "again")],
            "Duplicate Tag Keys provided as input: Duplicate Tag Key found a",
        ),
        ([], "Atleast one Tag needs to be provided as Input."),
    ):
        error = error_of(engine, "TagResource", {"ResourceArn": arn, "Tags": tags})
        assert (error.code, error.message) == ("ValidationException", message)
    error = error_of(engine, "TagResource", {"ResourceArn": arn, "Tags": [tag("k" * 129)]})
    assert "at 'tags.1.member.key' failed to satisfy constraint: Member must have length less " in (
        error.message
    )


def test_a_resource_holds_at_most_50_tags(engine: Engine) -> None:
    too_many = [tag(f"k{i}") for i in range(51)]
    error = error_of(
        engine,
        "CreateTable",
        {
            "TableName": "Books",
            "AttributeDefinitions": definitions("pk"),
            "KeySchema": keys(("pk", "HASH")),
            "BillingMode": "PAY_PER_REQUEST",
            "Tags": too_many,
        },
    )
    limit = "Number of Tags exceed the current limit for the provided ResourceArn"
    assert (error.code, error.message) == ("ValidationException", limit)
    assert engine.call("ListTables", {})["TableNames"] == []
    arn = create_table(engine, Tags=too_many[:30])["TableDescription"]["TableArn"]
    engine.call("TagResource", {"ResourceArn": arn, "Tags": too_many[20:50]})  # 50 in all
    error = error_of(engine, "TagResource", {"ResourceArn": arn, "Tags": [tag("one-more")]})
    assert (error.code, error.message) == ("ValidationException", limit)


def test_untag_keys_are_checked(engine: Engine) -> None:
    arn = create_table(engine)["TableDescription"]["TableArn"]
    error = error_of(engine, "UntagResource", {"ResourceArn": arn, "TagKeys": []})
    assert error.message == "Atleast one Tag Key needs to be provided as Input."
    error = error_of(engine, "UntagResource", {"ResourceArn": arn, "TagKeys": ["k" * 129]})
    assert error.message.startswith("1 validation error detected: Value '[" + "k" * 129 + "]' at ")
    assert error.message.endswith(
        "'tagKeys' failed to satisfy constraint: Member must satisfy constraint: [Member must "
        "have length less than or equal to 128, Member must have length greater than or equal to 1]"
    )


def test_tagging_refuses_what_is_not_a_table_arn(engine: Engine) -> None:
    create_table(
        engine,
        AttributeDefinitions=definitions("pk", "author"),
        GlobalSecondaryIndexes=[gsi("by-author", ("author", "HASH"))],
    )
    index_arn = engine.call("DescribeTable", {"TableName": "Books"})["Table"][
        "GlobalSecondaryIndexes"
    ][0]["IndexArn"]
    for operation, extra in (
        ("ListTagsOfResource", {}),
        ("TagResource", {"Tags": [tag("a")]}),
        ("UntagResource", {"TagKeys": ["a"]}),
    ):
        error = error_of(engine, operation, {"ResourceArn": index_arn, **extra})
        assert (error.code, error.message) == (
            "ValidationException",
            INVALID + "Invalid resource arn provided, only table or stream is accepted. "
            f"Provided resource arn: {index_arn}",
        )
        error = error_of(engine, operation, {"ResourceArn": "Books", **extra})
        assert (error.code, error.message) == (
            "ValidationException",
            INVALID + "ARNs must start with 'arn:': Books",
        )
    elsewhere = "arn:aws:dynamodb:eu-west-1:000000000000:table/Books"
    error = error_of(engine, "ListTagsOfResource", {"ResourceArn": elsewhere})
    assert error.message == f"Invalid TableArn: Invalid ResourceArn provided as input {elsewhere}"
    missing = "arn:aws:dynamodb:us-east-1:000000000000:table/Nope"
    error = error_of(engine, "TagResource", {"ResourceArn": missing, "Tags": [tag("a")]})
    assert (error.code, error.message) == (
        "ResourceNotFoundException",
        f"Requested resource not found: ResourcArn: {missing} not found",
    )
    # An empty Tags list is reported before the table is looked up.
    error = error_of(engine, "TagResource", {"ResourceArn": missing, "Tags": []})
    assert error.message == "Atleast one Tag needs to be provided as Input."


def test_tag_and_untag_answer_an_empty_body(engine: Engine) -> None:
    arn = create_table(engine)["TableDescription"]["TableArn"]
    assert engine.call("TagResource", {"ResourceArn": arn, "Tags": [tag("a")]}) == {}
    assert engine.call("UntagResource", {"ResourceArn": arn, "TagKeys": ["a"]}) == {}
    assert {f.name for f in catalog.operations() if f.empty_body} == {
        "TagResource",
        "UntagResource",
    }
