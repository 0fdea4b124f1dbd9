"""Property tests: conditions and updates against small reference models over Python values.

Model values are tagged tuples: ("S", str), ("N", Decimal), ("B", bytes), ("BOOL", bool),
("NULL", True), ("SS"/"NS"/"BS", frozenset), ("L", tuple of model values), ("M", dict).
The reference evaluators below are written from the developer guide, independently of the
engine's code; only the conversion to the wire form goes through ``validate_value``.
"""

from __future__ import annotations

import base64
import copy
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.errors import ValidationException
from engine.expressions import ExpressionContext, compile_condition, compile_update
from engine.values import validate_value

SETTINGS = settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# --------------------------------------------------------------------------- model values

strings = st.text(alphabet="ab", max_size=3)
numbers = st.sampled_from(["-3", "-1.5", "0", "0.5", "1", "2", "2.50", "3", "10"]).map(Decimal)
binaries = st.lists(st.sampled_from([b"\x00", b"\x7f", b"\x80", b"\xff"]), max_size=2).map(b"".join)

scalar_values = st.one_of(
    strings.map(lambda s: ("S", s)),
    numbers.map(lambda n: ("N", n)),
    binaries.map(lambda b: ("B", b)),
    st.booleans().map(lambda b: ("BOOL", b)),
    st.just(("NULL", True)),
)
orderable_values = st.one_of(
    strings.map(lambda s: ("S", s)),
    numbers.map(lambda n: ("N", n)),
    binaries.map(lambda b: ("B", b)),
)
set_values = st.one_of(
    st.frozensets(strings, min_size=1, max_size=3).map(lambda s: ("SS", s)),
    st.frozensets(numbers, min_size=1, max_size=3).map(lambda s: ("NS", s)),
    st.frozensets(binaries, min_size=1, max_size=3).map(lambda s: ("BS", s)),
)
values = st.recursive(
    st.one_of(scalar_values, set_values),
    lambda inner: st.one_of(
        st.lists(inner, max_size=3).map(lambda xs: ("L", tuple(xs))),
        st.dictionaries(st.sampled_from(["x", "y"]), inner, max_size=2).map(lambda d: ("M", d)),
    ),
    max_leaves=6,
)
NAMES = ["a", "b", "c", "d"]
items = st.dictionaries(st.sampled_from(NAMES), values, max_size=4)


def number_text(n: Decimal) -> str:
    return str(n)


def to_wire(value) -> dict:
    """Model value -> canonical wire value (canonicalised by the engine's validator)."""
    kind, data = value
    if kind == "S":
        raw = {"S": data}
    elif kind == "N":
        raw = {"N": number_text(data)}
    elif kind == "B":
        raw = {"B": base64.b64encode(data).decode()}
    elif kind in ("BOOL", "NULL"):
        raw = {kind: data}
    elif kind == "SS":
        raw = {"SS": sorted(data)}
    elif kind == "NS":
        raw = {"NS": [number_text(n) for n in sorted(data)]}
    elif kind == "BS":
        raw = {"BS": [base64.b64encode(b).decode() for b in sorted(data)]}
    elif kind == "L":
        return {"L": [to_wire(v) for v in data]}
    else:
        return {"M": {k: to_wire(v) for k, v in data.items()}}
    return validate_value(raw)


def from_wire(value: dict):
    """Wire value -> model value (sets become frozensets, numbers Decimals)."""
    kind, data = next(iter(value.items()))
    if kind == "S" or kind in ("BOOL", "NULL"):
        return (kind, data)
    if kind == "N":
        return ("N", Decimal(data))
    if kind == "B":
        return ("B", base64.b64decode(data))
    if kind == "SS":
        return ("SS", frozenset(data))
    if kind == "NS":
        return ("NS", frozenset(Decimal(n) for n in data))
    if kind == "BS":
        return ("BS", frozenset(base64.b64decode(b) for b in data))
    if kind == "L":
        return ("L", tuple(from_wire(v) for v in data))
    return ("M", {k: from_wire(v) for k, v in data.items()})


