"""Conditions, projections and key conditions: bind a parsed tree to a request, then compile it.

Binding resolves ``#name``/``:value`` placeholders and runs the service's per-condition checks
(operand counts, distinct operands, operand types, BETWEEN bounds). Compiling turns the bound
tree into nested closures so evaluating an item is a tight walk with no name lookups.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.errors import ValidationException
from engine.expressions import ast
from engine.expressions.context import (
    ExpressionContext,
    ResolvedPath,
    check_overlaps,
    format_path,
)
from engine.expressions.parser import (
    CONDITION_FUNCTIONS,
    ExpressionError,
    deep_recursion,
    parse_condition,
    parse_projection,
    unwrap,
)
from engine.values import (
    binary_length,
    compare_scalars,
    copy_value,
    decode_binary,
    values_equal,
)

Item = dict[str, dict[str, Any]]
Value = dict[str, Any]
Getter = Callable[[Item], "Value | None"]
Predicate = Callable[[Item], bool]

MAX_IN_OPERANDS = 100
ATTRIBUTE_TYPES = ("S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M")
_ORDERABLE = ("S", "N", "B")
_ORDERING = {"<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
_FLIPPED = {"=": "=", "<>": "<>", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
# What the service prints as the operand type of a document path where a value is required.
_ANY_TYPE = (
    "{S,SS,N,NS,B,BS,BOOL,NULL,L,M,HD,DOUBLE,FLOAT,HDS,FS,DOUBLESET,DICT,DECIMAL,INT,"
    "DECIMALSET,INTSET}"
)


def _invalid(parameter: str, error: ExpressionError) -> ValidationException:
    return ValidationException(f"Invalid {parameter}: {error.message}")


# =========================================================================== bound operands


class _PathOperand:
    __slots__ = ("path",)

    def __init__(self, path: ResolvedPath) -> None:
        self.path = path


class _Constant:
    __slots__ = ("value",)

    def __init__(self, value: Value) -> None:
        self.value = value


class _Size:
    __slots__ = ("args",)

    def __init__(self, args: tuple[Any, ...]) -> None:
        self.args = args


Operand = _PathOperand | _Constant | _Size


def _static_type(operand: Operand) -> str | None:
    """The type known before evaluation: a constant's, ``N`` for size(), None for a path."""
    if isinstance(operand, _Constant):
        return next(iter(operand.value))
    if isinstance(operand, _Size):
        return "N"
    return None


# =========================================================================== path access


_item_get = dict.get


def make_getter(path: ResolvedPath) -> Getter:
    """A function returning the value at ``path`` in an item, or None if it is absent.

    O(len(path)) per call; a top-level path is a single dict lookup.
    """
    if len(path) == 1:
        name = path[0]

        def get_top(item: Item) -> Value | None:
            return item.get(name)  # type: ignore[arg-type]

        get_top.top_level_name = name  # type: ignore[attr-defined]
        return get_top
    head = path[0]
    steps = tuple((isinstance(step, str), step) for step in path[1:])

    def get_nested(item: Item) -> Value | None:
        value = item.get(head)  # type: ignore[arg-type]
        for is_member, step in steps:
            if value is None:
                return None
            if is_member:
                members = value.get("M")
                if members is None:
                    return None
                value = members.get(step)
            else:
                elements = value.get("L")
                if elements is None or step >= len(elements):
                    return None
                value = elements[step]
        return value

    return get_nested


def size_of(value: Value) -> int | None:
    """size(): characters (UTF-8 bytes) of S, bytes of B, members of sets, L and M; else None."""
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data) if data.isascii() else len(data.encode("utf-8"))
    if kind == "B":
        return binary_length(data)
    if kind in ("SS", "NS", "BS", "L", "M"):
        return len(data)
    return None


# =========================================================================== conditions


