"""Placeholders in a lesson's requests: values that only the learner's sandbox knows.

Some requests cannot be written out in full in a lesson: an item that expires "in ten minutes"
needs the sandbox's clock, a stream trigger needs the stream's ARN (which holds the moment the
stream was enabled), a restore needs a backup's ARN or a second of the recovery window. A
request may write such a value as a placeholder inside any JSON string; it is filled in from
the learner's sandbox at the moment the request runs (and from the scratch sandbox when
``check_lessons`` rehearses it):

``{{now}}``, ``{{now+600}}``, ``{{now-3600}}``
    the sandbox's simulated time, in whole epoch seconds, plus or minus a number of seconds;
``{{stream-arn Games}}``
    the ARN of table Games's stream (its LatestStreamArn);
``{{backup-arn Accounts nightly}}``
    the ARN of the newest backup of table Accounts named ``nightly``;
``{{earliest-restorable Accounts}}``, ``{{latest-restorable Accounts}}``
    the first and last second point-in-time recovery can restore Accounts to.

Times are numbers: a string that is nothing but a time placeholder becomes a JSON number
(``"RestoreDateTime": "{{now-600}}"``), except where DynamoDB JSON writes numbers as text, the
value of ``"N"`` and the elements of ``"NS"`` (``{"N": "{{now+600}}"}``). A placeholder inside a
longer string is replaced by its text.

Resolving reads the sandbox through its inspection view (uncharged, unrecorded); a placeholder
the sandbox cannot fill (a table without a stream) raises the service's
``ResourceNotFoundException`` with a message that says what to do first.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dynalab.sandboxes.errors import ResourceNotFoundException

if TYPE_CHECKING:  # the selectors load Django models: not needed to parse a lesson
    from dynalab.sandboxes.selectors import Inspector

#: ``{{name}}`` or ``{{name arguments}}``; ``now`` may carry ``+N`` or ``-N`` (seconds).
PLACEHOLDER = re.compile(r"\{\{\s*([a-z][a-z-]*)([+-]\d+)?((?:\s+[^\s{}]+)*)\s*\}\}")
#: Anything that looks like an attempt at a placeholder, to report the malformed ones.
BRACES = re.compile(r"\{\{.*?\}\}")
#: Placeholder name -> (arguments it takes, whether it is a time, what it stands for).
KINDS: dict[str, tuple[tuple[str, ...], bool, str]] = {
    "now": ((), True, "your sandbox's clock, in epoch seconds"),
    "stream-arn": (("table",), False, "the ARN of {table}'s stream"),
    "backup-arn": (("table", "backup name"), False, "the ARN of {table}'s backup {name}"),
    "earliest-restorable": (
        ("table",),
        True,
        "the earliest second point-in-time recovery can restore {table} to",
    ),
    "latest-restorable": (
        ("table",),
        True,
        "the latest second point-in-time recovery can restore {table} to",
    ),
}
#: Where DynamoDB JSON writes a number as text: a time placeholder there stays text.
NUMBER_AS_TEXT = frozenset({"N", "NS"})


@dataclass(frozen=True)
class Placeholder:
    """One placeholder as written in a request."""

    text: str
    name: str
    offset: int
    arguments: tuple[str, ...]

    @property
    def is_time(self) -> bool:
        return KINDS[self.name][1]

    @property
    def meaning(self) -> str:
        """What it becomes, in words: ``your sandbox's clock, in epoch seconds, plus 600``."""
        template = KINDS[self.name][2]
        words = template.format(
            table=self.arguments[0] if self.arguments else "",
            name=self.arguments[1] if len(self.arguments) > 1 else "",
        )
        if self.offset > 0:
            words += f", plus {self.offset:,} seconds"
        elif self.offset < 0:
            words += f", minus {-self.offset:,} seconds"
        return words


def _parse(match: re.Match[str]) -> tuple[Placeholder | None, str | None]:
    """(the placeholder, None) or (None, what is wrong with it)."""
    name, offset, rest = match.group(1), match.group(2), match.group(3)
    if name not in KINDS:
        known = ", ".join(sorted(KINDS))
        return None, f"unknown placeholder {match.group(0)!r} (placeholders: {known})"
    expected = KINDS[name][0]
    arguments = tuple(rest.split())
    if len(arguments) != len(expected):
        form = " ".join((name, *(f"<{a}>" for a in expected)))
        return None, f"placeholder {match.group(0)!r} is written {{{{{form}}}}}"
    if offset is not None and name != "now":
        return None, f"placeholder {match.group(0)!r}: only now takes +N or -N seconds"
    return Placeholder(match.group(0), name, int(offset or 0), arguments), None


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


