"""The lab checks: small named functions that look at a learner's sandbox and give a verdict.

Each check is registered with ``@check("name")`` and has the signature
``def name(context: CheckContext, *, arg: type = default, ...) -> tuple[bool, str]``.
The keyword arguments are the ``args`` a lab gives it in YAML; their type hints are the
schema that ``check_lessons`` and lesson loading validate (an unknown argument, a missing one
or a wrong type is an authoring error). The message says what passed, or what is missing and
what to do next, in words a learner understands.

A check reads, never writes: the sandbox through its inspection view (tables, items,
indexes; looking costs the learner no capacity and records nothing) and the learner's recent
calls (``CheckContext.activities``: the sandbox's Activity rows, or in ``check_lessons`` those
of a scratch sandbox rehearsing the lab's solution, built by the same code).
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import types
import typing
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, Literal, Protocol

from dynalab.sandboxes import selectors
from dynalab.sandboxes.capacity import total_units
from dynalab.sandboxes.errors import ResourceNotFoundException, ServiceError
from dynalab.sandboxes.selectors import Inspector, values_equal

logger = logging.getLogger(__name__)

KeyType = Literal["S", "N", "B"]
#: Operations that bill read units (GetItem, Query, Scan, BatchGetItem, TransactGetItems).
_READS = frozenset(facts.name for facts in selectors.operations() if facts.bills == "read")
AttributeType = Literal["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"]


# --------------------------------------------------------------------------- context
class ActivityLike(Protocol):
    """What a check reads of one call: the sandboxes' Activity row, or a rehearsal record."""

    operation: str
    status: str
    consumed_capacity: Any
    summary: dict[str, Any]
    request: dict[str, Any]
    created_at: datetime


@dataclass
class CheckContext:
    """Everything a check may look at for one learner and one lab step."""

    #: The sandbox's read-only view (``sandboxes.services.inspecting``).
    view: Inspector
    #: The learner's calls, oldest first.
    activities: Sequence[ActivityLike]
    #: When each already-passed step of this lab was passed (step number -> time).
    step_passed_at: Mapping[int, datetime] = field(default_factory=dict)
    #: The step being checked (1-based).
    step: int = 1

    def since_previous_step(self) -> list[ActivityLike]:
        """Calls made after the previous step was passed (all of them for the first step)."""
        start = self.step_passed_at.get(self.step - 1)
        if start is None:
            return list(self.activities)
        return [a for a in self.activities if a.created_at >= start]


@dataclass(frozen=True)
class CheckResult:
    passed: bool
    message: str


# --------------------------------------------------------------------------- the registry
@dataclass(frozen=True)
class RegisteredCheck:
    name: str
    function: Callable[..., tuple[bool, str]]
    summary: str
    #: Argument name -> (type hint, default or inspect.Parameter.empty).
    arguments: dict[str, tuple[Any, Any]]
    #: Extra rules on the arguments as a whole (e.g. "give min, max or equals").
    validate: Callable[[dict[str, Any]], list[str]] | None = None

    def argument_errors(self, args: Mapping[str, Any]) -> list[str]:
        """What is wrong with the arguments a lab gives this check (empty: nothing)."""
        errors = []
        for name in args:
            if name not in self.arguments:
                errors.append(
                    f"unknown argument {name!r} (this check takes: {self.signature_text()})"
                )
        for name, (hint, default) in self.arguments.items():
            if name not in args:
                if default is inspect.Parameter.empty:
                    errors.append(f"missing argument {name!r}")
                continue
            problem = _type_problem(args[name], hint)
            if problem:
                errors.append(f"argument {name!r} {problem}")
        if not errors and self.validate is not None:
            errors.extend(self.validate(dict(args)))
        return errors

    def signature_text(self) -> str:
        parts = []
        for name, (hint, default) in self.arguments.items():
            text = f"{name}: {_hint_text(hint)}"
            if default is not inspect.Parameter.empty:
                text += f" = {default!r}"
            parts.append(text)
        return ", ".join(parts) or "no arguments"

    def run(self, context: CheckContext, args: Mapping[str, Any]) -> CheckResult:
        """Run the check; an unexpected error is a failed check with a message, never a crash."""
        try:
            passed, message = self.function(context, **args)
        except ServiceError as error:
            return CheckResult(False, f"The check could not read your sandbox: {error.message}")
        except Exception:
            logger.exception("check %s failed with arguments %r", self.name, dict(args))
            return CheckResult(False, f"The {self.name} check could not run; tell the instructor.")
        return CheckResult(bool(passed), message)


