"""Virtual time and cooperative processes: the simulation's only clock and its only concurrency.

Each process (a Lambda invocation, a watchdog that fires, another writer's call) runs the real
code on a thread of its own, but only one runs at a time, and it gives way only where the real
code would wait: in `sleep`, or at an edge call that takes time. The scheduler then resumes
whichever process is due first (by time, then by the order it was scheduled in), so a history
plays out the same way every time, however the operating system schedules the threads.

A process may have a deadline (Lambda's timeout): a pause that would reach it ends there with
`Killed` raised in the process, as Lambda ends an invocation mid-call.
"""

from __future__ import annotations

import heapq
import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


class Killed(BaseException):
    """Raised in a process whose deadline came: what Lambda does to an invocation at its timeout."""


class Stalled(RuntimeError):
    """A process did not give way within the real-time bound: a real sleep or a blocking call the
    simulation does not replace (a seam to redesign, not to bypass)."""


STALL_SECONDS = 30.0  # real seconds a process may run without giving way


@dataclass(eq=False)
class Process:
    """One thread of the simulation; `deadline` (virtual) ends it with Killed; `on_end` is told,
    on its thread, once it has ended (its body returned, raised, or was killed, perhaps before
    it began)."""

    name: str
    body: Callable[[], None]
    deadline: float | None = None
    tag: str = ""  # what it works for (the request's id), for the record of calls
    on_end: Callable[[Process], None] | None = None
    stalls: float | None = None  # from then on, a pause lasts to the deadline (a hung call)
    cancelled: bool = False
    done: bool = False
    killed: bool = False
    error: BaseException | None = None
    _go: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None
    _ticket: int = 0  # a queue entry with an older ticket is stale (the process was woken)

    def cancel(self) -> None:
        """Call off a process that has not started (a timer that should not fire)."""
        self.cancelled = True


class Scheduler:
    """Virtual seconds since the epoch, moved only by the scheduler; processes that take turns."""

    def __init__(self, start: float) -> None:
        self._now = start
        self._queue: list[tuple[float, int, Process]] = []
        self._order = itertools.count()
        self._local = threading.local()
        self._yielded = threading.Event()
        self.errors: list[tuple[str, BaseException]] = []

    def now(self) -> float:
        """The virtual time."""
        return self._now

    def current(self) -> Process | None:
        """The process running this code, None outside any."""
        return getattr(self._local, "process", None)

    def spawn(
        self,
        at: float,
        body: Callable[[], None],
        name: str,
        deadline: float | None = None,
        tag: str = "",
        on_end: Callable[[Process], None] | None = None,
        stalls: float | None = None,
    ) -> Process:
        """Start `body` as a process at virtual time `at` (not before now)."""
        process = Process(name, body, deadline, tag, on_end, stalls)
        self._push(max(at, self._now), process)
        return process

    def timer(self, seconds: float, action: Callable[[], None]) -> Process:
        """threading.Timer's part in the simulation: `action` runs as a process after `seconds`,
        unless cancelled first; it belongs to the invocation that started it (its deadline)."""
        owner = self.current()
        deadline, tag = (owner.deadline, owner.tag) if owner else (None, "")
        name = f"{owner.name}:timer" if owner else "timer"
        return self.spawn(self._now + seconds, action, name, deadline, tag)

    def wake(self, process: Process) -> None:
        """End `process`'s pause now (an awaited event came): it runs next at this time."""
        if not process.done and process._thread is not None and process is not self.current():
            self._push(self._now, process)

    def close(self) -> None:
        """End every process still waiting (Killed in each), so that no thread outlives the
        history."""
        while self._queue:
            _, _, process = heapq.heappop(self._queue)
            if process.done:
                continue
            if process._thread is None:
                process.done = True
                continue
            process.killed = True
            self._resume(process)

    def sleep(self, seconds: float) -> None:
        """Pause the running process for `seconds` of virtual time; Killed if its deadline comes
        first. Outside a process (no turns to take), the clock just moves."""
        process = self.current()
        if process is None:
            self._now += max(0.0, seconds)
            return
        if process.killed:
            raise Killed(process.name)
        wake = self._now + max(0.0, seconds)
        if process.stalls is not None and self._now >= process.stalls:
            wake = float("inf")  # it never gives an answer back: only its deadline ends it
        if process.deadline is not None:
            wake = min(wake, process.deadline)
        self._push(wake, process)
        self._yielded.set()
        process._go.wait()
        process._go.clear()
        if process.killed or (process.deadline is not None and self._now >= process.deadline):
            process.killed = True
            raise Killed(process.name)

    def run(self, until: float) -> None:
        """Run processes in turn until none is due before `until`; the clock ends at the last
        process's time (or `until`, if it is earlier)."""
        while self._queue and self._queue[0][0] <= until:
            at, ticket, process = heapq.heappop(self._queue)
            if process.cancelled or process.done or ticket < process._ticket:
                continue
            self._now = max(self._now, at)
            self._resume(process)

    def _push(self, at: float, process: Process) -> None:
        """Queue `process` to run at `at`; earlier entries of it become stale."""
        ticket = next(self._order)
        process._ticket = ticket
        heapq.heappush(self._queue, (at, ticket, process))

    def _resume(self, process: Process) -> None:
        """Let `process` run until it gives way or ends."""
        self._yielded.clear()
        if process._thread is None:
            process._thread = threading.Thread(
                target=self._main, args=(process,), name=process.name, daemon=True
            )
            process._thread.start()
        else:
            process._go.set()
        if not self._yielded.wait(STALL_SECONDS):
            raise Stalled(f"{process.name} did not give way within {STALL_SECONDS:g} real seconds")

    def _main(self, process: Process) -> None:
        """A process's thread: its body, then the turn back to the scheduler."""
        self._local.process = process
        try:
            if process.deadline is not None and self._now >= process.deadline:
                process.killed = True
                raise Killed(process.name)
            process.body()
        except Killed:
            pass
        except BaseException as error:  # noqa: BLE001 - an escape is a finding, not a crash
            process.error = error
            self.errors.append((process.name, error))
        finally:
            process.done = True
            try:
                if process.on_end is not None:
                    process.on_end(process)
            except BaseException as error:  # noqa: BLE001 - a finding too; the turn goes back
                self.errors.append((process.name, error))
            self._yielded.set()
