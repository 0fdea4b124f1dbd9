"""Translation: a parsed statement, its parameters and its table -> requests for the existing
operations (Query, Scan, GetItem, PutItem, UpdateItem, DeleteItem and the transaction items).

Every condition is written in DynamoDB's expression language with ``#n``/``:v`` placeholders,
so the handlers that run the requests validate, evaluate and bill them exactly as they do their
own; only what expressions cannot say (PartiQL's key rules, ``IS``, ``MISSING``, comparing a
condition with a boolean) is worked out here.

How a SELECT reads:

* a WHERE whose top-level conjunction holds ``pk = v`` (or ``pk IN [...]``), or whose top-level
  OR has such an equality in every branch, reads one Query per partition (per OR branch of a
  partition when their sort-key ranges are disjoint); a positive sort-key condition becomes the
  key condition, the rest the filter;
* anything else reads a Scan with the whole WHERE as its filter.

A Query's filter may not name the key attributes; when what is left of the WHERE does, it is
applied after the Query (``post_filter``), which returns the same items for the same capacity.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from engine.errors import ValidationException
from engine.expressions import (
    Condition,
    ExpressionContext,
    Projection,
    compile_condition,
    compile_projection,
)
from engine.indexes import SecondaryIndex
from engine.keys import KeySchema
from engine.partiql import ast
from engine.table import Table
from engine.values import key_sort_value, validate_value, values_equal

AttributeValue = dict[str, Any]

INCOMPLETE_KEY = "Where clause does not contain a mandatory equality on all key attributes"
OVERLAPPING = "Overlapping conditions with range keys are not supported in where clause"
MULTI_ATTRIBUTE_INDEX = (
    "PartiQL statements cannot be executed on tables with multi-attribute HASH keys or "
    "multi-attribute RANGE keys."
)
CONSISTENT_GSI = "Strongly consistent read is not supported on Global Secondary Indexes"
NO_INDEX = "The table does not have the specified index"
ON_INDEX = "This operation is not supported on an index"
PARAMETER_COUNT = "Number of parameters in request and statement don't match."
EXISTS_ONLY_IN_TRANSACTIONS = "EXISTS can only be used in ExecuteTransaction write requests."
EXISTS_NEEDS_CONDITION = "EXISTS() must contain a single item read with additional condition"
TRANSACTION_INDEX_READ = "Reads on indices are not supported within transactions."
BATCH_KEY = "Select statements within BatchExecuteStatement must specify the primary key in the where clause."
TRANSACTION_KEY = (
    "Select statements within ExecuteTransaction must specify the primary key in the where clause."
)
WHERE_NOT_BOOLEAN = "WHERE clause must contain an expression that resolves to a boolean"
MISSING_OUTSIDE_IS = "MISSING must be compared using IS operator"
IS_OPERAND = "The left hand side argument to IS must be a Variable Reference, Literal, or Path"
PARAMETER_NESTING = (
    "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
    "beyond supported limit"
)
ORDER_WITHOUT_WHERE = "Must have WHERE clause in the statement when using ORDER BY clause."
ORDER_WITHOUT_KEY = (
    "Must have at least one non-optional hash key condition in WHERE clause when using ORDER BY "
    "clause."
)
ORDER_WITHOUT_HASH = (
    "Must have hash key in ORDER BY clause when more than one hash key condition specified in "
    "WHERE clause."
)

#: PartiQL's IS type names -> the attribute type they test.
IS_TYPES = {
    "NULL": "NULL",
    "BOOL": "BOOL",
    "BOOLEAN": "BOOL",
    "STRING": "S",
    "NUMERIC": "N",
    "NUMBER": "N",
    "INT": "N",
    "INTEGER": "N",
    "DECIMAL": "N",
    "FLOAT": "N",
    "DOUBLE": "N",
    "BLOB": "B",
    "STRUCT": "M",
    "TUPLE": "M",
    "LIST": "L",
}
#: Condition functions and how many operands each takes.
CONDITION_FUNCTIONS = {
    "attribute_exists": 1,
    "attribute_not_exists": 1,
    "attribute_type": 2,
    "begins_with": 2,
    "contains": 2,
}
RETURN_VALUES = {
    "ALL OLD": "ALL_OLD",
    "MODIFIED OLD": "UPDATED_OLD",
    "ALL NEW": "ALL_NEW",
    "MODIFIED NEW": "UPDATED_NEW",
}
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_RANGE_OPERATORS = ("=", "<", "<=", ">", ">=")


# =========================================================================== parameters


def bind_parameters(raw: list[Any] | None) -> list[AttributeValue]:
    """Validate the request's Parameters, in order; each comes back canonical. O(size)."""
    bound = []
    for value in raw or ():
        try:
            bound.append(validate_value(value))
        except ValidationException as error:
            if error.message.startswith("Nesting Levels have exceeded supported limits"):
                raise ValidationException(PARAMETER_NESTING) from None
            raise
    return bound


