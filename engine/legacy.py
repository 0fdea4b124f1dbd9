"""The legacy (pre-expression) request parameters, translated into the engine's expressions.

The service still accepts the parameters that came before expressions:

==================== ========================================= ========================
Legacy parameter     Operations                                Expression it stands for
==================== ========================================= ========================
Expected             PutItem, UpdateItem, DeleteItem           ConditionExpression
AttributesToGet      GetItem, Query, Scan, BatchGetItem        ProjectionExpression
KeyConditions        Query                                     KeyConditionExpression
QueryFilter          Query                                     FilterExpression
ScanFilter           Scan                                      FilterExpression
AttributeUpdates     UpdateItem                                UpdateExpression
ConditionalOperator  with Expected, QueryFilter or ScanFilter  AND / OR between them
==================== ========================================= ========================

Each legacy condition is checked with the service's legacy messages, then written as the
expression it stands for (``EQ`` becomes ``#legacy0 = :legacy1``) with a private
ExpressionContext and compiled by the engine's own compilers, so a ScanFilter selects exactly
what its FilterExpression selects. Conditions are compiled one by one (an IN list in runs of
99 values) and joined here with AND or OR, so the limits of expression text (4 KB, 300
operators, 100 IN operands) never apply to a legacy request. AttributesToGet becomes a
Projection of top-level names. AttributeUpdates gets a small class of its own
(:class:`AttributeUpdates`): its errors, its ADD of a list and its DELETE on a missing item
differ from an UpdateExpression's.
"""

from __future__ import annotations

from typing import Any

from engine.errors import ValidationException
from engine.expressions import (
    Condition,
    ExpressionContext,
    Projection,
    compile_condition,
)
from engine.validation import Violations, get_bool, get_dict, get_list, get_str
from engine.values import (
    SET_TYPES,
    compare_scalars,
    copy_value,
    decimal_add,
    validate_value,
    value_type,
)

Item = dict[str, dict[str, Any]]
Value = dict[str, Any]
#: A checked legacy condition: (attribute name, ComparisonOperator, AttributeValueList).
Check = tuple[str, str, list[Value]]

INVALID = "One or more parameter values were invalid: "
TYPE_MISMATCH = "Type mismatch for attribute to update"
#: The service's enum order, as its constraint messages print it.
COMPARISON_OPERATORS = (
    "IN",
    "NULL",
    "BETWEEN",
    "LT",
    "NOT_CONTAINS",
    "EQ",
    "GT",
    "NOT_NULL",
    "NE",
    "LE",
    "BEGINS_WITH",
    "GE",
    "CONTAINS",
)
CONDITIONAL_OPERATORS = ("OR", "AND")
ACTIONS = ("ADD", "PUT", "DELETE")

#: Every legacy and every expression parameter, in the order the mixing error lists them.
NON_EXPRESSION_ORDER = (
    "AttributeUpdates",
    "AttributesToGet",
    "Expected",
    "QueryFilter",
    "ScanFilter",
    "ConditionalOperator",
    "KeyConditions",
)
EXPRESSION_ORDER = (
    "UpdateExpression",
    "ProjectionExpression",
    "ConditionExpression",
    "FilterExpression",
    "KeyConditionExpression",
)
#: Per operation: its legacy parameters and its expression parameters.
PARAMETERS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "PutItem": (("Expected", "ConditionalOperator"), ("ConditionExpression",)),
    "DeleteItem": (("Expected", "ConditionalOperator"), ("ConditionExpression",)),
    "UpdateItem": (
        ("AttributeUpdates", "Expected", "ConditionalOperator"),
        ("UpdateExpression", "ConditionExpression"),
    ),
    "GetItem": (("AttributesToGet",), ("ProjectionExpression",)),
    "BatchGetItem": (("AttributesToGet",), ("ProjectionExpression",)),
    "Query": (
        ("AttributesToGet", "QueryFilter", "ConditionalOperator", "KeyConditions"),
        ("ProjectionExpression", "FilterExpression", "KeyConditionExpression"),
    ),
    "Scan": (
        ("AttributesToGet", "ScanFilter", "ConditionalOperator"),
        ("ProjectionExpression", "FilterExpression"),
    ),
}
#: The map ConditionalOperator joins, per operation.
_JOINED = {
    "PutItem": "Expected",
    "DeleteItem": "Expected",
    "UpdateItem": "Expected",
    "Query": "QueryFilter",
    "Scan": "ScanFilter",
}

