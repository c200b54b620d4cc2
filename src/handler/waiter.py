"""The wait policy: retry an attempt with a backed-off interval until it succeeds or a deadline.

Clock and sleep are injected so the same policy runs in tests, in the demo and in benchmarks on a
simulated clock. The interval cap bounds how late we notice a settled update (2 s by default).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field


class Retry(Exception):
    """Not done yet; the message says what we are waiting for."""


class TimedOut(Exception):
    """The deadline came first; the message says what we were waiting for and for how long."""

    def __init__(self, message: str, waiting_for: str) -> None:
        super().__init__(message)
        self.waiting_for = waiting_for


@dataclass(frozen=True)
class PollPolicy:
    """Intervals first, first*factor, ... capped at cap seconds."""

    first: float = 0.5
    factor: float = 1.5
    cap: float = 2.0

    def intervals(self) -> Iterator[float]:
        """The successive sleep lengths, forever."""
        interval = self.first
        while True:
            yield interval
            interval = min(interval * self.factor, self.cap)


@dataclass
class Deadline:
    """A point on an injected monotonic clock."""

    at: float
    clock: Callable[[], float] = field(default=time.monotonic)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - self.clock())


def wait_for[T](
    attempt: Callable[[], T],
    deadline: Deadline,
    policy: PollPolicy,
    sleep: Callable[[float], None] = time.sleep,
) -> T:
    """Call attempt until it returns; it raises Retry to ask for another try after a pause."""
    started = deadline.clock()
    intervals = policy.intervals()
    while True:
        try:
            return attempt()
        except Retry as waiting:
            remaining = deadline.remaining()
            if remaining <= 0:
                waited = deadline.clock() - started
                message = f"Gave up after {waited:.0f} s waiting for {waiting}"
                raise TimedOut(message, str(waiting)) from None
            sleep(min(next(intervals), remaining))
