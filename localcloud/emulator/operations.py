"""The solution operations moto lacks: CreateSolution, DescribeSolution, UpdateSolution,
ListSolutions and DeleteSolution, each a function of where it acts (`Scope`: one account and
region's solutions and the controls in force), the request's parameters and the time.

The one model of Personalize: the HTTP emulator (`server.py`, which keeps each scope's solutions
on moto's PersonalizeBackend, serves faults first, records the call and renders the result) and
the simulation (`localcloud.simulation`, in-process on a virtual clock) both call these. An
operation raises `EmulatorError` for what Personalize answers as an error.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

from localcloud.emulator.faults import Controls
from localcloud.emulator.model import ASKED, Settings, Solution, Timing, Update, merge_config
from localcloud.emulator.validation import (
    EmulatorError,
    check_arn,
    check_config,
    check_name,
    check_recipe,
)
from localcloud.emulator.view import describe


class Scope(NamedTuple):
    """Where an operation acts: one account and region's solutions (by ARN), and the controls in
    force (timing, reading, trainings, failing and followed updates)."""

    account_id: str
    region: str
    solutions: dict[str, Solution]
    controls: Controls


# An operation: where it acts, the request's parameters and the time; it returns the result.
Operation = Callable[[Scope, dict[str, Any], float], dict[str, Any]]


def _solutions(scope: Scope, now: float) -> dict[str, Solution]:
    """The scope's solutions, less those whose deletion has finished."""
    store, controls = scope.solutions, scope.controls
    for arn in [arn for arn, solution in store.items() if solution.gone(now, controls.timing)]:
        del store[arn]
        controls.trainings.pop(arn, None)
    return store


def _find(scope: Scope, arn: str, now: float) -> Solution:
    """The solution `arn`, else ResourceNotFoundException."""
    solution = _solutions(scope, now).get(arn)
    if solution is None:
        raise EmulatorError("ResourceNotFoundException", f"Could not find solution with ARN {arn}")
    return solution


def create_solution(scope: Scope, params: dict[str, Any], now: float) -> dict[str, Any]:
    """CreateSolution: a new solution that becomes ACTIVE after the solution timing."""
    name = check_name(params.get("name", ""))
    group = check_arn(params.get("datasetGroupArn"), "datasetGroupArn")
    arn = f"arn:aws:personalize:{scope.region}:{scope.account_id}:solution/{name}"
    store = _solutions(scope, now)
    if arn in store:
        raise EmulatorError("ResourceAlreadyExistsException", f"Solution {arn} already exists")
    config = params.get("solutionConfig") or {}
    check_config(config)
    check_recipe(params.get("recipeArn"), params.get("performIncrementalUpdate"), config)
    timing = scope.controls.timing
    store[arn] = Solution(
        name=name,
        arn=arn,
        dataset_group_arn=group,
        recipe_arn=params.get("recipeArn"),
        event_type=params.get("eventType"),
        created=now,
        ready=now + timing.solution_pending + timing.solution_in_progress,
        settings=Settings(
            perform_auto_training=params.get("performAutoTraining", True),
            perform_incremental_update=params.get("performIncrementalUpdate", False),
            config={k: v for k, v in config.items() if k in ("autoTrainingConfig", "eventsConfig")},
        ),
        solution_config=config,
    )
    return {"solutionArn": arn}


def describe_solution(scope: Scope, params: dict[str, Any], now: float) -> dict[str, Any]:
    """DescribeSolution, possibly a stale view (see `view.describe`)."""
    arn = check_arn(params.get("solutionArn"), "solutionArn")
    return {"solution": describe(_find(scope, arn, now), now, scope.controls)}