def check_parameter_count(parsed: ast.Parsed, parameters: list[AttributeValue]) -> None:
    if parsed.parameter_count != len(parameters):
        raise ValidationException(PARAMETER_COUNT)


# =========================================================================== expressions


class Writer:
    """Writes conditions, update and projection expressions with placeholders, and keeps the
    ExpressionAttributeNames and ExpressionAttributeValues they use."""

    def __init__(self, parameters: list[AttributeValue]) -> None:
        self.parameters = parameters
        self._names: dict[str, str] = {}
        self._values: dict[str, AttributeValue] = {}

    # ------------------------------------------------------------------ placeholders
    def name(self, attribute: str) -> str:
        placeholder = self._names.get(attribute)
        if placeholder is None:
            placeholder = self._names[attribute] = f"#n{len(self._names)}"
        return placeholder

    def value(self, value: AttributeValue) -> str:
        placeholder = f":v{len(self._values)}"
        self._values[placeholder] = value
        return placeholder

    def path(self, path: ast.Path) -> str:
        parts = [self.name(path.name)]
        for step in path.steps:
            parts.append(f"[{step}]" if isinstance(step, int) else "." + self.name(step))
        return "".join(parts)

    def fields(self) -> dict[str, Any]:
        """ExpressionAttributeNames / ExpressionAttributeValues, when there are any."""
        fields: dict[str, Any] = {}
        if self._names:
            fields["ExpressionAttributeNames"] = {p: n for n, p in self._names.items()}
        if self._values:
            fields["ExpressionAttributeValues"] = dict(self._values)
        return fields

    def context(self) -> ExpressionContext:
        names = {p: n for n, p in self._names.items()} or None
        return ExpressionContext(names, dict(self._values) or None)

    # ------------------------------------------------------------------ conditions
    def condition(self, node: ast.Node) -> str:
        """``node`` as a condition expression. O(size of node)."""
        if isinstance(node, ast.And):
            return "(" + " AND ".join(self.condition(item) for item in node.items) + ")"
        if isinstance(node, ast.Or):
            return "(" + " OR ".join(self.condition(item) for item in node.items) + ")"
        if isinstance(node, ast.Not):
            return f"(NOT {self.condition(node.operand)})"
        if isinstance(node, ast.Compare):
            return self._comparison(node)
        if isinstance(node, ast.Between):
            return (
                f"{self.operand(node.operand)} BETWEEN {self.operand(node.low)} AND "
                f"{self.operand(node.high)}"
            )
        if isinstance(node, ast.In):
            if not node.items:
                raise ValidationException(
                    "IN operator must have a left hand argument of type Variable Reference and "
                    "right hand argument of type Seq with at least one member"
                )
            items = ", ".join(self.operand(item) for item in node.items)
            return f"{self.operand(node.operand)} IN ({items})"
        if isinstance(node, ast.Is):
            return self._is(node)
        if isinstance(node, ast.Call) and node.name in CONDITION_FUNCTIONS:
            return self._function(node)
        if isinstance(node, ast.Call) and node.name != "size":
            raise ValidationException(f"Unrecognized function: {node.name} at {node.at}")
        if isinstance(node, ast.Missing):
            raise ValidationException(MISSING_OUTSIDE_IS)
        raise ValidationException(WHERE_NOT_BOOLEAN)

    def _comparison(self, node: ast.Compare) -> str:
        left, right, op = node.left, node.right, node.op
        # PartiQL compares conditions with booleans: "attribute_exists(a) = true".
        if _is_condition(left) or _is_condition(right):
            if op not in ("=", "<>"):
                raise ValidationException(
                    "Incorrect operand type for operator or function; operator or function: "
                    f"{op}, operand type: BOOL"
                )
            condition, other = (left, right) if _is_condition(left) else (right, left)
            constant = self.constant(other)
            if _is_condition(other) or constant is None or "BOOL" not in constant:
                raise ValidationException(
                    f"Unsupported operator in Condition Expression. Operator: {op}"
                )
            text = self.condition(condition)
            return text if constant["BOOL"] == (op == "=") else f"(NOT {text})"
        return f"{self.operand(left)} {op} {self.operand(right)}"

    def _is(self, node: ast.Is) -> str:
        if not isinstance(node.operand, ast.Path):
            raise ValidationException(IS_OPERAND)
        path = self.path(node.operand)
        if node.type_name == "MISSING":
            function = "attribute_exists" if node.negated else "attribute_not_exists"
            return f"{function}({path})"
        kind = IS_TYPES.get(node.type_name)
        if kind is None:
            raise ValidationException(
                f"Unsupported data type for IS operator: {node.type_name}. Supported data types "
                "are [MISSING, NULL, BOOLEAN, BLOB, STRING, NUMERIC, STRUCT, TUPLE, LIST]"
            )
        text = f"attribute_type({path}, {self.value({'S': kind})})"
        return f"(NOT {text})" if node.negated else text

    def _function(self, node: ast.Call) -> str:
        expected = CONDITION_FUNCTIONS[node.name]
        if len(node.args) != expected:
            raise ValidationException(
                "Incorrect number of operands for operator or function; operator or function: "
                f"{node.name}, number of operands: {len(node.args)}"
            )
        return f"{node.name}({', '.join(self.operand(arg) for arg in node.args)})"

    def operand(self, node: ast.Node) -> str:
        """A path, a value or ``size(path)`` inside a condition."""
        if isinstance(node, ast.Path):
            return self.path(node)
        constant = self.constant(node)
        if constant is not None:
            return self.value(constant)
        if isinstance(node, ast.Call):
            if node.name == "size":
                if len(node.args) != 1:
                    raise ValidationException(
                        "Incorrect number of operands for operator or function; operator or "
                        f"function: size, number of operands: {len(node.args)}"
                    )
                return f"size({self.operand(node.args[0])})"
            if node.name in CONDITION_FUNCTIONS:
                return self._function(node)
            raise ValidationException(f"Unrecognized function: {node.name} at {node.at}")
        if isinstance(node, ast.Missing):
            raise ValidationException(MISSING_OUTSIDE_IS)
        if isinstance(node, ast.Arith):
            raise ValidationException(
                f"Unsupported operator in Condition Expression. Operator: {node.op}"
            )
        raise ValidationException(WHERE_NOT_BOOLEAN)

    def constant(self, node: ast.Node) -> AttributeValue | None:
        if isinstance(node, ast.Value):
            return node.value
        if isinstance(node, ast.Param):
            return self.parameters[node.index]
        return None

    # ------------------------------------------------------------------ updates
    def update(self, actions: tuple[ast.SetAction | ast.RemoveAction, ...]) -> str:
        """UPDATE's SET and REMOVE actions as one update expression (set_add and set_delete
        become ADD and DELETE actions)."""
        sets: list[str] = []
        adds: list[str] = []
        deletes: list[str] = []
        removes: list[str] = []
        for action in actions:
            if isinstance(action, ast.RemoveAction):
                removes.append(self.path(action.path))
                continue
            value = action.value
            if isinstance(value, ast.Call) and value.name in ("set_add", "set_delete"):
                target = adds if value.name == "set_add" else deletes
                target.append(f"{self.path(action.path)} {self._set_operand(action, value)}")
                continue
            sets.append(f"{self.path(action.path)} = {self._update_value(value)}")
        clauses = []
        for keyword, parts in (
            ("SET", sets),
            ("ADD", adds),
            ("DELETE", deletes),
            ("REMOVE", removes),
        ):
            if parts:
                clauses.append(f"{keyword} {', '.join(parts)}")
        return " ".join(clauses)

    def _set_operand(self, action: ast.SetAction, call: ast.Call) -> str:
        word = call.name.upper()
        if len(call.args) != 2:
            raise ValidationException(f"{word} must have exactly two arguments at {call.at}")
        first, second = call.args
        if not (isinstance(first, ast.Path) and first.elements == action.path.elements):
            raise ValidationException(
                f"The first argument to {word} must equal the assignment value at {call.at}"
            )
        constant = self.constant(second)
        if constant is None or next(iter(constant)) not in ("SS", "NS", "BS"):
            raise ValidationException(
                f"The second argument to {word} must be a value with type SET at {first.at}"
            )
        return self.value(constant)

    def _update_value(self, node: ast.Node) -> str:
        if isinstance(node, ast.Arith):
            return f"{self._update_value(node.left)} {node.op} {self._update_value(node.right)}"
        if isinstance(node, ast.Call):
            if node.name != "list_append":
                raise ValidationException(f"Unrecognized function: {node.name} at {node.at}")
            return f"list_append({', '.join(self._update_value(a) for a in node.args)})"
        if isinstance(node, ast.Path):
            return self.path(node)
        constant = self.constant(node)
        if constant is not None:
            return self.value(constant)
        raise ValidationException(
            "Only SET and REMOVE are supported in update expressions at this time"
        )


