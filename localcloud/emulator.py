"""A Personalize emulator on moto's server: the solution operations moto lacks, real JSON protocol.

moto 5.2 ships Personalize schemas only. We add CreateSolution, DescribeSolution, UpdateSolution,
ListSolutions and DeleteSolution to moto's PersonalizeResponse (requests already route there) and
keep the state on moto's PersonalizeBackend, one per account and region. Behaviour follows
botocore's model and the docs; where they are silent it is the harder case for a client:
- the documented states CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED,
  with durations from `Timing`, evaluated against an injectable clock (no background threads);
- ResourceInUseException while the solution is not ACTIVE, an update is pending, or a solution
  version trains (`Controls.train`; DescribeSolution shows it as the latestSolutionVersion);
- stale reads: for `Timing.stale_read` seconds after UpdateSolution, DescribeSolution still shows
  the solution as it was before the update;
- injectable faults per operation (throttling, 5xx, any error code), failing updates, and
  someone else's update right after the next one (`Controls.follow`);
- InvalidInputException for what a solution's recipe does not support (INCREMENTAL_RECIPES,
  EVENTS_RECIPES);
- where the docs allow several readings, each is a named `Reading` (READINGS), played when set
  as `controls.reading` (or with `--reading NAME`); `controls.reset()` restores the default.

Run on its own: `python -m localcloud.emulator --port 4566`.
"""

from __future__ import annotations

import argparse
import json
import logging
import re
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from moto.core.exceptions import JsonRESTError
from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.personalize.models import PersonalizeBackend, personalize_backends
from moto.personalize.responses import PersonalizeResponse

from localcloud.throttle import throttle

ACCOUNT_ID = "123456789012"
ARN_PATTERN = re.compile(r"arn:([a-z\d-]+):personalize:.*:.*:.+")
NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-_]*")
SCHEDULE_PATTERN = re.compile(r"rate\((\d+) days?\)")
ERROR_STATUS = {"InternalFailure": 500, "ServiceUnavailable": 503}
# What a recipe allows (by the recipe's name, the end of its ARN). performIncrementalUpdate: "This
# parameter is supported only for solutions that use the semantic-similarity recipe"
# (UpdateSolution); events configuration: "If you use the User-Personalization-v2 recipe or
# Personalized-Ranking-v2 recipe, you can optimize an Amazon Personalize solution with an events
# configuration" (the developer guide). A solution created without a recipeArn is held to neither:
# the emulator cannot tell which recipe Personalize would pick.
INCREMENTAL_RECIPES = ("aws-semantic-similarity",)
EVENTS_RECIPES = ("aws-user-personalization-v2", "aws-personalized-ranking-v2")


def is_network_fault(fault: str | None) -> bool:
    """`reset` and `hang:<seconds>` are acted out on the connection, not answered as errors."""
    return fault is not None and (fault == "reset" or fault.startswith("hang:"))


@dataclass
class Timing:
    """How long each phase lasts, in seconds of the emulator's clock."""

    solution_pending: float = 0.1
    solution_in_progress: float = 0.2
    update_pending: float = 0.2
    update_in_progress: float = 0.8
    stale_read: float = 0.3
    # 0: DeleteSolution removes the solution at once; set them to see DELETE PENDING and
    # DELETE IN_PROGRESS before it is gone.
    delete_pending: float = 0.0
    delete_in_progress: float = 0.0


@dataclass(frozen=True)
class Reading:
    """One reading of what the docs leave open, as independent switches (all off: the default).

    - top_level_keeps_creation_values: DescribeSolution's top-level performAutoTraining,
      performIncrementalUpdate, solutionConfig and lastUpdatedDateTime stay what CreateSolution
      made; by default they follow the last update that became ACTIVE.
    - echo_fills_defaults: latestSolutionUpdate shows the fields its request left out with
      service defaults (ECHO_DEFAULTS, the schedule DEFAULT_SCHEDULE when auto-training, and
      EVENT_PARAMETER_DEFAULTS in each event parameter); by default it shows only the fields
      the request sent. Either way the update changes only what the request sent.
    - incremental_not_shown: performIncrementalUpdate, which has no documented default, is
      shown neither at the top level nor in latestSolutionUpdate: a client cannot read it.
    - update_accepted_while_training: UpdateSolution is accepted while a solution version
      trains (the update runs alongside); by default it is refused with ResourceInUseException.
    - echo_fills_incremental_default: latestSolutionUpdate shows performIncrementalUpdate true
      when its request left it out, SolutionUpdateSummary's documented default ("The default is
      true"), whatever the solution has; with echo_fills_defaults too, this is the value filled.
    """

    top_level_keeps_creation_values: bool = False
    echo_fills_defaults: bool = False
    incremental_not_shown: bool = False
    update_accepted_while_training: bool = False
    echo_fills_incremental_default: bool = False