_SCALARS = ("S", "N", "B")
#: (fewest, most) values in AttributeValueList; most is None for "no limit".
_COUNTS: dict[str, tuple[int, int | None]] = {
    "NULL": (0, 0),
    "NOT_NULL": (0, 0),
    "IN": (1, None),
    "BETWEEN": (2, 2),
}
#: The value types each operator takes (EQ and NE take any type).
_VALUE_TYPES: dict[str, tuple[str, ...]] = {
    "LE": _SCALARS,
    "LT": _SCALARS,
    "GE": _SCALARS,
    "GT": _SCALARS,
    "IN": _SCALARS,
    "BETWEEN": _SCALARS,
    "BEGINS_WITH": ("S", "B"),
    "CONTAINS": ("S", "N", "B", "BOOL", "NULL"),
    "NOT_CONTAINS": ("S", "N", "B", "BOOL", "NULL"),
}
#: The expression each operator stands for: {n} is the name, {0} and {1} the values.
_TEMPLATES = {
    "EQ": "{n} = {0}",
    "NE": "{n} <> {0}",
    "LE": "{n} <= {0}",
    "LT": "{n} < {0}",
    "GE": "{n} >= {0}",
    "GT": "{n} > {0}",
    "NOT_NULL": "attribute_exists({n})",
    "NULL": "attribute_not_exists({n})",
    "CONTAINS": "contains({n}, {0})",
    "NOT_CONTAINS": "NOT contains({n}, {0})",
    "BEGINS_WITH": "begins_with({n}, {0})",
    "BETWEEN": "{n} BETWEEN {0} AND {1}",
}
#: Expected differs from the filters in one operator: NOT_CONTAINS fails when the attribute
#: is missing (so CONTAINS and NOT_CONTAINS are both false), unlike NE, which holds.
_EXPECTED_TEMPLATES = {
    **_TEMPLATES,
    "NOT_CONTAINS": "attribute_exists({n}) AND NOT contains({n}, {0})",
}
#: KeyConditions operators no key lookup can serve.
_NOT_INDEXABLE = ("NULL", "NOT_NULL", "NE", "CONTAINS", "NOT_CONTAINS", "IN")
#: One IN chunk: with its left operand, an expression IN takes at most 100 operands.
_IN_CHUNK = 99


# =========================================================================== request checks


def add_violations(
    request: dict[str, Any], violations: Violations, operation: str, prefix: str = ""
) -> None:
    """The legacy parameters' constraint violations (enums, required operators, lengths)."""
    legacy = PARAMETERS[operation][0]
    if "ConditionalOperator" in legacy:
        violations.enum(
            get_str(request, "ConditionalOperator"),
            prefix + "conditionalOperator",
            CONDITIONAL_OPERATORS,
        )
    if "AttributesToGet" in legacy:
        violations.length(get_list(request, "AttributesToGet"), prefix + "attributesToGet", 1, None)
    for parameter in ("Expected", "QueryFilter", "ScanFilter", "KeyConditions"):
        if parameter not in legacy:
            continue
        for name, condition in (get_dict(request, parameter) or {}).items():
            operator = get_str(_member(condition), "ComparisonOperator")
            path = f"{prefix}{_lower_first(parameter)}.{name}.member.comparisonOperator"
            if parameter != "Expected":
                violations.not_null(operator, path)
            violations.enum(operator, path, COMPARISON_OPERATORS)
    if "AttributeUpdates" in legacy:
        for name, update in (get_dict(request, "AttributeUpdates") or {}).items():
            violations.enum(
                get_str(_member(update), "Action"),
                f"{prefix}attributeUpdates.{name}.member.action",
                ACTIONS,
            )


