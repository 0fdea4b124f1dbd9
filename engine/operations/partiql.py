"""ExecuteStatement, BatchExecuteStatement and ExecuteTransaction: PartiQL over the engine.

Each statement is parsed (engine/partiql), translated into the requests of the existing
operations, and run by their handlers: a SELECT by Query or Scan (GetItem in a batch,
TransactGetItems in a transaction), INSERT by PutItem, UPDATE by UpdateItem, DELETE by
DeleteItem, a write transaction by TransactWriteItems. So validation, capacity, throttling,
index maintenance and stream records are theirs by construction; this module adds PartiQL's
own rules, paging and error shapes.

NextToken is stateless: it carries which of the statement's reads the page stopped in and that
read's LastEvaluatedKey, with a fingerprint of the statement and its parameters and a checksum,
so it survives ``Engine.dump()``/``load()`` and is refused for any other statement.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from engine.catalog import operation
from engine.core import Engine
from engine.errors import (
    ConditionalCheckFailedException,
    DuplicateItemException,
    DynamoDBError,
    ResourceNotFoundException,
    SerializationException,
    TransactionCanceledException,
    ValidationException,
)
from engine.expressions import ExpressionContext, compile_condition, compile_update
from engine.operations import items, reads, transactions
from engine.operations.common import RETURN_CAPACITY, RETURN_ON_FAILURE
from engine.partiql import ast
from engine.partiql.parser import parse
from engine.partiql.translate import (
    EXISTS_ONLY_IN_TRANSACTIONS,
    KeyShapeError,
    ReadPlan,
    WritePlan,
    bind_parameters,
    check_parameter_count,
    plan_condition_check,
    plan_key_read,
    plan_select,
    plan_write,
)
from engine.table import Table
from engine.validation import (
    TABLE_NAME_PATTERN,
    Violations,
    get_bool,
    get_int,
    get_list,
    get_str,
)

MAX_STATEMENT_LENGTH = 8192
MAX_NEXT_TOKEN_LENGTH = 32768
MAX_BATCH_STATEMENTS = 25
MAX_TRANSACTION_STATEMENTS = 100
#: A page of a SELECT that reads several partitions (IN, OR) reads at most this many.
PARTITIONS_PER_PAGE = 10

DUPLICATE_ITEM = "Duplicate primary key exists in table"
INVALID_TABLE_NAME = (
    "Table name should be within the length [3, 255] and only contain 'a-z', 'A-Z', '0-9', "
    "'-', '_', '.'."
)
INVALID_TOKEN = "Invalid NextToken"
TOKEN_MISMATCH = "NextToken does not match request"
MIXED_TRANSACTION = (
    "ExecuteTransaction API does not support both read and write operations in the same request."
)
TRANSACTION_RETURNING = "RETURNING clause is not supported in ExecuteTransaction."
KEY_MISMATCH = "The provided key element does not match the schema"

#: Error code -> the code a BatchStatementError (or a cancellation reason) reports it with.
STATEMENT_ERROR_CODES = {
    "ConditionalCheckFailedException": "ConditionalCheckFailed",
    "DuplicateItemException": "DuplicateItem",
    "ValidationException": "ValidationError",
    "ResourceNotFoundException": "ResourceNotFound",
    "ProvisionedThroughputExceededException": "ProvisionedThroughputExceeded",
    "ThrottlingException": "ThrottlingError",
    "ItemCollectionSizeLimitExceededException": "ItemCollectionSizeLimitExceeded",
    "RequestLimitExceeded": "RequestLimitExceeded",
    "TransactionConflictException": "TransactionConflict",
    "InternalServerError": "InternalServerError",
}

_EXPRESSION_PREFIX = re.compile(
    r"Invalid (?:Filter|Condition|KeyCondition|Update|Projection)Expression: "
)
_TYPE_NAMES = re.compile(r"valid types: \{[A-Z,]*\}")

_WRITE_HANDLERS: dict[str, Callable[[Engine, dict[str, Any]], dict[str, Any]]] = {
    "PutItem": items.put_item,
    "UpdateItem": items.update_item,
    "DeleteItem": items.delete_item,
}


# ---------------------------------------------------------------------- shared pieces
def as_partiql(error: DynamoDBError) -> DynamoDBError:
    """An error of a translated request as PartiQL words it: without the expression
    parameter the statement never had (``Invalid FilterExpression: ...``)."""
    if error.code != "ValidationException":
        return error
    message = _EXPRESSION_PREFIX.sub("", error.message, count=1)
    if message.startswith("Invalid attribute type name found"):
        message = _TYPE_NAMES.sub("valid types: {N,BS,L,B,NULL,M,S,SS,NS,BOOL}", message)
    if message == error.message:
        return error
    return ValidationException(message, **error.extra)


def _run(
    handler: Callable[[Engine, dict[str, Any]], dict[str, Any]],
    engine: Engine,
    request: dict[str, Any],
) -> dict[str, Any]:
    try:
        return handler(engine, request)
    except DynamoDBError as error:
        raise as_partiql(error) from None


def _table(engine: Engine, source: ast.Source) -> Table:
    name = source.table
    if not 3 <= len(name) <= 255 or not TABLE_NAME_PATTERN.fullmatch(name):
        raise ValidationException(INVALID_TABLE_NAME)
    table = engine.tables.get(name)
    if table is None:
        raise ResourceNotFoundException("Requested resource not found")
    return table


def _source(statement: ast.Statement) -> ast.Source:
    if isinstance(statement, ast.Exists):
        return statement.select.source
    return statement.source


def _statement_violations(
    member: dict[str, Any], violations: Violations, prefix: str
) -> tuple[str, list[Any] | None]:
    text = get_str(member, "Statement")
    if violations.not_null(text, f"{prefix}statement"):
        violations.length(text, f"{prefix}statement", 1, MAX_STATEMENT_LENGTH)
    parameters = get_list(member, "Parameters")
    violations.length(parameters, f"{prefix}parameters", 1, None)
    violations.enum(
        get_str(member, "ReturnValuesOnConditionCheckFailure"),
        f"{prefix}returnValuesOnConditionCheckFailure",
        RETURN_ON_FAILURE,
    )
    return text or "", parameters


def _members(
    request: dict[str, Any], key: str, path: str, violations: Violations, high: int
) -> list[dict[str, Any]]:
    members = get_list(request, key)
    if violations.not_null(members, path):
        violations.length(members, path, 1, high)
    for member in members or ():
        if not isinstance(member, dict):
            raise SerializationException("Unexpected value type in payload")
    return members or []


def merge_capacity(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """Several INDEXES-mode ConsumedCapacity elements of one table added up. O(indexes)."""
    total: dict[str, Any] = {
        "TableName": parts[0]["TableName"],
        "CapacityUnits": 0.0,
        "Table": {"CapacityUnits": 0.0},
    }
    for part in parts:
        total["CapacityUnits"] += part["CapacityUnits"]
        total["Table"]["CapacityUnits"] += part.get("Table", {}).get("CapacityUnits", 0.0)
        for kind in ("LocalSecondaryIndexes", "GlobalSecondaryIndexes"):
            for name, units in part.get(kind, {}).items():
                entry = total.setdefault(kind, {}).setdefault(name, {"CapacityUnits": 0.0})
                entry["CapacityUnits"] += units["CapacityUnits"]
    return total


def render_capacity(wire: dict[str, Any], mode: str | None) -> dict[str, Any]:
    if mode == "TOTAL":
        return {"TableName": wire["TableName"], "CapacityUnits": wire["CapacityUnits"]}
    return wire


def _wants_capacity(mode: str | None) -> bool:
    return mode in ("TOTAL", "INDEXES")


# ---------------------------------------------------------------------- paging
def _fingerprint(text: str, parameters: list[dict[str, Any]]) -> str:
    body = json.dumps([text, parameters], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(body.encode()).hexdigest()[:16]


def encode_token(fingerprint: str, step: int, start: dict[str, Any] | None) -> str:
    payload = json.dumps([1, fingerprint, step, start], sort_keys=True, separators=(",", ":"))
    check = hashlib.sha256(payload.encode()).hexdigest()[:16]
    return base64.urlsafe_b64encode(f"{payload}|{check}".encode()).decode().rstrip("=")


def decode_token(token: str, fingerprint: str, steps: int) -> tuple[int, dict[str, Any] | None]:
    """(step, ExclusiveStartKey) a NextToken resumes from; ValidationException if it is not
    one of ours or was issued for another statement."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        payload, check = raw.rsplit("|", 1)
        if hashlib.sha256(payload.encode()).hexdigest()[:16] != check:
            raise ValueError(token)
        version, issued_for, step, start = json.loads(payload)
        if (
            version != 1
            or not isinstance(step, int)
            or not (start is None or isinstance(start, dict))
        ):
            raise ValueError(token)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        raise ValidationException(INVALID_TOKEN) from None
    if issued_for != fingerprint:
        raise ValidationException(TOKEN_MISMATCH)
    if not 0 <= step < steps:
        raise ValidationException(INVALID_TOKEN)
    return step, start


