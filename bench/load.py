"""Many resources at once: N requests started together, each in its own function process (the
shipped venv, the real handler, a fresh interpreter), against the emulator with account-wide
token buckets on DescribeSolution and UpdateSolution. This runs in real time.

Every process imports the handler first (its cold start) and reports ready; then all N events
are written at once, as CloudFormation sends a stack's independent resources together. Each
resource has its own solution, which needs an update. Processes still running ServiceTimeout plus
a grace period after the start are stopped, and their requests count as unanswered.
"""

from __future__ import annotations

import json
import math
import os
import select
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import shipped
from bench.cloud import FIVE_DAYS, BenchError, LocalCloud, progress
from bench.network import dead_port
from localcloud.cloudformation import CloudFormation
from localcloud.throttle import throttle

SIZES = (10, 25, 50, 100)
# Calls per second for the whole account. Personalize documents no rate for these two; 5 per
# second for DescribeSolution is the figure to meet, and UpdateSolution gets the same.
RATES = {"DescribeSolution": 5.0, "UpdateSolution": 5.0}
UPDATE_SECONDS = 5.0  # UpdateSolution to ACTIVE
SERVICE_TIMEOUT = 300  # seconds, in each request's properties
GRACE = 30.0  # after ServiceTimeout, before a process still running is stopped
READY_TIMEOUT = 300.0  # for every process of one size to finish its cold start
STARTING = os.cpu_count() or 2  # processes importing the handler at once
LOG_TAIL = 2000  # characters of a failed function's log shown on stderr


@dataclass(frozen=True)
class LoadRun:
    """What one size did: answers, calls by outcome, and times in seconds."""

    size: int
    success: int
    answered: int
    extra_answers: int  # answers beyond the first to the same request
    updates: int  # accepted UpdateSolution calls
    updates_throttled: int
    describes: int
    describes_throttled: int
    latencies: list[float]  # per SUCCESS: its answer minus the moment its update settled
    slowest: float  # from the start to the last answer (to the cut-off if one is missing)

    @property
    def throttled_share(self) -> float:
        """The share of DescribeSolution calls answered ThrottlingException."""
        return self.describes_throttled / self.describes if self.describes else 0.0

    def latency(self, quantile: float) -> float | None:
        """A nearest-rank quantile of the added latencies (None without any)."""
        ordered = sorted(self.latencies)
        return ordered[max(0, math.ceil(quantile * len(ordered)) - 1)] if ordered else None


@dataclass
class Function:
    """One function process and the request it will answer."""

    arn: str
    event: dict[str, Any]
    process: subprocess.Popen[bytes]
    ready: int | None  # read end of its ready pipe, until closed
    log: Path

    def close_ready(self) -> None:
        """Close the read end of the ready pipe (once)."""
        if self.ready is not None:
            os.close(self.ready)
            self.ready = None

    def invoke(self) -> None:
        """Hand the process its event; one that died since it was ready simply never answers."""
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(json.dumps(self.event).encode())
            self.process.stdin.close()
        except OSError:
            progress(f"function process for {self.arn} gone before its event")

    def stop(self) -> None:
        """Stop the process if it still runs, and close what is left of its pipes."""
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if self.process.stdin and not self.process.stdin.closed:
            self.process.stdin.close()
        self.close_ready()


def events_only(event: dict[str, Any], context: Any) -> None:
    """The stand-in here only builds events; the function processes are what get invoked."""
    raise BenchError("the load section invokes function processes, not this handler")


def start(index: int, arn: str, event: dict[str, Any], env: dict[str, str], logs: Path) -> Function:
    """Start one function process (it imports the handler, then waits for its event)."""
    ready, signal = os.pipe()
    log = logs / f"function-{index}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(  # noqa: S603 - our module, the shipped venv's interpreter
            [
                str(shipped.python()),
                "-m",
                "bench.invoke",
                str(signal),
                str(shipped.FUNCTION_TIMEOUT),
            ],
            stdin=subprocess.PIPE,
            stdout=output,
            stderr=subprocess.STDOUT,
            env=env,
            cwd=shipped.TASK_ROOT,
            pass_fds=(signal,),
        )
    os.close(signal)
    return Function(arn, event, process, ready, log)


