"""The check registry, the context a check reads, argument validation, and shared helpers."""

from __future__ import annotations

import inspect
import json
import logging
import re
import types
import typing
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol

from dynalab.sandboxes import selectors
from dynalab.sandboxes.capacity import total_units
from dynalab.sandboxes.errors import ResourceNotFoundException, ServiceError
from dynalab.sandboxes.selectors import Inspector, values_equal

logger = logging.getLogger(__name__)

KeyType = Literal["S", "N", "B"]
AttributeType = Literal["S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"]
ProjectionType = Literal["KEYS_ONLY", "INCLUDE", "ALL"]
#: Operations that bill read units (GetItem, Query, Scan, BatchGetItem, TransactGetItems).
READS = frozenset(facts.name for facts in selectors.operations() if facts.bills == "read")
#: Operations that write items (and so may touch one given item).
WRITES = frozenset(("PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem", "TransactWriteItems"))
#: Error codes of a throttled request.
THROTTLED = frozenset(
    ("ProvisionedThroughputExceededException", "ThrottlingException", "RequestLimitExceeded")
)


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
    """Everything a check may look at for one learner and one lab step, in one AWS Region.

    Built with every call the learner made, in any Region; ``activities`` then holds the
    calls made in ``region`` (and those of no Region, such as clock moves). A check given a
    ``region`` argument runs on ``in_region(region)``: that Region's view and calls."""

    #: The sandbox's read-only view of ``region`` (``sandboxes.services.inspecting``).
    view: Inspector
    #: The learner's calls in ``region``, oldest first.
    activities: Sequence[ActivityLike]
    #: When each already-passed step of this lab was passed (step number -> time).
    step_passed_at: Mapping[int, datetime] = field(default_factory=dict)
    #: The step being checked (1-based).
    step: int = 1
    #: The AWS Region the view and the calls belong to.
    region: str = selectors.DEFAULT_REGION
    #: Every call, in any Region (None when built: then ``activities`` holds them all).
    every_call: Sequence[ActivityLike] | None = None

    def __post_init__(self) -> None:
        if self.every_call is None:
            self.every_call = list(self.activities)
            self.activities = [a for a in self.every_call if in_region(a, self.region)]

    def in_region(self, region: str) -> CheckContext:
        """The same learner and step, looking at another Region of the sandbox."""
        if region == self.region:
            return self
        every_call = list(self.every_call or ())
        return CheckContext(
            view=self.view.in_region(region),
            activities=[a for a in every_call if in_region(a, region)],
            step_passed_at=self.step_passed_at,
            step=self.step,
            region=region,
            every_call=every_call,
        )

    def since_step(self, step: int) -> list[ActivityLike]:
        """Calls made after step ``step`` was passed (all of them if it was not)."""
        start = self.step_passed_at.get(step)
        if start is None:
            return list(self.activities)
        return [a for a in self.activities if a.created_at > start]

    def since_previous_step(self) -> list[ActivityLike]:
        """Calls made after the previous step was passed (all of them for the first step)."""
        return self.since_step(self.step - 1)

    def window(self, since_previous_step: bool) -> list[ActivityLike]:
        return self.since_previous_step() if since_previous_step else list(self.activities)


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
        """What is wrong with the arguments a lab gives this check (empty: nothing). Every
        check also takes ``region``, the AWS Region to look at (the lessons' by default)."""
        errors = []
        if REGION_ARGUMENT in args and REGION_ARGUMENT not in self.arguments:
            region = args[REGION_ARGUMENT]
            if not isinstance(region, str) or region not in selectors.REGIONS:
                errors.append(
                    f"argument 'region' must be an AWS Region such as eu-west-1, not {region!r}"
                )
            args = {k: v for k, v in args.items() if k != REGION_ARGUMENT}
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
        """Run the check (in the Region its ``region`` argument names, if any); an unexpected
        error is a failed check with a message, never a crash."""
        args = dict(args)
        region = args.pop(REGION_ARGUMENT, None)
        try:
            if region is not None:
                context = context.in_region(region)
            passed, message = self.function(context, **args)
        except ServiceError as error:
            return CheckResult(False, f"The check could not read your sandbox: {error.message}")
        except Exception:
            logger.exception("check %s failed with arguments %r", self.name, dict(args))
            return CheckResult(False, f"The {self.name} check could not run; tell the instructor.")
        return CheckResult(bool(passed), message)