def read_page(
    engine: Engine,
    plan: ReadPlan,
    *,
    limit: int | None,
    token: str | None,
    fingerprint: Callable[[], str],
    mode: str | None,
) -> dict[str, Any]:
    """One page of a SELECT: its reads in order from where ``token`` left off, until Limit
    items are read, a read stops early (1 MB or Limit) or PARTITIONS_PER_PAGE reads are done.

    O(items read): each read is the Query or Scan handler itself.
    """
    first, start = (0, None)
    if token is not None:
        first, start = decode_token(token, fingerprint(), len(plan.steps))
    found: list[dict[str, Any]] = []
    capacities: list[dict[str, Any]] = []
    response: dict[str, Any] = {"Items": found}
    remaining = limit
    for position in range(first, len(plan.steps)):
        step = plan.steps[position]
        request = dict(step.request)
        if position == first and start is not None:
            request["ExclusiveStartKey"] = start
        if remaining is not None:
            request["Limit"] = remaining
        if _wants_capacity(mode):
            request["ReturnConsumedCapacity"] = "INDEXES"
        handler = reads.query if step.operation == "Query" else reads.scan
        result = _run(handler, engine, request)
        page = result["Items"]
        if step.post_filter is not None:
            page = [item for item in page if step.post_filter.evaluate(item)]
        if step.projection is not None:
            page = [step.projection.apply(item) for item in page]
        found.extend(page)
        if "ConsumedCapacity" in result:
            capacities.append(result["ConsumedCapacity"])
        if remaining is not None:
            remaining -= result["ScannedCount"]
        last = result.get("LastEvaluatedKey")
        if last is not None:
            response["NextToken"] = encode_token(fingerprint(), position, last)
            response["LastEvaluatedKey"] = last
            break
        more = position + 1 < len(plan.steps)
        if more and (
            (remaining is not None and remaining <= 0)
            or position - first + 1 >= PARTITIONS_PER_PAGE
        ):
            response["NextToken"] = encode_token(fingerprint(), position + 1, None)
            break
    if capacities:
        response["ConsumedCapacity"] = render_capacity(merge_capacity(capacities), mode)
    return response


