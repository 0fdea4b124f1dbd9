"""Attribute values in the service's wire form: validation, canonical numbers, sizes, ordering.

Items are kept exactly as they travel on the wire (``{"S": "x"}``, ``{"N": "1.5"}``,
``{"B": "<base64>"}``...), with numbers in canonical form, so a read returns stored values
without conversion. Keys are ordered through :func:`key_sort_value`. Validated scalar values
are :class:`Scalar`: immutable, so a read hands them out shared instead of copying them.
"""

from __future__ import annotations

import base64
import binascii
import decimal
import re
import sys
from decimal import Decimal
from functools import lru_cache
from typing import Any

from engine.errors import SerializationException, ValidationException

Item = dict[str, dict[str, Any]]
AttributeValue = dict[str, Any]


def _refuse(self: Scalar, *args: Any, **kwargs: Any) -> Any:
    raise TypeError(
        "A stored attribute value cannot be changed in place: build a new value instead"
    )


class Scalar(dict):  # type: ignore[type-arg]
    """An S, N, B, BOOL or NULL value that cannot be changed: ``Scalar(S="x")``.

    It is a dict, equal to and encoded like the plain ``{"S": "x"}``, so every reader and
    JSON encoder treats it as the wire value it is. Because no one can change it, a read
    hands it out as is: copying an item costs one dict, not one dict per attribute (the cost
    of a Scan's returned items). Code that computes a value may still build a plain dict;
    nothing may rely on every stored scalar being a Scalar.
    """

    __slots__ = ()

    __setitem__ = __delitem__ = clear = pop = popitem = setdefault = update = __ior__ = _refuse

    def __reduce__(self) -> tuple[type[Scalar], tuple[dict[str, Any]]]:
        # Unpickling a dict subclass would otherwise refill it through __setitem__.
        return (Scalar, (dict(self),))


SCALAR_TYPES = ("S", "N", "B")
SET_TYPES = ("SS", "NS", "BS")
ALL_TYPES = ("S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS")
TYPE_NAMES = {"S": "string", "N": "number", "B": "binary"}

MAX_ITEM_SIZE = 400 * 1024
#: Levels of nesting a document may have, the top-level attribute's value counting as level 1:
#: a list or map may sit at level 31 at most, so its members (level 32) are the deepest.
MAX_NESTING_DEPTH = 32
NESTING_TOO_DEEP = (
    "Nesting Levels have exceeded supported limits: "
    "Attributes in the item have nested levels beyond supported limit"
)
#: Attribute names are 1 to 65,535 bytes of UTF-8.
MAX_NAME_BYTES = 65535

_CONTEXT = decimal.Context(prec=80, Emax=999999, Emin=-999999, traps=[decimal.InvalidOperation])
_MAX_MAGNITUDE = Decimal("9.9999999999999999999999999999999999999E+125")
_MIN_MAGNITUDE = Decimal("1E-130")
#: The number grammar the service reads (Java's BigDecimal): no surrounding spaces, no "_"
#: separators, no NaN or Infinity. The exponent is checked as written, whatever its size.
_NUMBER = re.compile(r"([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?")
_OVERFLOW = (
    "Number overflow. Attempting to store a number with magnitude larger than supported range"
)
_UNDERFLOW = (
    "Number underflow. Attempting to store a number with magnitude smaller than supported range"
)