def check_parameters(request: dict[str, Any], operation: str) -> None:
    """Legacy and expression parameters together, placeholders without expressions, and
    ConditionalOperator without two conditions to join: refused as the service refuses them."""
    legacy, expressions = PARAMETERS[operation]
    used_expressions = [
        name for name in EXPRESSION_ORDER if name in expressions and request.get(name) is not None
    ]
    if used_expressions:
        used_legacy = [
            name
            for name in NON_EXPRESSION_ORDER
            if name in legacy
            and request.get(name) is not None
            # KeyConditions goes with FilterExpression or ProjectionExpression; only
            # KeyConditionExpression replaces it.
            and (name != "KeyConditions" or "KeyConditionExpression" in used_expressions)
        ]
        if used_legacy:
            raise ValidationException(
                "Can not use both expression and non-expression parameters in the same request: "
                f"Non-expression parameters: {{{', '.join(used_legacy)}}} "
                f"Expression parameters: {{{', '.join(used_expressions)}}}"
            )
    elif request.get("ExpressionAttributeNames") is not None:
        raise ValidationException(
            "ExpressionAttributeNames can only be specified when using expressions"
        )
    value_expressions = [name for name in expressions if name != "ProjectionExpression"]
    if (
        value_expressions
        and request.get("ExpressionAttributeValues") is not None
        and all(request.get(name) is None for name in value_expressions)
    ):
        verb = "are" if len(value_expressions) > 1 else "is"
        raise ValidationException(
            "ExpressionAttributeValues can only be specified when using expressions: "
            f"{' and '.join(value_expressions)} {verb} null"
        )
    if "ConditionalOperator" in legacy and request.get("ConditionalOperator") is not None:
        joined = get_dict(request, _JOINED[operation]) or {}
        if not joined:
            raise ValidationException(
                "ConditionalOperator cannot be used without Filter or Expected"
            )
        if len(joined) == 1:
            raise ValidationException(
                "ConditionalOperator can only be used when Filter or Expected has two or more "
                "elements"
            )


# =========================================================================== conditions


def expected_condition(request: dict[str, Any]) -> Condition | None:
    """Expected (with ConditionalOperator) as a compiled condition; None if absent or empty."""
    expected = get_dict(request, "Expected")
    if not expected:
        return None
    checks = [_expected_entry(name, _member(entry)) for name, entry in expected.items()]
    return _compile(
        checks, get_str(request, "ConditionalOperator"), "Expected", _EXPECTED_TEMPLATES
    )


def filter_condition(request: dict[str, Any], parameter: str) -> Condition | None:
    """QueryFilter or ScanFilter (with ConditionalOperator) as a compiled condition."""
    conditions = get_dict(request, parameter)
    if not conditions:
        return None
    checks = [_condition_entry(name, _member(entry)) for name, entry in conditions.items()]
    return _compile(checks, get_str(request, "ConditionalOperator"), parameter)


def key_conditions(request: dict[str, Any]) -> dict[str, Check] | None:
    """KeyConditions checked as the request is validated (before the table is looked up)."""
    conditions = get_dict(request, "KeyConditions")
    if conditions is None:
        return None
    checked = {name: _condition_entry(name, _member(entry)) for name, entry in conditions.items()}
    if not 1 <= len(checked) <= 2:
        raise ValidationException("Conditions can be of length 1 or 2 only")
    return checked


