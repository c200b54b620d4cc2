"""What each delivery costs in UpdateSolution calls (each can start a training run), and what a
Delete costs, through the real handler on the simulated clock."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bench.cloud import FIVE_DAYS, BenchError, LocalCloud
from localcloud.cloudformation import CloudFormation, Exchange, StackResource
from localcloud.emulator import Call
from localcloud.simclock import SimulatedClock

GUARD_DURATION = 5.0  # seconds each update takes here
DELETE_RUNS = 5
# The same settings as FIVE_DAYS, spelled as a user might ("TRUE"): a no-op.
FIVE_DAYS_SPELLED: dict[str, Any] = {**FIVE_DAYS, "PerformAutoTraining": "TRUE"}
THREE_DAYS: dict[str, Any] = {
    "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(3 days)"}}
}
# Per delivery, in order: what it is, the UpdateSolution calls it should make, and whether it is
# one of the deliveries that must cost nothing (the others are context).
DELIVERIES = (
    ("Create (rate(5 days))", 1, False),
    ("same Create delivered again", 0, True),
    ('no-op Update (PerformAutoTraining "TRUE")', 0, True),
    ("Update to rate(3 days), which fails", 1, False),
    # Correct under every reading of the docs costs one call here: after a failed update nothing
    # proves the old settings are in force (the solution's own fields may be its creation ones).
    ("rollback Update after the failed one (re-applies)", 1, False),
)


@dataclass(frozen=True)
class Guard:
    """UpdateSolution calls one delivery made, against what it should make."""

    request: str
    status: str
    update_calls: int
    expected: int
    must_be_free: bool


@dataclass(frozen=True)
class DeleteTiming:
    """Wall time of Deletes through the real handler, and what they touched."""

    walls: list[float]
    statuses: list[str]
    personalize_calls: int
    simulated_sleep: float


def update_calls(calls: Sequence[Call]) -> int:
    """Accepted UpdateSolution calls (each may start a training run)."""
    return sum(1 for c in calls if c.operation == "UpdateSolution" and c.outcome == "ok")


def last_status(exchange: Exchange) -> str:
    """The Status of the latest answer for this RequestId (a duplicate delivery shares it)."""
    if not exchange.responses:
        raise BenchError(f"no answer to {exchange.event['RequestType']}")
    return str(exchange.responses[-1].body["Status"])


def measure_guards(cloud: LocalCloud, stand_in: CloudFormation) -> list[Guard]:
    """A Create, its duplicate delivery, a no-op Update, and a failed Update with its rollback,
    played by the CloudFormation stand-in's lifecycle rules."""
    cloud.set_update_duration(GUARD_DURATION)
    arn = cloud.make_solution()
    seen: list[tuple[Exchange, list[Call]]] = []
    mark = len(cloud.controls.calls)

    def record(exchange: Exchange) -> None:
        """Keep each exchange with the emulator calls made since the previous one."""
        nonlocal mark
        seen.append((exchange, cloud.calls_since(mark)))
        mark = len(cloud.controls.calls)

    stand_in.on_exchange = record
    try:
        resource = StackResource(stand_in, "AutoTraining")
        resource.create({"SolutionArn": arn, **FIVE_DAYS})
        stand_in.deliver(dict(seen[0][0].event))
        resource.update({"SolutionArn": arn, **FIVE_DAYS_SPELLED})
        cloud.controls.fail_next_update("bench: rejected schedule")
        resource.update({"SolutionArn": arn, **THREE_DAYS})
    finally:
        stand_in.on_exchange = None
    if len(seen) != len(DELIVERIES):
        raise BenchError(f"expected {len(DELIVERIES)} exchanges, saw {len(seen)}")
    return [
        Guard(label, last_status(exchange), update_calls(calls), expected, free)
        for (label, expected, free), (exchange, calls) in zip(DELIVERIES, seen, strict=True)
    ]


def measure_delete(
    cloud: LocalCloud, stand_in: CloudFormation, clock: SimulatedClock
) -> DeleteTiming:
    """Deliver Deletes of an existing solution's resource, time each answer in wall seconds, and
    count what they slept on the simulated clock (crhelper's default sleeps 120 s)."""
    arn = cloud.make_solution()
    walls, statuses, calls = [], [], 0
    before = clock.slept
    for _ in range(DELETE_RUNS):
        event = stand_in.event(
            "Delete", "AutoTraining", {"SolutionArn": arn, **FIVE_DAYS}, physical_id=arn
        )
        mark = len(cloud.controls.calls)
        started = time.perf_counter()
        exchange = stand_in.deliver(event)
        walls.append(time.perf_counter() - started)
        statuses.append(exchange.response["Status"])
        calls += len(cloud.calls_since(mark))
    return DeleteTiming(walls, statuses, calls, clock.slept - before)
