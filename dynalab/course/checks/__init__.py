"""The lab checks: small named functions that look at a learner's sandbox and give a verdict.

Each check is registered with ``@check("name")`` and has the signature
``def name(context: CheckContext, *, arg: type = default, ...) -> tuple[bool, str]``.
The keyword arguments are the ``args`` a lab gives it in YAML; their type hints are the
schema that ``check_lessons`` and lesson loading validate (an unknown argument, a missing one
or a wrong type is an authoring error). The message says what passed, or what is missing and
what to do next, in words a learner understands.

A check reads, never writes: the sandbox through its inspection view (tables, items,
indexes; looking costs the learner no capacity and records nothing) and the learner's recent
calls (``CheckContext.activities``: the sandbox's Activity rows, or in ``check_lessons`` those
of a scratch sandbox rehearsing the lab, built by the same code).

Checks of calls look, by default, only at the calls made since the learner passed the step
before this one (``since_previous_step``), so that an earlier step's work, or one of the
lesson's examples run before the step began, cannot pass a step. Checks named ``last_...``
look at the latest matching call; the others at any matching call in that window. None of
them looks for the *absence* of a call over a window: a learner who strays (an extra Scan
to compare bills) can always pass the step by doing its work again.

The checks live in modules by topic: ``tables``, ``items``, ``indexes``, ``features``
(throughput, streams and their records, TTL, backups and restores, triggers, deletion
protection), ``caches`` (DAX), ``regions`` (global tables), ``reads`` and ``writes``.

Every check also takes ``region``: the AWS Region whose tables and calls it looks at (the
lessons' Region, us-east-1, unless given).
"""

# Importing the topic modules registers their checks.
from dynalab.course.checks import (  # noqa: F401
    caches,
    features,
    indexes,
    items,
    reads,
    regions,
    tables,
    writes,
)
from dynalab.course.checks.base import (
    REGISTRY,
    ActivityLike,
    CheckContext,
    CheckResult,
    RegisteredCheck,
    check,
    in_region,
    run_check,
)

__all__ = [
    "REGISTRY",
    "ActivityLike",
    "CheckContext",
    "CheckResult",
    "RegisteredCheck",
    "check",
    "in_region",
    "run_check",
]