def _is_condition(node: ast.Node) -> bool:
    return isinstance(node, ast.CONDITIONS) or (
        isinstance(node, ast.Call) and node.name in CONDITION_FUNCTIONS
    )


def _conjuncts(node: ast.Node | None) -> list[ast.Node]:
    """The top-level AND terms of a condition (nested ANDs flattened)."""
    if node is None:
        return []
    if isinstance(node, ast.And):
        out: list[ast.Node] = []
        for item in node.items:
            out.extend(_conjuncts(item))
        return out
    return [node]


def _both(items: list[ast.Node]) -> ast.Node | None:
    if not items:
        return None
    return items[0] if len(items) == 1 else ast.And(tuple(items))


def _top_level_names(node: ast.Node) -> list[str]:
    """Attribute names a condition reads, each once, deepest first (then as written): the order
    the service lists them in when an index does not project them."""
    found: dict[str, tuple[int, int]] = {}

    def walk(item: Any, depth: int) -> None:
        if isinstance(item, ast.Path):
            found.setdefault(item.name, (-depth, len(found)))
        elif isinstance(item, (ast.And, ast.Or)):
            for child in item.items:
                walk(child, depth + 1)
        elif isinstance(item, ast.Not):
            walk(item.operand, depth + 1)
        elif isinstance(item, ast.Compare | ast.Arith):
            walk(item.left, depth)
            walk(item.right, depth)
        elif isinstance(item, ast.Between):
            for child in (item.operand, item.low, item.high):
                walk(child, depth)
        elif isinstance(item, ast.In):
            walk(item.operand, depth)
            for child in item.items:
                walk(child, depth)
        elif isinstance(item, ast.Is):
            walk(item.operand, depth)
        elif isinstance(item, ast.Call):
            for child in item.args:
                walk(child, depth)

    walk(node, 0)
    return sorted(found, key=found.__getitem__)