def key_condition_expression(
    conditions: dict[str, Check],
    partition_keys: list[str],
    sort_keys: list[str],
    attribute_types: dict[str, str],
) -> tuple[str, ExpressionContext]:
    """KeyConditions against the key schema read: the KeyConditionExpression they stand for.

    Checks each key attribute in schema order as the service does; the caller compiles the
    text (with the context returned) with the engine's key-condition compiler.
    """
    keys = partition_keys + sort_keys
    if len(keys) == 1 and len(conditions) > 1:
        raise ValidationException("Query key condition not supported")
    for key in keys:
        check = conditions.get(key)
        if check is None:
            if key in partition_keys or (len(sort_keys) == 1 and len(conditions) > 1):
                raise ValidationException(f"Query condition missed key schema element: {key}")
            continue
        _, operator, values = check
        if operator in _NOT_INDEXABLE:
            raise ValidationException(
                "Attempted conditional constraint is not an indexable operation"
            )
        if any(value_type(value) != attribute_types.get(key) for value in values):
            raise ValidationException(
                INVALID + "Condition parameter type does not match schema type"
            )
        if key in partition_keys and operator != "EQ":
            raise ValidationException("Query key condition not supported")
    slots = _Placeholders()
    texts = [" OR ".join(_texts(slots, *check)) for check in conditions.values()]
    return " AND ".join(texts), slots.context()


def _condition_entry(name: str, condition: dict[str, Any]) -> Check:
    """One QueryFilter / ScanFilter / KeyConditions entry, checked."""
    operator = get_str(condition, "ComparisonOperator") or "EQ"  # null is a violation
    values = [validate_value(v) for v in get_list(condition, "AttributeValueList") or []]
    _check_arguments(operator, values)
    return name, operator, values


def _expected_entry(name: str, condition: dict[str, Any]) -> Check:
    """One Expected entry (a ComparisonOperator form, or the Exists / Value form), checked."""
    operator = get_str(condition, "ComparisonOperator")
    raw_list = get_list(condition, "AttributeValueList")
    raw_value = condition.get("Value")
    exists = get_bool(condition, "Exists")
    attribute = f" for Attribute: {name}"
    if raw_value is not None and raw_list is not None:
        raise ValidationException(
            INVALID + "Value and AttributeValueList cannot be used together" + attribute
        )
    if operator is not None:
        if exists is not None:
            raise ValidationException(
                INVALID + "Exists and ComparisonOperator cannot be used together" + attribute
            )
        if operator not in ("NULL", "NOT_NULL") and raw_value is None and raw_list is None:
            raise ValidationException(
                INVALID
                + "Value or AttributeValueList must be used with ComparisonOperator: "
                + operator
                + attribute
            )
        raw = [raw_value] if raw_value is not None else raw_list or []
        values = [validate_value(v) for v in raw]
        _check_arguments(operator, values)
        return name, operator, values
    if raw_list is not None:
        raise ValidationException(
            INVALID + "AttributeValueList can only be used with a ComparisonOperator" + attribute
        )
    if exists is None or exists:
        if raw_value is None:
            shown = "null" if exists is None else "true"
            raise ValidationException(
                INVALID + f"Value must be provided when Exists is {shown}" + attribute
            )
        return name, "EQ", [validate_value(raw_value)]
    if raw_value is not None:
        raise ValidationException(INVALID + "Value cannot be used when Exists is false" + attribute)
    return name, "NULL", []


def _check_arguments(operator: str, values: list[Value]) -> None:
    """AttributeValueList against its operator: how many values, one type, which types."""
    fewest, most = _COUNTS.get(operator, (1, 1))
    if len(values) < fewest or (most is not None and len(values) > most):
        raise ValidationException(
            INVALID + f"Invalid number of argument(s) for the {operator} ComparisonOperator"
        )
    kinds = [value_type(value) for value in values]
    if len(set(kinds)) > 1:
        raise ValidationException(
            INVALID + "AttributeValues inside AttributeValueList must be of same type"
        )
    allowed = _VALUE_TYPES.get(operator)
    for kind in kinds:
        if allowed is not None and kind not in allowed:
            raise ValidationException(
                INVALID
                + f"ComparisonOperator {operator} is not valid for {kind} AttributeValue type"
            )
    if operator == "BETWEEN" and (compare_scalars(values[0], values[1]) or 0) > 0:
        raise ValidationException(
            "The BETWEEN condition was provided a range where the lower bound is greater than "
            "the upper bound"
        )


