"""Play one history: the real function (app.build: dispatcher, protocol, budget, continuation,
SolutionUpdater, the boto3 adapter) and its on-failure destination (on_failure) against the
simulation's Personalize, Lambda, response bucket and CloudFormation, on one virtual clock.
Returns the record the promises are checked on.
"""

from __future__ import annotations

import contextlib
import io
import os
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any, NamedTuple, cast

from continuation import SelfInvoker
from localcloud.emulator.faults import Controls
from localcloud.emulator.model import READINGS, Solution, Timing, Training
from localcloud.emulator.operations import Scope, create_solution, delete_solution
from localcloud.emulator.validation import EmulatorError
from localcloud.simulation.history import SOLUTION_NAMES, History, Initial, Writer
from localcloud.simulation.lambda_model import Bucket, Lambda
from localcloud.simulation.personalize import (
    ACCOUNT,
    Call,
    SimPersonalize,
    new_scope,
    truth,
    update,
)
from localcloud.simulation.scheduler import Scheduler
from localcloud.simulation.stack import CloudFormation, solution_arn
from logs import logger
from solution_rules.properties import Settings

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

START = 1_800_000_000.0  # the virtual time a history starts at
DELETION = 600.0  # seconds a deleted solution stays DELETE PENDING
HORIZON = 6 * 3600.0  # every process has ended by then (ServiceTimeout and a chain's longest)


class Write(NamedTuple):
    """Another writer's UpdateSolution: when, on which solution, and whether it was accepted."""

    at: float
    arn: str
    accepted: bool


class Snapshot(NamedTuple):
    """What the model held for one solution at a moment: its status, settings in force and
    latest update's status (None: never updated, or gone)."""

    status: str
    settings: Settings | None
    latest_update: str | None


@dataclass
class Record:
    """What happened: CloudFormation's requests and their answers, every call the function made,
    other writers' updates, invocations, PUTs, the log text, escaped exceptions, and the model
    at each call and answer (`snapshots`, keyed by (time, ARN))."""

    history: History
    cloudformation: CloudFormation
    calls: list[Call]
    writes: list[Write]
    function: Lambda
    bucket: Bucket
    scope: Scope
    logs: str = ""
    errors: list[tuple[str, BaseException]] = field(default_factory=list)
    snapshots: dict[tuple[float, str], Snapshot] = field(default_factory=dict)


def snapshot(scope: Scope, arn: str, now: float, *, visible: bool = False) -> Snapshot:
    """The model's ground truth for `arn` at `now`; with `visible`, as a read then could show
    it (the updates younger than the stale-read window not yet made)."""
    solution = scope.solutions.get(arn)
    if solution is None or solution.gone(now, scope.controls.timing):
        return Snapshot("GONE", None, None)
    if visible:
        shown = now - scope.controls.timing.stale_read
        solution = replace(solution, updates=[u for u in solution.updates if u.created <= shown])
    started = [u for u in solution.updates if u.created <= now]
    latest = started[-1].status_at(now)[0] if started else None
    return Snapshot(solution.status_at(now, scope.controls.timing)[0], truth(solution, now), latest)


def _seed(scope: Scope, name: str, initial: Initial) -> None:
    """Create solution `name` as the history finds it."""
    if initial.status == "GONE":
        return
    arn = solution_arn(name, scope.region)
    config: dict[str, Any] = {}
    if initial.days:
        config["autoTrainingConfig"] = {"schedulingExpression": f"rate({initial.days} days)"}
    params = {
        "name": name,
        "datasetGroupArn": f"arn:aws:personalize:{scope.region}:{ACCOUNT}:dataset-group/{name}",
        "performAutoTraining": initial.auto,
        "performIncrementalUpdate": initial.incremental,
        **({"solutionConfig": config} if config else {}),
    }
    create_solution(scope, params, START - 20_000)
    solution: Solution = scope.solutions[arn]
    if initial.prior and initial.status == "ACTIVE":
        failure = "an earlier update failed" if initial.prior_fails else None
        update(scope, {"solutionArn": arn, **initial.prior}, START - 10_000, failure)
    if initial.status == "CREATE FAILED":
        solution.creation_failure = "creation failed"
    if initial.status == "DELETING":
        solution.deleted = START - 10.0
    if initial.training:
        scope.controls.trainings[arn] = Training(
            f"{arn}/v1", START - 10.0, START + initial.training
        )


