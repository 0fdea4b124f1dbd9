"""A lesson's interactive pieces (requests, labs, quizzes) and how their source is parsed.

Parsing never raises on bad content: every function reports what is wrong to a ``Report``
(file and line) and returns what it could make of the rest, so ``check_lessons`` can list
every problem of a lesson in one run. The block syntax is documented in lessons/README.md.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any

import yaml

from dynalab.course import placeholders
from dynalab.course.jsontext import compact_json

#: Lab, quiz and step ids: lower-case letters, digits and dashes (they appear in URLs).
SLUG = re.compile(r"^[a-z0-9][a-z0-9-]*$")
OPERATION_NAME = re.compile(r"^[A-Z][A-Za-z]+$")
ERROR_CODE = re.compile(r"^[A-Z][A-Za-z.#:]*$")

#: Requests a lesson may hold that are not the engine's: they act on the sandbox itself.
#: ``AdvanceClock {"seconds": N}`` moves the sandbox's simulated clock forward (as the
#: workbench's clock buttons do), so a lab can let a burst pool fill or an item expire.
ADVANCE_CLOCK = "AdvanceClock"
COURSE_OPERATIONS = frozenset({ADVANCE_CLOCK})
#: The longest clock move a lesson may ask for: ten days.
MAX_CLOCK_SECONDS = 10 * 24 * 3600
#: The most times one Run may send a request (``repeat``).
MAX_REPEAT = 100

#: Turns lesson-provided markdown (a step's text, a hint) into safe HTML.
TextRenderer = Callable[[str], str]


# --------------------------------------------------------------------------- problems
@dataclass(frozen=True)
class Problem:
    """One thing wrong with a lesson, where an author can find it."""

    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass
class Report:
    """Collects the problems of one lesson file."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def add(self, line: int | None, message: str) -> None:
        self.problems.append(Problem(self.path, line, message))