READINGS: dict[str, Reading] = {
    "documented-default": Reading(),
    "top-level-keeps-creation-values": Reading(top_level_keeps_creation_values=True),
    "echo-fills-defaults": Reading(echo_fills_defaults=True),
    "incremental-not-shown": Reading(incremental_not_shown=True),
    "update-accepted-while-training": Reading(update_accepted_while_training=True),
    "echo-fills-documented-incremental-default": Reading(echo_fills_incremental_default=True),
    "hardest": Reading(
        top_level_keeps_creation_values=True,
        echo_fills_defaults=True,
        incremental_not_shown=True,
        update_accepted_while_training=True,
        echo_fills_incremental_default=True,
    ),
}
# Service defaults echo_fills_defaults shows. Documented: performAutoTraining "The default is
# True" and the schedule "The default is every 7 days". Not documented, so chosen here: an event
# parameter's eventValueThreshold 0.0 and weight 1.0, and performIncrementalUpdate false (what
# the solution's own field shows; echo_fills_incremental_default plays the documented true).
ECHO_DEFAULTS = {"performAutoTraining": True, "performIncrementalUpdate": False}
DEFAULT_SCHEDULE = "rate(7 days)"
EVENT_PARAMETER_DEFAULTS = {"eventValueThreshold": 0.0, "weight": 1.0}


@dataclass
class Call:
    """One request the emulator answered: for tests (call counts) and the demo's timeline."""

    at: float
    operation: str
    outcome: str


@dataclass
class Settings:
    """The auto-training settings an update asks for or a solution has."""

    perform_auto_training: bool
    perform_incremental_update: bool
    config: dict[str, Any]


ASKED = ("performAutoTraining", "performIncrementalUpdate", "solutionUpdateConfig")


@dataclass
class Update:
    """One solution update, its phases fixed when it was created: what the request asked (its
    fields as sent, from ASKED) and the settings the solution has once it applies."""

    created: float
    asked: dict[str, Any]
    settings: Settings
    pending: float
    in_progress: float
    failure_reason: str | None

    def status_at(self, now: float) -> tuple[str, float]:
        """Status and the time it was entered."""
        if now < self.created + self.pending:
            return "CREATE PENDING", self.created
        done = self.created + self.pending + self.in_progress
        if now < done:
            return "CREATE IN_PROGRESS", self.created + self.pending
        return ("CREATE FAILED" if self.failure_reason else "ACTIVE"), done


@dataclass(frozen=True)
class Follower:
    """An update someone else makes right after the next accepted one settles (`Controls.follow`):
    its request's fields, how long after, and its failureReason if Personalize is to fail it."""

    asked: dict[str, Any]
    gap: float
    failure_reason: str | None


@dataclass
class Solution:
    """A solution and the history of its updates."""

    name: str
    arn: str
    dataset_group_arn: str
    recipe_arn: str | None
    event_type: str | None
    created: float
    ready: float
    settings: Settings
    solution_config: dict[str, Any]
    updates: list[Update] = field(default_factory=list)
    deleted: float | None = None  # when DeleteSolution was accepted

    def gone(self, now: float) -> bool:
        """Whether its deletion has finished (it is then not found)."""
        timing = controls.timing
        deleting = timing.delete_pending + timing.delete_in_progress
        return self.deleted is not None and now >= self.deleted + deleting


@dataclass(frozen=True)
class Training:
    """A solution version being trained (`Controls.train`): CREATE IN_PROGRESS until `until`."""

    arn: str
    created: float
    until: float

    def summary(self, now: float) -> dict[str, Any]:
        """The latestSolutionVersion DescribeSolution shows for it."""
        status, since = (
            ("CREATE IN_PROGRESS", self.created) if now < self.until else ("ACTIVE", self.until)
        )
        return {
            "solutionVersionArn": self.arn,
            "status": status,
            "trainingMode": "FULL",
            "trainingType": "MANUAL",
            "creationDateTime": self.created,
            "lastUpdatedDateTime": since,
        }