def start_all(
    cloud: LocalCloud, size: int, env: dict[str, str], logs: Path, functions: list[Function]
) -> None:
    """Start `size` function processes on fresh solutions, appending each to `functions` (the
    caller stops them), and return once every one has imported the handler. At most STARTING
    import at a time, so the cold starts do not starve the machine; none has its event yet."""
    events = CloudFormation(events_only, cloud.receiver, stack_name=f"load-{size}")
    properties = {**FIVE_DAYS, "ServiceTimeout": SERVICE_TIMEOUT}
    importing: dict[int, Function] = {}
    deadline = time.monotonic() + READY_TIMEOUT
    for index in range(size):
        while len(importing) >= STARTING:
            await_ready(importing, deadline)
        arn = cloud.make_solution()
        event = events.event("Create", f"Resource{index}", {"SolutionArn": arn, **properties})
        function = start(index, arn, event, env, logs)
        functions.append(function)
        assert function.ready is not None  # open until it reports ready
        importing[function.ready] = function
    while importing:
        await_ready(importing, deadline)


def await_ready(importing: dict[int, Function], deadline: float) -> None:
    """Wait for at least one of the importing processes to report ready, and forget it; one
    that exits first, or none ready by the deadline (time.monotonic()), is an error."""
    readable, _, _ = select.select(list(importing), [], [], max(0.0, deadline - time.monotonic()))
    if not readable:
        raise BenchError(f"function processes not ready within {READY_TIMEOUT:g} s")
    for fd in readable:
        function = importing.pop(fd)
        started = os.read(fd, 1)
        function.close_ready()
        if not started:
            raise BenchError(f"a function process failed to start: {tail(function.log)}")


def tail(log: Path) -> str:
    """The end of a function process's output."""
    return log.read_text(errors="replace")[-LOG_TAIL:]


def finish(functions: Sequence[Function], deadline: float) -> None:
    """Wait for every process until the deadline (time.time()); stop those still running."""
    for function in functions:
        try:
            function.process.wait(timeout=max(0.0, deadline - time.time()))
        except subprocess.TimeoutExpired:
            function.stop()


def measure_size(cloud: LocalCloud, size: int, logs: Path) -> LoadRun:
    """Start `size` functions, hand them their events together, and collect what happened."""
    cloud.set_update_duration(UPDATE_SECONDS)
    env = shipped.environment(
        dead_port(), **cloud.endpoints, PYTHONPATH=f"{shipped.TASK_ROOT}{os.pathsep}{shipped.ROOT}"
    )
    functions: list[Function] = []
    try:
        start_all(cloud, size, env, logs, functions)
        mark = len(cloud.controls.calls)
        with throttle.limits(RATES):
            began = time.time()
            for function in functions:
                function.invoke()
            finish(functions, began + SERVICE_TIMEOUT + GRACE)
            ended = time.time()
    finally:
        for function in functions:
            function.stop()
    return collect(cloud, functions, mark, began, ended)


def collect(
    cloud: LocalCloud, functions: Sequence[Function], mark: int, began: float, ended: float
) -> LoadRun:
    """Count the emulator's calls since `mark`, then read each answer and its solution."""
    calls = cloud.calls_since(mark)

    def count(operation: str, outcome: str | None = None) -> int:
        """Calls of operation during the run (with this outcome, if given)."""
        return sum(1 for c in calls if c.operation == operation and outcome in (None, c.outcome))

    answers = [cloud.receiver.responses_for(f.event["RequestId"]) for f in functions]
    latencies = []
    for function, answer in zip(functions, answers, strict=True):
        if answer and answer[0].body["Status"] == "SUCCESS":
            latencies.append(answer[0].wall - cloud.settled_at(function.arn))
        elif answer:
            progress(f"{function.arn}: {answer[0].body['Status']}, {answer[0].body.get('Reason')}")
        else:
            progress(f"{function.arn}: no answer; its output ends:\n{tail(function.log)}")
    walls = [a[0].wall for a in answers if a]
    complete = len(walls) == len(functions)
    return LoadRun(
        size=len(functions),
        success=len(latencies),
        answered=len(walls),
        extra_answers=sum(max(0, len(a) - 1) for a in answers),
        updates=count("UpdateSolution", "ok"),
        updates_throttled=count("UpdateSolution", "ThrottlingException"),
        describes=count("DescribeSolution"),
        describes_throttled=count("DescribeSolution", "ThrottlingException"),
        latencies=latencies,
        slowest=(max(walls) if complete else ended) - began,
    )


def measure_load(cloud: LocalCloud, sizes: Sequence[int] = SIZES) -> list[LoadRun]:
    """Every size in turn, each on fresh solutions, with the function logs in a temp dir."""
    runs = []
    with tempfile.TemporaryDirectory(prefix="bench-load-") as logs:
        for size in sizes:
            run = measure_size(cloud, size, Path(logs))
            summary = f"{run.success}/{size} SUCCESS, {size - run.answered} unanswered"
            progress(f"  N={size}: {summary}, {run.slowest:.0f} s")
            runs.append(run)
    return runs