def find(body: Any) -> tuple[list[Placeholder], list[str]]:
    """The placeholders in a request body, in order (each text once), and the problems of
    malformed ones."""
    found: dict[str, Placeholder] = {}
    problems: list[str] = []
    for text in _strings(body):
        for candidate in BRACES.finditer(text):
            match = PLACEHOLDER.fullmatch(candidate.group(0))
            if match is None:
                problems.append(
                    f"{candidate.group(0)!r} is not a placeholder: write {{{{now+600}}}}, "
                    "{{stream-arn Table}}, ... (see lessons/README.md)"
                )
                continue
            placeholder, problem = _parse(match)
            if problem:
                problems.append(problem)
            elif placeholder is not None:
                found.setdefault(placeholder.text, placeholder)
    return list(found.values()), problems


def has_placeholders(body: Any) -> bool:
    return any(BRACES.search(text) for text in _strings(body))


# --------------------------------------------------------------------------- resolving
Resolver = Callable[[Placeholder], float | str]


def resolve(body: Any, view: Inspector, now: float) -> Any:
    """A copy of ``body`` with every placeholder filled in from the sandbox (``view``, its
    inspection view; ``now``, its simulated time). Raises ResourceNotFoundException when the
    sandbox cannot fill one. O(size of the body)."""
    if not has_placeholders(body):
        return body
    cache: dict[str, float | str] = {}

    def value_of(placeholder: Placeholder) -> float | str:
        if placeholder.text not in cache:
            cache[placeholder.text] = _value(placeholder, view, now)
        return cache[placeholder.text]

    return _fill(body, value_of, parent_key=None)


def _fill(value: Any, value_of: Resolver, *, parent_key: str | None) -> Any:
    if isinstance(value, dict):
        return {key: _fill(item, value_of, parent_key=key) for key, item in value.items()}
    if isinstance(value, list):
        return [_fill(item, value_of, parent_key=parent_key) for item in value]
    if not isinstance(value, str) or not BRACES.search(value):
        return value
    whole = PLACEHOLDER.fullmatch(value.strip())
    if whole is not None and parent_key not in NUMBER_AS_TEXT:
        placeholder, _ = _parse(whole)
        if placeholder is not None and placeholder.is_time:
            return _number(value_of(placeholder))

    def replace(match: re.Match[str]) -> str:
        placeholder, _ = _parse(match)
        if placeholder is None:
            return match.group(0)  # reported when the lesson loads
        filled = value_of(placeholder)
        return _text(filled) if placeholder.is_time else str(filled)

    return PLACEHOLDER.sub(replace, value)


def _number(value: float | str) -> int | float:
    number = float(value)
    return int(number) if number.is_integer() else number


def _text(value: float | str) -> str:
    number = _number(value)
    return str(number)


def _value(placeholder: Placeholder, view: Inspector, now: float) -> float | str:
    name, arguments = placeholder.name, placeholder.arguments
    if name == "now":
        return math.floor(now) + placeholder.offset
    table = arguments[0]
    if table not in view.table_names():
        raise ResourceNotFoundException(
            f"This request needs {placeholder.meaning}, but there is no table {table} in your "
            "sandbox yet: run the earlier requests first."
        )
    if name == "stream-arn":
        status = view.table_status(table)
        if not status.stream_enabled or status.stream_arn is None:
            raise ResourceNotFoundException(
                f"Table {table} has no stream yet: enable one (UpdateTable with a "
                "StreamSpecification) first."
            )
        return status.stream_arn
    if name == "backup-arn":
        backups = [b for b in view.backups(table) if b.name == arguments[1]]
        if not backups:
            raise ResourceNotFoundException(
                f"Table {table} has no backup named {arguments[1]} yet: create it first."
            )
        return max(backups, key=lambda backup: backup.created_at).arn
    status = view.table_status(table)
    moment = (
        status.earliest_restorable if name == "earliest-restorable" else status.latest_restorable
    )
    if not status.pitr_enabled or moment is None:
        raise ResourceNotFoundException(
            f"Point-in-time recovery is off for {table}: turn it on (UpdateContinuousBackups) "
            "first."
        )
    # Whole seconds, inside the window: the earliest rounds up, the latest down.
    return math.ceil(moment) if name == "earliest-restorable" else math.floor(moment)
