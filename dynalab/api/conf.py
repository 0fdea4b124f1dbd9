"""The wire endpoint's settings, each with its default, read when used (tests override them)."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024
DEFAULT_REQUESTS_PER_SECOND = 50.0
DEFAULT_BURST = 100.0


@dataclass(frozen=True)
class RateLimit:
    """A token bucket per sandbox: ``requests_per_second`` refill, ``burst`` capacity.

    A rate of 0 turns throttling off.
    """

    requests_per_second: float
    burst: float

    @property
    def enabled(self) -> bool:
        return self.requests_per_second > 0


def accept_any_key() -> bool:
    """Single-user mode: any access key works, unchecked, and each key id gets a sandbox."""
    return bool(getattr(settings, "DYNALAB_API_ACCEPT_ANY_KEY", False))


def max_request_bytes() -> int:
    """The largest request body the endpoint reads; a larger one is refused unread."""
    return int(getattr(settings, "DYNALAB_API_MAX_REQUEST_BYTES", DEFAULT_MAX_REQUEST_BYTES))


def rate_limit() -> RateLimit:
    """``DYNALAB_API_RATE_LIMIT`` over the defaults (a setting may name only one of the two)."""
    configured = getattr(settings, "DYNALAB_API_RATE_LIMIT", {}) or {}
    rate = float(configured.get("requests_per_second", DEFAULT_REQUESTS_PER_SECOND))
    burst = float(configured.get("burst", DEFAULT_BURST))
    return RateLimit(requests_per_second=max(0.0, rate), burst=max(1.0, burst))