class EmulatorError(JsonRESTError):
    """An AWS JSON-protocol error; 5xx codes get their real HTTP status."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = ERROR_STATUS.get(code, 400)


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
            personalize_backends.reset()


controls = Controls()


def _solutions(backend: PersonalizeBackend, now: float) -> dict[str, Solution]:
    """The backend's solutions, less those whose deletion has finished."""
    # moto's reset() re-creates backends, so the store is attached lazily to each instance.
    store: dict[str, Solution] = backend.__dict__.setdefault("_emulated_solutions", {})
    for arn in [arn for arn, solution in store.items() if solution.gone(now)]:
        del store[arn]
        controls.trainings.pop(arn, None)
    return store


def _invalid(message: str) -> EmulatorError:
    return EmulatorError("InvalidInputException", message)


def _check_arn(arn: object, name: str) -> str:
    if not isinstance(arn, str) or len(arn) > 256 or not ARN_PATTERN.fullmatch(arn):
        raise _invalid(
            f"1 validation error detected: Value '{arn}' at '{name}' failed to satisfy constraint"
        )
    return arn


def _check_config(config: dict[str, Any]) -> None:
    expression = (config.get("autoTrainingConfig") or {}).get("schedulingExpression")
    if expression is not None:
        match = SCHEDULE_PATTERN.fullmatch(expression)
        if not match or not 1 <= int(match.group(1)) <= 30:
            raise _invalid(f"Invalid schedulingExpression {expression}: use rate(N days), N 1-30")
    events = (config.get("eventsConfig") or {}).get("eventParametersList")
    if events is not None:
        if len(events) > 10:
            raise _invalid("eventParametersList can contain at most 10 entries")
        for item in events:
            weight = item.get("weight")
            if weight is not None and not 0 <= weight <= 1:
                raise _invalid(f"Invalid weight {weight}: must be between 0 and 1")


def _check_recipe(recipe_arn: str | None, incremental: object, config: dict[str, Any]) -> None:
    """Refuse what the solution's recipe does not support, as Personalize does."""
    if recipe_arn is None:
        return
    recipe = recipe_arn.rsplit("/", 1)[-1]
    if incremental is True and recipe not in INCREMENTAL_RECIPES:
        raise _invalid(
            f"performIncrementalUpdate is supported only for solutions that use the "
            f"{' or '.join(INCREMENTAL_RECIPES)} recipe, not {recipe}"
        )
    if config.get("eventsConfig") is not None and recipe not in EVENTS_RECIPES:
        raise _invalid(
            f"eventsConfig is supported only for solutions that use the "
            f"{' or '.join(EVENTS_RECIPES)} recipe, not {recipe}"
        )