REGISTRY: dict[str, RegisteredCheck] = {}
#: The argument every check takes: the AWS Region to look at.
REGION_ARGUMENT = "region"


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
        if isinstance(value, bool) or not isinstance(value, int | float):
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
Validator = Callable[[dict[str, Any]], list[str]]


def key_problems(key: Any, name: str = "key") -> list[str]:
    if not isinstance(key, dict) or not key:
        return [f"{name} must map attribute names to typed values, e.g. {{isbn: {{S: '978-0'}}}}"]
    problems = []
    for attribute, value in key.items():
        if not (isinstance(value, dict) and len(value) == 1 and next(iter(value)) in "SNB"):
            problems.append(
                f"{name} attribute {attribute!r} needs a typed value such as {{S: 'text'}}"
            )
    return problems


PATH_SEGMENT = re.compile(r"([^.\[\]]+)((?:\[\d+\])*)")


def path_parts(path: str) -> list[str | int] | None:
    """``comments[0].author`` -> ``["comments", 0, "author"]`` (None if malformed)."""
    parts: list[str | int] = []
    for segment in path.split("."):
        match = PATH_SEGMENT.fullmatch(segment)
        if match is None:
            return None
        parts.append(match.group(1))
        parts.extend(int(i) for i in re.findall(r"\[(\d+)\]", match.group(2)))
    return parts


def validate_key(args: dict[str, Any]) -> list[str]:
    return key_problems(args.get("key"))


def validate_optional_key(args: dict[str, Any]) -> list[str]:
    return key_problems(args["key"]) if args.get("key") is not None else []


def validate_key_and_path(args: dict[str, Any]) -> list[str]:
    problems = key_problems(args.get("key"))
    if path_parts(args["attribute"]) is None:
        problems.append(f"attribute {args['attribute']!r} is not a path like name or a.b[0].c")
    return problems


def validate_bounds(*names: str) -> Validator:
    """At least one of ``names``; the first two (low, high) in order; the third alone."""

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


def validate_any_of(*names: str) -> Validator:
    def validate(args: dict[str, Any]) -> list[str]:
        if all(args.get(n) is None for n in names):
            return [f"give at least one of {', '.join(names)}"]
        return []

    return validate


def all_of(*validators: Validator) -> Validator:
    def validate(args: dict[str, Any]) -> list[str]:
        return [problem for v in validators for problem in v(args)]

    return validate


# --------------------------------------------------------------------------- sandbox helpers
def describe(context: CheckContext, table: str) -> dict[str, Any] | None:
    """The table's description, or None if it does not exist. Costs no capacity."""
    try:
        return context.view.describe_table(table)
    except ResourceNotFoundException:
        return None


def no_table(table: str) -> tuple[bool, str]:
    return False, f"There is no table named {table} in your sandbox yet."


def key_schema(attributes: list[dict[str, str]], schema: list[dict[str, str]]) -> dict[str, Any]:
    """{"HASH": (name, type) or None, "RANGE": (name, type) or None}."""
    types_by_name = {a["AttributeName"]: a["AttributeType"] for a in attributes}
    result: dict[str, Any] = {"HASH": None, "RANGE": None}
    for element in schema:
        name = element["AttributeName"]
        result.setdefault(element["KeyType"], None)
        if result[element["KeyType"]] is None:
            result[element["KeyType"]] = (name, types_by_name.get(name))
    return result


