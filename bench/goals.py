"""What one run measured, and the goals it is judged against, as records: each goal a name, a
comparison, a threshold and the measured value, so reports and plots read the same numbers."""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from bench.coldstart import ColdStart
from bench.guards import DeleteTiming, Guard
from bench.load import SERVICE_TIMEOUT, LoadRun
from bench.polling import DURATIONS, PollingResult

LATENCY_GOAL = 2.0  # s, median added latency of an update settling within the first invocation
CALLS_GOAL = 1 / 3  # of the fixed 5 s poller's DescribeSolution calls
IMPORT_GOAL = 1.10  # import app from the build artifact / bare boto3 client, medians of ready
DELETE_WALL_LIMIT = 1.0  # s: no billed sleep on Delete
LOAD_SIZE = 50  # the size the throttling goals are set for
THROTTLED_GOAL = 0.25  # share of DescribeSolution calls answered ThrottlingException
WELL_INSIDE = 0.5  # the last answer within this share of ServiceTimeout

Comparison = Literal["<=", "=="]
COMPARE: dict[Comparison, Callable[[float, float], bool]] = {"<=": operator.le, "==": operator.eq}


@dataclass(frozen=True)
class Goal:
    """One goal: `measured comparison threshold`, in `unit`."""

    name: str
    comparison: Comparison
    threshold: float
    measured: float
    unit: str = ""

    @property
    def met(self) -> bool:
        """Whether the measured value satisfies the goal."""
        return COMPARE[self.comparison](self.measured, self.threshold)


@dataclass(frozen=True)
class Results:
    """Everything one run measured; a section not run is None."""

    polling: PollingResult | None = None
    guards: list[Guard] | None = None
    delete: DeleteTiming | None = None
    cold: ColdStart | None = None
    load: list[LoadRun] | None = None


def polling_goals(polling: PollingResult) -> list[Goal]:
    """Latency where it is promised (the first invocation), and calls against the 5 s poller."""
    fitting = [d for d in DURATIONS if polling.cells[("ours", d)].fits]
    worst = max(polling.cells[("ours", d)].latency for d in fitting)
    return [
        Goal(
            f"median added latency, updates settling in the first invocation ({len(fitting)} "
            "durations): worst",
            "<=",
            LATENCY_GOAL,
            worst,
            "s",
        ),
        Goal(
            "DescribeSolution calls, ours / fixed 5 s poller: worst duration",
            "<=",
            CALLS_GOAL,
            max(polling.calls_ratio(d) for d in DURATIONS),
            "x",
        ),
    ]


def guard_goals(guards: list[Guard]) -> list[Goal]:
    """Duplicate and no-op deliveries answer SUCCESS and call UpdateSolution never."""
    free = [g for g in guards if g.must_be_free]
    return [
        Goal(
            "UpdateSolution calls of duplicate and no-op deliveries",
            "==",
            0,
            sum(g.update_calls for g in free),
        ),
        Goal(
            "duplicate and no-op deliveries answered SUCCESS",
            "==",
            len(free),
            sum(g.status == "SUCCESS" for g in free),
        ),
    ]


def delete_goals(delete: DeleteTiming) -> list[Goal]:
    """Delete answers SUCCESS at once, touching nothing and sleeping never."""
    return [
        Goal("Deletes answered SUCCESS", "==", len(delete.walls), delete.statuses.count("SUCCESS")),
        Goal("Delete: slowest answer, wall time", "<=", DELETE_WALL_LIMIT, max(delete.walls), "s"),
        Goal("Delete: Personalize calls", "==", 0, delete.personalize_calls),
        Goal("Delete: simulated sleep", "==", 0, delete.simulated_sleep, "s"),
    ]


def cold_goals(cold: ColdStart) -> list[Goal]:
    """The handler's import, as Lambda's init runs the build artifact, costs little over the
    bare client's, compiles nothing, and reaches for nothing."""
    return [
        Goal(
            "cold start as on Lambda, import app from the build artifact / bare boto3 client",
            "<=",
            IMPORT_GOAL,
            cold.ratio(cold.artifact),
            "x",
        ),
        Goal("build artifact: modules compiled at each start", "==", 0, cold.artifact.compiled),
        Goal("connection attempts during the imports", "==", 0, cold.connections),
    ]


def load_goals(runs: list[LoadRun]) -> list[Goal]:
    """Every size: all SUCCESS, one UpdateSolution each. At LOAD_SIZE: little throttling, and
    the last answer well inside ServiceTimeout."""
    goals = []
    for run in runs:
        goals += [
            Goal(f"N={run.size}: answers SUCCESS", "==", run.size, run.success),
            Goal(f"N={run.size}: UpdateSolution calls accepted", "==", run.size, run.updates),
        ]
        if run.size == LOAD_SIZE:
            goals += [
                Goal(
                    f"N={run.size}: DescribeSolution calls throttled",
                    "<=",
                    THROTTLED_GOAL,
                    run.throttled_share,
                    "share",
                ),
                Goal(
                    f"N={run.size}: last answer / ServiceTimeout ({SERVICE_TIMEOUT} s)",
                    "<=",
                    WELL_INSIDE,
                    run.slowest / SERVICE_TIMEOUT,
                    "share",
                ),
            ]
    return goals


def judge(results: Results) -> list[Goal]:
    """The goals of every section that ran, in report order."""
    goals: list[Goal] = []
    if results.polling:
        goals += polling_goals(results.polling)
    if results.guards:
        goals += guard_goals(results.guards)
    if results.delete:
        goals += delete_goals(results.delete)
    if results.cold:
        goals += cold_goals(results.cold)
    if results.load:
        goals += load_goals(results.load)
    return goals