def _key_equality(
    node: ast.Node, names: tuple[str, ...], parameters: list[AttributeValue], *, single_in: bool
) -> tuple[str, AttributeValue] | None:
    """``key = value`` (either way round), or ``key IN [value]`` when ``single_in``."""
    if isinstance(node, ast.Compare) and node.op == "=":
        for path, other in ((node.left, node.right), (node.right, node.left)):
            if isinstance(path, ast.Path) and not path.steps and path.name in names:
                value = _constant(other, parameters)
                if value is not None:
                    return path.name, value
    if single_in and isinstance(node, ast.In) and len(node.items) == 1:
        path = node.operand
        if isinstance(path, ast.Path) and not path.steps and path.name in names:
            value = _constant(node.items[0], parameters)
            if value is not None:
                return path.name, value
    return None


def _constant(node: ast.Node, parameters: list[AttributeValue]) -> AttributeValue | None:
    if isinstance(node, ast.Value):
        return node.value
    if isinstance(node, ast.Param):
        return parameters[node.index]
    return None


def schema_mismatch(name: str) -> ValidationException:
    return ValidationException(
        f"Key attribute's data type should match its data type in table's schema: Key {name}"
    )


# =========================================================================== reads


@dataclass
class ReadStep:
    """One Query or Scan of a SELECT; ``request`` lacks Limit, ExclusiveStartKey and
    ReturnConsumedCapacity, which each page adds."""

    operation: str
    request: dict[str, Any]
    #: Applied to the returned items when the Query's own filter could not say it.
    post_filter: Condition | None = None
    #: Applied after ``post_filter`` (the request then asks for the attributes both need).
    projection: Projection | None = None


@dataclass
class ReadPlan:
    table: Table
    steps: list[ReadStep] = field(default_factory=list)


@dataclass
class _Branch:
    """The part of a WHERE one Query serves: a partition, maybe a sort-key range, a filter."""

    partition: AttributeValue
    range_condition: ast.Node | None
    residual: list[ast.Node]
    #: The branch names the sort key beyond its range condition (NOT sk = ..., sk <> ...).
    exempt: bool = False

    @property
    def interval(self) -> tuple[Any, bool, Any, bool]:
        return _interval(self.range_condition)


def plan_select(
    select: ast.Select,
    table: Table,
    parameters: list[AttributeValue],
    *,
    consistent: bool,
) -> ReadPlan:
    """The Queries (or the Scan) a SELECT reads, in the order their items come back.

    O(size of the statement + partitions named).
    """
    index = _read_index(table, select.source.index, consistent)
    schema = index.schema if index is not None else table.schema
    if select.projection and index is not None and not index.local:
        _check_projected(index, select.projection)
    branches = _key_branches(select.where, schema, parameters)
    forward = True
    groups: list[list[_Branch]] = []
    if branches is not None:
        if len(branches) == 1:
            groups = [branches]
        else:
            by_partition: dict[str, list[_Branch]] = {}
            for branch in branches:
                identity = json.dumps(branch.partition, sort_keys=True)
                by_partition.setdefault(identity, []).append(branch)
            groups = list(by_partition.values())
        if index is not None and index.projected_names is not None:
            _check_filter_projected(index, groups, select.where)
        groups = [_merge_or_order(group, schema) for group in groups]
    if select.order_by:
        forward = _apply_order(select, schema, groups, branches is not None)
    plan = ReadPlan(table)
    if branches is None:
        plan.steps.append(_scan_step(select, table, index, parameters, consistent))
        return plan
    for group in groups:
        ordered = group if forward else list(reversed(group))
        for branch in ordered:
            plan.steps.append(
                _query_step(select, table, index, schema, branch, parameters, consistent, forward)
            )
    return plan


def _read_index(table: Table, name: str | None, consistent: bool) -> SecondaryIndex | None:
    if name is None:
        return None
    index = table.indexes.get(name)
    if index is None:
        raise ValidationException(NO_INDEX)
    if index.multi_partition or index.multi_sort:
        raise ValidationException(MULTI_ATTRIBUTE_INDEX)
    if consistent and not index.local:
        raise ValidationException(CONSISTENT_GSI)
    return index