class Condition:
    """A compiled condition: ``evaluate(item) -> bool``.

    Also exposes ``paths`` (every document path the condition reads, resolved) and
    ``top_level_names`` (their first elements), which callers use for key-attribute rules.
    """

    __slots__ = ("text", "evaluate", "paths", "top_level_names", "tree", "equality")

    def __init__(
        self, text: str, evaluate: Predicate, paths: tuple[ResolvedPath, ...], tree: Any
    ) -> None:
        self.text = text
        self.evaluate = evaluate
        self.paths = paths
        self.top_level_names: frozenset[str] = frozenset(str(p[0]) for p in paths)
        self.tree = tree
        #: ``(attribute, typed value)`` when the whole condition is ``attribute = :value`` on
        #: a top-level scalar; None otherwise.
        self.equality: tuple[str, Any] | None = getattr(evaluate, "equality", None)

    def __repr__(self) -> str:
        return f"Condition({self.text!r})"


def compile_condition(text: str, ctx: ExpressionContext, parameter: str) -> Condition:
    """Parse (cached), bind and compile a condition; errors name ``parameter``.

    O(len(text)) to compile; evaluation is O(size of the tree + paths walked) per item.
    """
    with deep_recursion():
        try:
            tree = parse_condition(text)
            binder = _ConditionBinder(ctx)
            bound = binder.condition(tree.root)
        except ExpressionError as error:
            raise _invalid(parameter, error) from None
        return Condition(text, _compile(bound), tuple(binder.paths), bound)


# --------------------------------------------------------------------------- bound conditions


class _BoundComparison:
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Operand, right: Operand) -> None:
        self.op, self.left, self.right = op, left, right


class _BoundBetween:
    __slots__ = ("operand", "lower", "upper")

    def __init__(self, operand: Operand, lower: Operand, upper: Operand) -> None:
        self.operand, self.lower, self.upper = operand, lower, upper


class _BoundIn:
    __slots__ = ("operand", "candidates")

    def __init__(self, operand: Operand, candidates: tuple[Operand, ...]) -> None:
        self.operand, self.candidates = operand, candidates


class _BoundFunction:
    __slots__ = ("name", "args")

    def __init__(self, name: str, args: tuple[Operand, ...]) -> None:
        self.name, self.args = name, args


class _BoundLogic:
    __slots__ = ("kind", "children")

    def __init__(self, kind: str, children: tuple[Any, ...]) -> None:
        self.kind, self.children = kind, children


class _Problems:
    """First message of each category found in one primitive condition."""

    ORDER = ("count", "distinct", "type")

    def __init__(self) -> None:
        self.found: dict[str, str] = {}

    def note(self, category: str, message: str) -> None:
        self.found.setdefault(category, message)

    def raise_first(self) -> None:
        for category in self.ORDER:
            if category in self.found:
                raise ExpressionError(self.found[category])


def _type_error(function: str, operand_type: str) -> str:
    return (
        "Incorrect operand type for operator or function; "
        f"operator or function: {function}, operand type: {operand_type}"
    )


def _count_error(function: str, count: int) -> str:
    return (
        "Incorrect number of operands for operator or function; "
        f"operator or function: {function}, number of operands: {count}"
    )


def _distinct_error(function: str, path: ResolvedPath) -> str:
    return (
        "The first operand must be distinct from the remaining operands for this operator or "
        f"function; operator: {function}, first operand: {format_path(path)}"
    )


def _same_path(a: Operand, b: Operand) -> bool:
    return isinstance(a, _PathOperand) and isinstance(b, _PathOperand) and a.path == b.path


def _show_value(value: Value) -> str:
    kind, data = next(iter(value.items()))
    return f"AttributeValue: {{{kind}:{data}}}"


