"""Key conditions for global indexes whose keys span several attributes (multi-attribute keys).

Every partition-key attribute takes an equality; the sort-key attributes are matched left to
right: equalities on a leading run of them, then at most one other condition (<, <=, >, >=,
BETWEEN, begins_with) on the next attribute. No attribute may be skipped: every RANGE
attribute before the last one named needs an equality.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.errors import ValidationException
from engine.expressions import ExpressionContext, compile_condition
from engine.expressions.evaluate import _key_shape, _KeyLeaf

Value = dict[str, Any]


@dataclass(frozen=True)
class MultiKeyCondition:
    partition_values: tuple[Value, ...]
    equal_prefix: tuple[Value, ...]
    sort_operator: str | None
    sort_values: tuple[Value, ...]


def compile_multi_key_condition(
    text: str,
    ctx: ExpressionContext,
    partition_attrs: list[tuple[str, str]],
    sort_attrs: list[tuple[str, str]],
) -> MultiKeyCondition:
    """Compile a KeyConditionExpression against a multi-attribute index key. O(len(text))."""
    condition = compile_condition(text, ctx, "KeyConditionExpression")
    leaves: list[_KeyLeaf] = []
    _key_shape(condition.tree, leaves)
    by_name = {leaf.key: leaf for leaf in leaves}
    types = dict(partition_attrs + sort_attrs)
    for leaf in leaves:
        if leaf.key not in types:
            missing = next(
                (name for name, _ in partition_attrs + sort_attrs if name not in by_name),
                partition_attrs[0][0],
            )
            raise ValidationException(f"Query condition missed key schema element: {missing}")
        for value in leaf.values:
            if next(iter(value)) != types[leaf.key]:
                raise ValidationException(
                    "One or more parameter values were invalid: Condition parameter type does "
                    "not match schema type"
                )
    partition_values = []
    for name, _ in partition_attrs:
        leaf = by_name.get(name)
        if leaf is None:
            raise ValidationException(f"Query condition missed key schema element: {name}")
        if leaf.op != "=":
            raise ValidationException("Query key condition not supported")
        partition_values.append(leaf.values[0])
    names = [name for name, _ in sort_attrs]
    # Every RANGE attribute before one the condition names needs an equality: the service
    # names the first that lacks one and the later attribute that required it.
    for later, name in enumerate(names):
        if name not in by_name:
            continue
        for prior in names[:later]:
            if prior not in by_name or by_name[prior].op != "=":
                raise ValidationException(
                    f"RANGE key attributes {prior} must have equality conditions specified in "
                    f"the query because a condition is present on key attribute {name}"
                )
    used = [name for name in names if name in by_name]
    prefix: list[Value] = [by_name[name].values[0] for name in used[:-1]]
    operator = None
    sort_values: tuple[Value, ...] = ()
    if used:
        last = by_name[used[-1]]
        if last.op == "=":
            prefix.append(last.values[0])
        else:
            operator, sort_values = last.op, last.values
    return MultiKeyCondition(tuple(partition_values), tuple(prefix), operator, sort_values)