def _check_projected(index: SecondaryIndex, projection: tuple[ast.Path, ...]) -> None:
    if index.projected_names is None:
        return
    missing = list(dict.fromkeys(p.name for p in projection if p.name not in index.projected_names))
    if missing:
        raise ValidationException(
            "One or more parameter values were invalid: Global secondary index "
            f"{index.name} does not project [{', '.join(missing)}]"
        )


def _check_filter_projected(
    index: SecondaryIndex, groups: list[list[_Branch]], where: ast.Node | None
) -> None:
    assert index.projected_names is not None and where is not None
    order = _top_level_names(where)
    # The service reports one partition's unprojected attributes: the greatest key first.
    for group in sorted(groups, key=lambda g: key_sort_value(g[0].partition), reverse=True):
        names: set[str] = set()
        for branch in group:
            for node in branch.residual:
                names.update(_top_level_names(node))
        missing = [name for name in order if name in names - index.projected_names]
        if missing:
            raise ValidationException(
                f"One or more parameter values were invalid: Secondary index {index.name} does "
                f"not project one or more filter attributes: [{', '.join(missing)}]"
            )


def _key_branches(
    where: ast.Node | None, schema: KeySchema, parameters: list[AttributeValue]
) -> list[_Branch] | None:
    """The partitions a WHERE pins, or None when it must be a Scan."""
    conjuncts = _conjuncts(where)
    partition_key = schema.partition_key
    for position, node in enumerate(conjuncts):
        values = _partition_values(node, partition_key, parameters)
        if values is None:
            continue
        rest = conjuncts[:position] + conjuncts[position + 1 :]
        seen: list[AttributeValue] = []
        for value in values:
            _check_key_type(schema, partition_key, value)
            if any(values_equal(value, other) for other in seen):
                raise ValidationException(OVERLAPPING)
            seen.append(value)
        return [_branch(value, rest, schema, parameters) for value in values]
    # An OR whose every branch pins a partition: one Query per branch.
    for position, node in enumerate(conjuncts):
        if not isinstance(node, ast.Or):
            continue
        rest = conjuncts[:position] + conjuncts[position + 1 :]
        options = [_conjuncts(item) + rest for item in node.items]
        found = [_first_partition(option, partition_key, parameters) for option in options]
        if any(f is None for f in found):
            continue
        branches = []
        for option, pinned in zip(options, found, strict=True):
            assert pinned is not None
            place, value = pinned
            _check_key_type(schema, partition_key, value)
            branches.append(
                _branch(value, option[:place] + option[place + 1 :], schema, parameters)
            )
        return branches
    return None


def _partition_values(
    node: ast.Node, partition_key: str, parameters: list[AttributeValue]
) -> list[AttributeValue] | None:
    equality = _key_equality(node, (partition_key,), parameters, single_in=False)
    if equality is not None:
        return [equality[1]]
    if isinstance(node, ast.In):
        path = node.operand
        if isinstance(path, ast.Path) and not path.steps and path.name == partition_key:
            values = [_constant(item, parameters) for item in node.items]
            if values and all(v is not None for v in values):
                return values  # type: ignore[return-value]
    return None


def _first_partition(
    option: list[ast.Node], partition_key: str, parameters: list[AttributeValue]
) -> tuple[int, AttributeValue] | None:
    for place, node in enumerate(option):
        equality = _key_equality(node, (partition_key,), parameters, single_in=False)
        if equality is not None:
            return place, equality[1]
    return None


def _check_key_type(schema: KeySchema, name: str, value: AttributeValue) -> None:
    expected = schema.partition_type if name == schema.partition_key else schema.sort_type
    if expected not in value:
        raise schema_mismatch(name)


def _branch(
    partition: AttributeValue,
    conjuncts: list[ast.Node],
    schema: KeySchema,
    parameters: list[AttributeValue],
) -> _Branch:
    residual: list[ast.Node] = []
    range_condition: ast.Node | None = None
    for node in conjuncts:
        # A repeated equality on the partition key says nothing more.
        equality = _key_equality(node, (schema.partition_key,), parameters, single_in=False)
        if equality is not None and values_equal(equality[1], partition):
            continue
        if schema.sort_key is not None:
            candidate = _range_condition(node, schema, parameters)
            if candidate is not None:
                if range_condition is None:
                    range_condition = candidate
                    continue
            elif _names_sort_key(node, schema.sort_key):
                _check_sort_values(node, schema, parameters)
        residual.append(node)
    exempt = schema.sort_key is not None and any(
        schema.sort_key in _top_level_names(node) for node in residual
    )
    return _Branch(partition, range_condition, residual, exempt)


def _names_sort_key(node: ast.Node, sort_key: str) -> bool:
    return sort_key in _top_level_names(node)


def _check_sort_values(node: ast.Node, schema: KeySchema, parameters: list[AttributeValue]) -> None:
    """``sk IN [...]`` must hold values of the sort key's type."""
    if isinstance(node, ast.In):
        path = node.operand
        if isinstance(path, ast.Path) and not path.steps and path.name == schema.sort_key:
            for item in node.items:
                value = _constant(item, parameters)
                if value is not None:
                    _check_key_type(schema, path.name, value)