class _ConditionBinder:
    """Resolves placeholders and checks each primitive condition, in the order written."""

    def __init__(self, ctx: ExpressionContext) -> None:
        self.ctx = ctx
        self.paths: list[ResolvedPath] = []

    def condition(self, node: ast.Node) -> Any:
        node = unwrap(node)
        if isinstance(node, (ast.And, ast.Or)):
            kind = "and" if isinstance(node, ast.And) else "or"
            return _BoundLogic(kind, (self.condition(node.left), self.condition(node.right)))
        if isinstance(node, ast.Not):
            return _BoundLogic("not", (self.condition(node.operand),))
        problems = _Problems()
        bound = self.primitive(node, problems)
        problems.raise_first()
        return bound

    # ----------------------------------------------------------------- operands
    def operand(self, node: ast.Node, problems: _Problems) -> Operand:
        node = unwrap(node)
        if isinstance(node, ast.Path):
            path = self.ctx.resolve_path(node)
            self.paths.append(path)
            return _PathOperand(path)
        if isinstance(node, ast.ValueRef):
            return _Constant(self.ctx.value(node.ref))
        if isinstance(node, ast.FunctionCall) and node.name == "size":
            args = tuple(self.operand(arg, problems) for arg in node.args)
            if len(args) != 1:
                problems.note("count", _count_error("size", len(args)))
            else:
                kind = _static_type(args[0])
                if kind in ("N", "BOOL", "NULL"):
                    problems.note("type", _type_error("size", kind))
            return _Size(args)
        raise AssertionError(f"unexpected operand {node!r}")  # excluded by the parser's checks

    # ----------------------------------------------------------------- primitives
    def primitive(self, node: ast.Node, problems: _Problems) -> Any:
        if isinstance(node, ast.Comparison):
            left = self.operand(node.left, problems)
            right = self.operand(node.right, problems)
            if _same_path(left, right):
                problems.note("distinct", _distinct_error(node.op, left.path))  # type: ignore[union-attr]
            if node.op in _ORDERING:
                for side in (left, right):
                    kind = _static_type(side)
                    if kind is not None and kind not in _ORDERABLE:
                        problems.note("type", _type_error(node.op, kind))
            return _BoundComparison(node.op, left, right)
        if isinstance(node, ast.Between):
            operand = self.operand(node.operand, problems)
            lower = self.operand(node.lower, problems)
            upper = self.operand(node.upper, problems)
            for side in (operand, lower, upper):
                kind = _static_type(side)
                if kind is not None and kind not in _ORDERABLE:
                    problems.note("type", _type_error("BETWEEN", kind))
            if isinstance(lower, _Constant) and isinstance(upper, _Constant):
                low, high = lower.value, upper.value
                shown = (
                    f"lower bound operand: {_show_value(low)}, "
                    f"upper bound operand: {_show_value(high)}"
                )
                if next(iter(low)) != next(iter(high)):
                    problems.note(
                        "type",
                        "The BETWEEN operator requires same data type for lower and upper "
                        "bounds; " + shown,
                    )
                elif (compare_scalars(low, high) or 0) > 0:
                    problems.note(
                        "type",
                        "The BETWEEN operator requires upper bound to be greater than or equal "
                        "to lower bound; " + shown,
                    )
            return _BoundBetween(operand, lower, upper)
        if isinstance(node, ast.In):
            operand = self.operand(node.operand, problems)
            candidates = tuple(self.operand(c, problems) for c in node.candidates)
            # The limit counts the left operand too: at most 99 values in the list.
            if len(candidates) + 1 > MAX_IN_OPERANDS:
                problems.note(
                    "count",
                    "The IN operator is provided with too many operands; "
                    f"number of operands: {len(candidates) + 1}",
                )
            for candidate in candidates:
                if _same_path(operand, candidate):
                    problems.note("distinct", _distinct_error("IN", operand.path))  # type: ignore[union-attr]
            return _BoundIn(operand, candidates)
        if isinstance(node, ast.FunctionCall):
            return self.function(node, problems)
        raise AssertionError(f"unexpected condition {node!r}")  # excluded by the parser

    def function(self, node: ast.FunctionCall, problems: _Problems) -> _BoundFunction:
        name = node.name
        args = tuple(self.operand(arg, problems) for arg in node.args)
        expected = CONDITION_FUNCTIONS[name]
        if len(args) != expected:
            problems.note("count", _count_error(name, len(args)))
            return _BoundFunction(name, args)
        if expected == 2 and _same_path(args[0], args[1]):
            problems.note("distinct", _distinct_error(name, args[0].path))  # type: ignore[union-attr]
        requires_path = "Operator or function requires a document path; operator or function: "
        if name in ("attribute_exists", "attribute_not_exists"):
            if not isinstance(args[0], _PathOperand):
                problems.note("type", requires_path + name)
        elif name == "attribute_type":  # the first operand may be a value too
            kind = _static_type(args[1])
            if kind != "S":
                problems.note("type", _type_error(name, kind or _ANY_TYPE))
            else:
                wanted = args[1].value["S"]  # type: ignore[union-attr]
                if wanted not in ATTRIBUTE_TYPES:
                    problems.note(
                        "type",
                        f"Invalid attribute type name found; type: {wanted}, "
                        "valid types: {B,NULL,SS,BOOL,L,BS,N,NS,S,M}",
                    )
        elif name == "begins_with":
            for arg in args:
                kind = _static_type(arg)
                if kind is not None and kind not in ("S", "B"):
                    problems.note("type", _type_error(name, kind))
        return _BoundFunction(name, args)


