"""Update expressions: bind SET/REMOVE/ADD/DELETE actions to a request and apply them to items.

Checks run in the service's order once the text parses: undefined placeholders (in the order
written), ADD/DELETE operand types, overlapping then conflicting document paths, then each SET
value's functions and operators. Applying reads every SET operand from the original item,
applies SET/ADD/DELETE in document-path order (so list appends land in index order), then
REMOVEs from the highest index down (so indexes always mean positions in the original list).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from engine.errors import ValidationException
from engine.expressions import ast
from engine.expressions.context import ExpressionContext, ResolvedPath, check_overlaps
from engine.expressions.evaluate import build_projection_tree, make_getter, project
from engine.expressions.parser import (
    UPDATE_FUNCTIONS,
    ExpressionError,
    deep_recursion,
    parse_update,
    unwrap,
)
from engine.values import copy_value, decimal_add, decimal_subtract

Item = dict[str, dict[str, Any]]
Value = dict[str, Any]

MISSING_ATTRIBUTE = "The provided expression refers to an attribute that does not exist in the item"
WRONG_TYPE = "An operand in the update expression has an incorrect data type"
INVALID_PATH = "The document path provided in the update expression is invalid for update"

_SET_TYPES = ("SS", "NS", "BS")
_TYPE_WORDS = {
    "S": "STRING",
    "N": "NUMBER",
    "B": "BINARY",
    "BOOL": "BOOLEAN",
    "NULL": "NULL",
    "M": "MAP",
    "L": "LIST",
    "SS": "STRING_SET",
    "NS": "NUMBER_SET",
    "BS": "BINARY_SET",
}
_ADDABLE = ("N", "SS", "NS", "BS")


# --------------------------------------------------------------------------- bound SET values


class _Path:
    __slots__ = ("path",)

    def __init__(self, path: ResolvedPath) -> None:
        self.path = path


class _Const:
    __slots__ = ("value",)

    def __init__(self, value: Value) -> None:
        self.value = value


class _Call:
    __slots__ = ("name", "args")

    def __init__(self, name: str, args: tuple[Any, ...]) -> None:
        self.name, self.args = name, args


class _Arith:
    __slots__ = ("op", "left", "right")

    def __init__(self, op: str, left: Any, right: Any) -> None:
        self.op, self.left, self.right = op, left, right


def _static_type(node: Any) -> str | None:
    if isinstance(node, _Const):
        return next(iter(node.value))
    if isinstance(node, _Arith):
        return "N"
    if isinstance(node, _Call):
        if node.name == "list_append":
            return "L"
        if len(node.args) == 2:
            return _static_type(node.args[1])
    return None


class _Binder:
    def __init__(self, ctx: ExpressionContext) -> None:
        self.ctx = ctx

    def value(self, node: ast.Node) -> Any:
        node = unwrap(node)
        if isinstance(node, ast.Path):
            return _Path(self.ctx.resolve_path(node))
        if isinstance(node, ast.ValueRef):
            return _Const(self.ctx.value(node.ref))
        if isinstance(node, ast.Arithmetic):
            return _Arith(node.op, self.value(node.left), self.value(node.right))
        if isinstance(node, ast.FunctionCall):
            return _Call(node.name, tuple(self.value(arg) for arg in node.args))
        raise AssertionError(f"unexpected update operand {node!r}")


def _check_value(node: Any, found: dict[str, str]) -> None:
    """Post-order checks of one SET value; keeps the first message of each category."""
    if isinstance(node, _Arith):
        _check_value(node.left, found)
        _check_value(node.right, found)
        for side in (node.left, node.right):
            kind = _static_type(side)
            if kind is not None and kind != "N":
                found.setdefault(
                    "type",
                    "Incorrect operand type for operator or function; "
                    f"operator or function: {node.op}, operand type: {kind}",
                )
    elif isinstance(node, _Call):
        for arg in node.args:
            _check_value(arg, found)
        expected = UPDATE_FUNCTIONS[node.name]
        if len(node.args) != expected:
            found.setdefault(
                "count",
                "Incorrect number of operands for operator or function; "
                f"operator or function: {node.name}, number of operands: {len(node.args)}",
            )
            return
        if node.name == "if_not_exists":
            if not isinstance(node.args[0], _Path):
                found.setdefault(
                    "type",
                    "Operator or function requires a document path; "
                    "operator or function: if_not_exists",
                )
        else:
            for arg in node.args:
                kind = _static_type(arg)
                if kind is not None and kind != "L":
                    found.setdefault(
                        "type",
                        "Incorrect operand type for operator or function; "
                        f"operator or function: list_append, operand type: {kind}",
                    )


# --------------------------------------------------------------------------- runtime values


def _value_fn(node: Any) -> Callable[[Item], Value]:
    """A function computing a SET value from the original item (raising the service's errors)."""
    if isinstance(node, _Const):
        constant = node.value
        return lambda item: constant
    if isinstance(node, _Path):
        get = make_getter(node.path)

        def read(item: Item) -> Value:
            value = get(item)
            if value is None:
                raise ValidationException(MISSING_ATTRIBUTE)
            return value

        return read
    if isinstance(node, _Arith):
        left, right = _value_fn(node.left), _value_fn(node.right)
        combine = decimal_add if node.op == "+" else decimal_subtract

        def arithmetic(item: Item) -> Value:
            a, b = left(item), right(item)
            if "N" not in a or "N" not in b:
                raise ValidationException(WRONG_TYPE)
            return {"N": combine(a["N"], b["N"])}

        return arithmetic
    if node.name == "if_not_exists":
        get = make_getter(node.args[0].path)
        fallback = _value_fn(node.args[1])

        def if_not_exists(item: Item) -> Value:
            value = get(item)
            return fallback(item) if value is None else value

        return if_not_exists
    first, second = _value_fn(node.args[0]), _value_fn(node.args[1])

    def list_append(item: Item) -> Value:
        a, b = first(item), second(item)
        if "L" not in a or "L" not in b:
            raise ValidationException(WRONG_TYPE)
        return {"L": a["L"] + b["L"]}

    return list_append


# --------------------------------------------------------------------------- the compiled update

_SET, _ADD, _DELETE = "SET", "ADD", "DELETE"


class Update:
    """A compiled update expression.

    ``apply(item)`` returns ``(new_item, updated_names)`` without touching ``item``;
    ``updated_names`` is the set of top-level attributes the expression names as targets.
    ``paths`` lists every target path; ``updated_attributes(item)`` projects an item onto them
    (what the service returns for ReturnValues UPDATED_OLD / UPDATED_NEW). ``creates_item`` is
    False when every action is a REMOVE or DELETE: those never create a missing item.
    ``writes_nested`` is True when a target path goes below the top level, the only way an
    update can build a document deeper than each of its values.
    """

    __slots__ = (
        "text",
        "paths",
        "updated_names",
        "creates_item",
        "writes_nested",
        "_set_values",
        "_ordered",
        "_removes",
        "_nested_names",
        "_tree",
    )

    def __init__(
        self,
        text: str,
        actions: list[tuple[str, ResolvedPath, Any]],
        set_values: list[Callable[[Item], Value]],
    ) -> None:
        self.text = text
        self.paths: tuple[ResolvedPath, ...] = tuple(path for _, path, _ in actions)
        self.updated_names: frozenset[str] = frozenset(str(path[0]) for path in self.paths)
        self._set_values = set_values
        self._ordered = sorted(
            (action for action in actions if action[0] != "REMOVE"), key=lambda a: a[1]
        )
        self._removes = [path for kind, path, _ in actions if kind == "REMOVE"]
        self._nested_names = frozenset(str(p[0]) for p in self.paths if len(p) > 1)
        self.creates_item = any(kind in (_SET, _ADD) for kind, _, _ in actions)
        self.writes_nested = bool(self._nested_names)
        self._tree = build_projection_tree(self.paths)

    def apply(self, item: Item, *, exists: bool = True) -> tuple[Item, set[str]]:
        """Apply the update to a copy of ``item``. O(size of the touched attributes).

        Pass ``exists=False`` when ``item`` stands for an item that is not stored yet (for
        instance just its key): the service then ignores REMOVE paths whose parent is missing.
        Attributes the update does not touch are shared with ``item``, not copied. The names
        returned are a fresh set the caller may keep or change.
        """
        values = [compute(item) for compute in self._set_values]
        new = dict(item)
        for name in self._nested_names:
            if name in item:
                new[name] = copy_value(item[name])
        removes = list(self._removes)
        for kind, path, payload in self._ordered:
            if kind == _SET:
                _store(new, path, copy_value(values[payload]))
            elif kind == _ADD:
                _add(new, path, payload)
            elif _delete(new, path, payload):
                removes.append(path)
        removes.sort(reverse=True)
        for path in removes:
            _remove(new, path, item, exists)
        return new, set(self.updated_names)

    def updated_attributes(self, item: Item) -> Item:
        """``item`` projected onto the update's target paths (UPDATED_OLD / UPDATED_NEW)."""
        return project(item, self._tree)

    def __repr__(self) -> str:
        return f"Update({self.text!r})"


def compile_update(text: str, ctx: ExpressionContext) -> Update:
    """Parse (cached), bind and check an update expression. O(len(text) + n^2) for n actions."""
    with deep_recursion():
        return _compile_update(text, ctx)


def _compile_update(text: str, ctx: ExpressionContext) -> Update:
    try:
        tree = parse_update(text)
        binder = _Binder(ctx)
        bound: list[tuple[str, ResolvedPath, Any]] = []
        for action in tree.actions:
            path = ctx.resolve_path(action.path)
            if isinstance(action, ast.SetAction):
                bound.append(("SET", path, binder.value(action.value)))
            elif isinstance(action, ast.RemoveAction):
                bound.append(("REMOVE", path, None))
            else:
                kind = "ADD" if isinstance(action, ast.AddAction) else "DELETE"
                bound.append((kind, path, ctx.value(action.value.ref)))
        for kind, _, payload in bound:
            if kind in ("ADD", "DELETE"):
                value_type = next(iter(payload))
                allowed = _ADDABLE if kind == "ADD" else _SET_TYPES
                if value_type not in allowed:
                    raise ExpressionError(
                        "Incorrect operand type for operator or function; "
                        f"operator: {kind}, operand type: {_TYPE_WORDS[value_type]}"
                    )
        check_overlaps([path for _, path, _ in bound])
        for kind, _, payload in bound:
            if kind == "SET":
                found: dict[str, str] = {}
                _check_value(payload, found)
                for category in ("count", "type"):
                    if category in found:
                        raise ExpressionError(found[category])
    except ExpressionError as error:
        raise ValidationException(f"Invalid UpdateExpression: {error.message}") from None
    set_values: list[Callable[[Item], Value]] = []
    actions: list[tuple[str, ResolvedPath, Any]] = []
    for kind, path, payload in bound:
        if kind == "SET":
            actions.append((kind, path, len(set_values)))
            set_values.append(_value_fn(payload))
        else:
            actions.append((kind, path, payload))
    return Update(text, actions, set_values)


# --------------------------------------------------------------------------- applying actions


def _parent(item: Item, path: ResolvedPath) -> Value:
    """The container holding the last step of ``path`` (checked to be of the right kind)."""
    value: Value | None = item.get(path[0])  # type: ignore[arg-type]
    for step in path[1:-1]:
        if value is None:
            raise ValidationException(INVALID_PATH)
        if isinstance(step, str):
            members = value.get("M")
            if members is None:
                raise ValidationException(INVALID_PATH)
            value = members.get(step)
        else:
            elements = value.get("L")
            if elements is None or step >= len(elements):
                raise ValidationException(INVALID_PATH)
            value = elements[step]
    if value is None or ("M" if isinstance(path[-1], str) else "L") not in value:
        raise ValidationException(INVALID_PATH)
    return value


def _current(item: Item, path: ResolvedPath) -> tuple[Value | None, Value | None]:
    """(parent container or None for a top-level path, current value or None)."""
    if len(path) == 1:
        return None, item.get(path[0])  # type: ignore[arg-type]
    parent = _parent(item, path)
    last = path[-1]
    if isinstance(last, str):
        return parent, parent["M"].get(last)
    elements = parent["L"]
    return parent, elements[last] if last < len(elements) else None


def _put(item: Item, parent: Value | None, path: ResolvedPath, value: Value) -> None:
    last = path[-1]
    if parent is None:
        item[last] = value  # type: ignore[index]
    elif isinstance(last, str):
        parent["M"][last] = value
    else:
        elements = parent["L"]
        if last < len(elements):
            elements[last] = value
        else:
            elements.append(value)  # past the end: SET appends


def _store(item: Item, path: ResolvedPath, value: Value) -> None:
    parent = None if len(path) == 1 else _parent(item, path)
    _put(item, parent, path, value)


def _add(item: Item, path: ResolvedPath, operand: Value) -> None:
    parent, current = _current(item, path)
    if current is None:
        _put(item, parent, path, copy_value(operand))  # a missing number counts as 0
        return
    kind = next(iter(current))
    operand_kind = next(iter(operand))
    if kind == "N" and operand_kind == "N":
        result = {"N": decimal_add(current["N"], operand["N"])}
    elif kind == operand_kind and kind in _SET_TYPES:
        members = list(current[kind])
        present = set(members)
        members.extend(m for m in operand[kind] if m not in present)
        result = {kind: members}
    else:
        raise ValidationException(WRONG_TYPE)
    _put(item, parent, path, result)


def _delete(item: Item, path: ResolvedPath, operand: Value) -> bool:
    """Remove set members; True if none are left (the attribute is then removed)."""
    parent, current = _current(item, path)
    if current is None:
        return False
    kind = next(iter(current))
    if kind != next(iter(operand)):
        raise ValidationException(WRONG_TYPE)
    removed = set(operand[kind])
    remaining = [m for m in current[kind] if m not in removed]
    if not remaining:
        return True
    _put(item, parent, path, {kind: remaining})
    return False


def _remove(item: Item, path: ResolvedPath, original: Item, exists: bool) -> None:
    last = path[-1]
    if len(path) == 1:
        item.pop(last, None)  # type: ignore[arg-type]
        return
    try:
        parent = _parent(item, path)
    except ValidationException:
        if not exists:
            return
        raise
    if isinstance(last, str):
        parent["M"].pop(last, None)
        return
    elements = parent["L"]
    before = make_getter(path[:-1])(original)
    original_length = len(before["L"]) if before is not None and "L" in before else 0
    if last < len(elements) and last < original_length:
        del elements[last]