def wire_item(item: dict) -> dict:
    return {name: to_wire(value) for name, value in item.items()}


def model_item(item: dict) -> dict:
    return {name: from_wire(value) for name, value in item.items()}


# --------------------------------------------------------------------------- reference semantics


def ref_equal(a, b) -> bool:
    if a is None or b is None or a[0] != b[0]:
        return False
    kind = a[0]
    if kind == "L":
        return len(a[1]) == len(b[1]) and all(
            ref_equal(x, y) for x, y in zip(a[1], b[1], strict=True)
        )
    if kind == "M":
        return a[1].keys() == b[1].keys() and all(ref_equal(a[1][k], b[1][k]) for k in a[1])
    return a[1] == b[1]


def ref_order(a, b):
    """-1/0/1 for two values of one orderable type, else None."""
    if a is None or b is None or a[0] != b[0] or a[0] not in ("S", "N", "B"):
        return None
    if a[0] == "S":  # the service orders strings by UTF-8 bytes
        x, y = a[1].encode(), b[1].encode()
    else:
        x, y = a[1], b[1]
    return (x > y) - (x < y)


def ref_size(value):
    if value is None:
        return None
    kind, data = value
    if kind == "S":
        return ("N", Decimal(len(data.encode())))
    if kind in ("B", "SS", "NS", "BS", "L", "M"):
        return ("N", Decimal(len(data)))
    return None


def ref_get(item: dict, path: tuple):
    value = item.get(path[0])
    for step in path[1:]:
        if value is None:
            return None
        if isinstance(step, str):
            value = value[1].get(step) if value[0] == "M" else None
        else:
            value = value[1][step] if value[0] == "L" and step < len(value[1]) else None
    return value


COMPARE = {
    "=": lambda a, b: ref_equal(a, b),
    "<>": lambda a, b: not ref_equal(a, b),
    "<": lambda a, b: ref_order(a, b) == -1,
    "<=": lambda a, b: ref_order(a, b) in (-1, 0),
    ">": lambda a, b: ref_order(a, b) == 1,
    ">=": lambda a, b: ref_order(a, b) in (0, 1),
}


def ref_contains(value, operand) -> bool:
    if value is None or operand is None:
        return False
    kind, data = value
    if kind == "S":
        return operand[0] == "S" and operand[1] in data
    if kind == "B":
        return operand[0] == "B" and operand[1] in data
    if kind in ("SS", "NS", "BS"):
        return operand[0] == kind[0] and operand[1] in data
    if kind == "L":
        return any(ref_equal(element, operand) for element in data)
    return False


def ref_begins_with(value, prefix) -> bool:
    if value is None or prefix is None or value[0] != prefix[0] or value[0] not in ("S", "B"):
        return False
    return value[1].startswith(prefix[1])


# --------------------------------------------------------------------------- random conditions

PATHS = [("a",), ("b",), ("c",), ("d",), ("a", "x"), ("a", 0), ("b", "y"), ("c", 1), ("d", 0, "x")]


def render_path(path: tuple) -> str:
    text = path[0]
    for step in path[1:]:
        text += f".{step}" if isinstance(step, str) else f"[{step}]"
    return text


class Builder:
    """Collects constants as placeholders while a condition is rendered."""

    def __init__(self) -> None:
        self.values: dict[str, dict] = {}

    def constant(self, value) -> str:
        name = f":v{len(self.values)}"
        self.values[name] = to_wire(value)
        return name


paths = st.sampled_from(PATHS)


@st.composite
def operands(draw):
    """(rendered text builder, model function of item)."""
    kind = draw(st.sampled_from(["path", "path", "size"]))
    path = draw(paths)
    if kind == "path":
        return (lambda b, p=path: render_path(p)), (lambda item, p=path: ref_get(item, p)), path
    return (
        (lambda b, p=path: f"size({render_path(p)})"),
        (lambda item, p=path: ref_size(ref_get(item, p))),
        None,
    )