# --------------------------------------------------------------------------- compiling


def _operand_fn(operand: Operand) -> Getter:
    if isinstance(operand, _PathOperand):
        return make_getter(operand.path)
    if isinstance(operand, _Constant):
        constant = operand.value
        return lambda item: constant
    inner = _operand_fn(operand.args[0])

    def size(item: Item) -> Value | None:
        value = inner(item)
        if value is None:
            return None
        n = size_of(value)
        return None if n is None else {"N": str(n)}

    return size


def _compare(op: str, a: Value | None, b: Value | None) -> bool:
    """The generic comparison: missing operands compare false (``<>`` true), mixed types false."""
    if op == "=":
        return a is not None and b is not None and values_equal(a, b)
    if op == "<>":
        return a is None or b is None or not values_equal(a, b)
    if a is None or b is None:
        return False
    order = compare_scalars(a, b)
    return order is not None and _ORDERING[op](order, 0)


def _scalar_key(value: Value) -> Any:
    """A Python value ordering like the service: str, Decimal or bytes."""
    kind, data = next(iter(value.items()))
    if kind == "N":
        return Decimal(data)
    if kind == "B":
        return decode_binary(data)
    return data


def _compile_comparison(node: _BoundComparison) -> Predicate:
    op, left, right = node.op, node.left, node.right
    if isinstance(left, _Constant) and isinstance(right, _Constant):
        result = _compare(op, left.value, right.value)
        return lambda item: result
    if isinstance(left, _Constant):  # :v < path  ==  path > :v
        op, left, right = _FLIPPED[op], right, left
    if isinstance(right, _Constant) and isinstance(left, _PathOperand):
        return _path_against_constant(op, make_getter(left.path), right.value)
    if (
        isinstance(right, _Constant)
        and isinstance(left, _Size)
        and "N" in right.value
        and isinstance(left.args[0], _PathOperand)
    ):
        return _size_against_number(op, make_getter(left.args[0].path), Decimal(right.value["N"]))
    get_left, get_right = _operand_fn(left), _operand_fn(right)
    return lambda item: _compare(op, get_left(item), get_right(item))


def _path_against_constant(op: str, get: Getter, constant: Value) -> Predicate:
    kind, data = next(iter(constant.items()))
    top_level = getattr(get, "top_level_name", None)
    if op in ("=", "<>") and kind in ("S", "N", "B", "BOOL", "NULL") and top_level is not None:
        # The filter every Scan of a category runs: one C-level dict lookup and comparison
        # (a typed value has one key, and stored numbers and binaries are canonical).
        lookup = _item_get
        if op == "=":

            def equal_top(item: Item) -> bool:
                return lookup(item, top_level) == constant

            # Lets a page read filter a whole chunk of items without a call per item.
            equal_top.equality = (top_level, constant)  # type: ignore[attr-defined]
            return equal_top
        return lambda item: lookup(item, top_level) != constant
    if op in ("=", "<>"):
        if kind in ("S", "N", "B", "BOOL", "NULL"):
            # Stored numbers and binaries are canonical, so equal values have equal text.
            def equal(item: Item) -> bool:
                value = get(item)
                return value is not None and value.get(kind) == data

        else:

            def equal(item: Item) -> bool:
                value = get(item)
                return value is not None and values_equal(value, constant)

        if op == "=":
            return equal
        return lambda item: not equal(item)
    compare = _ORDERING[op]
    if kind == "S":

        def ordered_string(item: Item) -> bool:
            value = get(item)
            if value is None:
                return False
            text = value.get("S")
            return text is not None and compare(text, data)

        return ordered_string
    if kind == "N":
        bound = Decimal(data)

        def ordered_number(item: Item) -> bool:
            value = get(item)
            if value is None:
                return False
            text = value.get("N")
            return text is not None and compare(Decimal(text), bound)

        return ordered_number
    if kind == "B":
        raw = decode_binary(data)

        def ordered_binary(item: Item) -> bool:
            value = get(item)
            if value is None:
                return False
            text = value.get("B")
            return text is not None and compare(decode_binary(text), raw)

        return ordered_binary
    return lambda item: False  # unreachable: rejected when binding


