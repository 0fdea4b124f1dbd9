"""Sort-key ranges: turn a key condition into bounds on a partition's SortedDict.

A table partition is keyed by the sort-key value; an index partition by the tuple
``(index sort value, table partition value, table sort value)`` so that items sharing an index
sort value stay distinct and ordered. ``KeyShape`` maps a condition's bounds onto either form.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sortedcontainers import SortedDict


class _Top:
    """Compares greater than anything: ``(v, TOP)`` closes a range over every ``(v, ...)``."""

    __slots__ = ()

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return other is not self

    def __le__(self, other: object) -> bool:
        return other is self

    def __ge__(self, other: object) -> bool:
        return True

    def __repr__(self) -> str:
        return "TOP"


TOP = _Top()


def prefix_end(prefix: Any) -> Any:
    """The smallest value above every value that starts with ``prefix`` (None: unbounded)."""
    if isinstance(prefix, bytes):
        stripped = prefix.rstrip(b"\xff")
        if not stripped:
            return None
        return stripped[:-1] + bytes([stripped[-1] + 1])
    stripped = prefix.rstrip("\U0010ffff")
    if not stripped:
        return None
    return stripped[:-1] + chr(ord(stripped[-1]) + 1)


def sort_bounds(operator: str | None, values: list[Any]) -> tuple[Any, bool, Any, bool]:
    """``(low, low_closed, high, high_closed)`` over sort values for a key condition."""
    low = high = None
    low_closed = high_closed = True
    if operator == "=":
        low = high = values[0]
    elif operator == "<":
        high, high_closed = values[0], False
    elif operator == "<=":
        high = values[0]
    elif operator == ">":
        low, low_closed = values[0], False
    elif operator == ">=":
        low = values[0]
    elif operator == "BETWEEN":
        low, high = values
    elif operator == "begins_with":
        # [prefix, prefix_end) holds exactly the values that start with the prefix.
        low = values[0]
        high, high_closed = prefix_end(values[0]), False
    return low, low_closed, high, high_closed


def in_bounds(value: Any, bounds: tuple[Any, bool, Any, bool]) -> bool:
    """Whether a sort value lies within ``sort_bounds`` output."""
    low, low_closed, high, high_closed = bounds
    if low is not None and (value < low or (value == low and not low_closed)):
        return False
    return high is None or value < high or (value == high and high_closed)


def iterate_range(
    partition: SortedDict,
    operator: str | None,
    values: list[Any],
    *,
    forward: bool,
    start_after: Any = None,
    composite_keys: bool = False,
) -> Iterator[Any]:
    """The partition's entries within the condition, in order, after ``start_after``.

    ``composite_keys``: the partition's keys are tuples whose first element is the sort
    value (index partitions); ``start_after`` is then a whole tuple. O(log n + k).
    """
    low, low_closed, high, high_closed = sort_bounds(operator, values)
    return iterate_bounds(
        partition,
        (low, low_closed, high, high_closed),
        forward=forward,
        start_after=start_after,
        composite_keys=composite_keys,
    )


def multi_sort_bounds(
    equal_prefix: tuple[Any, ...], operator: str | None, values: list[Any]
) -> tuple[Any, bool, Any, bool]:
    """Bounds over sort tuples (multi-attribute keys): equality on the leading attributes,
    then at most one condition on the next one."""
    prefix = tuple(equal_prefix)
    everything = (prefix, True, prefix + (TOP,), True)
    if operator is None:
        return everything
    low, low_closed, high, high_closed = sort_bounds(operator, values)
    if low is None:
        low_bound, low_closed = prefix, True
    elif low_closed:
        low_bound = prefix + (low,)
    else:
        low_bound = prefix + (low, TOP)
    if high is None:
        high_bound, high_closed = prefix + (TOP,), True
    elif high_closed:
        high_bound = prefix + (high, TOP)
    else:
        high_bound = prefix + (high,)
    return low_bound, low_closed, high_bound, high_closed


def iterate_bounds(
    partition: SortedDict,
    bounds: tuple[Any, bool, Any, bool],
    *,
    forward: bool,
    start_after: Any = None,
    composite_keys: bool = False,
) -> Iterator[Any]:
    """Entries between explicit ``(low, low_closed, high, high_closed)`` bounds. O(log n + k)."""
    low, low_closed, high, high_closed = bounds
    if composite_keys:
        # Map bounds on the first element onto tuple keys: (v,) sorts before every (v, ...),
        # (v, TOP) after every (v, ...).
        if low is not None:
            low, low_closed = ((low,), True) if low_closed else ((low, TOP), False)
        if high is not None:
            high, high_closed = ((high, TOP), True) if high_closed else ((high,), False)
    if start_after is not None:
        if forward:
            if low is None or start_after >= low:
                low, low_closed = start_after, False
        elif high is None or start_after <= high:
            high, high_closed = start_after, False
    empty = (
        low is not None
        and high is not None
        and (low > high or (low == high and not (low_closed and high_closed)))
    )
    if empty:
        return
    for key in partition.irange(low, high, (low_closed, high_closed), reverse=not forward):
        yield partition[key]