def compare_key(
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


def stored(context: CheckContext, table: str, key: dict[str, Any]) -> tuple[Any, str | None]:
    """(the StoredItem with its size, None) or (None, why not). No capacity is consumed."""
    description = describe(context, table)
    if description is None:
        return None, no_table(table)[1]
    try:
        found = context.view.item(table, key)
    except ServiceError:
        names = " and ".join(k["AttributeName"] for k in description["KeySchema"])
        return None, f"The lab's key does not match table {table}'s key ({names})."
    if found is None:
        return None, f"Table {table} has no item with key {key_text(key)} yet."
    return found, None


def stored_item(
    context: CheckContext, table: str, key: dict[str, Any]
) -> tuple[dict[str, Any] | None, str | None]:
    """(the item, None) or (None, why not)."""
    found, problem = stored(context, table, key)
    return (found.item, None) if found is not None else (None, problem)


def key_text(key: dict[str, Any]) -> str:
    return ", ".join(f"{name} = {_scalar(value)!r}" for name, value in key.items())


def _scalar(value: Any) -> Any:
    return next(iter(value.values())) if isinstance(value, dict) and value else value


def resolve(item: dict[str, Any], parts: list[str | int]) -> dict[str, Any] | None:
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


def table_key_names(context: CheckContext, table: str) -> tuple[str, ...] | None:
    description = describe(context, table)
    if description is None:
        return None
    return tuple(element["AttributeName"] for element in description["KeySchema"])


# --------------------------------------------------------------------------- call helpers
def table_of_name(name: str) -> str:
    """A TableName parameter may be an ARN: the table's name either way."""
    return name.rsplit("table/", 1)[-1].split("/", 1)[0]


def in_region(activity: ActivityLike, region: str) -> bool:
    """Whether a call ran in ``region``. Its summary says where (``Region``); a call without
    one ran before Regions existed (us-east-1, the lessons' Region) or concerned the whole
    sandbox (a clock move), and counts everywhere."""
    ran_in = (activity.summary or {}).get("Region")
    return ran_in is None or ran_in == region


def tables_of(activity: ActivityLike) -> set[str]:
    summary = activity.summary or {}
    names = set(summary.get("TableNames") or [])
    for source in (summary, activity.request or {}):
        name = source.get("TableName") if isinstance(source, dict) else None
        if isinstance(name, str):
            names.add(table_of_name(name))
    return names


def matches(
    activity: ActivityLike,
    *,
    operations: Iterable[str],
    table: str | None = None,
    index: str | None = None,
) -> bool:
    if activity.operation not in operations:
        return False
    if table is not None and table not in tables_of(activity):
        return False
    return index is None or (activity.summary or {}).get("IndexName") == index


def last(activities: Sequence[ActivityLike], **criteria: Any) -> ActivityLike | None:
    for activity in reversed(activities):
        if matches(activity, **criteria):
            return activity
    return None


def capacity_units(activity: ActivityLike, table: str | None = None) -> float | None:
    """Capacity units a call consumed (on ``table`` only, if given), from its ConsumedCapacity."""
    return total_units(activity.consumed_capacity, table)


def units(value: float) -> str:
    return f"{value:g}"


def within_bounds(
    value: float,
    said: str,
    *,
    equals: float | None = None,
    min: float | None = None,
    max: float | None = None,
    show: Callable[[float], str] = str,
    hint: str = "",
) -> tuple[bool, str]:
    """The verdict on a count or an amount against a step's bounds (``validate_bounds``),
    with ``said`` ("Table T holds 3 items") as the message's start; ``hint`` follows a miss
    of ``equals``."""
    if equals is not None and value != equals:
        return False, f"{said}; this step expects {show(equals)}.{hint}"
    if min is not None and value < min:
        return False, f"{said}; this step expects at least {show(min)}."
    if max is not None and value > max:
        return False, f"{said}; this step expects at most {show(max)}."
    return True, f"{said}."


def plural(count: int, noun: str) -> str:
    return f"{count} {noun}{'' if count == 1 else 's'}"


def written_keys(
    activity: ActivityLike, table: str, names: tuple[str, ...]
) -> list[dict[str, Any]]:
    """The keys of the items ``table`` a write call targets (a batch or a transaction may
    target several; a ConditionCheck writes nothing)."""
    request = activity.request if isinstance(activity.request, dict) else {}

    def key_of(item: Any) -> dict[str, Any] | None:
        if not isinstance(item, dict) or any(name not in item for name in names):
            return None
        return {name: item[name] for name in names}

    def on_table(body: Any) -> bool:
        name = body.get("TableName") if isinstance(body, dict) else None
        return isinstance(name, str) and table_of_name(name) == table

    found: list[Any] = []
    operation = activity.operation
    if operation == "PutItem" and on_table(request):
        found.append(key_of(request.get("Item")))
    elif operation in ("UpdateItem", "DeleteItem") and on_table(request):
        found.append(key_of(request.get("Key")))
    elif operation == "BatchWriteItem":
        items = request.get("RequestItems") or {}
        writes = next(
            (v for k, v in items.items() if isinstance(k, str) and table_of_name(k) == table), []
        )
        for entry in writes if isinstance(writes, list) else []:
            if not isinstance(entry, dict):
                continue
            put, delete = entry.get("PutRequest"), entry.get("DeleteRequest")
            if isinstance(put, dict):
                found.append(key_of(put.get("Item")))
            elif isinstance(delete, dict):
                found.append(key_of(delete.get("Key")))
    elif operation == "TransactWriteItems":
        for entry in request.get("TransactItems") or []:
            if not isinstance(entry, dict):
                continue
            for action in ("Put", "Update", "Delete"):
                body = entry.get(action)
                if on_table(body):
                    found.append(key_of(body.get("Item" if action == "Put" else "Key")))
    return [key for key in found if key is not None]


def same_key(left: dict[str, Any], right: dict[str, Any]) -> bool:
    return set(left) == set(right) and all(values_equal(left[n], right[n]) for n in left)


def touches_key(
    activity: ActivityLike, table: str, key: dict[str, Any], names: tuple[str, ...]
) -> bool:
    """Whether a call targets the item ``key`` of ``table``: a write of it, or a GetItem of it."""
    if activity.operation == "GetItem":
        request = activity.request if isinstance(activity.request, dict) else {}
        found = request.get("Key")
        name = request.get("TableName")
        return (
            isinstance(name, str)
            and table_of_name(name) == table
            and isinstance(found, dict)
            and same_key(found, key)
        )
    return any(same_key(k, key) for k in written_keys(activity, table, names))


def shape_matches(pattern: Any, value: Any) -> bool:
    """Whether a request (or part of one) has the shape a lab describes.

    A mapping matches a mapping holding at least its keys, each matching; the key ``"*"``
    matches when *some* value of the mapping matches (placeholders such as ``:c`` are the
    learner's to name). A list matches a list in which each pattern element matches some
    element. ``{$contains: text}`` matches a string holding that text; as a mapping's value,
    ``{$present: true}`` matches any value and ``{$absent: true}`` a missing key. Anything
    else must be equal.
    """
    if isinstance(pattern, dict) and len(pattern) == 1 and "$contains" in pattern:
        return isinstance(value, str) and str(pattern["$contains"]) in value
    if isinstance(pattern, dict):
        if not isinstance(value, dict):
            return False
        for name, sub in pattern.items():
            if isinstance(sub, dict) and sub.get("$absent") is True:
                if name in value:
                    return False
            elif isinstance(sub, dict) and sub.get("$present") is True:
                if name not in value:
                    return False
            elif name == "*":
                if not any(shape_matches(sub, v) for v in value.values()):
                    return False
            elif name not in value or not shape_matches(sub, value[name]):
                return False
        return True
    if isinstance(pattern, list):
        if not isinstance(value, list):
            return False
        return all(any(shape_matches(p, v) for v in value) for p in pattern)
    return bool(pattern == value)


def shape_problems(pattern: Any, where: str = "shape") -> list[str]:
    """Authoring errors in a shape (operators misspelt, wrong operand types)."""
    problems: list[str] = []
    if isinstance(pattern, dict):
        for name, sub in pattern.items():
            if isinstance(name, str) and name.startswith("$"):
                if name not in ("$contains", "$absent", "$present") or len(pattern) != 1:
                    problems.append(
                        f"{where}: {name!r} is not an operator (use $contains, $present or "
                        "$absent, alone)"
                    )
                elif name in ("$absent", "$present") and sub is not True:
                    problems.append(f"{where}: {name} takes true")
                elif name == "$contains" and not isinstance(sub, str):
                    problems.append(f"{where}: $contains takes text")
            else:
                problems.extend(shape_problems(sub, f"{where}.{name}"))
    elif isinstance(pattern, list):
        for position, sub in enumerate(pattern):
            problems.extend(shape_problems(sub, f"{where}[{position}]"))
    return problems


def outcome(activity: ActivityLike) -> str:
    return "succeeded" if activity.status == "ok" else f"failed with {activity.status}"


def dynamodb_json(value: Any) -> str:
    """A typed value as DynamoDB JSON (``{"BOOL": true}``), never a Python repr."""
    return json.dumps(value, ensure_ascii=False, default=str)