def _size_against_number(op: str, get: Getter, bound: Decimal) -> Predicate:
    compare = _ORDERING.get(op)

    def check(item: Item) -> bool:
        value = get(item)
        n = None if value is None else size_of(value)
        if n is None:
            return op == "<>"
        if compare is None:
            return (n == bound) == (op == "=")
        return compare(n, bound)

    return check


def _compile_between(node: _BoundBetween) -> Predicate:
    operand, lower, upper = node.operand, node.lower, node.upper
    if (
        isinstance(operand, _PathOperand)
        and isinstance(lower, _Constant)
        and isinstance(upper, _Constant)
        and next(iter(lower.value)) == next(iter(upper.value))
    ):
        kind = next(iter(lower.value))
        low, high = _scalar_key(lower.value), _scalar_key(upper.value)
        get = make_getter(operand.path)
        convert: Callable[[Any], Any]
        if kind == "N":
            convert = Decimal
        elif kind == "B":
            convert = decode_binary
        else:
            convert = str

        def between(item: Item) -> bool:
            value = get(item)
            if value is None:
                return False
            data = value.get(kind)
            return data is not None and low <= convert(data) <= high

        return between
    get_operand, get_lower, get_upper = (_operand_fn(o) for o in (operand, lower, upper))

    def between_generic(item: Item) -> bool:
        value, low, high = get_operand(item), get_lower(item), get_upper(item)
        if value is None or low is None or high is None:
            return False
        above = compare_scalars(value, low)
        below = compare_scalars(value, high)
        return above is not None and below is not None and above >= 0 and below <= 0

    return between_generic


_HASHABLE_KINDS = ("S", "N", "B", "BOOL", "NULL")


def _compile_in(node: _BoundIn) -> Predicate:
    get = _operand_fn(node.operand)
    if all(isinstance(c, _Constant) for c in node.candidates):
        keys = set()
        others = []
        for candidate in node.candidates:
            kind, data = next(iter(candidate.value.items()))  # type: ignore[union-attr]
            if kind in _HASHABLE_KINDS:
                keys.add((kind, data))
            else:
                others.append(candidate.value)  # type: ignore[union-attr]

        def member(item: Item) -> bool:
            value = get(item)
            if value is None:
                return False
            kind, data = next(iter(value.items()))
            if kind in _HASHABLE_KINDS:
                return (kind, data) in keys
            return any(values_equal(value, other) for other in others)

        return member
    getters = [_operand_fn(c) for c in node.candidates]

    def member_generic(item: Item) -> bool:
        value = get(item)
        if value is None:
            return False
        for candidate_get in getters:
            candidate = candidate_get(item)
            if candidate is not None and values_equal(value, candidate):
                return True
        return False

    return member_generic


def begins_with(value: Value | None, prefix: Value | None) -> bool:
    """begins_with(): a string or binary value starting with a prefix of the same type."""
    if value is None or prefix is None:
        return False
    if "S" in value and "S" in prefix:
        return value["S"].startswith(prefix["S"])
    if "B" in value and "B" in prefix:
        return decode_binary(value["B"]).startswith(decode_binary(prefix["B"]))
    return False


