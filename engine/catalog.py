"""The operation catalog: every operation the engine answers, declared once with its facts.

A handler declares itself and its facts in one place, its decorator::

    @operation("Query", read_only=True, bills="read")
    def query(engine, request): ...

Everything that needs to know about operations reads the facts here instead of keeping a
list of its own: which calls a sandbox must journal (``read_only``), which take
``ReturnConsumedCapacity`` (``bills``), which belong to DynamoDB Streams' API, to DAX's or
are DynaLab's own (``api``), which add a table (``creates_table``, for the table quota).

>>> import engine
>>> get("Query").read_only, get("Query").bills
(True, 'read')
>>> get("GetRecords").api
'DynamoDB Streams'
>>> get("NoSuchOperation") is None
True
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from engine.core import Engine

Handler = Callable[["Engine", dict[str, Any]], dict[str, Any]]

#: The APIs the engine answers.
DYNAMODB = "DynamoDB"
STREAMS = "DynamoDB Streams"
#: DynamoDB Accelerator's control plane (clusters and parameter groups; its service id).
DAX = "DAX"
#: DynaLab's own operations (throughput explained, triggers): not part of any AWS API.
DYNALAB = "DynaLab"
APIS = (DYNAMODB, STREAMS, DAX, DYNALAB)

#: "either": the request decides (a PartiQL statement reads or writes).
Bills = Literal["read", "write", "either"]
#: A request-dependent answer: True when this request of the operation only reads.
ReadsOnly = Callable[[dict[str, Any]], bool]


@dataclass(frozen=True)
class OperationFacts:
    """What is known about one operation without running it."""

    name: str
    #: DYNAMODB, STREAMS, DAX or DYNALAB.
    api: str
    #: True when a successful call never changes the engine's data or settings. Such a call
    #: may still draw read capacity from a provisioned table's buckets (``Engine.revision``
    #: tells), so a caller that skips journaling reads must compare revisions. False for an
    #: operation whose requests decide (see ``reads_only``).
    read_only: bool
    #: "read" or "write" for operations that take ReturnConsumedCapacity and bill those
    #: units, "either" when the request decides; None for operations that consume none.
    bills: Bills | None
    #: True for operations that add a table (counted against a table quota).
    creates_table: bool
    #: The first line of the handler's docstring.
    summary: str
    #: For operations whose requests decide whether they write: True for a request that
    #: only reads (a PartiQL SELECT). None when ``read_only`` says it for every request.
    reads_only: ReadsOnly | None = None
    #: True when the service answers a success with an empty body on the wire (the engine
    #: still returns ``{}``: a response is always a dict).
    empty_body: bool = False

    @property
    def bills_capacity(self) -> bool:
        """True when the request takes ReturnConsumedCapacity."""
        return self.bills is not None


#: Operations of DynamoDB's API that DynaLab does not simulate, each with why. A call of one
#: is still refused with UnknownOperationException, as the service refuses a name it does not
#: know, but its message says what the operation is for and what to use here instead, so a
#: learner is not left looking for a typo.
NOT_SIMULATED: dict[str, str] = {
    **dict.fromkeys(
        ("ExportTableToPointInTime", "DescribeExport", "ListExports"),
        "exports write to Amazon S3, which this server does not have (point-in-time "
        "recovery itself is simulated: RestoreTableToPointInTime)",
    ),
    **dict.fromkeys(
        ("ImportTable", "DescribeImport", "ListImports"),
        "imports read from Amazon S3, which this server does not have (BatchWriteItem "
        "loads items here)",
    ),
    **dict.fromkeys(
        (
            "EnableKinesisStreamingDestination",
            "DisableKinesisStreamingDestination",
            "DescribeKinesisStreamingDestination",
            "UpdateKinesisStreamingDestination",
        ),
        "it sends a table's changes to Amazon Kinesis Data Streams, which this server does "
        "not have (DynamoDB Streams are simulated: UpdateTable with StreamSpecification)",
    ),
    **dict.fromkeys(
        ("DescribeContributorInsights", "UpdateContributorInsights", "ListContributorInsights"),
        "Contributor Insights publishes to Amazon CloudWatch, which this server does not have "
        "(DescribeThroughput, DynaLab's own, shows a table's partitions and throttling)",
    ),
    **dict.fromkeys(
        ("DescribeTableReplicaAutoScaling", "UpdateTableReplicaAutoScaling"),
        "auto scaling belongs to Application Auto Scaling, which this server does not simulate",
    ),
    **dict.fromkeys(
        ("GetResourcePolicy", "PutResourcePolicy", "DeleteResourcePolicy"),
        "this server has no IAM, so no policy would ever be enforced",
    ),
    "DescribeEndpoints": (
        "SDKs use it to discover where to send calls; here every call goes to the endpoint URL "
        "on the Connect page"
    ),
}


def unknown_operation_message(name: str) -> str:
    """What a call of ``name``, which the engine does not answer, is told: why, for an
    operation in ``NOT_SIMULATED``. O(1).

    >>> unknown_operation_message("Frobnicate")
    'Unknown operation: Frobnicate'
    >>> unknown_operation_message("ListExports").startswith("ListExports is a DynamoDB")
    True
    """
    reason = NOT_SIMULATED.get(name)
    if reason is None:
        return f"Unknown operation: {name}"
    return f"{name} is a DynamoDB operation that DynaLab does not simulate: {reason}."


_FACTS: dict[str, OperationFacts] = {}
_HANDLERS: dict[str, Handler] = {}


def operation(
    name: str,
    *,
    api: str = DYNAMODB,
    read_only: bool | ReadsOnly = False,
    bills: Bills | None = None,
    creates_table: bool = False,
    empty_body: bool = False,
) -> Callable[[Handler], Handler]:
    """Register ``handler`` as the engine's answer to ``name``, with its facts.

    ``read_only`` is True, False, or a function of the request for operations whose
    requests decide. It defaults to False on purpose: an operation that forgets to say it
    only reads is journaled, which costs a row but never loses a change.
    """
    if api not in APIS:
        raise ValueError(f"unknown api {api!r} for {name}")

    def register(handler: Handler) -> Handler:
        if name in _HANDLERS:
            raise ValueError(f"operation {name} is registered twice")
        summary = (inspect.getdoc(handler) or "").split("\n", 1)[0]
        reads_only = read_only if callable(read_only) else None
        _FACTS[name] = OperationFacts(
            name, api, read_only is True, bills, creates_table, summary, reads_only, empty_body
        )
        _HANDLERS[name] = handler
        return handler

    return register


def get(name: str) -> OperationFacts | None:
    """The facts of one operation, or None when the engine does not answer it. O(1)."""
    return _FACTS.get(name)


def operations(*, api: str | None = None) -> tuple[OperationFacts, ...]:
    """Every operation (of one API, if given), sorted by name. O(n log n)."""
    chosen = (facts for facts in _FACTS.values() if api is None or facts.api == api)
    return tuple(sorted(chosen, key=lambda facts: facts.name))


def names(*, api: str | None = None) -> list[str]:
    """The names of ``operations(api=api)``."""
    return [facts.name for facts in operations(api=api)]


def is_read_only(name: str, request: dict[str, Any] | None = None) -> bool:
    """True only when a call of ``name`` with ``request`` cannot change state: a known
    read-only operation, or a request its operation's ``reads_only`` says only reads
    (unknown names, and requests that cannot be told: False)."""
    facts = _FACTS.get(name)
    if facts is None:
        return False
    if facts.read_only:
        return True
    if facts.reads_only is None or not isinstance(request, dict):
        return False
    try:
        return bool(facts.reads_only(request))
    except Exception:  # a request too broken to tell: journal it, the call will refuse it
        return False


def bills_capacity(name: str) -> bool:
    """True for known operations that take ReturnConsumedCapacity."""
    facts = _FACTS.get(name)
    return facts is not None and facts.bills is not None


def handler(name: str) -> Handler | None:
    """The handler for ``name`` (for ``Engine.call`` only: nothing else runs handlers)."""
    return _HANDLERS.get(name)