def _range_condition(
    node: ast.Node, schema: KeySchema, parameters: list[AttributeValue]
) -> ast.Node | None:
    """A positive condition on the sort key a KeyConditionExpression can hold, normalized to
    ``sk op value`` with constants in place of parameters; None for anything else."""
    sort_key = schema.sort_key

    def is_key(item: ast.Node) -> bool:
        return isinstance(item, ast.Path) and not item.steps and item.name == sort_key

    def fixed(item: ast.Node) -> ast.Value | None:
        value = _constant(item, parameters)
        if value is None:
            return None
        assert sort_key is not None
        _check_key_type(schema, sort_key, value)
        return ast.Value(value, item.at)  # type: ignore[union-attr]

    if isinstance(node, ast.Compare) and node.op in _RANGE_OPERATORS:
        if is_key(node.left) and (value := fixed(node.right)) is not None:
            return ast.Compare(node.op, node.left, value, node.at)
        if is_key(node.right) and (value := fixed(node.left)) is not None:
            return ast.Compare(_FLIPPED[node.op], node.right, value, node.at)
    if isinstance(node, ast.Between) and is_key(node.operand):
        low, high = fixed(node.low), fixed(node.high)
        if low is not None and high is not None:
            return ast.Between(node.operand, low, high, node.at)
    if (
        isinstance(node, ast.Call)
        and node.name == "begins_with"
        and len(node.args) == 2
        and is_key(node.args[0])
        and (value := fixed(node.args[1])) is not None
    ):
        return ast.Call(node.name, (node.args[0], value), node.at)
    return None


def _interval(node: ast.Node | None) -> tuple[Any, bool, Any, bool]:
    """(low, low inclusive, high, high inclusive) of a range condition; None is unbounded."""
    if node is None:
        return None, False, None, False
    if isinstance(node, ast.Compare):
        assert isinstance(node.right, ast.Value)
        value = key_sort_value(node.right.value)
        return {
            "=": (value, True, value, True),
            "<": (None, False, value, False),
            "<=": (None, False, value, True),
            ">": (value, False, None, False),
            ">=": (value, True, None, False),
        }[node.op]
    if isinstance(node, ast.Between):
        assert isinstance(node.low, ast.Value) and isinstance(node.high, ast.Value)
        return key_sort_value(node.low.value), True, key_sort_value(node.high.value), True
    assert isinstance(node, ast.Call) and isinstance(node.args[1], ast.Value)
    prefix = key_sort_value(node.args[1].value)
    return prefix, True, _successor(prefix), False


def _successor(prefix: Any) -> Any:
    """The least value above every value that starts with ``prefix`` (None: no such value)."""
    if isinstance(prefix, str):
        while prefix and ord(prefix[-1]) == 0x10FFFF:
            prefix = prefix[:-1]
        return prefix[:-1] + chr(ord(prefix[-1]) + 1) if prefix else None
    if isinstance(prefix, bytes):
        trimmed = prefix.rstrip(b"\xff")
        return trimmed[:-1] + bytes([trimmed[-1] + 1]) if trimmed else None
    return None


def _overlap(a: tuple[Any, bool, Any, bool], b: tuple[Any, bool, Any, bool]) -> bool:
    def below(low: Any, low_in: bool, high: Any, high_in: bool) -> bool:
        if low is None or high is None:
            return True
        return low < high or (low == high and low_in and high_in)

    return below(a[0], a[1], b[2], b[3]) and below(b[0], b[1], a[2], a[3])


def _merge_or_order(group: list[_Branch], schema: KeySchema) -> list[_Branch]:
    """One partition's branches: disjoint ranges read in key order, overlapping ones refused;
    branches that negate the sort key are read as one Query with their OR as the filter."""
    if len(group) == 1:
        return group
    if any(branch.exempt for branch in group):
        options: list[ast.Node] = []
        for branch in group:
            parts = ([branch.range_condition] if branch.range_condition else []) + branch.residual
            if not parts:
                options = []
                break
            options.append(_both(parts))  # type: ignore[arg-type]
        residual = [ast.Or(tuple(options))] if options else []
        return [_Branch(group[0].partition, None, residual, exempt=True)]
    intervals = [branch.interval for branch in group]
    for first in range(len(group)):
        for second in range(first + 1, len(group)):
            if _overlap(intervals[first], intervals[second]):
                raise ValidationException(OVERLAPPING)
    return sorted(group, key=lambda b: (b.interval[0] is not None, b.interval[0]))


