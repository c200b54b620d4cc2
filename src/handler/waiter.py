"""The wait policy: retry an attempt with a backed-off interval until it succeeds or a deadline.

Clock and sleep are injected so the same policy runs in tests, in the demo and in benchmarks on a
simulated clock. The policies that ship are named in budget.py.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator

from solution_rules.records import NamedTuple

# Pacing under throttling, chosen with `make bench-load` (many resources updated together against
# an account-wide rate): a first throttle slows a wait at once, so that a crowd spreads out in one
# round rather than in four; each later one doubles the slowdown; each call that goes through
# keeps nine tenths of it (with a quarter, the crowd settles near three failures in ten calls).
FIRST_SLOWDOWN = 16.0
MAX_SLOWDOWN = 64.0  # the stretch's own bound; the pacer's cap bounds the pause it makes
EASE = 0.9
JITTER_FLOOR = 0.25  # a stretched pause is drawn from a quarter of it to all of it


class Retry(Exception):
    """Not done yet; the message says what we are waiting for, and `advice` what a person can do
    if the wait runs out. `transient`: because a call failed (throttled, reset, 5xx), not because
    the awaited change has not happened; `throttled`, among those, because the service asked us
    to slow down. `incidental`: a reason of our own (too little time left to start a call), which
    never hides the last reason Personalize gave."""

    def __init__(
        self,
        message: str,
        *,
        advice: str = "",
        transient: bool = False,
        throttled: bool = False,
        incidental: bool = False,
    ) -> None:
        super().__init__(message)
        self.advice = advice
        self.transient = transient
        self.throttled = throttled
        self.incidental = incidental


class TimedOut(Exception):
    """The deadline came first: the message says what we were waiting for (the last reason
    Personalize gave), `advice` what a person can do."""

    def __init__(self, waiting_for: str, advice: str = "") -> None:
        super().__init__(waiting_for)
        self.waiting_for = waiting_for
        self.advice = advice


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


class Deadline:
    """A point in time on an injected clock (the wall clock in production: deadlines span
    invocations). A plain class, not a dataclass: nothing compares or prints one, and a dataclass
    costs every cold start the compiling of its generated methods."""

    def __init__(self, at: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.at = at
        self.clock = clock

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - self.clock())


class Pacer:
    """Stretches a policy's intervals while Personalize throttles or fails (FIRST_SLOWDOWN at the
    first throttle, doubling at each failure after, or from the first for a passing fault), with
    jitter so that many waits started together drift apart, and eases back gradually (EASE per
    call that goes through). It never snaps back to the full rate, which would be throttled
    again at once. One pacer serves every wait of an invocation."""

    def __init__(self, cap: float, jitter: Callable[[], float] = random.random) -> None:
        self.cap = cap
        self.slowdown = 1.0
        self._jitter = jitter

    def failed(self, throttled: bool) -> None:
        """A call failed transiently: slow down, at once if it was throttled (a crowd of waits
        spends the account's rate together), else doubling (a passing fault)."""
        doubled = self.slowdown * 2
        self.slowdown = min(MAX_SLOWDOWN, max(FIRST_SLOWDOWN, doubled) if throttled else doubled)

    def went_through(self) -> None:
        """A call went through: ease back, gradually."""
        self.slowdown = max(1.0, self.slowdown * EASE)

    def pause(self, planned: float) -> float:
        """The pause before the next call, for a policy interval of `planned` seconds."""
        if self.slowdown <= 1.0:
            return planned
        share = JITTER_FLOOR + (1.0 - JITTER_FLOOR) * self._jitter()
        return min(self.cap, planned * self.slowdown) * share


def wait_for[T](
    attempt: Callable[[], T],
    deadline: Deadline,
    policy: PollPolicy,
    sleep: Callable[[float], None] = time.sleep,
    *,
    purpose: str,
    advice: str = "",
    pause_first: bool = False,
    pacer: Pacer | None = None,
) -> T:
    """Call attempt until it returns; it raises Retry to ask for another try after a pause.
    No pause outlasts the deadline, and no try starts after a pause that reached it: TimedOut
    then names `purpose` (with `advice`) if no try ran, else the last reason that was not
    incidental, with its advice. With pause_first the first try waits an interval too: right
    after a change is requested, a check can only say it has not happened yet. With a pacer,
    transient failures stretch the intervals: the service asked us to slow down."""
    if deadline.remaining() <= 0:
        raise TimedOut(purpose, advice)
    intervals = policy.intervals()
    cause: Retry | None = None
    if pause_first:
        sleep(min(next(intervals), deadline.remaining()))
    while True:
        try:
            result = attempt()
        except Retry as waiting:
            if pacer is not None and waiting.transient:
                pacer.failed(waiting.throttled)
            elif pacer is not None and not waiting.incidental:
                pacer.went_through()
            cause = cause if waiting.incidental and cause else waiting
            remaining = deadline.remaining()
            if remaining <= 0:
                raise TimedOut(str(cause), cause.advice) from None
            interval = next(intervals)
            sleep(min(pacer.pause(interval) if pacer else interval, remaining))
        else:
            if pacer is not None:
                pacer.went_through()
            return result