REGISTRY: dict[str, RegisteredCheck] = {}


def check(
    name: str, *, validate: Callable[[dict[str, Any]], list[str]] | None = None
) -> Callable[[Callable[..., tuple[bool, str]]], Callable[..., tuple[bool, str]]]:
    """Register a check under ``name``; its keyword-only parameters are its arguments."""

    def register(function: Callable[..., tuple[bool, str]]) -> Callable[..., tuple[bool, str]]:
        if name in REGISTRY:
            raise ValueError(f"check {name!r} is registered twice")
        hints = typing.get_type_hints(function)
        arguments = {}
        for parameter in list(inspect.signature(function).parameters.values())[1:]:
            if parameter.kind is not inspect.Parameter.KEYWORD_ONLY:
                raise TypeError(f"check {name}: argument {parameter.name} must be keyword-only")
            arguments[parameter.name] = (hints.get(parameter.name, Any), parameter.default)
        summary = (inspect.getdoc(function) or "").split("\n\n")[0].replace("\n", " ")
        REGISTRY[name] = RegisteredCheck(name, function, summary, arguments, validate)
        return function

    return register


def run_check(name: str, context: CheckContext, args: Mapping[str, Any]) -> CheckResult:
    return REGISTRY[name].run(context, args)


def _type_problem(value: Any, hint: Any) -> str | None:
    """Why ``value`` does not fit ``hint`` (None when it does)."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return None
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        problems = [_type_problem(value, option) for option in options if option is not type(None)]
        return None if any(p is None for p in problems) else problems[0]
    if origin is Literal:
        choices = typing.get_args(hint)
        if value in choices:
            return None
        return f"must be one of {', '.join(map(str, choices))}, not {value!r}"
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
            return f"must be a number, not {value!r}"
        return None
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            return f"must be a whole number, not {value!r}"
        return None
    base = origin or hint
    if isinstance(base, type) and not isinstance(value, base):
        return f"must be {_hint_text(hint)}, not {value!r}"
    return None


def _hint_text(hint: Any) -> str:
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_hint_text(a) for a in typing.get_args(hint) if a is not type(None))
    if origin is Literal:
        return "|".join(map(str, typing.get_args(hint)))
    names = {str: "text", int: "whole number", float: "number", bool: "true/false"}
    if hint in names:
        return names[hint]
    if (origin or hint) is dict:
        return "mapping"
    if (origin or hint) is list:
        return "list"
    return getattr(hint, "__name__", str(hint))


# --------------------------------------------------------------------------- validators
def _key_problems(key: Any) -> list[str]:
    if not isinstance(key, dict) or not key:
        return ["key must map attribute names to typed values, e.g. {isbn: {S: '978-0'}}"]
    problems = []
    for name, value in key.items():
        if not (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in "SNB"):
            problems.append(f"key attribute {name!r} needs a typed value such as {{S: 'text'}}")
    return problems


PATH_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def _path_parts(path: str) -> list[str | int] | None:
    """``comments[0].author`` -> ``["comments", 0, "author"]`` (None if malformed)."""
    parts: list[str | int] = []
    for segment in path.split("."):
        match = PATH_SEGMENT.fullmatch(segment)
        if match is None:
            return None
        parts.append(match.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return parts


def _validate_key(args: dict[str, Any]) -> list[str]:
    return _key_problems(args.get("key"))


def _validate_key_and_path(args: dict[str, Any]) -> list[str]:
    problems = _key_problems(args.get("key"))
    if _path_parts(args["attribute"]) is None:
        problems.append(f"attribute {args['attribute']!r} is not a path like name or a.b[0].c")
    return problems


def _validate_bounds(*names: str) -> Callable[[dict[str, Any]], list[str]]:
    def validate(args: dict[str, Any]) -> list[str]:
        given = [n for n in names if args.get(n) is not None]
        if not given:
            return [f"give at least one of {', '.join(names)}"]
        low, high = args.get(names[0]), args.get(names[1])
        if low is not None and high is not None and low > high:
            return [f"{names[0]} ({low}) is more than {names[1]} ({high})"]
        if len(names) > 2 and args.get(names[2]) is not None and len(given) > 1:
            return [f"give {names[2]} alone, or {names[0]}/{names[1]}"]
        return []

    return validate


def _and(*validators: Callable[[dict[str, Any]], list[str]]) -> Callable[[dict], list[str]]:
    def validate(args: dict[str, Any]) -> list[str]:
        return [problem for v in validators for problem in v(args)]

    return validate


# --------------------------------------------------------------------------- helpers
def _describe(context: CheckContext, table: str) -> dict[str, Any] | None:
    """The table's description, or None if it does not exist. Costs no capacity."""
    try:
        return context.view.describe_table(table)
    except ResourceNotFoundException:
        return None