# --------------------------------------------------------------------------- numbers
def parse_number(text: Any) -> Decimal:
    """Parse a wire number string into a Decimal within the service's range and precision.

    Raises ValidationException worded as the service words it.
    """
    if not isinstance(text, str):
        raise SerializationException(
            f"NUMBER_VALUE cannot be converted to String: {text!r}"
            if not isinstance(text, (int, float))
            else "NUMBER_VALUE cannot be converted to String"
        )
    match = _NUMBER.fullmatch(text)
    if match is None or not (match.group(2) or match.group(3)) or not text.isascii():
        raise ValidationException(f"The parameter cannot be converted to a numeric value: {text}")
    whole, fraction, exponent = match.group(2), match.group(3) or "", match.group(4)
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return Decimal(0)
    significant = digits.rstrip("0")
    if len(significant) > 38:
        raise ValidationException("Attempting to store more than 38 significant digits in a Number")
    # The power of ten of the leading digit, from the text alone: an exponent of any size
    # (1e99999999999) is an overflow or underflow, never a parse failure.
    magnitude = len(digits) - len(fraction) - 1 + (int(exponent) if exponent else 0)
    if magnitude > 125:
        raise ValidationException(_OVERFLOW)
    if magnitude < -130:
        raise ValidationException(_UNDERFLOW)
    return _CONTEXT.create_decimal(text)


def format_number(value: Decimal) -> str:
    """Canonical text of a number: no exponent, no trailing zeros, ``0`` for zero."""
    if value.is_zero():
        return "0"
    normalized = value.normalize(_CONTEXT)
    sign, digits, exponent = normalized.as_tuple()
    text = "".join(map(str, digits))
    if exponent >= 0:
        text = text + "0" * exponent
    else:
        point = len(text) + exponent
        if point > 0:
            text = text[:point] + "." + text[point:]
        else:
            text = "0." + "0" * (-point) + text
    return ("-" if sign else "") + text


#: Integers already in canonical form (no sign but "-", no leading zero, at most 38 digits
#: and within range): most numbers learners send, accepted without a Decimal round trip.
_CANONICAL_INTEGER = re.compile(r"-?[1-9][0-9]{0,37}|0")


def canonical_number(text: Any) -> str:
    """Validate a wire number and return its canonical text (``"01.50"`` -> ``"1.5"``)."""
    if type(text) is str and _CANONICAL_INTEGER.fullmatch(text) and text.isascii():
        return text
    return format_number(parse_number(text))


def number_size(text: str) -> int:
    """Bytes a stored number takes: one per two significant digits, plus one (plus one if < 0)."""
    negative = text.startswith("-")
    digits = text.lstrip("-").replace(".", "").strip("0")
    if not digits:
        return 1
    return (len(digits) + 1) // 2 + 1 + (1 if negative else 0)


def decimal_add(a: str, b: str) -> str:
    """Add two canonical numbers with the service's range checks."""
    return _checked(_CONTEXT.add(Decimal(a), Decimal(b)))


def decimal_subtract(a: str, b: str) -> str:
    """Subtract two canonical numbers with the service's range checks."""
    return _checked(_CONTEXT.subtract(Decimal(a), Decimal(b)))


def _checked(result: Decimal) -> str:
    if not result.is_zero():
        if result.copy_abs() > _MAX_MAGNITUDE:
            raise ValidationException(_OVERFLOW)
        if result.copy_abs() < _MIN_MAGNITUDE:
            raise ValidationException(_UNDERFLOW)
        if len(result.normalize(_CONTEXT).as_tuple().digits) > 38:
            raise ValidationException(_OVERFLOW)
    return format_number(result)


# --------------------------------------------------------------------------- binary
def decode_binary(text: str) -> bytes:
    """Raw bytes of a stored binary value (kept as base64 text)."""
    return base64.b64decode(text)


def _canonical_binary(value: Any) -> str:
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode("ascii")
    if not isinstance(value, str):
        raise SerializationException("Base64 encoded binary value expected")
    try:
        raw = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise SerializationException(
            f"Base64 encoded length is expected a multiple of 4 bytes but found: {len(value)}"
            if len(value) % 4
            else "Invalid Base64 encoded value"
        ) from None
    return base64.b64encode(raw).decode("ascii")


def binary_length(text: str) -> int:
    """Raw byte length of a base64 value without decoding it. O(1)."""
    if not text:
        return 0
    return len(text) * 3 // 4 - text.count("=", len(text) - 2)


