"""TransactWriteItems and TransactGetItems: all-or-nothing, billed at twice the units."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from engine.capacity import Consumption, read_units, write_units
from engine.catalog import operation
from engine.core import Engine
from engine.errors import (
    DynamoDBError,
    IdempotentParameterMismatchException,
    ProvisionedThroughputExceededException,
    ThrottlingException,
    TransactionCanceledException,
    ValidationException,
)
from engine.expressions import compile_projection, compile_update
from engine.keys import KeyShapeError
from engine.operations.common import (
    CONDITION_FAILED,
    RETURN_CAPACITY,
    RETURN_METRICS,
    RETURN_ON_FAILURE,
    bill_write,
    check_item_size,
    expression_context,
    optional_condition,
    prepare_write,
)
from engine.table import Table
from engine.validation import Violations, get_dict, get_list, get_str
from engine.values import check_item_depth, copy_item, item_size, validate_item

MAX_TRANSACTION_ITEMS = 100
#: "The aggregate size of the items in the transaction cannot exceed 4 MB."
MAX_TRANSACTION_BYTES = 4 * 1024 * 1024
TOO_LARGE = "Transaction request cannot be larger than 4 MB"
TOKEN_LIFETIME_SECONDS = 600
ACTIONS = ("ConditionCheck", "Put", "Delete", "Update")
SAME_ITEM = "Transaction request cannot include multiple operations on one item"
NESTING_REASON = "Nesting Levels have exceeded supported limits"
#: Error code -> the CancellationReasons code the service reports for it.
_REASON_CODES = {
    "ValidationException": "ValidationError",
    "ItemCollectionSizeLimitExceededException": "ItemCollectionSizeLimitExceeded",
    "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded",
}


@dataclass
class Action:
    kind: str
    table: Table
    partition_value: Any
    sort_value: Any
    key: dict[str, Any]
    item: dict[str, Any] | None
    condition: Any
    update: Any
    on_failure: str | None
    #: A key (or Put item key) of the wrong shape: the transaction is cancelled with it.
    problem: str | None = None


def _transact_items(request: dict[str, Any], violations: Violations) -> list[Any]:
    items = get_list(request, "TransactItems")
    if violations.not_null(items, "transactItems"):
        violations.length(items, "transactItems", 1, MAX_TRANSACTION_ITEMS)
    violations.enum(
        get_str(request, "ReturnConsumedCapacity"), "returnConsumedCapacity", RETURN_CAPACITY
    )
    return items or []


# ---------------------------------------------------------------------- TransactWriteItems
@operation("TransactWriteItems", bills="write")
def transact_write_items(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Apply up to 100 writes atomically: every condition holds, or nothing changes."""
    violations = Violations()
    items = _transact_items(request, violations)
    violations.enum(
        get_str(request, "ReturnItemCollectionMetrics"),
        "returnItemCollectionMetrics",
        RETURN_METRICS,
    )
    token = get_str(request, "ClientRequestToken")
    if token is not None:
        violations.length(token, "clientRequestToken", 1, 36)
    violations.raise_if_any()
    now = engine.now()
    fingerprint = ""
    if token is not None:
        _forget_old_tokens(engine, now)
        body = {
            k: v
            for k, v in request.items()
            if k not in ("ClientRequestToken", "ReturnConsumedCapacity")
        }
        fingerprint = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        previous = engine.transaction_tokens.get(token)
        if previous is not None:
            if previous[0] != fingerprint:
                raise IdempotentParameterMismatchException(
                    "The ClientRequestToken was used before with different request parameters"
                )
            return _repeated(engine, request, items, previous[1])
    actions = [_plan(engine, entry, position) for position, entry in enumerate(items)]
    seen: set[tuple[str, str]] = set()
    for action in actions:
        if action.problem is not None:
            continue
        identity = (
            action.table.name,
            json.dumps([action.key[n] for n in action.table.schema.names], sort_keys=True),
        )
        if identity in seen:
            raise ValidationException(SAME_ITEM)
        seen.add(identity)
    # Puts count their whole item; the other actions their key (the items they change are
    # not known until the transaction runs). Refused before any condition is looked at.
    total = sum(item_size(a.item if a.item is not None else a.key) for a in actions)
    if total > MAX_TRANSACTION_BYTES:
        raise ValidationException(TOO_LARGE)

    reasons: list[dict[str, Any]] = []
    results: list[tuple[Action, Any, dict[str, Any] | None, int]] = []
    failed = False
    for action in actions:
        if action.problem is not None:
            reasons.append({"Code": "ValidationError", "Message": action.problem})
            failed = True
            continue
        entry = action.table.get(action.partition_value, action.sort_value)
        old = entry[0] if entry else None
        if action.condition is not None and not action.condition.evaluate(old or {}):
            reason: dict[str, Any] = {"Code": "ConditionalCheckFailed", "Message": CONDITION_FAILED}
            if action.on_failure == "ALL_OLD" and old is not None:
                reason["Item"] = copy_item(old)
            reasons.append(reason)
            failed = True
            continue
        try:
            new, new_size = _new_image(action, old)
            if action.kind != "ConditionCheck":
                prepare_write(action.table, action.partition_value, entry, new)
        except DynamoDBError as error:
            reasons.append(
                {"Code": _REASON_CODES.get(error.code, "ValidationError"), "Message": error.message}
            )
            failed = True
            continue
        reasons.append({"Code": "None"})
        results.append((action, entry, new, new_size))
    if failed:
        codes = ", ".join(r["Code"] for r in reasons)
        raise TransactionCanceledException(
            f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
            CancellationReasons=reasons,
        )
    consumptions: dict[str, Consumption] = {}
    tables: dict[str, Table] = {}
    for action, entry, new, new_size in results:
        consumption = consumptions.setdefault(action.table.name, Consumption(action.table.name))
        tables[action.table.name] = action.table
        if action.kind == "ConditionCheck":
            consumption.add_table_write(write_units(entry[1] if entry else 0, transactional=True))
        else:
            bill_write(action.table, consumption, entry, new, new_size, transactional=True)
    for name, consumption in consumptions.items():
        try:
            engine.charge(tables[name], consumption)
        except (ProvisionedThroughputExceededException, ThrottlingException) as error:
            # The service cancels a throttled transaction, naming the throttled items.
            reasons = [
                {"Code": "ThrottlingError", "Message": error.message}
                if action.table.name == name
                else {"Code": "None"}
                for action in actions
            ]
            codes = ", ".join(r["Code"] for r in reasons)
            raise TransactionCanceledException(
                "Transaction cancelled, please refer cancellation reasons for specific reasons "
                f"[{codes}]",
                CancellationReasons=reasons,
            ) from None
    for action, _, new, _ in results:
        if action.kind != "ConditionCheck":
            action.table.write(action.partition_value, action.sort_value, new, now)
    response: dict[str, Any] = {}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        response["ConsumedCapacity"] = [c.to_wire(mode) for c in consumptions.values()]
    if token is not None:
        engine.transaction_tokens[token] = (fingerprint, response, now)
    return response


