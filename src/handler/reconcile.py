"""Pure decisions: is an update needed, is the update we started settled, what do we report.

No I/O here, so every rule that costs users money (a needless UpdateSolution starts a training run)
or misleads CloudFormation (success read from a stale update) is unit-tested directly.
"""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import NamedTuple

from properties import DesiredSettings, EventParameter, schedule_expression
from solution import ACTIVE, CREATE_FAILED, Settings, SolutionState

SOLUTION_UNUSABLE = ("CREATE FAILED", "DELETE PENDING", "DELETE IN_PROGRESS")


class Phase(Enum):
    """Where the update we wait for stands."""

    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class Progress(NamedTuple):
    """The phase plus the status string seen, for the timeline and for timeout reasons."""

    phase: Phase
    status: str
    failure_reason: str | None = None


def _event_key(item: EventParameter) -> tuple[str, float, float]:
    """A sort key for event parameters, so that order does not count as a difference."""
    nan = float("nan")
    return (
        item.event_type or "",
        nan if item.event_value_threshold is None else item.event_value_threshold,
        nan if item.weight is None else item.weight,
    )


def _same_events(left: tuple[EventParameter, ...], right: tuple[EventParameter, ...]) -> bool:
    """Order-insensitive comparison of two event parameter lists."""
    return sorted(map(repr, map(_event_key, left))) == sorted(map(repr, map(_event_key, right)))


def differences(desired: DesiredSettings, current: Settings) -> list[str]:
    """Names of the asked-for properties whose value differs from the given settings."""
    changed = []
    if desired.perform_auto_training not in (None, current.perform_auto_training):
        changed.append("PerformAutoTraining")
    if desired.perform_incremental_update not in (None, current.perform_incremental_update):
        changed.append("PerformIncrementalUpdate")
    if desired.schedule_days not in (None, current.schedule_days):
        changed.append("SchedulingExpression")
    if desired.event_parameters is not None and not _same_events(
        desired.event_parameters, current.event_parameters
    ):
        changed.append("EventParametersList")
    return changed


def unusable_reason(state: SolutionState) -> str | None:
    """Why this solution can never be updated (failed or being deleted), or None."""
    if state.status in SOLUTION_UNUSABLE:
        return f"Solution {state.arn} is in status {state.status} and cannot be updated"
    return None


def busy_reason(state: SolutionState) -> str | None:
    """What the solution is busy with (still being created, an update in progress), or None."""
    if state.status != ACTIVE:
        return f"the solution is in status {state.status}"
    update = state.latest_update
    if update is not None and update.status not in (ACTIVE, CREATE_FAILED):
        return f"another solution update is in status {update.status}"
    return None


def progress_of(
    state: SolutionState, desired: DesiredSettings, baseline: datetime | None
) -> Progress:
    """Judge the update we started, given the creation time of the update seen before ours.

    A read may lag behind UpdateSolution (and so may the read we took the baseline from): an
    update is ours only if it was created after the baseline and carries the settings we asked
    for. Anything else counts as pending, never as success or failure.
    """
    update = state.latest_update
    if (
        update is None
        or (baseline is not None and update.created <= baseline)
        or differences(desired, update.settings)
    ):
        return Progress(Phase.PENDING, "not yet visible")
    if update.status == ACTIVE:
        return Progress(Phase.SUCCEEDED, update.status)
    if update.status == CREATE_FAILED:
        return Progress(Phase.FAILED, update.status, update.failure_reason or "no reason given")
    return Progress(Phase.PENDING, update.status)


def attributes(state: SolutionState) -> dict[str, str]:
    """The Fn::GetAtt attributes, all strings, read from a settled state."""
    update = state.latest_update
    settings = state.settings
    return {
        "SolutionArn": state.arn,
        "PerformAutoTraining": str(settings.perform_auto_training).lower(),
        "SchedulingExpression": schedule_expression(settings.schedule_days),
        "PerformIncrementalUpdate": str(settings.perform_incremental_update).lower(),
        "Status": update.status if update else state.status,
        "LastUpdatedDateTime": (update.last_updated if update else state.last_updated).isoformat(),
    }
