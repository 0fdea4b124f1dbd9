"""The sandboxes app's settings, each with its default, read when used (tests override them)."""

from __future__ import annotations

from django.conf import settings

MB = 1024 * 1024

DEFAULT_LIMITS: dict[str, int] = {
    "tables": 25,
    "items": 50_000,
    "bytes": 50 * MB,
    "request_bytes": 1 * MB,
    # What the engine is estimated to take in a worker's memory (memory.estimate): items
    # cost far more in memory than their DynamoDB size, and backups or stream records are
    # not items at all.
    "memory_bytes": 256 * MB,
    # Bytes of requests journaled since the newest snapshot; past it, a snapshot is taken and
    # the journal behind the one before is deleted.
    "journal_bytes": 4 * MB,
    # Activity rows kept per sandbox: the newest ``activity_rows``, plus the newest
    # ``activity_notable_rows`` of the rows the instructor's dashboard reads (errors and
    # reads of items), none older than ``activity_days``.
    "activity_rows": 2_000,
    "activity_notable_rows": 1_000,
    "activity_days": 180,
}


def limits() -> dict[str, int]:
    """``DYNALAB_SANDBOX_LIMITS`` over the defaults: a setting may name only some limits."""
    return {**DEFAULT_LIMITS, **getattr(settings, "DYNALAB_SANDBOX_LIMITS", {})}


def snapshot_every() -> int:
    """Journal entries between snapshots: replay after a cold start is at most this long."""
    return max(1, int(getattr(settings, "DYNALAB_SANDBOX_SNAPSHOT_EVERY", 200)))


def cache_size() -> int:
    """How many engines one worker process keeps in memory (least recently used go first)."""
    return max(1, int(getattr(settings, "DYNALAB_SANDBOX_CACHE_SIZE", 500)))


def cache_bytes() -> int:
    """The estimated memory one worker's cached engines may take together (memory.estimate)."""
    megabytes = float(getattr(settings, "DYNALAB_SANDBOX_CACHE_MEGABYTES", 1024))
    return max(1, int(megabytes * MB))


def sandboxes_per_client() -> tuple[float, float]:
    """New sandboxes one client address may create: (per minute, burst); 0 turns it off.

    A class behind one NAT address shares a bucket, hence the generous burst.
    """
    configured = getattr(settings, "DYNALAB_SANDBOX_CREATION_RATE", {}) or {}
    return (
        max(0.0, float(configured.get("per_minute", 30))),
        max(1.0, float(configured.get("burst", 100))),
    )


def page_rate() -> tuple[float, float]:
    """Pages one visitor may load: (per second, burst); 0 turns the limit off."""
    configured = getattr(settings, "DYNALAB_PAGE_RATE_LIMIT", {}) or {}
    return (
        max(0.0, float(configured.get("requests_per_second", 10))),
        max(1.0, float(configured.get("burst", 40))),
    )


def activity_request_bytes() -> int:
    """Requests bigger than this are stored in Activity cut down to a preview."""
    return int(getattr(settings, "DYNALAB_SANDBOX_ACTIVITY_REQUEST_BYTES", 16 * 1024))


def debug_api_enabled() -> bool:
    """Whether ``POST /sandboxes/<id>/execute`` answers (tests and local scripting only)."""
    return bool(getattr(settings, "DYNALAB_SANDBOX_DEBUG_API", False))


def journal_reads() -> bool:
    """Whether read-only calls are journaled too (see journal.is_journaled for why)."""
    return bool(getattr(settings, "DYNALAB_SANDBOX_JOURNAL_READS", False))