def _repeated(
    engine: Engine, request: dict[str, Any], items: list[Any], first: dict[str, Any]
) -> dict[str, Any]:
    """A call repeating an earlier one's ClientRequestToken (and request) within the token's
    ten minutes: nothing is written again. The service documents that such a call returns
    "the number of read capacity units consumed in reading the item" instead of the first
    call's write units; each item is read again and billed as a transactional read (two
    units per 4 KB, as TransactGetItems), and ConsumedCapacity follows this call's own
    ReturnConsumedCapacity. O(items)."""
    response = {k: v for k, v in json.loads(json.dumps(first)).items() if k != "ConsumedCapacity"}
    consumptions: dict[str, Consumption] = {}
    for position, entry in enumerate(items):
        action = _plan(engine, entry, position)
        if action.problem is not None:
            continue
        stored = action.table.get(action.partition_value, action.sort_value)
        consumption = consumptions.setdefault(action.table.name, Consumption(action.table.name))
        consumption.add_table_read(
            read_units(stored[1] if stored else 0, consistent=True, transactional=True)
        )
    for name, consumption in consumptions.items():
        engine.charge(engine.get_table(name), consumption)
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        # ReadCapacityUnits says these units are reads, not the writes the operation bills.
        response["ConsumedCapacity"] = [
            c.to_wire(mode, name_reads=True) for c in consumptions.values()
        ]
    return response


def _forget_old_tokens(engine: Engine, now: float) -> None:
    expired = [
        token
        for token, (_, _, at) in engine.transaction_tokens.items()
        if now - at > TOKEN_LIFETIME_SECONDS
    ]
    for token in expired:
        del engine.transaction_tokens[token]