def run_write(
    engine: Engine, plan: WritePlan, *, mode: str | None, on_failure: str | None
) -> dict[str, Any]:
    """Run a write statement's PutItem, UpdateItem or DeleteItem; an INSERT over an existing
    item is DuplicateItemException."""
    request = dict(plan.request)
    if _wants_capacity(mode):
        request["ReturnConsumedCapacity"] = mode
    if on_failure is not None and not plan.insert:
        request["ReturnValuesOnConditionCheckFailure"] = on_failure
    try:
        return _WRITE_HANDLERS[plan.operation](engine, request)
    except ConditionalCheckFailedException:
        if plan.insert:
            raise DuplicateItemException(DUPLICATE_ITEM) from None
        raise
    except DynamoDBError as error:
        raise as_partiql(error) from None


# ---------------------------------------------------------------------- what only reads
def _only_selects(statements: Any) -> bool:
    """True when every statement text parses as a SELECT (a read: nothing to journal)."""
    if not isinstance(statements, list) or not statements:
        return False
    for member in statements:
        text = member.get("Statement") if isinstance(member, dict) else None
        if not isinstance(text, str) or not isinstance(parse(text).statement, ast.Select):
            return False
    return True


def _statement_reads_only(request: dict[str, Any]) -> bool:
    return _only_selects([request])


def _batch_reads_only(request: dict[str, Any]) -> bool:
    return _only_selects(request.get("Statements"))


def _transaction_reads_only(request: dict[str, Any]) -> bool:
    return _only_selects(request.get("TransactStatements"))


