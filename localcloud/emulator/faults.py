"""The emulator's controls: the clock, timing and reading in force, the faults waiting to be served
(error codes, failing and followed updates, trainings), the calls answered, and the network faults
acted out on a connection.

One process-wide `controls`, shared by the server's threads under its lock; tests and the demo set
it and read it back, `reset()` restores the defaults.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.personalize.models import personalize_backends

from localcloud.emulator.model import Follower, Reading, Timing, Training


def is_network_fault(fault: str | None) -> bool:
    """`reset` and `hang:<seconds>` are acted out on the connection, not answered as errors."""
    return fault is not None and (fault == "reset" or fault.startswith("hang:"))


@dataclass
class Call:
    """One request the emulator answered: for tests (call counts) and the demo's timeline."""

    at: float
    operation: str
    outcome: str


@dataclass
class Controls:
    """Process-wide knobs: the clock, the timing, the reading played, and faults waiting to be
    served."""

    clock: Callable[[], float] = time.time
    timing: Timing = field(default_factory=Timing)
    reading: Reading = field(default_factory=Reading)
    faults: dict[str, list[str | None]] = field(default_factory=dict)
    failing_updates: list[str] = field(default_factory=list)
    followers: list[Follower] = field(default_factory=list)
    trainings: dict[str, Training] = field(default_factory=dict)  # the latest, per solution
    calls: list[Call] = field(default_factory=list)
    lock: threading.RLock = field(default_factory=threading.RLock)
    stopping: threading.Event = field(default_factory=threading.Event)  # cuts hangs short

    def inject(self, operation: str, code: str, times: int = 1, after: int = 0) -> None:
        """The next `times` calls of operation fail with an error code (ThrottlingException,
        InternalFailure, ...), or a network fault: `reset`, or `hang:<seconds>` before answering.
        With `after`, that many calls are served normally first."""
        with self.lock:
            self.faults.setdefault(operation, []).extend([None] * after + [code] * times)

    def fail_next_update(self, reason: str) -> None:
        """The next accepted update ends CREATE FAILED with this failureReason."""
        with self.lock:
            self.failing_updates.append(reason)

    def follow(self, gap: float = 0.1, failure_reason: str | None = None, **asked: Any) -> None:
        """Someone else's update (UpdateSolution fields `asked`) is created `gap` seconds after
        the next accepted update settles, and settles before a client checking every few
        seconds can see that one; it ends CREATE FAILED with `failure_reason` if given."""
        with self.lock:
            self.followers.append(Follower(asked, gap, failure_reason))

    def train(self, arn: str, seconds: float) -> None:
        """Start a solution version training for `seconds`: DescribeSolution shows it as the
        latestSolutionVersion, and the solution is busy (UpdateSolution is ResourceInUse)."""
        with self.lock:
            now = self.clock()
            self.trainings[arn] = Training(f"{arn}/{uuid.uuid4().hex[:8]}", now, now + seconds)

    def training(self, arn: str, now: float) -> bool:
        """Whether a solution version of this solution is being trained."""
        with self.lock:
            run = self.trainings.get(arn)
            return run is not None and now < run.until

    def count(self, operation: str, outcome: str | None = None) -> int:
        """How many calls of operation were answered (with this outcome, if given)."""
        with self.lock:
            return sum(
                1
                for call in self.calls
                if call.operation == operation and outcome in (None, call.outcome)
            )

    def reset(self) -> None:
        """Forget faults, calls, clock, timing and reading changes, and every solution."""
        with self.lock:
            self.clock = time.time
            self.timing = Timing()
            self.reading = Reading()
            self.faults.clear()
            self.failing_updates.clear()
            self.followers.clear()
            self.trainings.clear()
            self.calls.clear()
            personalize_backends.reset()  # the solutions live on moto's backends


controls = Controls()


def act_out(fault: str, connection: socket.socket) -> None:
    """Act out a network fault: `reset` sends a TCP RST, `hang:<s>` answers only after s seconds."""
    if fault == "reset":
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
        raise ConnectionResetError("emulated connection reset")
    controls.stopping.wait(float(fault.split(":", 1)[1]))