def _plan(engine: Engine, entry: Any, position: int) -> Action:
    if not isinstance(entry, dict):
        raise ValidationException("Invalid TransactItem: expected a structure")
    present = [name for name in ACTIONS if entry.get(name) is not None]
    if len(present) != 1:
        raise ValidationException(
            "TransactItems can only contain one of Check, Put, Update or Delete"
        )
    kind = present[0]
    body = entry[kind]
    violations = Violations()
    path = f"transactItems.{position + 1}.member.{kind[0].lower() + kind[1:]}"
    table_name = get_str(body, "TableName")
    violations.table_name(table_name, f"{path}.tableName")
    on_failure = get_str(body, "ReturnValuesOnConditionCheckFailure")
    violations.enum(on_failure, f"{path}.returnValuesOnConditionCheckFailure", RETURN_ON_FAILURE)
    if kind == "Put":
        violations.not_null(body.get("Item"), f"{path}.item")
    else:
        violations.not_null(body.get("Key"), f"{path}.key")
    if kind == "ConditionCheck":
        violations.not_null(body.get("ConditionExpression"), f"{path}.conditionExpression")
    if kind == "Update":
        violations.not_null(body.get("UpdateExpression"), f"{path}.updateExpression")
    violations.raise_if_any()
    context = expression_context(body)
    update = compile_update(body["UpdateExpression"], context) if kind == "Update" else None
    condition = optional_condition(body, context, "ConditionExpression")
    context.check_unused()
    table = engine.get_table(table_name or "")
    item = None
    # Empty or oversized key values are refused before the transaction runs; a key of the
    # wrong shape or type is found while it runs and cancels it (what the service does).
    partition_value = sort_value = None
    problem = None
    try:
        if kind == "Put":
            item = validate_item(get_dict(body, "Item"))
            for index in table.indexes.values():
                index.check_item(item, types=False)
            partition_value, sort_value = table.schema.check_item(item)
            key = table.schema.key_of(item)
        else:
            key = validate_item(get_dict(body, "Key"), parameter="Key")
            partition_value, sort_value = table.schema.check_key(key)
    except KeyShapeError as error:
        problem = error.message
        key = {}
    return Action(
        kind,
        table,
        partition_value,
        sort_value,
        key,
        item,
        condition,
        update,
        on_failure,
        problem,
    )


def _new_image(action: Action, old: dict[str, Any] | None) -> tuple[dict[str, Any] | None, int]:
    """The item after the action (None for a delete) and its size; raises on invalid results."""
    if action.kind == "ConditionCheck":
        return old, item_size(old) if old else 0
    if action.kind == "Delete":
        return None, 0
    if action.kind == "Put":
        assert action.item is not None
        size = item_size(action.item)
        check_item_size(size)
        return action.item, size
    base = old if old is not None else dict(action.key)
    new, updated_names = action.update.apply(base, exists=old is not None)
    for key_name in action.table.schema.names:
        if key_name in updated_names:
            raise ValidationException(
                "One or more parameter values were invalid: Cannot update attribute "
                f"{key_name}. This attribute is part of the key"
            )
    if old is None and not action.update.creates_item:
        return None, 0  # REMOVE and DELETE alone leave a missing item missing
    if action.update.writes_nested:
        try:
            check_item_depth(new)
        except ValidationException:
            # A cancellation reason carries the short form of the item-level message.
            raise ValidationException(NESTING_REASON) from None
    size = item_size(new)
    check_item_size(size, update=True)
    return new, size


# ---------------------------------------------------------------------- TransactGetItems
@operation("TransactGetItems", read_only=True, bills="read")
def transact_get_items(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Read up to 100 items as one consistent snapshot; two units per 4 KB each."""
    violations = Violations()
    items = _transact_items(request, violations)
    violations.raise_if_any()
    plans = []
    for position, entry in enumerate(items):
        get = entry.get("Get") if isinstance(entry, dict) else None
        if get is None:
            raise ValidationException(
                f"1 validation error detected: Value null at 'transactItems.{position + 1}.member.get' "
                "failed to satisfy constraint: Member must not be null"
            )
        table_violations = Violations()
        table_name = get_str(get, "TableName")
        table_violations.table_name(
            table_name, f"transactItems.{position + 1}.member.get.tableName"
        )
        table_violations.not_null(get.get("Key"), f"transactItems.{position + 1}.member.get.key")
        table_violations.raise_if_any()
        context = expression_context(get)
        projection_text = get_str(get, "ProjectionExpression")
        projection = compile_projection(projection_text, context) if projection_text else None
        context.check_unused()
        table = engine.get_table(table_name or "")
        key = validate_item(get_dict(get, "Key"), parameter="Key")
        partition_value, sort_value = table.schema.check_key(key)
        plans.append((table, key, partition_value, sort_value, projection))
    seen: set[tuple[str, str]] = set()
    for table, key, *_ in plans:
        identity = (table.name, json.dumps([key[n] for n in table.schema.names], sort_keys=True))
        if identity in seen:
            raise ValidationException(SAME_ITEM)
        seen.add(identity)
    responses: list[dict[str, Any]] = []
    consumptions: dict[str, Consumption] = {}
    for table, _key, partition_value, sort_value, projection in plans:
        entry = table.get(partition_value, sort_value)
        consumption = consumptions.setdefault(table.name, Consumption(table.name))
        consumption.add_table_read(
            read_units(entry[1] if entry else 0, consistent=True, transactional=True)
        )
        if entry is None:
            responses.append({})
            continue
        responses.append(
            {"Item": projection.apply(entry[0]) if projection else copy_item(entry[0])}
        )
    for name, consumption in consumptions.items():
        engine.charge(engine.get_table(name), consumption)
    response: dict[str, Any] = {"Responses": responses}
    mode = request.get("ReturnConsumedCapacity")
    if mode in ("TOTAL", "INDEXES"):
        response["ConsumedCapacity"] = [c.to_wire(mode) for c in consumptions.values()]
    return response
