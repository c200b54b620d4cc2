"""Polling: the shipped wait against a fixed 5 s poller and a 2-minute schedule, and a sweep of
fixed intervals, each run through the real handler on a simulated clock shared with the emulator.

A 600 s update takes only as long as its HTTP calls: sleeping advances the clock.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from bench.cloud import FIVE_DAYS, BenchError, LocalCloud
from bench.shipped import FUNCTION_TIMEOUT
from budget import PATIENT, PROMPT
from localcloud.cloudformation import CloudFormation
from localcloud.harness import handler_on_clock
from localcloud.simclock import SimulatedClock
from waiter import PollPolicy

DURATIONS = (1, 5, 15, 30, 60, 120, 300, 600, 1800, 3000)  # UpdateSolution to ACTIVE, seconds
SWEEP_DURATION = 360  # the sweep's update length: a multiple of every interval, so phases stratify
SWEEP_INTERVALS = (1, 2, 3, 4, 5, 8, 10, 15, 20, 30)  # seconds
PHASES = (1 / 6, 1 / 2, 5 / 6)  # midpoints of three equal strata of a poll interval
SHORT_INVOCATION = 0.1  # billed seconds of one short isComplete / scheduled poll invocation


@dataclass(frozen=True)
class Policy:
    """A polling policy run through the real SolutionUpdater. `poll` paces every wait (as the
    updater's prompt and patient policies both); None means the shipped PROMPT and PATIENT."""

    key: str
    label: str
    poll: PollPolicy | None
    confirm_delay: float | None
    in_one_invocation: bool  # True: the function waits (billed); False: short checks, 0.1 s each

    def steady_interval(self, duration: float) -> float:
        """The interval the policy settles into at this duration: the scale of its phase
        offsets. Ours polls at PROMPT's 2 s in the first invocation, at PATIENT's cap after."""
        if self.poll is not None:
            return self.poll.cap
        return PROMPT.cap if duration < FUNCTION_TIMEOUT else PATIENT.cap


def fixed(seconds: float) -> PollPolicy:
    """One check every `seconds`."""
    return PollPolicy(first=seconds, factor=1, cap=seconds)


OURS = Policy("ours", "ours", None, None, in_one_invocation=True)
FIXED5 = Policy("fixed5", "fixed 5 s", fixed(5), 0.0, in_one_invocation=False)
SCHED120 = Policy("sched120", "2-min schedule", fixed(120), 0.0, in_one_invocation=False)
POLICIES = (OURS, FIXED5, SCHED120)
# The shipped handler (confirming read included) with one fixed interval each, and the fixed 5 s
# poller as the baseline at the sweep's duration.
SWEEP = (
    *(
        Policy(f"every{i:g}", f"every {i:g} s", fixed(i), None, in_one_invocation=True)
        for i in SWEEP_INTERVALS
    ),
    FIXED5,
)


@dataclass(frozen=True)
class Run:
    """One Create through the handler with one policy, one duration and one phase."""

    policy: str
    duration: float
    latency: float
    describes: int
    billed: float
    invocations: int


@dataclass(frozen=True)
class Cell:
    """The median over phases for one policy and duration."""

    latency: float
    describes: float
    billed: float
    invocations: int  # the most any phase needed

    @property
    def fits(self) -> bool:
        """Whether every phase was answered by the invocation that started the update."""
        return self.invocations == 1


Cells = dict[tuple[str, float], Cell]


@dataclass(frozen=True)
class PollingResult:
    """The medians of the policy comparison and of the sweep."""

    cells: Cells
    sweep: Cells

    def calls_ratio(self, duration: float, other: str = "fixed5") -> float:
        """Ours' DescribeSolution calls over another policy's, at one duration."""
        return self.cells[("ours", duration)].describes / self.cells[(other, duration)].describes

    def sweep_share(self, interval: float) -> float:
        """A sweep interval's calls over the fixed 5 s poller's at the sweep's duration."""
        baseline = self.sweep[("fixed5", SWEEP_DURATION)].describes
        return self.sweep[(f"every{interval:g}", SWEEP_DURATION)].describes / baseline


def cloudformation(cloud: LocalCloud, clock: SimulatedClock, policy: Policy) -> CloudFormation:
    """The CloudFormation stand-in delivering to the real handler, wired by localcloud's harness
    on the simulated clock, with the policy's pacing."""
    options: dict[str, object] = {}
    if policy.poll is not None:
        options["prompt"] = options["patient"] = policy.poll
    if policy.confirm_delay is not None:
        options["confirm_delay"] = policy.confirm_delay
    return CloudFormation(
        handler_on_clock(clock, **options),
        cloud.receiver,
        stack_name="bench",
        function_timeout=FUNCTION_TIMEOUT,
        lambda_service=cloud.lambda_service,
    )


def measure_update(
    cloud: LocalCloud, stand_in: CloudFormation, policy: Policy, duration: float, phase: float
) -> Run:
    """A Create on a fresh solution whose update settles `duration + phase * interval` after it
    starts. Latency: from the update settling to the last DescribeSolution that saw it ACTIVE."""
    cloud.set_update_duration(duration + phase * policy.steady_interval(duration))
    arn = cloud.make_solution()
    event = stand_in.event("Create", "AutoTraining", {"SolutionArn": arn, **FIVE_DAYS})
    mark = len(cloud.controls.calls)
    started = cloud.controls.clock()
    exchange = stand_in.deliver(event)
    answered = cloud.controls.clock()
    calls = cloud.calls_since(mark)
    status = exchange.response["Status"]
    if status != "SUCCESS" or not any(c.operation == "UpdateSolution" for c in calls):
        raise BenchError(f"{policy.key} {duration} s answered {status}: {exchange.response}")
    describes = [c for c in calls if c.operation == "DescribeSolution"]
    seen = max((c.at for c in describes if c.outcome == "ACTIVE"), default=answered)
    elapsed = answered - started  # ours: the invocations of a chain run back to back
    billed = elapsed if policy.in_one_invocation else len(describes) * SHORT_INVOCATION
    latency = seen - cloud.settled_at(arn)
    return Run(policy.key, duration, latency, len(describes), billed, exchange.invocations)


def summarise(runs: Sequence[Run]) -> Cells:
    """Medians per (policy, duration), and the most invocations any phase needed."""
    cells = {}
    for key in sorted({(r.policy, r.duration) for r in runs}):
        group = [r for r in runs if (r.policy, r.duration) == key]
        cells[key] = Cell(
            statistics.median(r.latency for r in group),
            statistics.median(r.describes for r in group),
            statistics.median(r.billed for r in group),
            max(r.invocations for r in group),
        )
    return cells


def measure_polling(cloud: LocalCloud, clock: SimulatedClock) -> PollingResult:
    """Every policy at every duration and phase, then the sweep at SWEEP_DURATION."""
    runs: list[Run] = []
    for policy in POLICIES:
        stand_in = cloudformation(cloud, clock, policy)
        runs += [measure_update(cloud, stand_in, policy, d, p) for d in DURATIONS for p in PHASES]
    swept: list[Run] = []
    for policy in SWEEP:
        stand_in = cloudformation(cloud, clock, policy)
        swept += [measure_update(cloud, stand_in, policy, SWEEP_DURATION, p) for p in PHASES]
    return PollingResult(summarise(runs), summarise(swept))