# --------------------------------------------------------------------------- validation
def validate_value(value: Any, *, depth: int = 0, key_context: bool = False) -> AttributeValue:
    """Validate one wire attribute value and return it in canonical form (a new dict; a
    shared, immutable :class:`Scalar` for S, N, B, BOOL and NULL).

    ``depth`` is how many lists and maps enclose the value (0 for an attribute's own value).
    Raises ValidationException / SerializationException with the service's wording.
    """
    if type(value) is dict and len(value) == 1:
        # The common case first: one string, on every attribute of most writes.
        data = value.get("S")
        if type(data) is str:
            if not data.isascii():
                _check_unicode(data)
            return Scalar(S=data)
    if not isinstance(value, dict):
        raise SerializationException("Unexpected value type in payload")
    # The service's JSON reader skips members an AttributeValue does not define, so
    # {"X": "a"} reads as an AttributeValue with no type at all.
    present = [k for k, v in value.items() if v is not None and k in ALL_TYPES]
    if len(present) != 1:
        if not present:
            raise ValidationException(
                "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes"
            )
        raise ValidationException(
            "Supplied AttributeValue has more than one datatypes set, "
            "must contain exactly one of the supported datatypes"
        )
    kind = present[0]
    data = value[kind]
    if kind == "S":
        if not isinstance(data, str):
            raise SerializationException("STRING_VALUE can not be converted to a String")
        if not data.isascii():
            _check_unicode(data)
        return Scalar(S=data)
    if kind == "N":
        return _number_value(canonical_number(data))
    if kind == "B":
        return Scalar(B=_canonical_binary(data))
    if kind == "BOOL":
        if not isinstance(data, bool):
            raise SerializationException("BOOLEAN_VALUE can not be converted to a Boolean")
        return _TRUE if data else _FALSE
    if kind == "NULL":
        if data is not True:
            raise ValidationException(
                "One or more parameter values were invalid: Null attribute value types must have the value of true"
            )
        return _NULL
    if depth >= MAX_NESTING_DEPTH - 1:
        raise ValidationException(NESTING_TOO_DEEP)
    if kind == "L":
        if not isinstance(data, list):
            raise SerializationException("LIST_VALUE can not be converted to a List")
        return {"L": [validate_value(v, depth=depth + 1) for v in data]}
    if kind == "M":
        if not isinstance(data, dict):
            raise SerializationException("MAP_VALUE can not be converted to a Map")
        for key in data:
            if isinstance(key, str) and not key.isascii():
                _check_unicode(key)
        return {"M": {str(k): validate_value(v, depth=depth + 1) for k, v in data.items()}}
    # sets
    if not isinstance(data, list):
        raise SerializationException(f"{kind} can not be converted to a List")
    if not data:
        raise ValidationException(
            "One or more parameter values were invalid: An "
            + {"SS": "string", "NS": "number", "BS": "binary"}[kind]
            + " set  may not be empty"
        )
    if kind == "SS":
        for member in data:
            if not isinstance(member, str):
                raise SerializationException("STRING_SET_VALUE can not be converted to a String")
            if not member.isascii():
                _check_unicode(member)
        members = list(data)
        compare = members
    elif kind == "NS":
        parsed = [parse_number(m) for m in data]
        members = [format_number(p) for p in parsed]
        compare = [p.normalize(_CONTEXT) for p in parsed]
    else:
        members = [_canonical_binary(m) for m in data]
        compare = members
    if len(set(compare)) != len(compare):
        raise ValidationException(
            "One or more parameter values were invalid: Input collection "
            f"[{', '.join(str(m) for m in data)}] contains duplicates."
        )
    return {kind: members}


# Stored values are never changed in place (writes store new values; updates copy what they
# change; a Scalar refuses), so equal scalars may be one shared object: a flag, a status
# counter or a count of zero then costs an item a pointer instead of a dict of its own.
_TRUE: AttributeValue = Scalar(BOOL=True)
_FALSE: AttributeValue = Scalar(BOOL=False)
_NULL: AttributeValue = Scalar(NULL=True)