def contains(value: Value | None, operand: Value | None) -> bool:
    """contains(): substring of S (or B), member of a set of the operand's type, element of L."""
    if value is None or operand is None:
        return False
    kind, data = next(iter(value.items()))
    operand_kind, operand_data = next(iter(operand.items()))
    if kind == "S":
        return operand_kind == "S" and operand_data in data
    if kind == "SS":
        return operand_kind == "S" and operand_data in data
    if kind == "NS":
        return operand_kind == "N" and operand_data in data
    if kind == "BS":
        return operand_kind == "B" and operand_data in data
    if kind == "L":
        return any(values_equal(element, operand) for element in data)
    if kind == "B":
        return operand_kind == "B" and decode_binary(operand_data) in decode_binary(data)
    return False


def _compile_function(node: _BoundFunction) -> Predicate:
    name, args = node.name, node.args
    if name in ("attribute_exists", "attribute_not_exists"):
        path = args[0].path  # type: ignore[union-attr]
        if len(path) == 1:
            top = path[0]
            if name == "attribute_exists":
                return lambda item: top in item
            return lambda item: top not in item
        get = make_getter(path)
        if name == "attribute_exists":
            return lambda item: get(item) is not None
        return lambda item: get(item) is None
    if name == "attribute_type":
        get = _operand_fn(args[0])
        wanted = args[1].value["S"]  # type: ignore[union-attr]

        def has_type(item: Item) -> bool:
            value = get(item)
            return value is not None and wanted in value

        return has_type
    get_first, get_second = _operand_fn(args[0]), _operand_fn(args[1])
    if name == "begins_with":
        second = args[1]
        if isinstance(second, _Constant) and "S" in second.value:
            prefix = second.value["S"]

            def starts(item: Item) -> bool:
                value = get_first(item)
                if value is None:
                    return False
                text = value.get("S")
                return text is not None and text.startswith(prefix)

            return starts
        return lambda item: begins_with(get_first(item), get_second(item))
    return lambda item: contains(get_first(item), get_second(item))  # contains


def _compile(node: Any) -> Predicate:
    """Turn a bound condition into a predicate over items."""
    if isinstance(node, _BoundLogic):
        if node.kind == "not":
            inner = _compile(node.children[0])
            return lambda item: not inner(item)
        left, right = (_compile(child) for child in node.children)
        if node.kind == "and":
            return lambda item: left(item) and right(item)
        return lambda item: left(item) or right(item)
    if isinstance(node, _BoundComparison):
        return _compile_comparison(node)
    if isinstance(node, _BoundBetween):
        return _compile_between(node)
    if isinstance(node, _BoundIn):
        return _compile_in(node)
    return _compile_function(node)


# =========================================================================== projections


class Projection:
    """A compiled projection: ``apply(item)`` keeps only the projected paths.

    Nested paths keep their enclosing structure; projected list elements come back in their
    original order, compacted. Paths that are absent are skipped. Values are copies.
    """

    __slots__ = ("text", "paths", "top_level_names", "_tree")

    def __init__(self, text: str, paths: tuple[ResolvedPath, ...]) -> None:
        self.text = text
        self.paths = paths
        self.top_level_names: frozenset[str] = frozenset(str(p[0]) for p in paths)
        self._tree = build_projection_tree(paths)

    def apply(self, item: Item) -> Item:
        """The projected copy of ``item``. O(size of the projected parts)."""
        return project(item, self._tree)

    def __repr__(self) -> str:
        return f"Projection({self.text!r})"


def build_projection_tree(paths: tuple[ResolvedPath, ...] | list[ResolvedPath]) -> dict:
    """A nested dict of path steps; ``None`` marks a step whose whole value is taken.

    The paths must neither overlap nor conflict (see ``check_overlaps``).
    """
    tree: dict = {}
    for path in paths:
        node = tree
        for step in path[:-1]:
            node = node.setdefault(step, {})
        node[path[-1]] = None
    return tree


def project(item: Item, tree: dict) -> Item:
    """Keep the parts of ``item`` that ``tree`` names (see ``build_projection_tree``)."""
    result: Item = {}
    for name, sub in tree.items():
        value = item.get(name)
        if value is None:
            continue
        if sub is None:
            result[name] = copy_value(value)
        else:
            projected = _project_value(value, sub)
            if projected is not None:
                result[name] = projected
    return result