class _Placeholders:
    """Generated placeholders (#legacyN, :legacyN) and what they stand for."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}
        self.values: dict[str, Value] = {}

    def name(self, attribute: str) -> str:
        key = f"#legacy{len(self.names) + len(self.values)}"
        self.names[key] = attribute
        return key

    def value(self, value: Value) -> str:
        key = f":legacy{len(self.names) + len(self.values)}"
        self.values[key] = value
        return key

    def context(self) -> ExpressionContext:
        return ExpressionContext(self.names or None, self.values or None)


def _texts(
    slots: _Placeholders,
    name: str,
    operator: str,
    values: list[Value],
    templates: dict[str, str] = _TEMPLATES,
) -> list[str]:
    """The expression text(s) one legacy condition stands for (several only for a long IN)."""
    ref = slots.name(name)
    refs = [slots.value(value) for value in values]
    if operator == "IN":
        return [
            f"{ref} IN ({', '.join(refs[start : start + _IN_CHUNK])})"
            for start in range(0, len(refs), _IN_CHUNK)
        ]
    return [templates[operator].format(*refs, n=ref)]


def _compile(
    checks: list[Check],
    conditional_operator: str | None,
    parameter: str,
    templates: dict[str, str] = _TEMPLATES,
) -> Condition:
    """Compile each condition with the engine's compiler, then join them with AND or OR."""
    slots = _Placeholders()
    texts = [_texts(slots, *check, templates) for check in checks]
    context = slots.context()
    parts = [[compile_condition(text, context, parameter) for text in run] for run in texts]
    joiner = " OR " if conditional_operator == "OR" else " AND "
    shown = [run[0] if len(run) == 1 else "(" + " OR ".join(run) + ")" for run in texts]
    text = joiner.join(f"({t})" for t in shown) if len(shown) > 1 else shown[0]
    predicates = [_any([c.evaluate for c in conditions]) for conditions in parts]
    if len(predicates) == 1:
        evaluate = predicates[0]
    elif conditional_operator == "OR":
        evaluate = _any(predicates)
    else:

        def evaluate(item: Item) -> bool:
            return all(predicate(item) for predicate in predicates)

    paths = tuple(path for conditions in parts for c in conditions for path in c.paths)
    return Condition(text, evaluate, paths, None)


def _any(predicates: list[Any]) -> Any:
    if len(predicates) == 1:
        return predicates[0]
    return lambda item: any(predicate(item) for predicate in predicates)


# =========================================================================== AttributesToGet


def attributes_projection(request: dict[str, Any]) -> Projection | None:
    """AttributesToGet as the projection of those top-level attributes; None if absent."""
    names = get_list(request, "AttributesToGet")
    if names is None:
        return None
    seen: set[str] = set()
    slots = _Placeholders()
    for raw in names:
        name = get_str({"name": raw}, "name") or ""
        if name in seen:
            raise ValidationException(INVALID + f"Duplicate value in attribute name: {name}")
        seen.add(name)
        slots.name(name)
    return Projection(", ".join(slots.names), tuple((name,) for name in slots.names.values()))


# =========================================================================== AttributeUpdates


class AttributeUpdates:
    """UpdateItem's AttributeUpdates, compiled: PUT, ADD and DELETE on top-level attributes.

    Used like a compiled UpdateExpression: ``apply(item)`` returns ``(new_item,
    updated_names)`` without touching ``item``, and ``updated_attributes(item)`` is what
    ReturnValues UPDATED_OLD / UPDATED_NEW return. ``creates_item`` is False when every action
    is a DELETE: those never create a missing item.
    """

    __slots__ = ("text", "actions", "paths", "updated_names", "creates_item", "writes_nested")

    def __init__(self, text: str, actions: list[tuple[str, str, Value | None]]) -> None:
        self.text = text
        self.actions = actions
        self.paths = tuple((name,) for _, name, _ in actions)
        self.updated_names = frozenset(name for _, name, _ in actions)
        self.creates_item = any(action != "DELETE" for action, _, _ in actions)
        self.writes_nested = False  # legacy actions name top-level attributes only

    def apply(self, item: Item, *, exists: bool = True) -> tuple[Item, set[str]]:
        """Apply every action to a copy of ``item``. O(size of the touched attributes)."""
        new = dict(item)
        for action, name, value in self.actions:
            current = new.get(name)
            if action == "PUT":
                new[name] = copy_value(value)  # type: ignore[arg-type]
            elif action == "ADD":
                new[name] = _add(current, value)  # type: ignore[arg-type]
            elif value is None:
                new.pop(name, None)
            elif current is not None:
                remaining = _subtract(current, value)
                if remaining is None:
                    del new[name]
                else:
                    new[name] = remaining
        return new, set(self.updated_names)

    def updated_attributes(self, item: Item) -> Item:
        """The updated attributes ``item`` has (ReturnValues UPDATED_OLD / UPDATED_NEW)."""
        return {name: item[name] for _, name, _ in self.actions if name in item}

    def __repr__(self) -> str:
        return f"AttributeUpdates({self.text!r})"


