"""The token buckets behind the per-sandbox request rate, on a fake clock."""

from __future__ import annotations

import threading

from dynalab.api.throttling import RateLimiter, TokenBucket


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_bucket_allows_its_burst_then_refills_at_its_rate() -> None:
    bucket = TokenBucket(rate=2.0, capacity=3.0, now=0.0)

    assert [bucket.take(0.0) for _ in range(4)] == [True, True, True, False]
    assert bucket.take(0.4) is False  # 0.8 of a token
    assert bucket.take(0.5) is True
    assert [bucket.take(100.0) for _ in range(4)] == [True, True, True, False]  # capped at 3


def test_a_clock_that_steps_back_never_adds_tokens() -> None:
    bucket = TokenBucket(rate=1.0, capacity=1.0, now=10.0)

    assert bucket.take(10.0) is True
    assert bucket.take(5.0) is False


def test_each_key_has_its_own_bucket() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 2.0, clock=clock)

    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]
    assert limiter.allow("b") is True
    clock.now = 1.0
    assert limiter.allow("a") is True


def test_the_least_recently_used_keys_are_forgotten_past_the_bound() -> None:
    clock = FakeClock()
    limiter = RateLimiter(1.0, 1.0, max_keys=2, clock=clock)
    limiter.allow("a")
    limiter.allow("b")
    limiter.allow("a")
    limiter.allow("c")  # drops "b", the least recently used

    assert limiter.allow("a") is False
    assert limiter.allow("b") is True  # back with a full bucket


def test_concurrent_callers_never_overspend() -> None:
    limiter = RateLimiter(0.0001, 100.0)
    allowed: list[bool] = []

    def hammer() -> None:
        for _ in range(50):
            allowed.append(limiter.allow("sandbox"))

    threads = [threading.Thread(target=hammer) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert allowed.count(True) == 100