def _project_value(value: Value, tree: dict) -> Value | None:
    if isinstance(next(iter(tree)), str):
        members = value.get("M")
        if members is None:
            return None
        kept: dict[str, Value] = {}
        for key, sub in tree.items():
            member = members.get(key)
            if member is None:
                continue
            if sub is None:
                kept[key] = copy_value(member)
            else:
                projected = _project_value(member, sub)
                if projected is not None:
                    kept[key] = projected
        return {"M": kept} if kept else None
    elements = value.get("L")
    if elements is None:
        return None
    kept_elements: list[Value] = []
    for index in sorted(tree):
        if index >= len(elements):
            break
        sub = tree[index]
        if sub is None:
            kept_elements.append(copy_value(elements[index]))
        else:
            projected = _project_value(elements[index], sub)
            if projected is not None:
                kept_elements.append(projected)
    return {"L": kept_elements} if kept_elements else None


def compile_projection(text: str, ctx: ExpressionContext) -> Projection:
    """Parse (cached), bind and check a projection expression. O(n^2) in the number of paths."""
    try:
        with deep_recursion():
            tree = parse_projection(text)
        paths = [ctx.resolve_path(path) for path in tree.paths]
        check_overlaps(paths)
    except ExpressionError as error:
        raise _invalid("ProjectionExpression", error) from None
    return Projection(text, tuple(paths))


# =========================================================================== key conditions

SORT_OPERATORS = ("=", "<", "<=", ">", ">=", "BETWEEN", "begins_with")


class KeyCondition:
    """A Query's key condition: the partition key value and at most one sort-key condition.

    ``sort_operator`` is None or one of ``= < <= > >= BETWEEN begins_with`` (written with the
    key on the left: ``:v < sk`` becomes ``>``); ``sort_values`` holds 0, 1 or 2 values.
    """

    __slots__ = (
        "text",
        "partition_key",
        "partition_value",
        "sort_key",
        "sort_operator",
        "sort_values",
    )

    def __init__(
        self,
        text: str,
        partition_key: str,
        partition_value: Value,
        sort_key: str | None,
        sort_operator: str | None,
        sort_values: tuple[Value, ...],
    ) -> None:
        self.text = text
        self.partition_key = partition_key
        self.partition_value = partition_value
        self.sort_key = sort_key
        self.sort_operator = sort_operator
        self.sort_values = sort_values

    def matches_sort(self, value: Value | None) -> bool:
        """True if a sort-key value satisfies the sort condition (always, when there is none)."""
        op = self.sort_operator
        if op is None:
            return True
        if op == "BETWEEN":
            return _compare(">=", value, self.sort_values[0]) and _compare(
                "<=", value, self.sort_values[1]
            )
        if op == "begins_with":
            return begins_with(value, self.sort_values[0])
        return _compare(op, value, self.sort_values[0])

    def matches(self, item: Item) -> bool:
        """True if the item's key attributes satisfy the whole key condition."""
        partition = item.get(self.partition_key)
        if partition is None or not values_equal(partition, self.partition_value):
            return False
        if self.sort_key is None or self.sort_operator is None:
            return True
        return self.matches_sort(item.get(self.sort_key))

    def __repr__(self) -> str:
        return f"KeyCondition({self.text!r})"


class _KeyLeaf:
    __slots__ = ("key", "op", "values")

    def __init__(self, key: str, op: str, values: tuple[Value, ...]) -> None:
        self.key, self.op, self.values = key, op, values