@st.composite
def comparisons(draw):
    op = draw(st.sampled_from(list(COMPARE)))
    left_text, left_value, left_path = draw(operands())
    if draw(st.booleans()):
        right_path = draw(paths.filter(lambda p: p != left_path))
        right_text = lambda b, p=right_path: render_path(p)  # noqa: E731
        right_value = lambda item, p=right_path: ref_get(item, p)  # noqa: E731
    else:
        constant = draw(orderable_values if op not in ("=", "<>") else values)
        right_text = lambda b, c=constant: b.constant(c)  # noqa: E731
        right_value = lambda item, c=constant: c  # noqa: E731
    compare = COMPARE[op]
    if draw(st.booleans()):  # write it the other way round: right op left
        return (
            lambda b: f"{right_text(b)} {op} {left_text(b)}",
            lambda item: compare(right_value(item), left_value(item)),
        )
    return (
        lambda b: f"{left_text(b)} {op} {right_text(b)}",
        lambda item: compare(left_value(item), right_value(item)),
    )


@st.composite
def betweens(draw):
    path = draw(paths)
    kind = draw(st.sampled_from(["S", "N", "B"]))
    pick = {"S": strings, "N": numbers, "B": binaries}[kind]
    low, high = sorted([draw(pick), draw(pick)], key=lambda v: v.encode() if kind == "S" else v)
    low, high = (kind, low), (kind, high)

    def model(item):
        value = ref_get(item, path)
        return ref_order(value, low) in (0, 1) and ref_order(value, high) in (-1, 0)

    return (
        lambda b: f"{render_path(path)} BETWEEN {b.constant(low)} AND {b.constant(high)}",
        model,
    )


@st.composite
def ins(draw):
    path = draw(paths)
    candidates = draw(st.lists(values, min_size=1, max_size=4))

    def text(b):
        return f"{render_path(path)} IN ({', '.join(b.constant(c) for c in candidates)})"

    return text, lambda item: any(ref_equal(ref_get(item, path), c) for c in candidates)


@st.composite
def functions(draw):
    name = draw(
        st.sampled_from(
            [
                "attribute_exists",
                "attribute_not_exists",
                "attribute_type",
                "begins_with",
                "contains",
            ]
        )
    )
    path = draw(paths)
    shown = render_path(path)
    if name == "attribute_exists":
        return (
            lambda b: f"attribute_exists({shown})",
            lambda item: ref_get(item, path) is not None,
        )
    if name == "attribute_not_exists":
        return (
            lambda b: f"attribute_not_exists({shown})",
            lambda item: ref_get(item, path) is None,
        )
    if name == "attribute_type":
        kind = draw(st.sampled_from(["S", "SS", "N", "NS", "B", "BS", "BOOL", "NULL", "L", "M"]))
        return (
            lambda b: f"attribute_type({shown}, {b.constant(('S', kind))})",
            lambda item: (ref_get(item, path) or (None,))[0] == kind,
        )
    if name == "begins_with":
        prefix = draw(st.one_of(strings.map(lambda s: ("S", s)), binaries.map(lambda x: ("B", x))))
        return (
            lambda b: f"begins_with({shown}, {b.constant(prefix)})",
            lambda item: ref_begins_with(ref_get(item, path), prefix),
        )
    operand = draw(values)
    return (
        lambda b: f"contains({shown}, {b.constant(operand)})",
        lambda item: ref_contains(ref_get(item, path), operand),
    )