def _writer(scheduler: Scheduler, scope: Scope, writer: Writer, writes: list[Write]) -> None:
    """Another writer's UpdateSolution, now; refused (in use, gone) means it is not made."""
    arn = solution_arn(SOLUTION_NAMES[writer.solution], scope.region)
    now = scheduler.now()
    failure = "another writer's update failed" if writer.fails else None
    try:
        if writer.deletes:
            delete_solution(scope, {"solutionArn": arn}, now)
        else:
            update(scope, {"solutionArn": arn, **writer.fields}, now, failure)
    except EmulatorError:
        writes.append(Write(now, arn, False))
        return
    writes.append(Write(now, arn, True))


def play(history: History) -> Record:
    """Run `history` to its end; the record of what happened."""
    import app  # the function's wiring; imported here, once its environment is set
    import on_failure

    scheduler = Scheduler(START)
    controls = Controls(
        clock=scheduler.now,
        timing=Timing(
            update_in_progress=history.update_in_progress,
            stale_read=history.stale_read,
            delete_pending=DELETION,  # a deleted solution is DELETE PENDING, then gone
        ),
        reading=READINGS[history.reading],
    )
    scope = new_scope(controls, history.region)
    for name, initial in zip(SOLUTION_NAMES, history.solutions, strict=True):
        _seed(scope, name, initial)

    def caller() -> tuple[str, str]:
        """The running process's request id and invocation."""
        process = scheduler.current()
        return (process.tag, process.name) if process else ("", "")

    client = SimPersonalize(scheduler, scope, list(history.faults), set(history.failing), caller)
    function = Lambda(
        scheduler, history.function_timeout, list(history.hand_offs), list(history.deaths)
    )
    stack = CloudFormation(scheduler, function, history.steps, history.region)
    snapshots: dict[tuple[float, str], Snapshot] = {}

    def note(at: float) -> None:
        """Keep the model's truth of both solutions at `at`."""
        for name in SOLUTION_NAMES:
            arn = solution_arn(name, history.region)
            snapshots[(at, arn)] = snapshot(scope, arn, at)

    def answered(body: dict[str, Any]) -> None:
        """An answer S3 took: the truth then, and CloudFormation goes on."""
        note(scheduler.now())
        stack.answer(body)

    bucket = Bucket(scheduler, list(history.put_faults), stack.expiry, answered)
    record = Record(history, stack, client.calls, [], function, bucket, scope, snapshots=snapshots)

    counts: dict[str, int] = {}

    def on_call(call: Call) -> None:
        """Note the truth at each call, and start the writers anchored on it."""
        note(call.at)
        kind = "describe" if call.operation == "DescribeSolution" else "update"
        index = counts.get(kind, 0)
        counts[kind] = index + 1
        for writer in history.writers:
            if writer.anchor == kind and writer.index == index:
                scheduler.spawn(
                    call.at + writer.gap,
                    lambda w=writer: _writer(scheduler, scope, w, record.writes),  # type: ignore[misc]
                    "writer",
                )

    client.listeners.append(on_call)
    for writer in history.writers:
        if writer.anchor == "start":
            scheduler.spawn(
                START + writer.gap,
                lambda w=writer: _writer(scheduler, scope, w, record.writes),  # type: ignore[misc]
                "writer",
            )
    function.handler = app.build(
        cast("PersonalizeClient", client),  # boto3's shape, for the function's own adapter
        clock=scheduler.now,
        sleep=scheduler.sleep,
        send=bucket.send,
        timer=scheduler.timer,
        hand_off=SelfInvoker(lambda: function),
    )
    function.destination = on_failure.Destination(
        home=history.region, clock=scheduler.now, send=bucket.send, sleep=scheduler.sleep
    )
    logger.setLevel("DEBUG" if history.debug else "INFO")
    stack.start(START)
    output = io.StringIO()
    with contextlib.redirect_stdout(output), contextlib.redirect_stderr(output):
        try:
            scheduler.run(until=START + HORIZON)
        finally:
            scheduler.close()
    record.logs = output.getvalue()
    record.errors = scheduler.errors
    return record


def environment() -> None:
    """What the function's module needs at import in this process: a region and fake
    credentials (its own client is never used: each history builds one on the model)."""
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIASIMULATEDKEY0001")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "simulated-secret-access-key")
