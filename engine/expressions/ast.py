"""The expression syntax tree: plain frozen dataclasses, children in the order they are written."""

from __future__ import annotations

from dataclasses import dataclass

# --------------------------------------------------------------------------- document paths


@dataclass(frozen=True, slots=True)
class Name:
    """A bare attribute name written in the expression (``Price``)."""

    name: str
    pos: int


@dataclass(frozen=True, slots=True)
class NameRef:
    """An ExpressionAttributeNames placeholder (``#p``), resolved against the request."""

    ref: str
    pos: int


@dataclass(frozen=True, slots=True)
class Index:
    """A list index (``[3]``)."""

    index: int
    pos: int


PathElement = Name | NameRef | Index


@dataclass(frozen=True, slots=True)
class Path:
    """A document path: a name or placeholder, then ``.member`` and ``[index]`` steps.

    ``group`` keeps the parenthesised prefix of a path written ``(a.b).c`` (condition grammar
    only) so that redundant parentheses inside it can still be reported.
    """

    elements: tuple[PathElement, ...]
    pos: int
    group: Parens | None = None


# --------------------------------------------------------------------------- operands


@dataclass(frozen=True, slots=True)
class ValueRef:
    """An ExpressionAttributeValues placeholder (``:v``)."""

    ref: str
    pos: int


@dataclass(frozen=True, slots=True)
class FunctionCall:
    """``name(arg, ...)``: a condition function, ``size``, or an update function."""

    name: str
    args: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class Parens:
    """A parenthesised operand or condition; kept so that ``((x))`` can be reported."""

    inner: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Arithmetic:
    """``left + right`` or ``left - right`` (update SET values only)."""

    op: str
    left: Node
    right: Node
    pos: int


# --------------------------------------------------------------------------- conditions


@dataclass(frozen=True, slots=True)
class Comparison:
    """``left op right`` with op one of ``= <> < <= > >=``."""

    op: str
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Between:
    """``operand BETWEEN lower AND upper``."""

    operand: Node
    lower: Node
    upper: Node
    pos: int


@dataclass(frozen=True, slots=True)
class In:
    """``operand IN (candidate, ...)``."""

    operand: Node
    candidates: tuple[Node, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class And:
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Or:
    left: Node
    right: Node
    pos: int


@dataclass(frozen=True, slots=True)
class Not:
    operand: Node
    pos: int


Node = (
    Path
    | ValueRef
    | FunctionCall
    | Parens
    | Arithmetic
    | Comparison
    | Between
    | In
    | And
    | Or
    | Not
)


@dataclass(frozen=True, slots=True)
class ConditionExpression:
    """A whole condition (ConditionExpression, FilterExpression or KeyConditionExpression)."""

    root: Node


# --------------------------------------------------------------------------- update expressions


@dataclass(frozen=True, slots=True)
class SetAction:
    path: Path
    value: Node


@dataclass(frozen=True, slots=True)
class RemoveAction:
    path: Path


@dataclass(frozen=True, slots=True)
class AddAction:
    path: Path
    value: ValueRef


@dataclass(frozen=True, slots=True)
class DeleteAction:
    path: Path
    value: ValueRef


Action = SetAction | RemoveAction | AddAction | DeleteAction


@dataclass(frozen=True, slots=True)
class Clause:
    """One ``SET``/``REMOVE``/``ADD``/``DELETE`` section and its comma-separated actions."""

    keyword: str
    actions: tuple[Action, ...]
    pos: int


@dataclass(frozen=True, slots=True)
class UpdateExpression:
    clauses: tuple[Clause, ...]

    @property
    def actions(self) -> tuple[Action, ...]:
        """Every action, in the order written."""
        return tuple(action for clause in self.clauses for action in clause.actions)


# --------------------------------------------------------------------------- projections


@dataclass(frozen=True, slots=True)
class ProjectionExpression:
    paths: tuple[Path, ...]
