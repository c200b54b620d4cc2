"""The wait policy: retry an attempt with a backed-off interval until it succeeds or a deadline.

Clock and sleep are injected so the same policy runs in tests, in the demo and in benchmarks on a
simulated clock. The policies that ship are named in budget.py.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple


class Retry(Exception):
    """Not done yet; the message says what we are waiting for. `transient`: because a call
    failed (throttled, reset, 5xx), not because the awaited change has not happened."""

    def __init__(self, message: str, *, transient: bool = False) -> None:
        super().__init__(message)
        self.transient = transient


class TimedOut(Exception):
    """The deadline came first; the message says what we were waiting for and for how long."""

    def __init__(self, message: str, waiting_for: str) -> None:
        super().__init__(message)
        self.waiting_for = waiting_for


class PollPolicy(NamedTuple):
    """Intervals first, first*factor, ... capped at cap seconds."""

    first: float
    factor: float
    cap: float

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
    *,
    purpose: str,
    pause_first: bool = False,
    backoff: PollPolicy | None = None,
) -> T:
    """Call attempt until it returns; it raises Retry to ask for another try after a pause.
    No try starts once the deadline has passed (TimedOut names `purpose` if none ran). With
    pause_first the first try waits an interval too: right after a change is requested, a
    check can only say it has not happened yet. With backoff, a run of transient failures is
    paced by it instead of by policy: the service asked us to slow down."""
    started = deadline.clock()
    if deadline.remaining() <= 0:
        raise TimedOut(f"No time left to start waiting for {purpose}", purpose)
    intervals = policy.intervals()
    failures: Iterator[float] | None = None
    if pause_first:
        sleep(min(next(intervals), deadline.remaining()))
    while True:
        try:
            return attempt()
        except Retry as waiting:
            remaining = deadline.remaining()
            if remaining <= 0:
                waited = deadline.clock() - started
                message = f"Gave up after {waited:.0f} s waiting for {waiting}"
                raise TimedOut(message, str(waiting)) from None
            if waiting.transient and backoff is not None:
                failures = failures or backoff.intervals()
                interval = next(failures)
            else:
                failures = None
                interval = next(intervals)
            sleep(min(interval, remaining))