def _no_table(table: str) -> tuple[bool, str]:
    return False, f"There is no table named {table} in your sandbox yet."


def _key_schema(attributes: list[dict[str, str]], schema: list[dict[str, str]]) -> dict[str, Any]:
    types_by_name = {a["AttributeName"]: a["AttributeType"] for a in attributes}
    result: dict[str, Any] = {"HASH": None, "RANGE": None}
    for element in schema:
        name = element["AttributeName"]
        result.setdefault(element["KeyType"], None)
        if result[element["KeyType"]] is None:
            result[element["KeyType"]] = (name, types_by_name.get(name))
    return result


def _compare_key(
    role: str, actual: tuple[str, str] | None, name: str | None, kind: str | None
) -> str | None:
    """Why the actual key (name, type) does not match what the lab asks (None if it does)."""
    if name is None and kind is None:
        return None
    if actual is None:
        return f"it has no {role}"
    if name is not None and actual[0] != name:
        return f"its {role} is {actual[0]}, not {name}"
    if kind is not None and actual[1] != kind:
        return f"its {role} {actual[0]} has type {actual[1]}, not {kind}"
    return None


def _stored_item(
    context: CheckContext, table: str, key: dict[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """(the item, None) or (None, why not). Read through the inspection view: no capacity."""
    stored, problem = _stored(context, table, key)
    return (stored.item, None) if stored is not None else (None, problem)


def _stored(context: CheckContext, table: str, key: dict[str, Any]) -> tuple[Any, str | None]:
    """(the StoredItem with its size, None) or (None, why not)."""
    description = _describe(context, table)
    if description is None:
        return None, _no_table(table)[1]
    try:
        stored = context.view.item(table, key)
    except ServiceError:
        names = " and ".join(k["AttributeName"] for k in description["KeySchema"])
        return None, f"The lab's key does not match table {table}'s key ({names})."
    if stored is None:
        return None, f"Table {table} has no item with key {_key_text(key)} yet."
    return stored, None


def _key_text(key: dict[str, Any]) -> str:
    return ", ".join(f"{name} = {next(iter(value.values()))!r}" for name, value in key.items())


def _resolve(item: dict[str, Any], parts: list[str | int]) -> dict[str, Any] | None:
    """The typed value at a document path, or None."""
    value: Any = {"M": item}
    for part in parts:
        if isinstance(part, int):
            if "L" not in value or part >= len(value["L"]):
                return None
            value = value["L"][part]
        else:
            if "M" not in value or part not in value["M"]:
                return None
            value = value["M"][part]
    return value


def _tables_of(activity: ActivityLike) -> set[str]:
    summary = activity.summary or {}
    names = set(summary.get("TableNames") or [])
    for source in (summary, activity.request or {}):
        name = source.get("TableName") if isinstance(source, dict) else None
        if isinstance(name, str):
            names.add(name.rsplit("table/", 1)[-1].split("/", 1)[0])
    return names


def _matches(
    activity: ActivityLike,
    *,
    operations: frozenset[str] | set[str],
    table: str | None = None,
    index: str | None = None,
) -> bool:
    if activity.operation not in operations:
        return False
    if table is not None and table not in _tables_of(activity):
        return False
    return index is None or (activity.summary or {}).get("IndexName") == index


def _last(activities: Sequence[ActivityLike], **criteria: Any) -> ActivityLike | None:
    for activity in reversed(activities):
        if _matches(activity, **criteria):
            return activity
    return None


def capacity_units(activity: ActivityLike, table: str | None = None) -> float | None:
    """Capacity units a call consumed (on ``table`` only, if given), from its ConsumedCapacity."""
    return total_units(activity.consumed_capacity, table)


def _units(value: float) -> str:
    return f"{value:g}"


def _count(number: float, word: str) -> str:
    """``1 item``, ``3 items``, ``1 capacity unit``: a number and its word, agreed."""
    return f"{_units(number)} {word}{'' if number == 1 else 's'}"


def _json(value: Any) -> str:
    """A typed value as DynamoDB JSON (``{"BOOL": true}``), never a Python repr."""
    return json.dumps(value, ensure_ascii=False, default=str)


def _outcome(activity: ActivityLike) -> str:
    return "succeeded" if activity.status == "ok" else f"failed with {activity.status}"


# --------------------------------------------------------------------------- tables
@check("table_exists")
def table_exists(
    context: CheckContext,
    *,
    table: str,
    partition_key: str | None = None,
    partition_key_type: KeyType | None = None,
    sort_key: str | None = None,
    sort_key_type: KeyType | None = None,
    key_type: Literal["simple", "composite"] | None = None,
    billing_mode: Literal["PROVISIONED", "PAY_PER_REQUEST"] | None = None,
) -> tuple[bool, str]:
    """The table exists, with the partition key, sort key and billing mode given (if given).

    ``key_type: simple`` also requires that it has no sort key.
    """
    description = _describe(context, table)
    if description is None:
        return _no_table(table)
    keys = _key_schema(description["AttributeDefinitions"], description["KeySchema"])
    problem = _compare_key("partition key", keys["HASH"], partition_key, partition_key_type)
    problem = problem or _compare_key("sort key", keys["RANGE"], sort_key, sort_key_type)
    if key_type == "simple" and keys["RANGE"] is not None:
        problem = f"it has a sort key ({keys['RANGE'][0]}); this step asks for a simple key"
    if key_type == "composite" and keys["RANGE"] is None:
        problem = "it has no sort key; this step asks for a composite key"
    mode = (description.get("BillingModeSummary") or {}).get("BillingMode", "PROVISIONED")
    if problem is None and billing_mode is not None and mode != billing_mode:
        problem = f"its billing mode is {mode}, not {billing_mode}"
    if problem:
        return False, (
            f"Table {table} exists, but {problem}. Key attributes cannot be changed: delete "
            "the table and create it again."
        )
    key_text = " and ".join(f"{k[0]} ({k[1]})" for k in (keys["HASH"], keys["RANGE"]) if k)
    return True, f"Table {table} exists with key {key_text}."


@check("table_absent")
def table_absent(context: CheckContext, *, table: str) -> tuple[bool, str]:
    """There is no table with this name (for example after DeleteTable)."""
    if _describe(context, table) is None:
        return True, f"Table {table} is gone."
    return False, f"Table {table} still exists."


@check("item_count", validate=_validate_bounds("min", "max", "equals"))
def item_count(
    context: CheckContext,
    *,
    table: str,
    min: int | None = None,
    max: int | None = None,
    equals: int | None = None,
) -> tuple[bool, str]:
    """The table holds at least ``min``, at most ``max``, or exactly ``equals`` items."""
    description = _describe(context, table)
    if description is None:
        return _no_table(table)
    count = description["ItemCount"]
    noun = "item" if count == 1 else "items"
    if equals is not None and count != equals:
        return False, f"Table {table} holds {count} {noun}; this step needs exactly {equals}."
    if min is not None and count < min:
        return False, f"Table {table} holds {count} {noun}; this step needs at least {min}."
    if max is not None and count > max:
        return False, f"Table {table} holds {count} {noun}; this step needs at most {max}."
    return True, f"Table {table} holds {count} {noun}."


# --------------------------------------------------------------------------- items
@check("item_exists", validate=_validate_key)
def item_exists(context: CheckContext, *, table: str, key: dict[str, Any]) -> tuple[bool, str]:
    """An item with this primary key (typed values, e.g. ``{isbn: {S: "978-0"}}``) exists."""
    item, problem = _stored_item(context, table, key)
    if item is None:
        return False, problem or ""
    return True, f"Table {table} has the item {_key_text(key)}."


@check("item_absent", validate=_validate_key)
def item_absent(context: CheckContext, *, table: str, key: dict[str, Any]) -> tuple[bool, str]:
    """No item with this primary key exists (for example after DeleteItem)."""
    if _describe(context, table) is None:
        return _no_table(table)
    item, _ = _stored_item(context, table, key)
    if item is not None:
        return False, f"Table {table} still has the item {_key_text(key)}."
    return True, f"Table {table} has no item {_key_text(key)}."


@check("attribute_present", validate=_validate_key_and_path)
def attribute_present(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    attribute: str,
    type: AttributeType | None = None,
) -> tuple[bool, str]:
    """The item has this attribute (a name or a document path such as ``comments[0].author``),
    of the given type if ``type`` is given (S, N, B, BOOL, NULL, L, M, SS, NS, BS)."""
    item, problem = _stored_item(context, table, key)
    if item is None:
        return False, problem or ""
    value = _resolve(item, _path_parts(attribute) or [])
    if value is None:
        return False, f"The item {_key_text(key)} has no attribute {attribute} yet."
    actual = next(iter(value))
    if type is not None and actual != type:
        return False, f"{attribute} is of type {actual}; this step asks for {type}."
    return True, f"The item has {attribute} (type {actual})."


@check("attribute_equals", validate=_validate_key_and_path)
def attribute_equals(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    attribute: str,
    value: dict[str, Any],
) -> tuple[bool, str]:
    """The item's attribute (or document path) holds exactly this typed value, e.g. ``{N: "3"}``."""
    item, problem = _stored_item(context, table, key)
    if item is None:
        return False, problem or ""
    actual = _resolve(item, _path_parts(attribute) or [])
    if actual is None:
        return False, f"The item {_key_text(key)} has no attribute {attribute} yet."
    if not values_equal(actual, value):
        return False, f"{attribute} holds {_json(actual)}, not {_json(value)}."
    return True, f"{attribute} holds {_json(value)}."


@check("item_size", validate=_and(_validate_key, _validate_bounds("min_bytes", "max_bytes")))
def item_size(
    context: CheckContext,
    *,
    table: str,
    key: dict[str, Any],
    min_bytes: int | None = None,
    max_bytes: int | None = None,
) -> tuple[bool, str]:
    """The item's size (attribute names plus values, the service's rule) is within bounds."""
    stored, problem = _stored(context, table, key)
    if stored is None:
        return False, problem or ""
    size = stored.size_bytes
    if min_bytes is not None and size < min_bytes:
        return False, f"The item is {size:,} bytes; this step needs at least {min_bytes:,}."
    if max_bytes is not None and size > max_bytes:
        return False, f"The item is {size:,} bytes; this step needs at most {max_bytes:,}."
    return True, f"The item is {size:,} bytes."


# --------------------------------------------------------------------------- indexes
@check("gsi_exists")
def gsi_exists(
    context: CheckContext,
    *,
    table: str,
    index: str,
    partition_key: str | None = None,
    partition_key_type: KeyType | None = None,
    sort_key: str | None = None,
    sort_key_type: KeyType | None = None,
    projection_type: Literal["KEYS_ONLY", "INCLUDE", "ALL"] | None = None,
) -> tuple[bool, str]:
    """The table has an ACTIVE global secondary index with these keys and projection."""
    description = _describe(context, table)
    if description is None:
        return _no_table(table)
    found = next(
        (i for i in description.get("GlobalSecondaryIndexes", []) if i["IndexName"] == index),
        None,
    )
    if found is None:
        return False, f"Table {table} has no global secondary index named {index} yet."
    keys = _key_schema(description["AttributeDefinitions"], found["KeySchema"])
    problem = _compare_key("partition key", keys["HASH"], partition_key, partition_key_type)
    problem = problem or _compare_key("sort key", keys["RANGE"], sort_key, sort_key_type)
    actual_projection = found["Projection"]["ProjectionType"]
    if problem is None and projection_type is not None and actual_projection != projection_type:
        problem = f"it projects {actual_projection}, not {projection_type}"
    if problem:
        return False, f"Index {index} exists, but {problem}. Delete it and create it again."
    if found.get("IndexStatus", "ACTIVE") != "ACTIVE":
        return False, f"Index {index} is still {found['IndexStatus']} (backfilling); wait a moment."
    return True, f"Index {index} on {table} is ACTIVE."


@check("index_is_sparse")
def index_is_sparse(
    context: CheckContext, *, table: str, index: str, min_items: int = 1
) -> tuple[bool, str]:
    """The index holds fewer items than its table (only items with its key attributes),
    and at least ``min_items``."""
    description = _describe(context, table)
    if description is None:
        return _no_table(table)
    indexes = description.get("GlobalSecondaryIndexes", []) + description.get(
        "LocalSecondaryIndexes", []
    )
    found = next((i for i in indexes if i["IndexName"] == index), None)
    if found is None:
        return False, f"Table {table} has no index named {index} yet."
    in_index, in_table = found["ItemCount"], description["ItemCount"]
    if in_index < min_items:
        return False, (
            f"Index {index} holds {_count(in_index, 'item')}; give at least "
            f"{_count(min_items, 'item')} the "
            "index's key attribute."
        )
    if in_index >= in_table:
        return False, (
            f"Index {index} holds {in_index} of the table's {_count(in_table, 'item')}: every "
            "item has "
            "its key attribute, so the index is not sparse."
        )
    return True, (
        f"Index {index} holds {in_index} of the table's {_count(in_table, 'item')}: it is sparse."
    )


# --------------------------------------------------------------------------- activity
@check("last_operation_succeeded")
def last_operation_succeeded(
    context: CheckContext, *, operation: str, table: str | None = None
) -> tuple[bool, str]:
    """The learner's most recent ``operation`` call (on ``table``, if given) succeeded."""
    where = f" on {table}" if table else ""
    last = _last(context.activities, operations={operation}, table=table)
    if last is None:
        return False, f"You have not run {operation}{where} yet."
    if last.status != "ok":
        return (
            False,
            f"Your last {operation}{where} failed with {last.status}; fix it and run it again.",
        )
    return True, f"Your last {operation}{where} succeeded."


@check("operation_used")
def operation_used(
    context: CheckContext,
    *,
    operation: str,
    table: str | None = None,
    index: str | None = None,
    since_previous_step: bool = False,
) -> tuple[bool, str]:
    """The learner ran ``operation`` successfully (on ``table`` / ``index`` if given; only
    since the previous step was passed if ``since_previous_step``)."""
    activities = context.since_previous_step() if since_previous_step else context.activities
    where = (f" on {table}" if table else "") + (f" using index {index}" if index else "")
    found = [a for a in activities if _matches(a, operations={operation}, table=table, index=index)]
    if not any(a.status == "ok" for a in found):
        if found:
            return False, f"Your {operation}{where} failed with {found[-1].status}."
        return False, f"Run {operation}{where} first."
    return True, f"You ran {operation}{where}."


@check("scan_was_run")
def scan_was_run(context: CheckContext, *, table: str) -> tuple[bool, str]:
    """The learner has run a successful Scan of the table."""
    found = [a for a in context.activities if _matches(a, operations={"Scan"}, table=table)]
    succeeded = [a for a in found if a.status == "ok"]
    if not succeeded:
        if found:
            return False, f"Your Scan of {table} failed with {found[-1].status}."
        return False, f"Run a Scan of {table} first."
    last = succeeded[-1]
    message = f"You scanned {table}"
    scanned = (last.summary or {}).get("ScannedCount")
    if scanned is not None:
        message += f": it read {_count(scanned, 'item')}"
    units = capacity_units(last, table)
    if units is not None:
        message += f" for {_units(units)} RCU"
    return True, message + "."


@check("query_was_run")
def query_was_run(
    context: CheckContext, *, table: str, index: str | None = None
) -> tuple[bool, str]:
    """The learner has run a successful Query of the table (of ``index``, if given)."""
    return operation_used(context, operation="Query", table=table, index=index)


@check("last_query_max_rcu")
def last_query_max_rcu(
    context: CheckContext, *, table: str, max_units: float, index: str | None = None
) -> tuple[bool, str]:
    """The learner's most recent Query of the table succeeded and consumed at most
    ``max_units`` read capacity units."""
    where = f"{table}" + (f" (index {index})" if index else "")
    last = _last(context.activities, operations={"Query"}, table=table, index=index)
    if last is None:
        return False, f"Run a Query on {where} first."
    if last.status != "ok":
        return False, f"Your last Query on {where} failed with {last.status}."
    units = capacity_units(last, table)
    if units is None:
        return False, "Your last Query did not report its consumed capacity."
    if units > max_units:
        return False, (
            f"Your last Query on {where} consumed {_units(units)} RCU; aim for at most "
            f"{_units(max_units)}. Does the key condition narrow it to the items you need?"
        )
    return True, f"Your last Query on {where} consumed {_units(units)} RCU."


@check("last_query_count", validate=_validate_bounds("min", "max", "equals"))
def last_query_count(
    context: CheckContext,
    *,
    table: str,
    min: int | None = None,
    max: int | None = None,
    equals: int | None = None,
) -> tuple[bool, str]:
    """The learner's most recent Query of the table succeeded and returned (Count) at least
    ``min``, at most ``max``, or exactly ``equals`` items."""
    last = _last(context.activities, operations={"Query"}, table=table)
    if last is None:
        return False, f"Run a Query on {table} first."
    if last.status != "ok":
        return False, f"Your last Query on {table} failed with {last.status}."
    count = (last.summary or {}).get("Count")
    if not isinstance(count, int):
        return False, "Your last Query did not report how many items it returned."
    returned = f"Your last Query on {table} returned {count} item{'s' if count != 1 else ''}"
    if equals is not None and count != equals:
        return False, f"{returned}; this step expects {equals}. Check the key condition."
    if min is not None and count < min:
        return False, f"{returned}; this step expects at least {min}."
    if max is not None and count > max:
        return False, f"{returned}; this step expects at most {max}."
    return True, f"{returned}."


@check("last_read_max_rcu")
def last_read_max_rcu(context: CheckContext, *, table: str, max_units: float) -> tuple[bool, str]:
    """The learner's most recent read of the table (GetItem, Query, Scan, BatchGetItem,
    TransactGetItems) succeeded and consumed at most ``max_units`` read capacity units."""
    last = _last(context.activities, operations=_READS, table=table)
    if last is None:
        return False, f"Read from {table} first."
    if last.status != "ok":
        return False, f"Your last read ({last.operation}) of {table} failed with {last.status}."
    units = capacity_units(last, table)
    if units is None:
        return False, f"Your last {last.operation} did not report its consumed capacity."
    if units > max_units:
        return False, (
            f"Your last read ({last.operation}) of {table} consumed {_units(units)} RCU; "
            f"this step allows at most {_units(max_units)}."
        )
    return True, f"Your last read ({last.operation}) of {table} consumed {_units(units)} RCU."


@check("last_call_capacity", validate=_validate_bounds("min", "max", "equals"))
def last_call_capacity(
    context: CheckContext,
    *,
    operation: str,
    table: str | None = None,
    min: float | None = None,
    max: float | None = None,
    equals: float | None = None,
) -> tuple[bool, str]:
    """The learner's most recent ``operation`` (on ``table``) succeeded and consumed capacity
    units within bounds: at least ``min``, at most ``max``, or exactly ``equals``."""
    where = f" on {table}" if table else ""
    candidates = [a for a in context.activities if _matches(a, operations={operation}, table=table)]
    if not candidates:
        return False, f"Run {operation}{where} first."
    last = candidates[-1]
    if last.status != "ok":
        return False, f"Your last {operation}{where} failed with {last.status}."
    units = capacity_units(last, table)
    if units is None:
        return False, f"Your last {operation} did not report its consumed capacity."
    spent = f"Your last {operation}{where} consumed {_count(units, 'capacity unit')}"
    if equals is not None and units != equals:
        return False, f"{spent}; this step expects {_units(equals)}."
    if min is not None and units < min:
        return False, f"{spent}; this step expects at least {_units(min)}."
    if max is not None and units > max:
        return False, f"{spent}; this step expects at most {_units(max)}."
    return True, f"{spent}."


@check("used_query_not_scan")
def used_query_not_scan(context: CheckContext, *, table: str) -> tuple[bool, str]:
    """Since the previous step was passed, the learner read the table with a successful
    Query and did not Scan it."""
    recent = context.since_previous_step()
    scans = [a for a in recent if _matches(a, operations={"Scan"}, table=table)]
    if scans:
        return False, (
            f"You scanned {table} in this step. A Scan reads every item; answer with a Query "
            "on the key instead."
        )
    queries = [
        a for a in recent if _matches(a, operations={"Query"}, table=table) and a.status == "ok"
    ]
    if not queries:
        return False, f"Answer this step with a Query on {table}."
    return True, f"You answered with a Query on {table}, without a Scan."


@check("no_scan_since_step")
def no_scan_since_step(context: CheckContext, *, table: str, step: int) -> tuple[bool, str]:
    """No Scan of the table since step ``step`` of this lab was passed."""
    passed_at = context.step_passed_at.get(step)
    if passed_at is None:
        return False, f"Finish step {step} first."
    scans = [
        a
        for a in context.activities
        if a.created_at >= passed_at and _matches(a, operations={"Scan"}, table=table)
    ]
    if scans:
        return False, f"You scanned {table} after step {step}; this step asks you not to."
    return True, f"No Scan of {table} since step {step}."