def _merge_config(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    merged.update({key: value for key, value in change.items() if value is not None})
    return merged


def _latest_status(solution: Solution, now: float) -> str:
    """The status of the latest update created by now (ACTIVE if there is none)."""
    started = [u for u in solution.updates if u.created <= now]
    return started[-1].status_at(now)[0] if started else "ACTIVE"


def _effective(solution: Solution, now: float) -> Settings:
    """Settings in force: the creation settings, overlaid by each update that became ACTIVE."""
    settings = solution.settings
    for update in solution.updates:
        if update.status_at(now)[0] == "ACTIVE":
            settings = update.settings
    return settings


def _solution_status(solution: Solution, now: float) -> tuple[str, float]:
    """The solution's status and when it was entered: "CREATE PENDING > CREATE IN_PROGRESS >
    ACTIVE -or- CREATE FAILED", and "DELETE PENDING > DELETE IN_PROGRESS" (DescribeSolution)."""
    if solution.deleted is not None:
        if now < solution.deleted + controls.timing.delete_pending:
            return "DELETE PENDING", solution.deleted
        return "DELETE IN_PROGRESS", solution.deleted + controls.timing.delete_pending
    if now < solution.created + controls.timing.solution_pending:
        return "CREATE PENDING", solution.created
    if now < solution.ready:
        return "CREATE IN_PROGRESS", solution.created + controls.timing.solution_pending
    return "ACTIVE", solution.ready


def _describe(solution: Solution, now: float) -> dict[str, Any]:
    """The DescribeSolution view; updates younger than the stale-read window are not yet visible."""
    visible = [u for u in solution.updates if u.created <= now - controls.timing.stale_read]
    reading = controls.reading
    status, since = _solution_status(solution, now)
    settings, last_updated = solution.settings, since
    if not reading.top_level_keeps_creation_values:
        settings = _effective(Solution(**{**solution.__dict__, "updates": visible}), now)
        # "The date and time (in Unix time) that the solution was last updated": an update that
        # became ACTIVE changed the solution's settings, so it counts; one that failed did not.
        applied = [u.status_at(now) for u in visible]
        last_updated = max([since, *(at for state, at in applied if state == "ACTIVE")])
    config = _merge_config(solution.solution_config, settings.config)
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
        body["latestSolutionUpdate"] = _update_summary(visible[-1], now)
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


def _update_summary(update: Update, now: float) -> dict[str, Any]:
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


def _find(response: PersonalizeResponse, arn: str, now: float) -> Solution:
    solution = _solutions(response.personalize_backend, now).get(arn)
    if solution is None:
        raise EmulatorError("ResourceNotFoundException", f"Could not find solution with ARN {arn}")
    return solution


def _network_fault(response: PersonalizeResponse, fault: str) -> None:
    """Act out a network fault: `reset` sends a TCP RST, `hang:<s>` answers only after s seconds."""
    if fault == "reset":
        connection = response.normalized_request.environ["werkzeug.socket"]
        connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        connection.close()
        raise ConnectionResetError("emulated connection reset")
    controls.stopping.wait(float(fault.split(":", 1)[1]))


def _operation(name: str) -> Callable[[Callable[..., dict[str, Any]]], Callable[..., str]]:
    """Wrap an operation: serve injected faults first, record the call, render JSON."""

    def decorate(body: Callable[..., dict[str, Any]]) -> Callable[..., str]:
        def handler(response: PersonalizeResponse) -> str:
            params = json.loads(response.body or "{}")
            with controls.lock:
                queued = controls.faults.get(name)
                fault = queued.pop(0) if queued else None
                if fault is None and not throttle.admits(name, controls.clock()):
                    fault = "ThrottlingException"  # the account's rate for this operation
                if is_network_fault(fault):
                    controls.calls.append(Call(controls.clock(), name, str(fault)))
            if is_network_fault(fault):
                _network_fault(response, str(fault))
                fault = None
            with controls.lock:
                now = controls.clock()
                try:
                    if fault:
                        raise EmulatorError(fault, f"Injected {fault}")
                    result = body(response, params, now)
                except EmulatorError as error:
                    controls.calls.append(Call(now, name, error.error_type))
                    raise
                outcome = result.get("solution", {}).get("latestSolutionUpdate", {}).get("status")
                controls.calls.append(Call(now, name, outcome or "ok"))
            return json.dumps(result)

        handler.__name__ = body.__name__
        return handler

    return decorate


@_operation("CreateSolution")
def create_solution(
    response: PersonalizeResponse, params: dict[str, Any], now: float
) -> dict[str, Any]:
    """CreateSolution: a new solution that becomes ACTIVE after the solution timing."""
    name = params.get("name", "")
    if not isinstance(name, str) or len(name) > 63 or not NAME_PATTERN.fullmatch(name):
        raise _invalid(f"Invalid solution name {name!r}")
    group = _check_arn(params.get("datasetGroupArn"), "datasetGroupArn")
    backend = response.personalize_backend
    arn = f"arn:aws:personalize:{backend.region_name}:{backend.account_id}:solution/{name}"
    store = _solutions(backend, now)
    if arn in store:
        raise EmulatorError("ResourceAlreadyExistsException", f"Solution {arn} already exists")
    config = params.get("solutionConfig") or {}
    _check_config(config)
    _check_recipe(params.get("recipeArn"), params.get("performIncrementalUpdate"), config)
    timing = controls.timing
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


@_operation("DescribeSolution")
def describe_solution(
    response: PersonalizeResponse, params: dict[str, Any], now: float
) -> dict[str, Any]:
    """DescribeSolution, possibly a stale view (see module docstring)."""
    arn = _check_arn(params.get("solutionArn"), "solutionArn")
    return {"solution": _describe(_find(response, arn, now), now)}


@_operation("UpdateSolution")
def update_solution(
    response: PersonalizeResponse, params: dict[str, Any], now: float
) -> dict[str, Any]:
    """UpdateSolution: ResourceInUse while anything is in progress (a training run only if the
    reading says so), else a CREATE PENDING update of the fields the request sent."""
    arn = _check_arn(params.get("solutionArn"), "solutionArn")
    change = params.get("solutionUpdateConfig") or {}
    _check_config(change)
    solution = _find(response, arn, now)
    _check_recipe(solution.recipe_arn, params.get("performIncrementalUpdate"), change)
    if _solution_status(solution, now)[0] != "ACTIVE":
        raise EmulatorError("ResourceInUseException", f"Solution {arn} is not ACTIVE")
    if _latest_status(solution, now) not in ("ACTIVE", "CREATE FAILED"):
        raise EmulatorError("ResourceInUseException", f"An update of {arn} is in progress")
    if controls.training(arn, now) and not controls.reading.update_accepted_while_training:
        raise EmulatorError("ResourceInUseException", f"A solution version of {arn} is training")
    current = _effective(solution, now)
    failure = controls.failing_updates.pop(0) if controls.failing_updates else None
    ours = _new_update(now, params, current, failure)
    solution.updates.append(ours)
    if controls.followers:
        follower = controls.followers.pop(0)
        settled = ours.created + ours.pending + ours.in_progress
        base = current if failure else ours.settings
        solution.updates.append(
            _new_update(settled + follower.gap, follower.asked, base, follower.failure_reason)
        )
    return {"solutionArn": arn}


def _new_update(
    created: float, params: dict[str, Any], current: Settings, failure_reason: str | None
) -> Update:
    """An update created at `created` of the UpdateSolution fields `params` to a solution whose
    settings are `current`."""
    timing = controls.timing
    return Update(
        created=created,
        asked={key: params[key] for key in ASKED if key in params},
        settings=Settings(
            perform_auto_training=params.get("performAutoTraining", current.perform_auto_training),
            perform_incremental_update=params.get(
                "performIncrementalUpdate", current.perform_incremental_update
            ),
            config=_merge_config(current.config, params.get("solutionUpdateConfig") or {}),
        ),
        pending=timing.update_pending,
        in_progress=timing.update_in_progress,
        failure_reason=failure_reason,
    )


@_operation("ListSolutions")
def list_solutions(
    response: PersonalizeResponse, params: dict[str, Any], now: float
) -> dict[str, Any]:
    """ListSolutions with the datasetGroupArn filter and nextToken paging."""
    group = params.get("datasetGroupArn")
    solutions = [
        s
        for s in _solutions(response.personalize_backend, now).values()
        if group in (None, s.dataset_group_arn)
    ]
    start = int(params.get("nextToken") or 0)
    size = int(params.get("maxResults") or 100)
    page = solutions[start : start + size]
    result: dict[str, Any] = {"solutions": []}
    for solution in page:
        full = _describe(solution, now)
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


@_operation("DeleteSolution")
def delete_solution(
    response: PersonalizeResponse, params: dict[str, Any], now: float
) -> dict[str, Any]:
    """DeleteSolution: refused while a version trains or an update is in progress; else the
    solution is DELETE PENDING, then DELETE IN_PROGRESS, then gone (Timing)."""
    arn = _check_arn(params.get("solutionArn"), "solutionArn")
    solution = _find(response, arn, now)
    if solution.deleted is not None:
        raise EmulatorError("ResourceInUseException", f"Solution {arn} is being deleted")
    # "You can't delete a solution if an associated SolutionVersion is in the CREATE PENDING or
    # IN PROGRESS state." (DeleteSolution)
    if controls.training(arn, now):
        raise EmulatorError("ResourceInUseException", f"A solution version of {arn} is training")
    if _latest_status(solution, now) not in ("ACTIVE", "CREATE FAILED"):
        raise EmulatorError("ResourceInUseException", f"An update of {arn} is in progress")
    solution.deleted = now
    _solutions(response.personalize_backend, now)  # with no deletion time, it is gone at once
    return {}


for _handler in (
    create_solution,
    describe_solution,
    update_solution,
    list_solutions,
    delete_solution,
):
    setattr(PersonalizeResponse, _handler.__name__, _handler)


class EmulatorServer:
    """moto's threaded server on loopback; `url` is what AWS_ENDPOINT_URL_PERSONALIZE takes."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)

    def __enter__(self) -> EmulatorServer:
        controls.stopping.clear()
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        controls.stopping.set()  # a request still hanging ends now, not after its hang
        self._server.stop()

    @property
    def url(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"


def main() -> None:
    """Serve until interrupted, for `sam local invoke` or manual exploration; `--seed` creates
    the solutions that events name first."""
    from localcloud.seed import read_events, seed_solutions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on; sam local invoke's container needs one it can reach",
    )
    parser.add_argument(
        "--seed",
        nargs="+",
        default=[],
        metavar="PATH",
        help="CloudFormation events (events/*.json): create the solutions they name, in the "
        "state each request expects, before serving",
    )
    parser.add_argument(
        "--reading",
        choices=READINGS,
        default="documented-default",
        help="which reading of the docs to play (see Reading)",
    )
    args = parser.parse_args()
    controls.reading = READINGS[args.reading]
    with EmulatorServer(args.port, args.host) as server:
        for arn in seed_solutions(server.url, read_events(args.seed)):
            print(f"Seeded {arn} (ACTIVE)")
        print(f"Personalize emulator on {server.url} (account {ACCOUNT_ID}); Ctrl-C to stop")
        try:
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    main()