def _apply_order(
    select: ast.Select, schema: KeySchema, groups: list[list[_Branch]], keyed: bool
) -> bool:
    """Check ORDER BY, order the partitions; return ScanIndexForward."""
    if select.where is None:
        raise ValidationException(ORDER_WITHOUT_WHERE)
    for key in select.order_by:
        if key.name not in schema.names:
            raise ValidationException(
                f"Attribute {key.name} in ORDER BY clause must be part of the primary key"
            )
    if not keyed:
        raise ValidationException(ORDER_WITHOUT_KEY)
    by_partition = next((k for k in select.order_by if k.name == schema.partition_key), None)
    if len(groups) > 1 and by_partition is None:
        raise ValidationException(ORDER_WITHOUT_HASH)
    if by_partition is not None:
        groups.sort(
            key=lambda g: key_sort_value(g[0].partition), reverse=bool(by_partition.descending)
        )
    by_sort = next((k for k in select.order_by if k.name == schema.sort_key), None)
    # Without the sort key named, the service reads each partition in descending key order.
    return by_sort is not None and not by_sort.descending


def _scan_step(
    select: ast.Select,
    table: Table,
    index: SecondaryIndex | None,
    parameters: list[AttributeValue],
    consistent: bool,
) -> ReadStep:
    writer = Writer(parameters)
    request: dict[str, Any] = {"TableName": table.name, "ConsistentRead": consistent}
    if index is not None:
        request["IndexName"] = index.name
    if select.where is not None:
        request["FilterExpression"] = writer.condition(select.where)
    if select.projection:
        request["ProjectionExpression"] = ", ".join(writer.path(p) for p in select.projection)
    request.update(writer.fields())
    return ReadStep("Scan", request)


def _query_step(
    select: ast.Select,
    table: Table,
    index: SecondaryIndex | None,
    schema: KeySchema,
    branch: _Branch,
    parameters: list[AttributeValue],
    consistent: bool,
    forward: bool,
) -> ReadStep:
    writer = Writer(parameters)
    key_condition = f"{writer.name(schema.partition_key)} = {writer.value(branch.partition)}"
    if branch.range_condition is not None:
        key_condition += f" AND {writer.condition(branch.range_condition)}"
    request: dict[str, Any] = {
        "TableName": table.name,
        "KeyConditionExpression": key_condition,
        "ConsistentRead": consistent,
        "ScanIndexForward": forward,
    }
    if index is not None:
        request["IndexName"] = index.name
    step = ReadStep("Query", request)
    filter_node = _both(branch.residual)
    post = filter_node is not None and any(
        name in schema.names for name in _top_level_names(filter_node)
    )
    if filter_node is not None and not post:
        request["FilterExpression"] = writer.condition(filter_node)
    if post:
        assert filter_node is not None
        # Validate the filter in this request's terms first, so that its errors are the ones
        # a FilterExpression would raise.
        filter_writer = Writer(parameters)
        text = filter_writer.condition(filter_node)
        step.post_filter = compile_condition(text, filter_writer.context(), "FilterExpression")
        if select.projection:
            wanted = dict.fromkeys(
                [p.name for p in select.projection] + _top_level_names(filter_node)
            )
            request["ProjectionExpression"] = ", ".join(writer.name(n) for n in wanted)
            projection_writer = Writer(parameters)
            paths = ", ".join(projection_writer.path(p) for p in select.projection)
            step.projection = compile_projection(paths, projection_writer.context())
    elif select.projection:
        request["ProjectionExpression"] = ", ".join(writer.path(p) for p in select.projection)
    request.update(writer.fields())
    return step


# =========================================================================== single items


@dataclass
class KeyRead:
    """A SELECT that names one item by its whole primary key (batches and transactions)."""

    table: Table
    request: dict[str, Any]


def plan_key_read(
    select: ast.Select,
    table: Table,
    parameters: list[AttributeValue],
    *,
    transaction: bool,
) -> KeyRead:
    """A GetItem-shaped request (TableName, Key, projection) for a batch or transaction read.

    Only equalities on the key attributes may appear in the WHERE.
    """
    refusal = TRANSACTION_KEY if transaction else BATCH_KEY
    if select.source.index is not None:
        index = table.indexes.get(select.source.index)
        if index is not None and (index.multi_partition or index.multi_sort):
            raise ValidationException(MULTI_ATTRIBUTE_INDEX)
        raise ValidationException(TRANSACTION_INDEX_READ if transaction else BATCH_KEY)
    names = table.schema.names
    key: dict[str, AttributeValue] = {}
    for node in _conjuncts(select.where):
        equality = _key_equality(node, names, parameters, single_in=True)
        if equality is None:
            raise ValidationException(refusal)
        name, value = equality
        if name in key and not values_equal(key[name], value):
            raise ValidationException(refusal)
        key[name] = value
    if set(key) != set(names):
        raise ValidationException(refusal)
    request: dict[str, Any] = {"TableName": table.name, "Key": {n: key[n] for n in names}}
    if select.projection:
        writer = Writer(parameters)
        request["ProjectionExpression"] = ", ".join(writer.path(p) for p in select.projection)
        request.update(writer.fields())
    return KeyRead(table, request)


