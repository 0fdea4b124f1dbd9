"""The endpoint's per-sandbox request rate: the sandboxes' token buckets (one home for the
workbench's pages, sandbox creation and the endpoint)."""

from dynalab.sandboxes.throttling import RateLimiter, TokenBucket

__all__ = ["RateLimiter", "TokenBucket"]
