"""Key conditions for global indexes whose keys span several attributes (multi-attribute keys).

Every partition-key attribute takes an equality; the sort-key attributes are matched left to
right: equalities on a leading run of them, then at most one other condition (<, <=, >, >=,
BETWEEN, begins_with) on the next attribute. No attribute may be skipped.
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
    used = [name for name, _ in sort_attrs if name in by_name]
    expected = [name for name, _ in sort_attrs[: len(used)]]
    if used != expected:
        skipped = next(name for name in expected if name not in used)
        raise ValidationException(f"Query condition missed key schema element: {skipped}")
    prefix: list[Value] = []
    operator = None
    sort_values: tuple[Value, ...] = ()
    for position, name in enumerate(used):
        leaf = by_name[name]
        last = position == len(used) - 1
        if leaf.op == "=" and not last:
            prefix.append(leaf.values[0])
        elif last:
            if leaf.op == "=":
                prefix.append(leaf.values[0])
            else:
                operator, sort_values = leaf.op, leaf.values
        else:
            raise ValidationException("Query key condition not supported")
    return MultiKeyCondition(tuple(partition_values), tuple(prefix), operator, sort_values)