@dataclass
class WritePlan:
    """One singleton write: ``operation`` (PutItem, UpdateItem, DeleteItem) and its request."""

    operation: str
    table: Table
    request: dict[str, Any]
    insert: bool = False


class KeyShapeError(ValidationException):
    """A write's WHERE does not name exactly one item (a transaction cancels the statement)."""


def plan_write(
    statement: ast.Insert | ast.Update | ast.Delete,
    table: Table,
    parameters: list[AttributeValue],
) -> WritePlan:
    """The PutItem, UpdateItem or DeleteItem request a write statement runs as. O(size)."""
    if statement.source.index is not None:
        raise ValidationException(ON_INDEX)
    writer = Writer(parameters)
    partition_key = table.schema.partition_key
    if isinstance(statement, ast.Insert):
        request: dict[str, Any] = {
            "TableName": table.name,
            "Item": _item(statement, parameters),
            "ConditionExpression": f"attribute_not_exists({writer.name(partition_key)})",
        }
        request.update(writer.fields())
        return WritePlan("PutItem", table, request, insert=True)
    if isinstance(statement, ast.Delete) and statement.returning not in (None, "ALL OLD"):
        raise ValidationException(
            f"Invalid returning clause: RETURNING {statement.returning} *. Only RETURNING ALL OLD "
            "* is allowed in DELETE statements."
        )
    key, rest = write_key(statement.where, table.schema, parameters)
    request = {"TableName": table.name, "Key": key}
    guard = _both(rest)
    if isinstance(statement, ast.Update):
        request["UpdateExpression"] = writer.update(statement.actions)
        # An UPDATE changes an existing item only (unlike UpdateItem, it never creates one).
        condition = f"attribute_exists({writer.name(partition_key)})"
        if guard is not None:
            condition += f" AND {writer.condition(guard)}"
        request["ConditionExpression"] = condition
        operation = "UpdateItem"
    else:
        # A DELETE of a missing item succeeds; the rest of the WHERE guards an existing one.
        if guard is not None:
            request["ConditionExpression"] = (
                f"attribute_not_exists({writer.name(partition_key)}) OR {writer.condition(guard)}"
            )
        operation = "DeleteItem"
    if statement.returning is not None:
        request["ReturnValues"] = RETURN_VALUES[statement.returning]
    request.update(writer.fields())
    return WritePlan(operation, table, request)


def _item(statement: ast.Insert, parameters: list[AttributeValue]) -> dict[str, AttributeValue]:
    item = statement.item
    if isinstance(item, ast.Param):
        value = parameters[item.index]
        if "M" not in value:
            raise ValidationException(
                "Unsupported format in item expression. Please use struct format {...} to "
                "express item values for insert statement."
            )
        return dict(value["M"])
    assert isinstance(item, ast.ItemLiteral)
    out: dict[str, AttributeValue] = {}
    for name, node in item.entries:
        value = _constant(node, parameters)
        assert value is not None
        out[name] = value
    return out


def write_key(
    where: ast.Node | None, schema: KeySchema, parameters: list[AttributeValue]
) -> tuple[dict[str, AttributeValue], list[ast.Node]]:
    """The key an UPDATE or DELETE names, and the rest of its WHERE (its condition)."""
    found: dict[str, AttributeValue] = {}
    rest: list[ast.Node] = []
    for node in _conjuncts(where):
        equality = _key_equality(node, schema.names, parameters, single_in=False)
        if equality is None:
            rest.append(node)
            continue
        name, value = equality
        if name in found:
            if not values_equal(found[name], value):
                raise KeyShapeError(
                    f"Multiple conditions on same key {name}. Only single item "
                    "Update/Insert/Delete are supported"
                )
            continue
        found[name] = value
    if any(name not in found for name in schema.names):
        raise KeyShapeError(INCOMPLETE_KEY)
    return {name: found[name] for name in schema.names}, rest


def plan_condition_check(
    statement: ast.Exists, table: Table, parameters: list[AttributeValue]
) -> dict[str, Any]:
    """EXISTS(SELECT ... WHERE key AND condition) as a TransactWriteItems ConditionCheck."""
    select = statement.select
    if select.source.index is not None:
        raise ValidationException("Operations on indices are not supported in transactions")
    names = table.schema.names
    key: dict[str, AttributeValue] = {}
    rest: list[ast.Node] = []
    for node in _conjuncts(select.where):
        equality = _key_equality(node, names, parameters, single_in=False)
        if equality is not None and equality[0] not in key:
            key[equality[0]] = equality[1]
            continue
        rest.append(node)
    if set(key) != set(names) or not rest:
        raise ValidationException(EXISTS_NEEDS_CONDITION)
    writer = Writer(parameters)
    condition = (
        f"attribute_exists({writer.name(table.schema.partition_key)}) AND "
        f"{writer.condition(_both(rest))}"  # type: ignore[arg-type]
    )
    body = {
        "TableName": table.name,
        "Key": {n: key[n] for n in names},
        "ConditionExpression": condition,
    }
    body.update(writer.fields())
    return body