# ---------------------------------------------------------------------- ExecuteStatement
@operation("ExecuteStatement", read_only=_statement_reads_only, bills="either")
def execute_statement(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Run one PartiQL statement: a SELECT (a page of it), INSERT, UPDATE or DELETE.

    A SELECT costs what its Queries or Scan cost; parsing is cached by statement text.
    """
    violations = Violations()
    text, raw_parameters = _statement_violations(request, violations, "")
    limit = get_int(request, "Limit")
    violations.range(limit, "limit", 1)
    token = get_str(request, "NextToken")
    violations.length(token, "nextToken", 1, MAX_NEXT_TOKEN_LENGTH)
    mode = get_str(request, "ReturnConsumedCapacity")
    violations.enum(mode, "returnConsumedCapacity", RETURN_CAPACITY)
    consistent = bool(get_bool(request, "ConsistentRead"))
    violations.raise_if_any()
    parameters = bind_parameters(raw_parameters)
    parsed = parse(text)
    check_parameter_count(parsed, parameters)
    statement = parsed.statement
    if isinstance(statement, ast.Exists):
        raise ValidationException(EXISTS_ONLY_IN_TRANSACTIONS)
    table = _table(engine, statement.source)
    if isinstance(statement, ast.Select):
        plan = plan_select(statement, table, parameters, consistent=consistent)
        return read_page(
            engine,
            plan,
            limit=limit,
            token=token,
            fingerprint=lambda: _fingerprint(text, parameters),
            mode=mode,
        )
    write = plan_write(statement, table, parameters)
    result = run_write(
        engine,
        write,
        mode=mode,
        on_failure=get_str(request, "ReturnValuesOnConditionCheckFailure"),
    )
    response: dict[str, Any] = {"Items": [result["Attributes"]] if "Attributes" in result else []}
    if "ConsumedCapacity" in result:
        response["ConsumedCapacity"] = result["ConsumedCapacity"]
    return response


# ---------------------------------------------------------------------- BatchExecuteStatement
@operation("BatchExecuteStatement", read_only=_batch_reads_only, bills="either")
def batch_execute_statement(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Run up to 25 statements, each on its own: reads by full primary key (as GetItem),
    singleton writes (as ExecuteStatement runs them). A statement that fails gets an Error in
    its response; the others still run. O(statements)."""
    violations = Violations()
    members = _members(request, "Statements", "statements", violations, MAX_BATCH_STATEMENTS)
    mode = get_str(request, "ReturnConsumedCapacity")
    violations.enum(mode, "returnConsumedCapacity", RETURN_CAPACITY)
    checked = []
    for position, member in enumerate(members):
        text, parameters = _statement_violations(
            member, violations, f"statements.{position + 1}.member."
        )
        consistent = bool(get_bool(member, "ConsistentRead"))
        checked.append((text, parameters, consistent))
    violations.raise_if_any()
    capacities: dict[str, list[dict[str, Any]]] = {}
    responses = [
        _batch_statement(engine, text, parameters, consistent, mode, capacities)
        for text, parameters, consistent in checked
    ]
    response: dict[str, Any] = {"Responses": responses}
    if _wants_capacity(mode):
        response["ConsumedCapacity"] = [
            render_capacity(merge_capacity(parts), mode) for parts in capacities.values()
        ]
    return response


def _batch_statement(
    engine: Engine,
    text: str,
    raw_parameters: list[Any] | None,
    consistent: bool,
    mode: str | None,
    capacities: dict[str, list[dict[str, Any]]],
) -> dict[str, Any]:
    table: Table | None = None
    ran = False
    try:
        parameters = bind_parameters(raw_parameters)
        parsed = parse(text)
        check_parameter_count(parsed, parameters)
        statement = parsed.statement
        if isinstance(statement, ast.Exists):
            raise ValidationException(EXISTS_ONLY_IN_TRANSACTIONS)
        table = _table(engine, statement.source)
        capacity_mode = "INDEXES" if _wants_capacity(mode) else None
        if isinstance(statement, ast.Select):
            read = plan_key_read(statement, table, parameters, transaction=False)
            get = dict(read.request, ConsistentRead=consistent)
            if capacity_mode:
                get["ReturnConsumedCapacity"] = capacity_mode
            ran = True
            result = _run(items.get_item, engine, get)
            attributes = result.get("Item")
        else:
            write = plan_write(statement, table, parameters)
            ran = True
            result = run_write(engine, write, mode=capacity_mode, on_failure=None)
            attributes = result.get("Attributes")
    except SerializationException:
        raise
    except DynamoDBError as error:
        code = STATEMENT_ERROR_CODES.get(error.code, error.code)
        entry: dict[str, Any] = {"Error": {"Code": code, "Message": error.message}}
        # A statement that reached its table names it; one refused before running does not.
        if ran and table is not None and code != "ValidationError":
            entry["TableName"] = table.name
        return entry
    if "ConsumedCapacity" in result:
        capacities.setdefault(table.name, []).append(result["ConsumedCapacity"])
    entry = {"TableName": table.name}
    if attributes:
        entry["Item"] = attributes
    return entry


# ---------------------------------------------------------------------- ExecuteTransaction
@operation("ExecuteTransaction", read_only=_transaction_reads_only, bills="either")
def execute_transaction(engine: Engine, request: dict[str, Any]) -> dict[str, Any]:
    """Run up to 100 statements atomically: all reads (as TransactGetItems) or all writes and
    EXISTS checks (as TransactWriteItems, ClientRequestToken included). O(statements)."""
    violations = Violations()
    members = _members(
        request, "TransactStatements", "transactStatements", violations, MAX_TRANSACTION_STATEMENTS
    )
    token = get_str(request, "ClientRequestToken")
    violations.length(token, "clientRequestToken", 1, 36)
    mode = get_str(request, "ReturnConsumedCapacity")
    violations.enum(mode, "returnConsumedCapacity", RETURN_CAPACITY)
    checked = []
    for position, member in enumerate(members):
        text, parameters = _statement_violations(
            member, violations, f"transactStatements.{position + 1}.member."
        )
        checked.append((text, parameters, get_str(member, "ReturnValuesOnConditionCheckFailure")))
    violations.raise_if_any()
    statements: list[tuple[ast.Statement, list[dict[str, Any]], str | None]] = []
    for position, (text, raw_parameters, on_failure) in enumerate(checked):
        parameters = bind_parameters(raw_parameters)
        with _statement_errors(position):
            parsed = parse(text)
            check_parameter_count(parsed, parameters)
        statements.append((parsed.statement, parameters, on_failure))
    readers = [isinstance(s, ast.Select) for s, _, _ in statements]
    if any(readers) and not all(readers):
        raise ValidationException(MIXED_TRANSACTION)
    if all(readers):
        return _transact_reads(engine, statements, mode)
    return _transact_writes(engine, statements, mode, token)


@contextmanager
def _statement_errors(position: int) -> Iterator[None]:
    """Reword a statement's validation failure as ``Validation failed in TransactStatements[i]``."""
    try:
        yield
    except KeyShapeError:
        raise
    except ValidationException as error:
        raise ValidationException(
            f"Validation failed in TransactStatements[{position}]: {as_partiql(error).message}"
        ) from None


def _cancel(reasons: list[dict[str, Any] | None]) -> TransactionCanceledException:
    filled = [reason or {"Code": "None"} for reason in reasons]
    codes = ", ".join(reason["Code"] for reason in filled)
    return TransactionCanceledException(
        f"Transaction cancelled, please refer cancellation reasons for specific reasons [{codes}]",
        CancellationReasons=filled,
    )


def _reason(code: str, message: str) -> dict[str, Any]:
    return {"Code": code, "Message": message}


def _transact_reads(
    engine: Engine,
    statements: list[tuple[ast.Statement, list[dict[str, Any]], str | None]],
    mode: str | None,
) -> dict[str, Any]:
    gets: list[dict[str, Any]] = []
    reasons: list[dict[str, Any] | None] = []
    for position, (statement, parameters, _) in enumerate(statements):
        assert isinstance(statement, ast.Select)
        reason = None
        try:
            table = _table(engine, statement.source)
        except ResourceNotFoundException as error:
            reasons.append(_reason("ResourceNotFound", error.message))
            continue
        with _statement_errors(position):
            read = plan_key_read(statement, table, parameters, transaction=True)
        try:
            table.schema.check_key(read.request["Key"])
        except ValidationException as error:
            reason = _reason("ValidationError", error.message)
        reasons.append(reason)
        gets.append({"Get": read.request})
    if any(reasons):
        raise _cancel(reasons)
    request: dict[str, Any] = {"TransactItems": gets}
    if _wants_capacity(mode):
        request["ReturnConsumedCapacity"] = mode
    result = _run(transactions.transact_get_items, engine, request)
    response: dict[str, Any] = {"Responses": result["Responses"]}
    if "ConsumedCapacity" in result:
        response["ConsumedCapacity"] = result["ConsumedCapacity"]
    return response


def _transact_writes(
    engine: Engine,
    statements: list[tuple[ast.Statement, list[dict[str, Any]], str | None]],
    mode: str | None,
    token: str | None,
) -> dict[str, Any]:
    actions: list[dict[str, Any]] = []
    inserts: set[int] = set()
    reasons: list[dict[str, Any] | None] = []
    for position, (statement, parameters, on_failure) in enumerate(statements):
        try:
            table = _table(engine, _source(statement))
        except ResourceNotFoundException as error:
            reasons.append(_reason("ResourceNotFound", error.message))
            continue
        try:
            with _statement_errors(position):
                if getattr(statement, "returning", None) is not None:
                    raise ValidationException(TRANSACTION_RETURNING)
                action = _transaction_action(statement, table, parameters, on_failure)
        except KeyShapeError:
            # A write that does not name one item is cancelled, like a mismatched key.
            reasons.append(_reason("ValidationError", KEY_MISMATCH))
            continue
        reasons.append(_precheck(table, action))
        if "Put" in action:
            inserts.add(position)
        actions.append(action)
    if any(reasons):
        raise _cancel(reasons)
    request: dict[str, Any] = {"TransactItems": actions}
    if token is not None:
        request["ClientRequestToken"] = token
    if _wants_capacity(mode):
        request["ReturnConsumedCapacity"] = mode
    try:
        result = transactions.transact_write_items(engine, request)
    except TransactionCanceledException as error:
        raise _duplicates(error, inserts) from None
    except DynamoDBError as error:
        raise as_partiql(error) from None
    response: dict[str, Any] = {"Responses": []}
    if "ConsumedCapacity" in result:
        response["ConsumedCapacity"] = result["ConsumedCapacity"]
    return response


def _transaction_action(
    statement: ast.Statement,
    table: Table,
    parameters: list[dict[str, Any]],
    on_failure: str | None,
) -> dict[str, Any]:
    """The TransactWriteItems element a write statement or EXISTS check runs as; its
    expressions are compiled here so that their errors name the statement."""
    if isinstance(statement, ast.Exists):
        body = plan_condition_check(statement, table, parameters)
        kind = "ConditionCheck"
    else:
        assert isinstance(statement, ast.Insert | ast.Update | ast.Delete)
        plan = plan_write(statement, table, parameters)
        body = dict(plan.request)
        kind = {"PutItem": "Put", "UpdateItem": "Update", "DeleteItem": "Delete"}[plan.operation]
    context = ExpressionContext(
        body.get("ExpressionAttributeNames"), body.get("ExpressionAttributeValues")
    )
    if "UpdateExpression" in body:
        compile_update(body["UpdateExpression"], context)
    if "ConditionExpression" in body:
        compile_condition(body["ConditionExpression"], context, "ConditionExpression")
    if on_failure is not None and kind != "Put":
        body["ReturnValuesOnConditionCheckFailure"] = on_failure
    return {kind: body}


def _precheck(table: Table, action: dict[str, Any]) -> dict[str, Any] | None:
    """The cancellation reason for a statement whose item the table's key cannot name."""
    ((kind, body),) = action.items()
    try:
        if kind == "Put":
            table.schema.check_item(body["Item"])
        else:
            table.schema.check_key(body["Key"])
    except ValidationException as error:
        return _reason("ValidationError", error.message)
    return None


def _duplicates(error: TransactionCanceledException, inserts: set[int]) -> DynamoDBError:
    """An INSERT whose item exists cancels the transaction with DuplicateItem."""
    reasons = list(error.extra.get("CancellationReasons") or [])
    changed = False
    for position, reason in enumerate(reasons):
        if position in inserts and reason.get("Code") == "ConditionalCheckFailed":
            reasons[position] = _reason("DuplicateItem", DUPLICATE_ITEM)
            changed = True
    if not changed:
        return error
    return _cancel(reasons)
