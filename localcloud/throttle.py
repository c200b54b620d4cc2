"""Account-wide request rates for the emulator: one token bucket per operation.

AWS throttles control-plane calls per account and region; the emulator serves one account in one
process, so one bucket per operation is account-wide. A call that finds its bucket empty is
answered ThrottlingException (HTTP 400), which botocore's standard retry mode treats as
throttling. Off unless limited: `throttle.limit("DescribeSolution", 5.0)`, then `clear()`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class TokenBucket:
    """`rate` tokens per second, holding at most `burst`; each admitted call takes one."""

    rate: float
    burst: float
    tokens: float = field(init=False)
    refilled: float | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        self.tokens = self.burst

    def take(self, now: float) -> bool:
        """Refill for the time since the last call, then take a token if one is there."""
        if self.refilled is not None:
            self.tokens = min(self.burst, self.tokens + (now - self.refilled) * self.rate)
        self.refilled = now
        if self.tokens < 1:
            return False
        self.tokens -= 1
        return True


@dataclass
class Throttle:
    """The buckets of the emulator's account, by operation name; thread-safe."""

    buckets: dict[str, TokenBucket] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def limit(self, operation: str, rate: float, burst: float | None = None) -> None:
        """Admit `rate` calls of operation per second, `burst` (default: one second's worth) at
        once; the bucket starts full."""
        with self.lock:
            self.buckets[operation] = TokenBucket(rate, rate if burst is None else burst)

    def admits(self, operation: str, now: float) -> bool:
        """Whether a call of operation at `now` (the emulator's clock) gets through."""
        with self.lock:
            bucket = self.buckets.get(operation)
            return bucket is None or bucket.take(now)

    def clear(self) -> None:
        """No limits any more."""
        with self.lock:
            self.buckets.clear()

    @contextmanager
    def limits(self, rates: Mapping[str, float]) -> Iterator[None]:
        """Limit each operation to its rate (calls per second) for the duration of the block."""
        for operation, rate in rates.items():
            self.limit(operation, rate)
        try:
            yield
        finally:
            self.clear()


throttle = Throttle()