def update_solution(scope: Scope, params: dict[str, Any], now: float) -> dict[str, Any]:
    """UpdateSolution: ResourceInUse while anything is in progress (a training run only if the
    reading says so), else a CREATE PENDING update of the fields the request sent."""
    arn = check_arn(params.get("solutionArn"), "solutionArn")
    change = params.get("solutionUpdateConfig") or {}
    check_config(change)
    solution = _find(scope, arn, now)
    check_recipe(solution.recipe_arn, params.get("performIncrementalUpdate"), change)
    controls = scope.controls
    if solution.status_at(now, controls.timing)[0] != "ACTIVE":
        raise EmulatorError("ResourceInUseException", f"Solution {arn} is not ACTIVE")
    if solution.latest_status(now) not in ("ACTIVE", "CREATE FAILED"):
        raise EmulatorError("ResourceInUseException", f"An update of {arn} is in progress")
    if controls.training(arn, now) and not controls.reading.update_accepted_while_training:
        raise EmulatorError("ResourceInUseException", f"A solution version of {arn} is training")
    current = solution.effective(now)
    failure = controls.failing_updates.pop(0) if controls.failing_updates else None
    ours = new_update(now, params, current, failure, controls.timing)
    solution.updates.append(ours)
    if controls.followers:
        follower = controls.followers.pop(0)
        settled = ours.created + ours.pending + ours.in_progress
        base = current if failure else ours.settings
        solution.updates.append(
            new_update(
                settled + follower.gap,
                follower.asked,
                base,
                follower.failure_reason,
                controls.timing,
            )
        )
    return {"solutionArn": arn}


def new_update(
    created: float,
    params: dict[str, Any],
    current: Settings,
    failure_reason: str | None,
    timing: Timing,
) -> Update:
    """An update created at `created` of the UpdateSolution fields `params` to a solution whose
    settings are `current`, its phases lasting as `timing` says."""
    return Update(
        created=created,
        asked={key: params[key] for key in ASKED if key in params},
        settings=Settings(
            perform_auto_training=params.get("performAutoTraining", current.perform_auto_training),
            perform_incremental_update=params.get(
                "performIncrementalUpdate", current.perform_incremental_update
            ),
            config=merge_config(current.config, params.get("solutionUpdateConfig") or {}),
        ),
        pending=timing.update_pending,
        in_progress=timing.update_in_progress,
        failure_reason=failure_reason,
    )


def list_solutions(scope: Scope, params: dict[str, Any], now: float) -> dict[str, Any]:
    """ListSolutions with the datasetGroupArn filter and nextToken paging."""
    group = params.get("datasetGroupArn")
    solutions = [s for s in _solutions(scope, now).values() if group in (None, s.dataset_group_arn)]
    start = int(params.get("nextToken") or 0)
    size = int(params.get("maxResults") or 100)
    page = solutions[start : start + size]
    result: dict[str, Any] = {"solutions": []}
    for solution in page:
        full = describe(solution, now, scope.controls)
        summary = {
            k: full[k]
            for k in ("name", "solutionArn", "status", "creationDateTime", "lastUpdatedDateTime")
        }
        if solution.recipe_arn:
            summary["recipeArn"] = solution.recipe_arn
        result["solutions"].append(summary)
    if start + size < len(solutions):
        result["nextToken"] = str(start + size)
    return result


def delete_solution(scope: Scope, params: dict[str, Any], now: float) -> dict[str, Any]:
    """DeleteSolution: refused while a version trains or an update is in progress; else the
    solution is DELETE PENDING, then DELETE IN_PROGRESS, then gone (Timing)."""
    arn = check_arn(params.get("solutionArn"), "solutionArn")
    solution = _find(scope, arn, now)
    controls = scope.controls
    if solution.deleted is not None:
        raise EmulatorError("ResourceInUseException", f"Solution {arn} is being deleted")
    # "You can't delete a solution if an associated SolutionVersion is in the CREATE PENDING or
    # IN PROGRESS state." (DeleteSolution)
    if controls.training(arn, now):
        raise EmulatorError("ResourceInUseException", f"A solution version of {arn} is training")
    if solution.latest_status(now) not in ("ACTIVE", "CREATE FAILED"):
        raise EmulatorError("ResourceInUseException", f"An update of {arn} is in progress")
    solution.deleted = now
    _solutions(scope, now)  # with no deletion time, it is gone at once
    return {}


# By the name of the operation, as X-Amz-Target carries it.
OPERATIONS: dict[str, Operation] = {
    "CreateSolution": create_solution,
    "DescribeSolution": describe_solution,
    "UpdateSolution": update_solution,
    "ListSolutions": list_solutions,
    "DeleteSolution": delete_solution,
}