def combine(children):
    def negate(child):
        text, model = child
        return (lambda b: f"NOT ({text(b)})", lambda item: not model(item))

    def both(pair):
        (lt, lm), (rt, rm) = pair
        return (lambda b: f"({lt(b)}) AND ({rt(b)})", lambda item: lm(item) and rm(item))

    def either(pair):
        (lt, lm), (rt, rm) = pair
        return (lambda b: f"({lt(b)}) OR ({rt(b)})", lambda item: lm(item) or rm(item))

    return st.one_of(
        children.map(negate),
        st.tuples(children, children).map(both),
        st.tuples(children, children).map(either),
    )


conditions = st.recursive(
    st.one_of(comparisons(), betweens(), ins(), functions()), combine, max_leaves=5
)


@SETTINGS
@given(condition=conditions, samples=st.lists(items, min_size=1, max_size=6))
def test_conditions_agree_with_the_reference_evaluator(condition, samples):
    render, model = condition
    builder = Builder()
    text = render(builder)
    compiled = compile_condition(text, ExpressionContext(None, builder.values or None), "Filter")
    for sample in samples:
        wire = wire_item(sample)
        assert compiled.evaluate(wire) is model(model_item(wire)), (text, builder.values, wire)


def test_unparenthesised_logic_follows_the_documented_precedence():
    item = wire_item({"a": ("N", Decimal(1)), "b": ("N", Decimal(2))})
    values = {":1": to_wire(("N", Decimal(1))), ":2": to_wire(("N", Decimal(2)))}
    truth = {"T": "a = :1", "F": "b = :1"}
    for x in "TF":
        for y in "TF":
            for z in "TF":
                text = f"{truth[x]} OR NOT {truth[y]} AND {truth[z]}"
                expected = (x == "T") or ((y == "F") and (z == "T"))
                ctx = ExpressionContext(None, values)
                compiled = compile_condition(text, ctx, "ConditionExpression")
                assert compiled.evaluate(item) is expected, text


# --------------------------------------------------------------------------- random updates

MISSING = "The provided expression refers to an attribute that does not exist in the item"
WRONG = "An operand in the update expression has an incorrect data type"
INVALID = "The document path provided in the update expression is invalid for update"

number_values = numbers.map(lambda n: ("N", n))
update_items = st.dictionaries(
    st.sampled_from(NAMES + ["l"]),
    st.one_of(number_values, strings.map(lambda s: ("S", s)), set_values, st.just(("L", ()))),
    max_size=5,
)


@st.composite
def top_level_actions(draw, target):
    """(clause, text builder, model step); model step: (old, new) -> error message or None."""
    kind = draw(
        st.sampled_from(
            ["set", "plus", "minus", "if_not_exists", "append", "remove", "add", "delete"]
        )
    )
    source = draw(st.sampled_from(NAMES + ["l"]))
    if kind == "set":
        constant = draw(values)

        def step(old, new):
            new[target] = constant

        return "SET", lambda b: f"{target} = {b.constant(constant)}", step
    if kind in ("plus", "minus"):
        constant = draw(number_values)
        op = "+" if kind == "plus" else "-"

        def step(old, new):
            current = old.get(source)
            if current is None:
                return MISSING
            if current[0] != "N":
                return WRONG
            total = current[1] + constant[1] if op == "+" else current[1] - constant[1]
            new[target] = ("N", total)

        return "SET", lambda b: f"{target} = {source} {op} {b.constant(constant)}", step
    if kind == "if_not_exists":
        constant = draw(values)

        def step(old, new):
            new[target] = old.get(source, constant)

        return "SET", lambda b: f"{target} = if_not_exists({source}, {b.constant(constant)})", step
    if kind == "append":
        constant = ("L", tuple(draw(st.lists(scalar_values, max_size=2))))

        def step(old, new):
            current = old.get(source)
            if current is None:
                return MISSING
            if current[0] != "L":
                return WRONG
            new[target] = ("L", current[1] + constant[1])

        return "SET", lambda b: f"{target} = list_append({source}, {b.constant(constant)})", step
    if kind == "remove":

        def step(old, new):
            new.pop(target, None)

        return "REMOVE", lambda b: target, step
    if kind == "add":
        constant = draw(st.one_of(number_values, set_values))

        def step(old, new):
            current = old.get(target)
            if current is None:
                new[target] = constant
            elif current[0] == constant[0] == "N":
                new[target] = ("N", current[1] + constant[1])
            elif current[0] == constant[0] and current[0] in ("SS", "NS", "BS"):
                new[target] = (current[0], current[1] | constant[1])
            else:
                return WRONG

        return "ADD", lambda b: f"{target} {b.constant(constant)}", step
    constant = draw(set_values)

    def step(old, new):
        current = old.get(target)
        if current is None:
            return None
        if current[0] != constant[0]:
            return WRONG
        remaining = current[1] - constant[1]
        if remaining:
            new[target] = (current[0], remaining)
        else:
            del new[target]

    return "DELETE", lambda b: f"{target} {b.constant(constant)}", step


