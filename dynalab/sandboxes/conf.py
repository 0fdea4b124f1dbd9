"""The sandboxes app's settings, each with its default, read when used (tests override them)."""

from __future__ import annotations

from django.conf import settings

DEFAULT_LIMITS: dict[str, int] = {
    "tables": 25,
    "items": 50_000,
    "bytes": 50 * 1024 * 1024,
    "request_bytes": 1 * 1024 * 1024,
}


def limits() -> dict[str, int]:
    """``DYNALAB_SANDBOX_LIMITS`` over the defaults: a setting may name only some limits."""
    return {**DEFAULT_LIMITS, **getattr(settings, "DYNALAB_SANDBOX_LIMITS", {})}


def snapshot_every() -> int:
    """Journal entries between snapshots: replay after a cold start is at most this long."""
    return max(1, int(getattr(settings, "DYNALAB_SANDBOX_SNAPSHOT_EVERY", 200)))


def cache_size() -> int:
    """How many engines one worker process keeps in memory (least recently used go first)."""
    return max(1, int(getattr(settings, "DYNALAB_SANDBOX_CACHE_SIZE", 32)))


def activity_request_bytes() -> int:
    """Requests bigger than this are stored in Activity cut down to a preview."""
    return int(getattr(settings, "DYNALAB_SANDBOX_ACTIVITY_REQUEST_BYTES", 16 * 1024))


def debug_api_enabled() -> bool:
    """Whether ``POST /sandboxes/<id>/execute`` answers (tests and local scripting only)."""
    return bool(getattr(settings, "DYNALAB_SANDBOX_DEBUG_API", False))


def journal_reads() -> bool:
    """Whether read-only calls are journaled too (see journal.is_journaled for why)."""
    return bool(getattr(settings, "DYNALAB_SANDBOX_JOURNAL_READS", False))
