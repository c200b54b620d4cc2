"""A simulated clock shared by the emulator and the handler's waiter: sleeping advances it at once.

Used where real waiting is too slow (the fault matrix, long waits, unit tests of the wait policy,
benchmarks). The same policy code runs; only the passage of time between polls is compressed.
Network I/O still takes real time. Every sleep is recorded, so a test can check a wait's pacing.
"""

from __future__ import annotations

import threading
import time


class SimulatedClock:
    """Seconds since the epoch (or since `start`), moved only by sleep() and advance()."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()
        self._real_offset: float | None = None
        self.sleeps: list[float] = []  # every pause asked of sleep(), in order

    def now(self) -> float:
        """The simulated time."""
        with self._lock:
            if self._real_offset is not None:
                return time.time() + self._real_offset
            return self._now

    def sleep(self, seconds: float) -> None:
        """Pause as the code under test asks: advance the clock (or, in real time, wait), and
        record the pause."""
        with self._lock:
            self.sleeps.append(seconds)
        if self._real_offset is not None:
            time.sleep(seconds)
            return
        self.advance(seconds)
        time.sleep(0)  # let other threads run

    def advance(self, seconds: float) -> None:
        """Let time pass at once, as a test does between steps (not a pause of the code under
        test, so not recorded)."""
        with self._lock:
            if self._real_offset is not None:
                self._real_offset += max(0.0, seconds)
            else:
                self._now += max(0.0, seconds)

    @property
    def slept(self) -> float:
        """Seconds slept in all."""
        with self._lock:
            return sum(max(0.0, seconds) for seconds in self.sleeps)

    def run_in_real_time(self) -> None:
        """From now on, follow the real clock (keeping the current reading): for concurrent
        callers, whose sleeps would otherwise all advance one shared clock."""
        with self._lock:
            self._real_offset = self._now - time.time()