def attribute_updates(request: dict[str, Any]) -> AttributeUpdates | None:
    """AttributeUpdates checked and compiled; None if absent or empty."""
    updates = get_dict(request, "AttributeUpdates")
    if not updates:
        return None
    actions: list[tuple[str, str, Value | None]] = []
    clauses: dict[str, list[str]] = {"SET": [], "REMOVE": [], "ADD": [], "DELETE": []}
    slots = _Placeholders()
    for name, raw in updates.items():
        update = _member(raw)
        action = get_str(update, "Action") or "PUT"
        raw_value = update.get("Value")
        value = validate_value(raw_value) if raw_value is not None else None
        if value is None and action != "DELETE":
            raise ValidationException(
                INVALID + "Only DELETE action is allowed when no attribute value is specified"
            )
        if value is not None:
            kind = value_type(value)
            if action == "DELETE" and kind not in SET_TYPES:
                raise ValidationException(
                    INVALID + f"DELETE action with value is not supported for the type {kind}"
                )
            if action == "ADD" and kind not in ("N", "L", *SET_TYPES):
                raise ValidationException(
                    INVALID + f"ADD action is not supported for the type {kind}"
                )
        actions.append((action, name, value))
        ref = slots.name(name)
        if value is None:
            clauses["REMOVE"].append(ref)
        elif action == "PUT":
            clauses["SET"].append(f"{ref} = {slots.value(value)}")
        elif action == "ADD" and "L" in value:
            empty = slots.value({"L": []})
            clauses["SET"].append(
                f"{ref} = list_append(if_not_exists({ref}, {empty}), {slots.value(value)})"
            )
        else:
            clauses[action].append(f"{ref} {slots.value(value)}")
    text = " ".join(f"{kind} {', '.join(parts)}" for kind, parts in clauses.items() if parts)
    return AttributeUpdates(text, actions)


def _add(current: Value | None, value: Value) -> Value:
    """ADD: numbers add up, sets take the new members, lists are appended to."""
    if current is None:
        return copy_value(value)
    kind = value_type(value)
    if value_type(current) != kind:
        raise ValidationException(TYPE_MISMATCH)
    if kind == "N":
        return {"N": decimal_add(current["N"], value["N"])}
    if kind == "L":
        return {"L": [copy_value(v) for v in current["L"] + value["L"]]}
    members = list(current[kind])
    present = set(members)
    members.extend(member for member in value[kind] if member not in present)
    return {kind: members}


def _subtract(current: Value, value: Value) -> Value | None:
    """DELETE with a set: the members left, or None when none are."""
    kind = value_type(value)
    if value_type(current) != kind:
        raise ValidationException(TYPE_MISMATCH)
    removed = set(value[kind])
    remaining = [member for member in current[kind] if member not in removed]
    return {kind: remaining} if remaining else None


# =========================================================================== helpers


def _member(value: Any) -> dict[str, Any]:
    """A map member that must be a structure (null reads as an empty one)."""
    if value is None:
        return {}
    return get_dict({"member": value}, "member") or {}


def _lower_first(name: str) -> str:
    return name[0].lower() + name[1:]