# --------------------------------------------------------------------------- the blocks
@dataclass(frozen=True)
class Request:
    """One DynamoDB call a learner can run: a request block, a setup step or a solution."""

    #: Unique within its lesson; also the DOM id and the URL part of its Run button.
    key: str
    operation: str
    body: dict[str, Any]
    line: int | None
    #: The error code this request is meant to fail with (check_lessons verifies it).
    expect: str | None = None
    #: The capacity units it consumes in a fresh engine (check_lessons verifies it).
    capacity: Decimal | None = None
    #: The JSON as the author wrote it in a request block (shown as written).
    source: str = ""
    #: Send it this many times at once (a burst of traffic, as many clients would).
    repeat: int = 1
    #: The AWS Region it runs in (None: the lessons' Region, us-east-1).
    region: str | None = None

    @property
    def json_text(self) -> str:
        return self.source.strip("\n") or compact_json(self.body)

    @property
    def is_clock_move(self) -> bool:
        return self.operation == ADVANCE_CLOCK

    @property
    def clock_text(self) -> str:
        """A clock move in words: ``5 minutes``, ``2 days``, ``90 seconds``."""
        seconds = self.body.get("seconds", 0) if self.is_clock_move else 0
        for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
            if seconds >= size and seconds % size == 0:
                count = int(seconds // size)
                return f"{count} {unit}{'s' if count != 1 else ''}"
        return f"{seconds:g} second{'s' if seconds != 1 else ''}"

    @cached_property
    def has_placeholders(self) -> bool:
        """Whether the body holds ``{{...}}`` values to fill in (lessons are read once, run
        many times: found once)."""
        return placeholders.has_placeholders(self.body)

    @property
    def placeholders(self) -> list[placeholders.Placeholder]:
        """The values filled in from the learner's sandbox when it runs (``{{now+600}}``)."""
        return placeholders.find(self.body)[0]

    @property
    def table_name(self) -> str | None:
        name = self.body.get("TableName")
        if isinstance(name, str):
            return name
        names = sorted(self.body.get("RequestItems") or {})
        return ", ".join(names) if names else None


@dataclass(frozen=True)
class CheckSpec:
    """A named check from the registry with the arguments the lab gives it."""

    name: str
    args: dict[str, Any]
    line: int | None


@dataclass(frozen=True)
class LabStep:
    number: int
    text_html: str
    checks: tuple[CheckSpec, ...]
    hints_html: tuple[str, ...]
    solution: tuple[Request, ...]
    line: int | None
    #: Work that looks like the step's but is not (``check_lessons`` runs each one, from the
    #: state before the step's solution, and fails if the step then passes). Never shown.
    counterexamples: tuple[tuple[Request, ...], ...] = ()


@dataclass(frozen=True)
class Lab:
    id: str
    title: str
    intro_html: str
    steps: tuple[LabStep, ...]
    line: int | None

    def step(self, number: int) -> LabStep | None:
        if 1 <= number <= len(self.steps):
            return self.steps[number - 1]
        return None


@dataclass(frozen=True)
class Quiz:
    """One question: multiple choice (``options``) or numeric (``tolerance``, ``unit``)."""

    id: str
    question_html: str
    explanation_html: str
    answer: str | Decimal
    line: int | None
    options: tuple[str, ...] = ()
    options_html: tuple[str, ...] = ()
    tolerance: Decimal = Decimal(0)
    unit: str = ""
    #: Shown after a wrong answer, instead of the right one (the answer comes later).
    hint_html: str = ""

    @property
    def is_multiple_choice(self) -> bool:
        return bool(self.options)

    @property
    def answer_text(self) -> str:
        if isinstance(self.answer, Decimal):
            text = format(self.answer.normalize(), "f")
            return f"{text} {self.unit}".strip()
        return self.answer

    def refusal(self, given: str) -> str | None:
        """Why ``given`` is not an answer at all (None when it is one, right or wrong)."""
        if self.is_multiple_choice:
            return None if given in self.options else "Choose one of the answers."
        if parse_number(given) is None:
            unit = f" (in {self.unit})" if self.unit else ""
            return f"Type a number{unit}, such as 3 or 0.5."
        return None

    def is_correct(self, given: str) -> bool:
        """Whether a learner's answer (as submitted by the form) is right."""
        if self.is_multiple_choice:
            return given == self.answer
        number = parse_number(given)
        if number is None:
            return False
        return abs(number - Decimal(self.answer)) <= self.tolerance


def parse_number(text: str) -> Decimal | None:
    """A learner's numeric answer: ``1.5``, ``1,5`` (decimal comma), ``1,500``, `` 3 ``, ``2e3``."""
    cleaned = str(text).strip().replace(" ", "")
    if cleaned.count(",") == 1 and "." not in cleaned and len(cleaned.split(",")[1]) != 3:
        cleaned = cleaned.replace(",", ".")
    try:
        number = Decimal(cleaned.replace(",", ""))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


# --------------------------------------------------------------------------- YAML with lines
class LineDict(dict):
    """A YAML mapping that remembers its line and its keys' lines (1-based, in the YAML)."""

    line: int = 0
    key_lines: dict[Any, int] = {}  # noqa: RUF012 - replaced per instance by the loader


class _LineLoader(yaml.SafeLoader):
    pass


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> LineDict:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = key_node.value
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    mapping = LineDict(loader.construct_mapping(node, deep=True))
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {k.value: k.start_mark.line + 1 for k, _ in node.value}
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class YamlError(ValueError):
    def __init__(self, message: str, line: int | None) -> None:
        super().__init__(message)
        self.line = line


def load_yaml(text: str) -> Any:
    """Parse YAML; mappings come back as ``LineDict``. Raises YamlError with a 1-based line."""
    try:
        return yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or str(error)
        return_line = mark.line + 1 if mark is not None else None
        raise YamlError(problem, return_line) from None
    except yaml.YAMLError as error:
        raise YamlError(str(error), None) from None


def line_of(value: Any, offset: int, default: int | None) -> int | None:
    """The file line of a parsed YAML mapping whose text starts at file line ``offset + 1``."""
    if isinstance(value, LineDict) and value.line:
        return offset + value.line
    return default


def key_line(value: Any, key: str, offset: int, default: int | None) -> int | None:
    """The file line of one key of a parsed YAML mapping."""
    if isinstance(value, LineDict) and key in value.key_lines:
        return offset + value.key_lines[key]
    return default


# --------------------------------------------------------------------------- requests
@lru_cache(maxsize=1)
def known_regions() -> tuple[str, ...]:
    """The AWS Regions a sandbox answers (a request's ``region``)."""
    from dynalab.sandboxes import selectors

    return tuple(selectors.REGIONS)


@lru_cache(maxsize=1)
def engine_operations() -> frozenset[str]:
    """Every operation a sandbox answers (DynamoDB's, plus DynaLab's own)."""
    from dynalab.sandboxes import selectors

    return frozenset(facts.name for facts in selectors.operations())


def _json_object_pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _parse_json(text: str) -> Any:
    return json.loads(text, object_pairs_hook=_json_object_pairs)


def parse_request_text(text: str, *, first_line: int | None, report: Report) -> tuple[str, Any]:
    """A request written as text: ``Operation`` on the first line then the JSON body, or one
    JSON object ``{"operation": ..., "request": {...}}``. Returns ``("", None)`` if unusable."""
    lines = text.split("\n")
    start = next((i for i, line in enumerate(lines) if line.strip()), None)
    if start is None:
        report.add(first_line, "empty request: write the operation name, then the JSON request")
        return "", None
    header_line = first_line + start if first_line else None
    header = lines[start].strip()
    if header.startswith("{"):
        data = _parse_json_reporting("\n".join(lines[start:]), header_line, report)
        if data is None:
            return "", None
        if not isinstance(data, dict) or set(data) - {"operation", "request"}:
            report.add(
                header_line,
                'a JSON request block must be {"operation": "...", "request": {...}}',
            )
            return "", None
        return _checked_operation(data.get("operation"), header_line, report), data.get(
            "request", {}
        )
    operation = _checked_operation(header, header_line, report)
    rest = "\n".join(lines[start + 1 :])
    if not rest.strip():
        return operation, {}
    body = _parse_json_reporting(rest, header_line + 1 if header_line else None, report)
    return operation, body


def _parse_json_reporting(text: str, first_line: int | None, report: Report) -> Any:
    try:
        return _parse_json(text)
    except json.JSONDecodeError as error:
        line = first_line + error.lineno - 1 if first_line else None
        report.add(line, f"the request is not valid JSON: {error.msg} (column {error.colno})")
    except ValueError as error:
        report.add(first_line, f"the request is not valid JSON: {error}")
    return None


def _checked_operation(name: Any, line: int | None, report: Report) -> str:
    if not isinstance(name, str) or not OPERATION_NAME.match(name):
        report.add(
            line,
            f"{name!r} is not an operation name: the first line of a request is the operation "
            "(for example PutItem), then its JSON",
        )
        return ""
    if name not in engine_operations() and name not in COURSE_OPERATIONS:
        close = _close_matches(name, engine_operations() | COURSE_OPERATIONS)
        report.add(line, f"unknown operation {name!r}{close}")
        return ""
    return name


def _close_matches(name: str, choices: Iterable[str]) -> str:
    import difflib

    matches = difflib.get_close_matches(name, sorted(choices), n=3)
    return f" (did you mean {', '.join(matches)}?)" if matches else ""


def make_request(
    key: str,
    operation: str,
    body: Any,
    line: int | None,
    report: Report,
    *,
    expect: str | None = None,
    capacity: Decimal | None = None,
    repeat: int = 1,
    region: str | None = None,
) -> Request | None:
    if not operation:
        return None
    if region is not None and region not in known_regions():
        close = _close_matches(str(region), known_regions())
        report.add(line, f"region {region!r} is not an AWS Region DynaLab answers{close}")
        region = None
    if region is not None and operation == ADVANCE_CLOCK:
        report.add(line, "AdvanceClock moves the whole sandbox's clock: it takes no region")
        region = None
    if repeat != 1 and (expect is not None or capacity is not None):
        report.add(
            line,
            "a repeated request states no expect or capacity: its runs may end differently "
            "(a burst is partly throttled)",
        )
    if not isinstance(body, dict):
        report.add(line, f"the {operation} request must be a JSON object")
        return None
    for problem in placeholders.find(body)[1]:
        report.add(line, problem)
    if operation == ADVANCE_CLOCK:
        seconds = body.get("seconds")
        if (
            set(body) != {"seconds"}
            or isinstance(seconds, bool)
            or not isinstance(seconds, int | float)
            or not 0 < seconds <= MAX_CLOCK_SECONDS
        ):
            report.add(
                line,
                f'AdvanceClock takes {{"seconds": N}}, N from 1 to {MAX_CLOCK_SECONDS:,} '
                "(ten days)",
            )
            return None
        if expect is not None or capacity is not None:
            report.add(line, "AdvanceClock neither fails nor consumes capacity")
    return Request(
        key, operation, body, line, expect=expect, capacity=capacity, repeat=repeat, region=region
    )


def _repeat_value(value: Any, line: int | None, report: Report) -> int:
    if value is None:
        return 1
    number = value
    if isinstance(value, str) and value.isdigit():
        number = int(value)
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= MAX_REPEAT:
        report.add(line, f"repeat must be a whole number from 1 to {MAX_REPEAT}, not {value!r}")
        return 1
    return number


def parse_request_entry(
    entry: Any, *, key: str, line: int | None, report: Report
) -> Request | None:
    """A request inside lab or setup YAML: ``{operation: X, request: {...}}`` or a string in
    request-block syntax."""
    if isinstance(entry, str):
        operation, body = parse_request_text(entry, first_line=None, report=_Relined(report, line))
        return make_request(key, operation, body, line, report)
    if not isinstance(entry, dict):
        report.add(line, "a request must be a mapping with operation and request")
        return None
    unknown = set(entry) - {"operation", "request", "expect", "capacity", "repeat", "region"}
    if unknown:
        report.add(line, f"unknown request field(s): {', '.join(sorted(map(str, unknown)))}")
    operation = _checked_operation(entry.get("operation"), line, report)
    body = entry.get("request", {})
    expect = entry.get("expect")
    if expect is not None and not (isinstance(expect, str) and ERROR_CODE.match(expect)):
        report.add(
            line, f"expect must be an error code such as ResourceNotFoundException, not {expect!r}"
        )
        expect = None
    capacity = _capacity_value(entry.get("capacity"), line, report)
    repeat = _repeat_value(entry.get("repeat"), line, report)
    region = entry.get("region")
    if region is not None and not isinstance(region, str):
        report.add(line, f"region must be an AWS Region such as eu-west-1, not {region!r}")
        region = None
    return make_request(
        key,
        operation,
        body,
        line,
        report,
        expect=expect,
        capacity=capacity,
        repeat=repeat,
        region=region,
    )


class _Relined(Report):
    """A report that files every problem under one line (for requests nested in YAML)."""

    def __init__(self, inner: Report, line: int | None) -> None:
        super().__init__(inner.path, inner.problems)
        self._line = line

    def add(self, line: int | None, message: str) -> None:
        super().add(self._line, message)


def _capacity_value(value: Any, line: int | None, report: Report) -> Decimal | None:
    if value is None:
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite() or number < 0 or isinstance(value, bool):
        report.add(line, f"capacity must be a number of capacity units, not {value!r}")
        return None
    return number


def parse_info(info: str, *, allowed: set[str], line: int | None, report: Report) -> dict[str, str]:
    """``request expect=X capacity=1.5``: the attributes after a fence's kind."""
    attributes: dict[str, str] = {}
    for part in info.split()[1:]:
        name, sep, value = part.partition("=")
        if not sep or not value:
            report.add(line, f"fence attribute {part!r} must be written name=value")
        elif name not in allowed:
            allowed_text = ", ".join(sorted(allowed)) or "none"
            report.add(line, f"unknown fence attribute {name!r} (allowed: {allowed_text})")
        else:
            attributes[name] = value
    return attributes


def parse_request_block(
    source: str, info: str, *, key: str, line: int, report: Report
) -> Request | None:
    """A ```request fence: ``line`` is the fence's own line in the file."""
    attributes = parse_info(
        info, allowed={"expect", "capacity", "repeat", "region"}, line=line, report=report
    )
    operation, body = parse_request_text(source, first_line=line + 1, report=report)
    expect = attributes.get("expect")
    if expect is not None and not ERROR_CODE.match(expect):
        report.add(line, f"expect must be an error code, not {expect!r}")
        expect = None
    capacity = _capacity_value(attributes.get("capacity"), line, report)
    repeat = _repeat_value(attributes.get("repeat"), line, report)
    request = make_request(
        key,
        operation,
        body,
        line,
        report,
        expect=expect,
        capacity=capacity,
        repeat=repeat,
        region=attributes.get("region"),
    )
    if request is None or source.lstrip().startswith("{"):
        return request  # the {"operation", "request"} form: shown re-indented
    return replace(request, source=_dedent_json(source))


def _dedent_json(source: str) -> str:
    """The JSON part of a request block (after the operation line), as the author wrote it."""
    lines = source.strip("\n").split("\n")
    return textwrap.dedent("\n".join(lines[1:]))


# --------------------------------------------------------------------------- setup files
def load_request_file(
    relative: Any, *, folder: Path, key_prefix: str, line: int | None, report: Report
) -> list[Request]:
    """``{load: data/orders.json}``: a JSON list of ``{"operation", "request"}`` objects kept
    beside the lessons, so a lesson can prepare a hundred items without a page of JSON."""
    if not isinstance(relative, str) or not relative:
        report.add(line, "load needs a file path relative to the lesson, e.g. data/orders.json")
        return []
    path = (folder / relative).resolve()
    if not path.is_relative_to(folder.resolve()):
        report.add(line, f"{relative} is outside the lessons folder")
        return []
    try:
        data = _parse_json(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        report.add(line, f"{relative} does not exist")
        return []
    except (OSError, ValueError) as error:
        report.add(line, f"{relative} is not valid JSON: {error}")
        return []
    if not isinstance(data, list):
        report.add(line, f"{relative} must hold a JSON list of {{operation, request}} objects")
        return []
    requests = []
    for number, entry in enumerate(data, start=1):
        entry_report = _Prefixed(report, f"{relative} entry {number}: ")
        request = parse_request_entry(
            entry, key=f"{key_prefix}-{number}", line=line, report=entry_report
        )
        if request is not None:
            requests.append(request)
    return requests


class _Prefixed(Report):
    def __init__(self, inner: Report, prefix: str) -> None:
        super().__init__(inner.path, inner.problems)
        self._prefix = prefix

    def add(self, line: int | None, message: str) -> None:
        super().add(line, self._prefix + message)


def parse_setup(
    entries: Any, *, folder: Path, line: int | None, offset: int, report: Report
) -> tuple[Request, ...]:
    """Front matter ``setup:``: requests (or ``load:`` files) that prepare a sandbox."""
    if entries is None:
        return ()
    if not isinstance(entries, list):
        report.add(line, "setup must be a list of requests")
        return ()
    requests: list[Request] = []
    for entry in entries:
        entry_line = line_of(entry, offset, line)
        if isinstance(entry, dict) and "load" in entry:
            if set(entry) != {"load"}:
                report.add(entry_line, "a load entry has only the load: <file> field")
            loaded = load_request_file(
                entry["load"],
                folder=folder,
                key_prefix=f"setup-{len(requests) + 1}",
                line=entry_line,
                report=report,
            )
            requests.extend(loaded)
            continue
        request = parse_request_entry(
            entry, key=f"setup-{len(requests) + 1}", line=entry_line, report=report
        )
        if request is not None:
            requests.append(request)
    # Keys must be unique and stable: number the requests in order.
    return tuple(replace(r, key=f"setup-{n}") for n, r in enumerate(requests, start=1))


# --------------------------------------------------------------------------- labs
LAB_FIELDS = {"id", "title", "intro", "steps"}
STEP_FIELDS = {"text", "check", "checks", "hints", "solution", "counterexamples"}
CHECK_FIELDS = {"name", "args"}


def parse_lab_source(source: str, *, line: int, render: TextRenderer, report: Report) -> Lab | None:
    """A ```lab fence whose YAML starts on file line ``line + 1``."""
    try:
        data = load_yaml(source)
    except YamlError as error:
        report.add(line + (error.line or 1), f"lab YAML does not parse: {error}")
        return None
    return parse_lab_data(data, offset=line, line=line, render=render, report=report)


def parse_lab_data(
    data: Any, *, offset: int, line: int | None, render: TextRenderer, report: Report
) -> Lab | None:
    """A lab from parsed YAML; ``offset`` maps the YAML's lines to the file's."""
    if not isinstance(data, dict):
        report.add(line, "a lab is a YAML mapping with id, title and steps")
        return None
    line = line_of(data, offset, line)
    _unknown_fields(data, LAB_FIELDS, "lab", line, report)
    lab_id = data.get("id")
    if not isinstance(lab_id, str) or not SLUG.match(lab_id):
        report.add(
            line, f"a lab needs an id of lower-case letters, digits and dashes, not {lab_id!r}"
        )
        lab_id = ""
    title = _text(data, "title", line, report, required=True, where="lab")
    intro = _text(data, "intro", line, report, required=False, where="lab")
    steps_data = data.get("steps")
    if not isinstance(steps_data, list) or not steps_data:
        report.add(line, f"lab {lab_id!r} needs steps: a non-empty list")
        steps_data = []
    steps = []
    for number, step_data in enumerate(steps_data, start=1):
        step = _parse_step(
            step_data,
            lab_id=lab_id,
            number=number,
            offset=offset,
            line=line,
            render=render,
            report=report,
        )
        if step is not None:
            steps.append(step)
    if not lab_id or len(steps) != len(steps_data) or not steps:
        return None
    return Lab(lab_id, title, render(intro) if intro else "", tuple(steps), line)


def _parse_step(
    data: Any,
    *,
    lab_id: str,
    number: int,
    offset: int,
    line: int | None,
    render: TextRenderer,
    report: Report,
) -> LabStep | None:
    where = f"lab {lab_id!r} step {number}"
    if not isinstance(data, dict):
        report.add(line, f"{where} must be a mapping with text, check, hints and solution")
        return None
    line = line_of(data, offset, line)
    _unknown_fields(data, STEP_FIELDS, where, line, report)
    text = _text(data, "text", line, report, required=True, where=where)
    ok = bool(text)
    if ("check" in data) == ("checks" in data):
        report.add(line, f"{where} needs exactly one of check (one check) or checks (a list)")
        ok = False
        check_entries: list[Any] = []
    elif "check" in data:
        check_entries = [data["check"]]
    else:
        check_entries = data["checks"] if isinstance(data["checks"], list) else [None]
        if not check_entries:
            report.add(line, f"{where}: checks is empty")
            ok = False
    checks = []
    for entry in check_entries:
        spec = _parse_check(entry, where=where, offset=offset, line=line, report=report)
        if spec is None:
            ok = False
        else:
            checks.append(spec)
    hints = data.get("hints") or []
    if not isinstance(hints, list):
        report.add(line, f"{where}: hints must be a list of texts")
        hints, ok = [], False
    for position, hint in enumerate(hints, start=1):
        if not (isinstance(hint, str) and hint.strip()):
            report.add(line, f"{where}: hint {position} is not text{yaml_text_advice(hint)}")
            ok = False
    solution_data = data.get("solution") or []
    if not isinstance(solution_data, list):
        report.add(line, f"{where}: solution must be a list of requests")
        solution_data, ok = [], False
    solution = []
    for index, entry in enumerate(solution_data, start=1):
        request = parse_request_entry(
            entry,
            key=f"{lab_id}-step-{number}-solution-{index}",
            line=line_of(entry, offset, line),
            report=report,
        )
        if request is None:
            ok = False
        else:
            solution.append(request)
    counterexamples = _parse_counterexamples(
        data.get("counterexamples"),
        key=f"{lab_id}-step-{number}-counterexample",
        where=where,
        offset=offset,
        line=line,
        report=report,
    )
    if counterexamples is None:
        ok = False
    if not ok:
        return None
    return LabStep(
        number=number,
        text_html=render(text),
        checks=tuple(checks),
        hints_html=tuple(render(h) for h in hints),
        solution=tuple(solution),
        line=line,
        counterexamples=counterexamples or (),
    )


def _parse_counterexamples(
    data: Any, *, key: str, where: str, offset: int, line: int | None, report: Report
) -> tuple[tuple[Request, ...], ...] | None:
    """``counterexamples``: a list whose entries are each a request, or a list of requests
    made one after the other. None if any is broken (reported)."""
    if data is None:
        return ()
    if not isinstance(data, list) or not data:
        report.add(line, f"{where}: counterexamples must be a non-empty list of requests")
        return None
    result = []
    ok = True
    for number, entry in enumerate(data, start=1):
        entries = entry if isinstance(entry, list) else [entry]
        requests = []
        for index, request_data in enumerate(entries, start=1):
            request = parse_request_entry(
                request_data,
                key=f"{key}-{number}-{index}",
                line=line_of(request_data, offset, line),
                report=report,
            )
            if request is None:
                ok = False
            else:
                requests.append(request)
        if not requests:
            report.add(line, f"{where}: counterexample {number} is empty")
            ok = False
        result.append(tuple(requests))
    return tuple(result) if ok else None


def _parse_check(
    entry: Any, *, where: str, offset: int, line: int | None, report: Report
) -> CheckSpec | None:
    from dynalab.course import checks

    if not isinstance(entry, dict):
        report.add(line, f"{where}: a check is a mapping: {{name: <check>, args: {{...}}}}")
        return None
    line = line_of(entry, offset, line)
    _unknown_fields(entry, CHECK_FIELDS, f"{where} check", line, report)
    name = entry.get("name")
    args = entry.get("args") or {}
    if not isinstance(args, dict):
        report.add(line, f"{where}: the args of check {name!r} must be a mapping")
        return None
    if not isinstance(name, str) or name not in checks.REGISTRY:
        close = _close_matches(str(name), checks.REGISTRY) if isinstance(name, str) else ""
        report.add(line, f"{where}: unknown check {name!r}{close}")
        return None
    errors = checks.REGISTRY[name].argument_errors(args)
    for error in errors:
        report.add(line, f"{where}: check {name!r}: {error}")
    if errors:
        return None
    return CheckSpec(name, dict(args), line)


# --------------------------------------------------------------------------- quizzes
QUIZ_FIELDS = {"id", "question", "options", "answer", "tolerance", "unit", "explanation", "hint"}


def parse_quiz_source(
    source: str, *, line: int, render: TextRenderer, render_inline: TextRenderer, report: Report
) -> Quiz | None:
    try:
        data = load_yaml(source)
    except YamlError as error:
        report.add(line + (error.line or 1), f"quiz YAML does not parse: {error}")
        return None
    if not isinstance(data, dict):
        report.add(line, "a quiz is a YAML mapping with id, question, answer and explanation")
        return None
    where = f"quiz {data.get('id')!r}"
    _unknown_fields(data, QUIZ_FIELDS, where, line, report)
    quiz_id = data.get("id")
    ok = True
    if not isinstance(quiz_id, str) or not SLUG.match(quiz_id):
        report.add(
            line, f"a quiz needs an id of lower-case letters, digits and dashes, not {quiz_id!r}"
        )
        ok = False
    question = _text(data, "question", line, report, required=True, where=where)
    explanation = _text(data, "explanation", line, report, required=True, where=where)
    hint = _text(data, "hint", line, report, required=False, where=where)
    ok = ok and bool(question) and bool(explanation)
    if "hint" in data and not hint:
        ok = False
    answer = data.get("answer")
    if "options" in data:
        options = data["options"]
        if not isinstance(options, list) or len(options) < 2:
            report.add(line, f"{where}: options must be a list of at least two answers")
            return None
        for index, option in enumerate(options, start=1):
            if not isinstance(option, str):
                report.add(line, f"{where}: option {index} is not text{yaml_text_advice(option)}")
                ok = False
        if len(set(map(str, options))) != len(options):
            report.add(line, f"{where}: two options are the same")
            ok = False
        if not isinstance(answer, str) or answer not in options:
            report.add(line, f"{where}: answer must be one of the options, written the same way")
            ok = False
        for name in ("tolerance", "unit"):
            if name in data:
                report.add(line, f"{where}: {name} is for numeric questions, not multiple choice")
                ok = False
        if not ok:
            return None
        return Quiz(
            id=quiz_id,
            question_html=render(question),
            explanation_html=render(explanation),
            answer=answer,
            line=line,
            options=tuple(options),
            options_html=tuple(render_inline(o) for o in options),
            hint_html=render(hint) if hint else "",
        )
    number = _number(answer)
    if number is None:
        report.add(
            line,
            f"{where}: a numeric question needs a number as its answer (or give options for "
            "multiple choice)",
        )
        ok = False
    tolerance = _number(data.get("tolerance", 0))
    if tolerance is None or tolerance < 0:
        report.add(line, f"{where}: tolerance must be a number of at least 0")
        ok = False
    unit = data.get("unit", "")
    if not isinstance(unit, str):
        report.add(line, f"{where}: unit must be text")
        ok = False
    if not ok:
        return None
    return Quiz(
        id=quiz_id,
        question_html=render(question),
        explanation_html=render(explanation),
        answer=number,
        line=line,
        tolerance=tolerance,
        unit=unit,
        hint_html=render(hint) if hint else "",
    )


def _number(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        return None
    number = Decimal(str(value))
    return number if number.is_finite() else None


# --------------------------------------------------------------------------- helpers
def yaml_text_advice(value: Any) -> str:
    """Why YAML did not read a text as text, for an error message."""
    if isinstance(value, dict):
        return " (YAML read it as a mapping because of a ': ' inside it: put the text in quotes)"
    if isinstance(value, bool | int | float) or value is None:
        return f" (YAML read it as {value!r}: put the text in quotes)"
    return ""


def _unknown_fields(
    data: dict[str, Any], allowed: set[str], where: str, line: int | None, report: Report
) -> None:
    unknown = sorted(str(k) for k in set(data) - allowed)
    if unknown:
        report.add(
            line,
            f"{where}: unknown field(s) {', '.join(unknown)} (allowed: {', '.join(sorted(allowed))})",
        )


def _text(
    data: dict[str, Any], name: str, line: int | None, report: Report, *, required: bool, where: str
) -> str:
    value = data.get(name)
    if value is None:
        if required:
            report.add(line, f"{where} needs {name}")
        return ""
    if not isinstance(value, str) or not value.strip():
        report.add(line, f"{where}: {name} must be text{yaml_text_advice(value)}")
        return ""
    return value
