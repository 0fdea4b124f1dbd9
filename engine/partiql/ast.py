"""The PartiQL syntax tree: frozen dataclasses, literals already converted to typed values.

Every node that an error message may point at keeps ``at``, the ``line:column:length`` of its
token. Parameters stay ``Param`` nodes until translation binds them to the request's values.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

AttributeValue = dict[str, Any]

# --------------------------------------------------------------------------- operands


@dataclass(frozen=True, slots=True)
class Path:
    """An attribute and its ``.member`` and ``[index]`` steps: ``a.b[2]``."""

    name: str
    steps: tuple[str | int, ...]
    at: str

    @property
    def elements(self) -> tuple[str | int, ...]:
        return (self.name, *self.steps)


@dataclass(frozen=True, slots=True)
class Value:
    """A literal, already in the service's typed form (``{"N": "1.5"}``)."""

    value: AttributeValue
    at: str


@dataclass(frozen=True, slots=True)
class Param:
    """The ``index``-th ``?`` of the statement (from 0)."""

    index: int
    at: str


@dataclass(frozen=True, slots=True)
class Missing:
    """The ``MISSING`` literal: only ``x IS [NOT] MISSING`` can use it."""

    at: str


@dataclass(frozen=True, slots=True)
class Call:
    """A function call; ``name`` is lower-case (function names ignore case)."""

    name: str
    args: tuple[Node, ...]
    at: str


@dataclass(frozen=True, slots=True)
class Arith:
    """``left + right`` or ``left - right``."""

    op: str
    left: Node
    right: Node
    at: str


@dataclass(frozen=True, slots=True)
class ItemLiteral:
    """INSERT's ``{'name': value, ...}``: its values may be parameters, nested ones may not."""

    entries: tuple[tuple[str, Node], ...]
    at: str


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class Compare:
    """``left op right``; ``!=`` is read as ``<>``."""

    op: str
    left: Node
    right: Node
    at: str


@dataclass(frozen=True, slots=True)
class Between:
    operand: Node
    low: Node
    high: Node
    at: str


@dataclass(frozen=True, slots=True)
class In:
    """``operand IN [a, b]`` (or ``IN (a, b)``)."""

    operand: Node
    items: tuple[Node, ...]
    at: str


@dataclass(frozen=True, slots=True)
class Is:
    """``operand IS [NOT] type``: ``type`` upper-case (MISSING, NULL, STRING, ...)."""

    operand: Node
    type_name: str
    negated: bool
    at: str


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node


Node = (
    Path
    | Value
    | Param
    | Missing
    | Call
    | Arith
    | ItemLiteral
    | Compare
    | Between
    | In
    | Is
    | And
    | Or
    | Not
)

CONDITIONS = (Compare, Between, In, Is, And, Or, Not)


# --------------------------------------------------------------------------- statements


@dataclass(frozen=True, slots=True)
class Source:
    """``"Table"`` or ``"Table"."Index"``."""

    table: str
    index: str | None


@dataclass(frozen=True, slots=True)
class OrderKey:
    name: str
    descending: bool | None  # None: no ASC or DESC written
    at: str


@dataclass(frozen=True, slots=True)
class Select:
    #: None for ``SELECT *``.
    projection: tuple[Path, ...] | None
    source: Source
    where: Node | None
    order_by: tuple[OrderKey, ...]


@dataclass(frozen=True, slots=True)
class Insert:
    source: Source
    #: An ItemLiteral, or a Param holding a map.
    item: Node
    at: str


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: Node


@dataclass(frozen=True, slots=True)
class RemoveAction:
    path: Path


@dataclass(frozen=True, slots=True)
class Update:
    source: Source
    actions: tuple[SetAction | RemoveAction, ...]
    where: Node | None
    #: "ALL OLD", "MODIFIED OLD", "ALL NEW", "MODIFIED NEW" or None.
    returning: str | None


@dataclass(frozen=True, slots=True)
class Delete:
    source: Source
    where: Node | None
    returning: str | None


@dataclass(frozen=True, slots=True)
class Exists:
    """``EXISTS(SELECT ...)``: a condition check, only in ExecuteTransaction."""

    select: Select


Statement = Select | Insert | Update | Delete | Exists


@dataclass(frozen=True, slots=True)
class Parsed:
    statement: Statement
    #: How many ``?`` the statement holds.
    parameter_count: int
