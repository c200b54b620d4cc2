"""A simulated clock shared by the emulator and the handler's waiter: sleeping advances it at once.

Used where real waiting is too slow (the fault matrix, benchmarks). The same policy code runs; only
the passage of time between polls is compressed. Network I/O still takes real time.
"""

from __future__ import annotations

import threading
import time


class SimulatedClock:
    """Seconds since the epoch, advanced only by sleep()/advance()."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start
        self._lock = threading.Lock()
        self._real_offset: float | None = None
        self.slept = 0.0

    def now(self) -> float:
        """The simulated time."""
        with self._lock:
            if self._real_offset is not None:
                return time.time() + self._real_offset
            return self._now

    def sleep(self, seconds: float) -> None:
        """Advance the clock instead of waiting (and let other threads run)."""
        if self._real_offset is not None:
            time.sleep(seconds)
            return
        with self._lock:
            self._now += max(0.0, seconds)
            self.slept += max(0.0, seconds)
        time.sleep(0)

    advance = sleep

    def run_in_real_time(self) -> None:
        """From now on, follow the real clock (keeping the current reading): for concurrent
        callers, whose sleeps would otherwise all advance one shared clock."""
        with self._lock:
            self._real_offset = self._now - time.time()