@lru_cache(maxsize=4096)
def _number_value(canonical: str) -> AttributeValue:
    """The one shared ``{"N": canonical}`` of recently seen numbers."""
    return Scalar(N=canonical)


def _check_unicode(text: str) -> None:
    """Strings must be valid Unicode: a lone surrogate cannot be stored as UTF-8."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise SerializationException(
            "Invalid UTF-8 encoding in string value: lone surrogate characters are not allowed"
        ) from None


def validate_item(item: Any, *, parameter: str = "Item") -> Item:
    """Validate a whole item (a map of names to attribute values); return it canonical."""
    if not isinstance(item, dict):
        raise SerializationException(f"Unexpected value type for {parameter}: expected a map")
    result: Item = {}
    for name, value in item.items():
        if not isinstance(name, str):
            raise SerializationException("Attribute names must be strings")
        if not name.isascii():
            _check_unicode(name)
        elif len(name) <= 64:
            # One copy of each attribute name however many items carry it: a stored item
            # would otherwise hold its own copy of every name the request's JSON spelled out.
            name = sys.intern(name)
        result[name] = validate_value(value)
        check_attribute_name(name)
    return result


def check_attribute_name(name: str) -> None:
    """Attribute names are 1 to 65,535 bytes of UTF-8 (the service checks the value first)."""
    if not name:
        raise ValidationException("Empty attribute name")
    # A UTF-8 character is at most four bytes: only long names need encoding.
    if len(name) * 4 > MAX_NAME_BYTES and len(name.encode("utf-8")) > MAX_NAME_BYTES:
        raise ValidationException("Attribute name is too large, must be less than 65536 bytes")


def check_item_depth(item: Item) -> None:
    """Refuse an item nested deeper than the service stores (an update can build one from
    values that each passed on their own). O(size of the nested attributes)."""
    for value in item.values():
        kind = next(iter(value))
        if kind in ("M", "L") and _depth(value) >= MAX_NESTING_DEPTH:
            raise ValidationException(NESTING_TOO_DEEP)


def _depth(value: AttributeValue) -> int:
    """How many lists and maps are nested in a value, itself included (0 for a scalar)."""
    kind, data = next(iter(value.items()))
    if kind == "M":
        return 1 + max((_depth(v) for v in data.values()), default=0)
    if kind == "L":
        return 1 + max((_depth(v) for v in data), default=0)
    return 0


def value_type(value: AttributeValue) -> str:
    """The type descriptor of a (validated) value: ``"S"``, ``"N"``, ..."""
    return next(iter(value))


# --------------------------------------------------------------------------- sizes
def value_size(value: AttributeValue) -> int:
    """Bytes a value takes under the service's rules (without its attribute name)."""
    data = value.get("S")
    if data is not None:
        return len(data) if data.isascii() else len(data.encode("utf-8"))
    kind, data = next(iter(value.items()))
    if kind == "S":
        return len(data.encode("utf-8")) if not data.isascii() else len(data)
    if kind == "N":
        return number_size(data)
    if kind == "B":
        return binary_length(data)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "L":
        return 3 + sum(1 + value_size(v) for v in data)
    if kind == "M":
        return 3 + sum(1 + _name_size(k) + value_size(v) for k, v in data.items())
    if kind == "SS":
        return sum(_name_size(m) for m in data)
    if kind == "NS":
        return sum(number_size(m) for m in data)
    return sum(binary_length(m) for m in data)  # BS


def _name_size(name: str) -> int:
    return len(name) if name.isascii() else len(name.encode("utf-8"))


def item_size(item: Item) -> int:
    """Bytes an item takes: the sum of its attribute names and values. O(size of item)."""
    total = 0
    for name, value in item.items():
        total += _name_size(name) + value_size(value)
    return total


