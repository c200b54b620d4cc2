"""What DescribeSolution shows of a solution at a time, as the reading in force plays it: the
stale-read window, the top-level settings, latestSolutionUpdate and latestSolutionVersion."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from localcloud.emulator.faults import Controls
from localcloud.emulator.model import (
    DEFAULT_SCHEDULE,
    ECHO_DEFAULTS,
    EVENT_PARAMETER_DEFAULTS,
    Solution,
    Update,
    merge_config,
)


def describe(solution: Solution, now: float, controls: Controls) -> dict[str, Any]:
    """The DescribeSolution view under `controls` (timing, reading, trainings); updates younger
    than the stale-read window are not yet visible."""
    visible = [u for u in solution.updates if u.created <= now - controls.timing.stale_read]
    reading = controls.reading
    status, since = solution.status_at(now, controls.timing)
    settings, last_updated = solution.settings, since
    if not reading.top_level_keeps_creation_values:
        settings = replace(solution, updates=visible).effective(now)
        # "The date and time (in Unix time) that the solution was last updated": an update that
        # became ACTIVE changed the solution's settings, so it counts; one that failed did not.
        applied = [u.status_at(now) for u in visible]
        last_updated = max([since, *(at for state, at in applied if state == "ACTIVE")])
    config = merge_config(solution.solution_config, settings.config)
    body: dict[str, Any] = {
        "name": solution.name,
        "solutionArn": solution.arn,
        "performHPO": False,
        "performAutoML": False,
        "performAutoTraining": settings.perform_auto_training,
        "performIncrementalUpdate": settings.perform_incremental_update,
        "datasetGroupArn": solution.dataset_group_arn,
        "status": status,
        "creationDateTime": solution.created,
        "lastUpdatedDateTime": last_updated,
    }
    if reading.incremental_not_shown:
        del body["performIncrementalUpdate"]
    if solution.recipe_arn:
        body["recipeArn"] = solution.recipe_arn
    if solution.event_type:
        body["eventType"] = solution.event_type
    if config:
        body["solutionConfig"] = config
    training = controls.trainings.get(solution.arn)
    if training:
        body["latestSolutionVersion"] = training.summary(now)
    if visible:
        body["latestSolutionUpdate"] = _update_summary(visible[-1], now, controls)
    return body


def _with_defaults(asked: dict[str, Any]) -> dict[str, Any]:
    """A request's fields, those it left out filled with the service defaults (see Reading)."""
    filled = {**ECHO_DEFAULTS, **asked}
    config = dict(asked.get("solutionUpdateConfig") or {})
    training = config.get("autoTrainingConfig") or {}
    if filled["performAutoTraining"] and "schedulingExpression" not in training:
        config["autoTrainingConfig"] = {**training, "schedulingExpression": DEFAULT_SCHEDULE}
    events = config.get("eventsConfig") or {}
    if events.get("eventParametersList"):
        parameters = [{**EVENT_PARAMETER_DEFAULTS, **p} for p in events["eventParametersList"]]
        config["eventsConfig"] = {**events, "eventParametersList": parameters}
    return {**filled, "solutionUpdateConfig": config}


def _update_summary(update: Update, now: float, controls: Controls) -> dict[str, Any]:
    """latestSolutionUpdate: the update's state, and the fields its request sent (as the reading
    shows them)."""
    reading = controls.reading
    asked = _with_defaults(update.asked) if reading.echo_fills_defaults else update.asked
    if reading.echo_fills_incremental_default:
        sent = update.asked.get("performIncrementalUpdate", True)
        asked = {**asked, "performIncrementalUpdate": sent}
    if reading.incremental_not_shown:
        asked = {key: value for key, value in asked.items() if key != "performIncrementalUpdate"}
    status, since = update.status_at(now)
    summary: dict[str, Any] = {
        **{key: value for key, value in asked.items() if value not in (None, {})},
        "status": status,
        "creationDateTime": update.created,
        "lastUpdatedDateTime": since,
    }
    if status == "CREATE FAILED":
        summary["failureReason"] = update.failure_reason
    return summary