@st.composite
def list_actions(draw):
    """Several SET l[i] / REMOVE l[i] on distinct indexes of the list attribute ``l``."""
    indexes = draw(st.lists(st.integers(0, 5), min_size=1, max_size=3, unique=True))
    actions = []
    for index in indexes:
        if draw(st.booleans()):
            constant = draw(number_values)
            actions.append(("SET", index, constant))
        else:
            actions.append(("REMOVE", index, None))

    def step(old, new):
        current = old.get("l")
        if current is None or current[0] != "L":
            return INVALID  # the item exists, so a missing or non-list parent is an error
        elements = list(current[1])
        for kind, index, constant in sorted(actions, key=lambda a: a[1]):
            if kind == "SET":
                if index < len(elements):
                    elements[index] = constant
                else:
                    elements.append(constant)
        original = len(current[1])
        for kind, index, _ in sorted(actions, key=lambda a: -a[1]):
            if kind == "REMOVE" and index < original:
                del elements[index]
        new["l"] = ("L", tuple(elements))

    clauses = []
    for kind, index, constant in actions:
        if kind == "SET":
            clauses.append(("SET", lambda b, i=index, c=constant: f"l[{i}] = {b.constant(c)}"))
        else:
            clauses.append(("REMOVE", lambda b, i=index: f"l[{i}]"))
    return clauses, step


@st.composite
def update_steps(draw):
    targets = draw(st.lists(st.sampled_from(NAMES), min_size=1, max_size=3, unique=True))
    parts = [draw(top_level_actions(target)) for target in targets]
    clauses = [(clause, render) for clause, render, _ in parts]
    steps = [step for _, _, step in parts]
    if draw(st.booleans()):
        list_clauses, list_step = draw(list_actions())
        clauses.extend(list_clauses)
        steps.append(list_step)
    return clauses, steps


def render_update(clauses, builder: Builder) -> str:
    sections: dict[str, list[str]] = {}
    for clause, render in clauses:
        sections.setdefault(clause, []).append(render(builder))
    return " ".join(f"{clause} {', '.join(parts)}" for clause, parts in sections.items())


@SETTINGS
@given(start=update_items, sequence=st.lists(update_steps(), min_size=1, max_size=4))
def test_update_sequences_agree_with_the_reference_model(start, sequence):
    state = model_item(wire_item(start))
    wire = wire_item(start)
    for clauses, steps in sequence:
        builder = Builder()
        text = render_update(clauses, builder)
        update = compile_update(text, ExpressionContext(None, builder.values or None))
        expected = dict(state)
        errors = [message for step in steps if (message := step(state, expected)) is not None]
        before = copy.deepcopy(wire)
        try:
            result, names = update.apply(wire)
        except ValidationException as error:
            assert errors, (text, error.message, state)
            assert error.message in errors, (text, error.message, errors)
            assert wire == before
            continue
        assert not errors, (text, errors, state)
        assert wire == before, "apply changed its input"
        assert model_item(result) == expected, (text, state)
        assert names == {name for name in update.updated_names}
        state, wire = expected, result