# --------------------------------------------------------------------------- ordering
def key_sort_value(value: AttributeValue) -> Any:
    """A Python value whose order is the service's key order for an S, N or B value.

    Numbers order by value, strings by UTF-8 bytes (the same as code-point order),
    binaries by unsigned bytes.
    """
    if "S" in value:
        return value["S"]
    if "N" in value:
        return Decimal(value["N"])
    return decode_binary(value["B"])


def compare_scalars(a: AttributeValue, b: AttributeValue) -> int | None:
    """Order two values for <, <=, >, >=: -1, 0 or 1, or None when they cannot be compared."""
    kind_a = next(iter(a))
    kind_b = next(iter(b))
    if kind_a != kind_b or kind_a not in SCALAR_TYPES:
        return None
    left = key_sort_value(a)
    right = key_sort_value(b)
    return (left > right) - (left < right)


def values_equal(a: AttributeValue, b: AttributeValue) -> bool:
    """Equality as conditions see it: same type and same value; sets ignore order."""
    kind_a, data_a = next(iter(a.items()))
    kind_b, data_b = next(iter(b.items()))
    if kind_a != kind_b:
        return False
    if kind_a == "N":
        return Decimal(data_a) == Decimal(data_b)
    if kind_a == "NS":
        return {Decimal(x) for x in data_a} == {Decimal(x) for x in data_b}
    if kind_a in ("SS", "BS"):
        return set(data_a) == set(data_b)
    if kind_a == "L":
        return len(data_a) == len(data_b) and all(
            values_equal(x, y) for x, y in zip(data_a, data_b, strict=True)
        )
    if kind_a == "M":
        return data_a.keys() == data_b.keys() and all(
            values_equal(data_a[k], data_b[k]) for k in data_a
        )
    return data_a == data_b


def copy_value(value: AttributeValue) -> AttributeValue:
    """A deep copy of a value (items are handed out as copies so callers cannot alias them);
    a :class:`Scalar`, which no one can change, is returned as is, also inside lists and maps."""
    if value.__class__ is Scalar:
        return value
    kind, data = next(iter(value.items()))
    if kind == "L":
        return {"L": [copy_value(v) for v in data]}
    if kind == "M":
        return {"M": {k: copy_value(v) for k, v in data.items()}}
    if kind in SET_TYPES:
        return {kind: list(data)}
    return {kind: data}


def copy_item(item: Item, _scalar: type = Scalar) -> Item:
    """A copy of an item that shares nothing a caller could change. O(attributes + size of
    the values that are not Scalars); an item of Scalars is one C-level dict copy and a
    loop, the cost of every item a read returns. (Copying the dict and then replacing the few other values measured
    faster than a comprehension testing each value.)"""
    result = item.copy()
    for name, value in item.items():
        if value.__class__ is not _scalar:
            result[name] = copy_value(value)
    return result


def freeze_value(value: AttributeValue) -> AttributeValue:
    """``value`` with its scalars made :class:`Scalar` (numbers shared like validated ones),
    for values read back from a dump. O(size)."""
    if value.__class__ is Scalar:
        return value
    kind, data = next(iter(value.items()))
    if kind == "L":
        return {"L": [freeze_value(v) for v in data]}
    if kind == "M":
        return {"M": {k: freeze_value(v) for k, v in data.items()}}
    if kind in SET_TYPES:
        return {kind: list(data)}
    if kind == "N":
        return _number_value(data)
    if kind == "BOOL":
        return _TRUE if data else _FALSE
    if kind == "NULL":
        return _NULL
    return Scalar({kind: data})


def freeze_item(item: Item) -> Item:
    """``item`` with its attribute names interned and its scalars made :class:`Scalar`, as a
    validated write would store it. O(size)."""
    return {
        sys.intern(name) if len(name) <= 64 else name: freeze_value(value)
        for name, value in item.items()
    }