def compile_key_condition(
    text: str,
    ctx: ExpressionContext,
    partition_key: str,
    sort_key: str | None,
    attribute_types: dict[str, str] | None = None,
) -> KeyCondition:
    """Compile a KeyConditionExpression against the key schema. O(len(text)).

    The text is first checked as any condition (syntax, placeholders, operand types), then
    for the key condition's shape, then against the schema. ``attribute_types`` (optional,
    key name -> ``S``/``N``/``B``) also checks each value's type against the schema.
    """
    condition = compile_condition(text, ctx, "KeyConditionExpression")
    leaves: list[_KeyLeaf] = []
    _key_shape(condition.tree, leaves)
    if len(leaves) > 2:
        raise ValidationException("Conditions can be of length 1 or 2 only")
    if sort_key is None:
        if len(leaves) == 2:
            raise ValidationException("Query key condition not supported")
        partition = leaves[0]
        if partition.key != partition_key:
            raise ValidationException(f"Query condition missed key schema element: {partition_key}")
        sort = None
    else:
        found = [leaf for leaf in leaves if leaf.key == partition_key]
        if not found:
            raise ValidationException(f"Query condition missed key schema element: {partition_key}")
        partition = found[0]
        others = [leaf for leaf in leaves if leaf is not partition]
        sort = others[0] if others else None
        if partition.op == "=" and sort is not None and sort.key != sort_key:
            raise ValidationException(f"Query condition missed key schema element: {sort_key}")
    if partition.op != "=":
        raise ValidationException("Query key condition not supported")
    if attribute_types:
        for leaf in (partition, sort):
            if leaf is None:
                continue
            expected = attribute_types.get(leaf.key)
            for value in leaf.values:
                if expected is not None and next(iter(value)) != expected:
                    raise ValidationException(
                        "One or more parameter values were invalid: Condition parameter type "
                        "does not match schema type"
                    )
    return KeyCondition(
        text,
        partition_key,
        partition.values[0],
        sort_key,
        sort.op if sort else None,
        sort.values if sort else (),
    )


def _key_shape(node: Any, leaves: list[_KeyLeaf]) -> None:
    """Walk the bound condition in order; reject what a key condition cannot express."""
    if isinstance(node, _BoundLogic):
        if node.kind != "and":
            raise ValidationException(
                f"Invalid operator used in KeyConditionExpression: {node.kind.upper()}"
            )
        for child in node.children:
            _key_shape(child, leaves)
        return
    if isinstance(node, _BoundIn):
        raise ValidationException("Invalid operator used in KeyConditionExpression: IN")
    if isinstance(node, _BoundComparison) and node.op == "<>":
        raise ValidationException("Invalid operator used in KeyConditionExpression: <>")
    if isinstance(node, _BoundFunction) and node.name != "begins_with":
        raise ValidationException(f"Invalid operator used in KeyConditionExpression: {node.name}")
    if isinstance(node, _BoundComparison):
        operands = [node.left, node.right]
        op = node.op
        key_first = True
    elif isinstance(node, _BoundBetween):
        operands = [node.operand, node.lower, node.upper]
        op = "BETWEEN"
        key_first = False
    else:
        operands = list(node.args)
        op = "begins_with"
        key_first = False
    nested_operations = "KeyConditionExpressions cannot contain nested operations"
    if not key_first:
        first = operands[0]
        if isinstance(first, _Size):
            raise ValidationException(nested_operations)
        if not isinstance(first, _PathOperand):
            raise ValidationException(
                f"Invalid condition in KeyConditionExpression: {op} operator must have the key "
                "attribute as its first operand"
            )
    key: ResolvedPath | None = None
    values: list[Value] = []
    for index, operand in enumerate(operands):
        if isinstance(operand, _Size):
            raise ValidationException(nested_operations)
        if isinstance(operand, _PathOperand):
            if key is not None:
                raise ValidationException(
                    "Invalid condition in KeyConditionExpression: "
                    "Multiple attribute names used in one condition"
                )
            if len(operand.path) > 1:
                raise ValidationException(
                    "KeyConditionExpressions cannot have conditions on nested attributes"
                )
            key = operand.path
            if index == 1 and op in _FLIPPED:
                op = _FLIPPED[op]
        else:
            values.append(operand.value)  # type: ignore[union-attr]
    if key is None:
        raise ValidationException(
            "Invalid condition in KeyConditionExpression: No key attribute specified"
        )
    name = str(key[0])
    if any(leaf.key == name for leaf in leaves):
        raise ValidationException("KeyConditionExpressions must only contain one condition per key")
    leaves.append(_KeyLeaf(name, op, tuple(values)))
