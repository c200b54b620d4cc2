"""Fault matrix: each request type as it is, and each fault once, through the real handler over HTTP
(test_malformed_inputs.py adds inputs CloudFormation would never send).

A scenario is a request type in the state CloudFormation sends it in: it gives the solution its
history, builds the event, and says what the request does when nothing goes wrong. A fault
arranges what goes wrong and says what CloudFormation must then see, under the reading the
emulator plays: how many responses the bucket accepted (one per delivery), the body size, Status,
a Reason that names the cause (and what to do), the PhysicalResourceId, an answer within the
invocations' timeouts, and how many UpdateSolution calls the request made (often none); where
it matters, that the request met the fault (a retried fault was served, a busy solution refused
the update) and that it did not wait where waiting cannot help.

The cells (CELLS) are what HTTP alone shows: every request type once with nothing wrong (each kind
of outcome, and its answer as the bucket receives it), and each fault once, on a Create, which
meets every one of them (a fault of the response bucket or its URL does not depend on the request
type), or on an Update; a few faults again on a request type they end differently for. How each
fault combines with every request type, reading, history and timing is the simulation's
(tests/simulation, docs/simulation.md), in-process on a virtual clock. `make test-readings` runs
this module under every other reading of the docs. The session ends with one summary line (cells
run, passed, responses per delivery, hangs).
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any
from unittest import mock

import boto3
import pytest

from budget import SIGNING_TRUNCATION
from localcloud.cloudformation import CloudFormation, Exchange
from localcloud.emulator import READINGS, Reading
from localcloud.harness import client_without_update_solution
from tests.functional.matrix import Expect, check, observe, signed_at
from tests.functional.world import World
from tests.presets import api_schedule, asking_again_costs, auto_training, schedule

FIVE = auto_training(5)
FIVE_SPELLED = {**FIVE, "PerformAutoTraining": "TRUE"}
THREE = {"SolutionUpdateConfig": schedule(3)}
IN_USE = ("ResourceInUseException", "the solution stayed in use", "retry when it is idle")
# Bound but never listening: connections to it are refused, and no server started later in the
# run can take its port (a port merely found free could be reused by the next receiver).
REFUSING = socket.socket()
REFUSING.bind(("127.0.0.1", 0))


@dataclass
class Cell:
    """One cell as it runs: the request's event, the solution it targets, and how it is
    delivered (a fault may change any of it)."""

    world: World
    cloudformation: CloudFormation
    target: str
    event: dict[str, Any]
    deliveries: int = 1
    concurrent: bool = False

    def deliver(self) -> Exchange:
        """Deliver the event: once, again in a row, or twice at once (to two execution
        environments, each with its own handler)."""
        if self.concurrent:
            handlers = [self.cloudformation.handler, self.world.handler()]
            return self.cloudformation.deliver_at_once(self.event, handlers)
        return self.cloudformation.deliver(self.event, times=self.deliveries)


@dataclass(frozen=True)
class Request:
    """What a scenario's request asks, and of which solution."""

    target: str
    properties: dict[str, Any]
    old_properties: dict[str, Any] | None = None
    physical_id: str | None = None


@dataclass(frozen=True)
class Scenario:
    """A request type in the state CloudFormation sends it in. `history` acts on the world and
    returns the request; `updates` is how many UpdateSolution calls it makes when nothing goes
    wrong, `updates_on_stale_reads` when reads still show the solution as it was before its
    latest update. `fillable`: it asks for a value an update's summary may have filled in
    (automatic training on), which asking again costs an update under some readings. `reads`:
    it calls Personalize at all (a Delete does only with OnDelete: DisableAutoTraining)."""

    name: str
    request_type: str
    history: Callable[[World], Request]
    updates: int
    updates_on_stale_reads: int | None = None
    fillable: bool = False
    reads: bool = True

    def cell(self, world: World) -> Cell:
        """Give the solution its history and build the event CloudFormation would send."""
        cloudformation = world.stand_in(function_timeout=30.0)
        request = self.history(world)
        event = cloudformation.event(
            self.request_type,
            "R",
            request.properties,
            old_properties=request.old_properties,
            physical_id=request.physical_id,
        )
        return Cell(world, cloudformation, request.target, event)

    def updates_for(self, reading: Reading, stale: bool = False) -> int:
        """The UpdateSolution calls one delivery makes: a delivery that finds the settings in
        force makes none, unless it asks for a fillable value the reading leaves nothing to
        confirm."""
        updates = self.updates
        if stale and self.updates_on_stale_reads is not None:
            updates = self.updates_on_stale_reads
        if not updates and self.fillable:
            updates = asking_again_costs(reading)
        return updates

    def succeeds(self, reading: Reading, stale: bool = False, deliveries: int = 1) -> Expect:
        """What the request does, delivered `deliveries` times, when nothing goes wrong (or
        reads are stale). A later delivery never updates again: where the reading leaves the
        first's update of a fillable value unproven, it fails saying so (after the first has
        answered) rather than pay for a second training run."""
        unproven = deliveries > 1 and self.fillable and asking_again_costs(reading) > 0
        return Expect(
            updates=self.updates_for(reading, stale),
            personalize=self.reads,
            later_status="FAILED" if unproven else None,
        )

    def fails(self, *reason: str, updates: int = 0) -> Expect:
        """A FAILED answer whose Reason says all of `reason` (a Delete's, what to do about the
        training it could not turn off too)."""
        if self.request_type == "Delete":
            reason = (*reason, "retry the delete", "--retain-resources R")
        return Expect("FAILED", updates=updates, reason=reason, personalize=self.reads)


def applied_five_days(world: World) -> str:
    """A solution whose latest update, ACTIVE, set auto-training every 5 days."""
    arn = world.solution()
    world.outside(arn, performAutoTraining=True, solutionUpdateConfig=api_schedule(5))
    return arn


def create(world: World) -> Request:
    arn = world.solution()
    return Request(arn, {"SolutionArn": arn, **FIVE})


def update(world: World) -> Request:
    arn = applied_five_days(world)
    return Request(arn, {"SolutionArn": arn, **THREE}, {"SolutionArn": arn, **FIVE}, arn)


def noop_update(world: World) -> Request:
    arn = applied_five_days(world)
    return Request(arn, {"SolutionArn": arn, **FIVE_SPELLED}, {"SolutionArn": arn, **FIVE}, arn)


def rollback_update(world: World) -> Request:
    """The update to 3 days failed (CREATE FAILED); CloudFormation rolls back to 5 days."""
    arn = applied_five_days(world)
    world.emulator.fail_next_update("rejected schedule")
    world.outside(arn, solutionUpdateConfig=api_schedule(3))
    return Request(arn, {"SolutionArn": arn, **FIVE}, {"SolutionArn": arn, **THREE}, arn)


def replacement(world: World) -> Request:
    old, new = applied_five_days(world), world.solution()
    return Request(new, {"SolutionArn": new, **FIVE}, {"SolutionArn": old, **FIVE}, old)


def delete(world: World) -> Request:
    arn = applied_five_days(world)
    return Request(arn, {"SolutionArn": arn, **FIVE}, physical_id=arn)


def delete_disabling_training(world: World) -> Request:
    """The stack deleted, its resource asking OnDelete: DisableAutoTraining of a solution that
    trains every 5 days."""
    arn = applied_five_days(world)
    properties = {"SolutionArn": arn, **FIVE, "OnDelete": "DisableAutoTraining"}
    return Request(arn, properties, physical_id=arn)


def delete_after_failed_create(world: World) -> Request:
    physical_id = f"create-failed-{uuid.uuid4()}"
    return Request(physical_id, {"SolutionArn": "bad"}, physical_id=physical_id)


SCENARIOS = [
    Scenario("create", "Create", create, updates=1, fillable=True),
    Scenario("update", "Update", update, updates=1),
    Scenario("noop-update", "Update", noop_update, updates=0, fillable=True),
    # Nothing proves the settings after a failed update: the rollback re-applies them, unless
    # the failed update is not visible yet, when the ACTIVE one before it proves them.
    Scenario(
        "rollback-update",
        "Update",
        rollback_update,
        updates=1,
        updates_on_stale_reads=0,
        fillable=True,
    ),
    Scenario("replacement", "Update", replacement, updates=1, fillable=True),
    Scenario("delete", "Delete", delete, updates=0, reads=False),
    Scenario("delete-disabling-training", "Delete", delete_disabling_training, updates=1),
    Scenario(
        "delete-after-failed-create", "Delete", delete_after_failed_create, updates=0, reads=False
    ),
]


Expectation = Callable[[Scenario, Reading], Expect]


@dataclass(frozen=True)
class Fault:
    """What goes wrong: `arrange` runs once the scenario's cell is prepared, before delivery;
    `expect` says what the scenario's request must then come to under the emulator's reading."""

    name: str
    arrange: Callable[[Cell], None]
    expect: Expectation


def unharmed(scenario: Scenario, reading: Reading) -> Expect:
    """The fault is retried or irrelevant: the request does what it does without it."""
    return scenario.succeeds(reading)


def after_a_foreign_update(scenario: Scenario, reading: Reading) -> Expect:
    """Someone else's update settles before the request acts: where the solution's own fields
    follow updates, they move with it and prove what the stack last applied, so a rollback after
    a failed update has nothing to re-apply."""
    expect = scenario.succeeds(reading)
    if scenario.name == "rollback-update" and not reading.top_level_keeps_creation_values:
        return replace(expect, updates=0)
    return expect


def makes(scenario: Scenario, reading: Reading, operation: str) -> bool:
    """Whether the request calls the operation when nothing goes wrong."""
    if operation == "UpdateSolution":
        return scenario.updates_for(reading) > 0
    return scenario.reads


def retried(operation: str, outcome: str) -> Expectation:
    """The fault is met and retried: the request does what it does without it, and Personalize
    did answer the operation so (where the request calls it at all)."""

    def expect(scenario: Scenario, reading: Reading) -> Expect:
        met = ((operation, outcome),) if makes(scenario, reading, operation) else ()
        return replace(scenario.succeeds(reading), met=met)

    return expect


def waited_out_training(scenario: Scenario, reading: Reading) -> Expect:
    """A training run shorter than the wait: where the reading refuses UpdateSolution while a
    version trains, the request is refused at least once and waits until it is accepted; where
    it accepts it, there is nothing to wait out."""
    refused = not reading.update_accepted_while_training and makes(
        scenario, reading, "UpdateSolution"
    )
    met = (("UpdateSolution", "ResourceInUseException"),) if refused else ()
    return replace(scenario.succeeds(reading), met=met)


def fails_if_updating(*reason: str, updates: int = 0, started: bool = False) -> Expectation:
    """FAILED with this Reason for requests that must update, `started` if after an
    UpdateSolution that may take effect (accepted, or answered 5xx); the others succeed."""

    def expect(scenario: Scenario, reading: Reading) -> Expect:
        if scenario.updates_for(reading):
            failed = scenario.fails(*reason, updates=updates)
            return replace(failed, update_started=started)
        return scenario.succeeds(reading)

    return expect


def fails_if_reading(*reason: str) -> Expectation:
    """FAILED with this Reason for requests that read the solution; Delete succeeds."""

    def expect(scenario: Scenario, reading: Reading) -> Expect:
        return scenario.fails(*reason) if scenario.reads else scenario.succeeds(reading)

    return expect


# Simulated seconds a request that fails on its first answer may take: one read's worth, no wait.
AT_ONCE = 2.0


def fails_at_once(
    *reason: str, names_solution: bool = False, before_reading: bool = False
) -> Expectation:
    """FAILED with this Reason, without waiting (waiting will not help), for requests that read
    the solution, before any Personalize call if `before_reading`; Delete succeeds (it reads
    nothing)."""

    def expect(scenario: Scenario, reading: Reading) -> Expect:
        if not scenario.reads:
            return scenario.succeeds(reading)
        return replace(
            scenario.fails(*reason),
            names_solution=names_solution,
            within=AT_ONCE,
            personalize=not before_reading,
        )

    return expect


def unless_deleting(expect: Expectation, updates: int | None = None) -> Expectation:
    """`expect`, except that a Delete finds a solution that is gone done (it has no training
    left to turn off): SUCCESS, after `updates` UpdateSolution calls (the scenario's if None)."""

    def expectation(scenario: Scenario, reading: Reading) -> Expect:
        if scenario.request_type != "Delete":
            return expect(scenario, reading)
        done = scenario.succeeds(reading)
        return done if updates is None else replace(done, updates=updates)

    return expectation


def refused_while_training(scenario: Scenario, reading: Reading) -> Expect:
    """A training run that outlasts the wait keeps UpdateSolution refused, where the reading
    refuses it while a version trains; where it accepts it, the update goes through."""
    if reading.update_accepted_while_training:
        return scenario.succeeds(reading)
    return fails_if_updating(*IN_USE)(scenario, reading)


def delivered_twice(scenario: Scenario, reading: Reading) -> Expect:
    """Lambda delivers the request twice: the second finds the first's settings in force."""
    return scenario.succeeds(reading, deliveries=2)


def behind_stale_reads(scenario: Scenario, reading: Reading) -> Expect:
    """Reads that still show the solution as it was before its latest update."""
    return scenario.succeeds(reading, stale=True)


def unanswerable(attempts: int | None = None) -> Expectation:
    """The work is done, but the bucket takes no answer: none accepted, nothing hangs."""

    def expect(scenario: Scenario, reading: Reading) -> Expect:
        return replace(
            scenario.succeeds(reading), status=None, responses=0, bucket_attempts=attempts
        )

    return expect


def refused_url(scenario: Scenario, reading: Reading) -> Expect:
    """A ResponseURL outside the allow-list: never contacted, and the solution is not touched."""
    return Expect(None, responses=0, personalize=False, bucket_attempts=0)


def refused_before_reading(*reason: str) -> Expectation:
    """FAILED with this Reason, at once and before any Personalize call, for requests that would
    read the solution; Delete succeeds (it reads nothing)."""
    return fails_at_once(*reason, before_reading=True)


def cold_start_failure(scenario: Scenario, reading: Reading) -> Expect:
    """A client that cannot call UpdateSolution fails the requests that need one; a Delete that
    leaves the solution alone needs none."""
    if not scenario.reads:
        return scenario.succeeds(reading)
    return scenario.fails("The function could not start", "UpdateSolution")


def bound_by_service_timeout(cell: Cell, seconds: str = "60") -> None:
    """Deadline cells: CloudFormation's ServiceTimeout is what ends the wait, several
    invocations (hand-offs) after the first one runs out of time."""
    cell.event["ResourceProperties"]["ServiceTimeout"] = seconds


def inject(
    operation: str, code: str, times: int, after: int = 0, persistent: bool = False
) -> Callable[[Cell], None]:
    """Personalize answers the operation with an error (after `after` good answers); a
    persistent fault lasts until ServiceTimeout ends the wait."""

    def arrange(cell: Cell) -> None:
        cell.world.emulator.inject(operation, code, times=times, after=after)
        if persistent:
            bound_by_service_timeout(cell, "30")

    return arrange


def passing(name: str, operation: str, code: str, times: int) -> Fault:
    """Personalize answers the operation with an error (or network fault) `times` times, then
    as usual: the request meets it, retries, and does what it does without it."""
    return Fault(name, inject(operation, code, times), retried(operation, code))


def training(seconds: float, timeout: float = 30.0) -> Callable[[Cell], None]:
    """A solution version trains for `seconds` (the solution is in use meanwhile)."""

    def arrange(cell: Cell) -> None:
        cell.world.emulator.train(cell.target, seconds)
        cell.cloudformation.function_timeout = timeout
        bound_by_service_timeout(cell)

    return arrange


def deleted(cell: Cell) -> None:
    """The solution is deleted before the request arrives."""
    if cell.target.startswith("arn:"):
        cell.world.personalize.delete_solution(solutionArn=cell.target)


def long_failure(cell: Cell) -> None:
    """The update fails with a reason longer than a response body may be."""
    cell.world.emulator.fail_next_update("Training data check failed: " + "details " * 700)


def stale_reads(cell: Cell) -> None:
    """Reads lag a second behind each update (the history's latest one included)."""
    cell.world.emulator.timing.stale_read = 1.0


def foreign_update(cell: Cell) -> None:
    """Someone else's update, started before CloudFormation sent the request, is in progress
    when it arrives (one started after would make the function refuse to override it)."""
    if cell.target.startswith("arn:"):
        timing = cell.world.emulator.timing
        usual, timing.update_in_progress = timing.update_in_progress, 1.0
        cell.world.personalize.update_solution(
            solutionArn=cell.target, performIncrementalUpdate=True
        )
        timing.update_in_progress = usual
        cell.world.clock.advance(SIGNING_TRUNCATION)  # X-Amz-Date's whole second after it
        cell.event["ResponseURL"] = signed_at(cell.event["ResponseURL"], cell.world.clock.now())


def bucket(*script: str) -> Callable[[Cell], None]:
    """The bucket answers the next PUTs so (an HTTP status, or hang:<seconds>)."""

    def arrange(cell: Cell) -> None:
        cell.world.receiver.script.extend(script)

    return arrange


def response_url(host: str | None = None, port: int | None = None) -> Callable[[Cell], None]:
    """The ResponseURL names another host or port."""

    def arrange(cell: Cell) -> None:
        url = cell.event["ResponseURL"]
        if host:
            url = url.replace("127.0.0.1", host)
        if port:
            url = url.replace(f":{cell.world.receiver.port}/", f":{port}/")
        cell.event["ResponseURL"] = url

    return arrange


def little_time(cell: Cell) -> None:
    """An update far longer than ServiceTimeout, in short invocations."""
    cell.world.emulator.timing.update_in_progress = 300.0
    # 10 s of waiting per invocation, after the reserve and a call's budget
    cell.cloudformation.function_timeout = 20.0
    bound_by_service_timeout(cell)


# The fault matrix's handler calls take at most 2 s (the shipped ones 7 s): this is to it what a
# 16 s function timeout is to the shipped function, time for the first read but not for the
# confirming read and UpdateSolution. A ServiceTimeout that short is refused with the properties.
TOO_SHORT_SERVICE_TIMEOUT = "8"
TOO_SHORT_FUNCTION_TIMEOUT = 11.0


def too_short_service_timeout(cell: Cell) -> None:
    """ServiceTimeout leaves no time to read, confirm, update and answer (under the floor of 28 s
    the property rules hold it to; what the budget refuses at once: test_budget.py)."""
    bound_by_service_timeout(cell, TOO_SHORT_SERVICE_TIMEOUT)


def too_short_function_timeout(cell: Cell) -> None:
    """Each invocation has time to read the solution, not to confirm the read and update it:
    handing the wait on could only repeat that."""
    cell.cloudformation.function_timeout = TOO_SHORT_FUNCTION_TIMEOUT


def queued(seconds: float) -> Callable[[Cell], None]:
    """Lambda's queue held the request `seconds` after CloudFormation signed its ResponseURL
    (and started its ServiceTimeout of 60 s): signed now, once the solution is as the stack left
    it, and delivered `seconds` later."""

    def arrange(cell: Cell) -> None:
        bound_by_service_timeout(cell)
        cell.event["ResponseURL"] = signed_at(cell.event["ResponseURL"], cell.world.clock.now())
        cell.world.clock.advance(seconds)

    return arrange


def duplicate(concurrent: bool) -> Callable[[Cell], None]:
    """CloudFormation delivers the request twice: in a row, or at once."""

    def arrange(cell: Cell) -> None:
        cell.deliveries = 2
        cell.concurrent = concurrent
        if concurrent:
            cell.world.clock.run_in_real_time()  # two handlers sleeping on one clock

    return arrange


def cold_start(cell: Cell) -> None:
    """A botocore too old to know UpdateSolution."""
    cell.cloudformation.handler = cell.world.handler(client=client_without_update_solution())


def no_credentials(cell: Cell) -> None:
    """A function with no credentials to sign with (no keys, no profile, no role): botocore
    refuses every call before it is sent."""
    unset = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
    environment = {k: v for k, v in os.environ.items() if k not in unset}
    environment.update(AWS_SHARED_CREDENTIALS_FILE=os.devnull, AWS_CONFIG_FILE=os.devnull)
    with mock.patch.dict(os.environ, environment, clear=True):
        client = boto3.session.Session().client("personalize")  # its credentials: none
    cell.cloudformation.handler = cell.world.handler(client=client)


FAULTS = [
    Fault("none", lambda cell: None, unharmed),
    passing("describe-throttled", "DescribeSolution", "ThrottlingException", 3),
    passing("update-limit-exceeded", "UpdateSolution", "LimitExceededException", 2),
    passing("describe-5xx", "DescribeSolution", "InternalFailure", 3),
    passing("update-503", "UpdateSolution", "ServiceUnavailable", 2),
    passing("describe-connection-reset", "DescribeSolution", "reset", 2),
    passing("describe-read-timeout", "DescribeSolution", "hang:1.5", 1),
    Fault(
        "describe-throttled-until-the-deadline",
        inject("DescribeSolution", "ThrottlingException", 10_000, persistent=True),
        fails_if_reading("ThrottlingException", "retry later, or raise ServiceTimeout"),
    ),
    Fault(
        "update-5xx-until-the-deadline",
        inject("UpdateSolution", "InternalFailure", 10_000, persistent=True),
        fails_if_updating("InternalFailure", "retry later, or raise ServiceTimeout", started=True),
    ),
    Fault("in-use-then-clears", training(6.0), waited_out_training),  # past the confirming read
    Fault("in-use-never-clears", training(999, timeout=20.0), refused_while_training),
    Fault(
        "not-found-at-start",
        deleted,
        unless_deleting(
            fails_at_once("was not found", "ResourceNotFoundException", names_solution=True),
            updates=0,
        ),
    ),
    Fault(
        "not-found-mid-wait",
        inject("DescribeSolution", "ResourceNotFoundException", 1, after=2),
        unless_deleting(fails_if_updating("was not found", "ResourceNotFoundException", updates=1)),
    ),
    Fault(
        "create-failed-long-reason",
        long_failure,
        fails_if_updating(
            "Solution update failed: Training data check failed", "[truncated]", updates=1
        ),
    ),
    Fault("stale-reads", stale_reads, behind_stale_reads),
    Fault("foreign-update-in-progress", foreign_update, after_a_foreign_update),
    Fault(
        "describe-access-denied",  # a solution of another account, a role without the right
        inject("DescribeSolution", "AccessDeniedException", 1),
        fails_at_once("Personalize rejected the request (AccessDeniedException"),
    ),
    Fault(
        "service-invalid-input",
        inject("UpdateSolution", "InvalidInputException", 1),
        fails_if_updating("Personalize rejected the request", "InvalidInputException"),
    ),
    Fault("bucket-5xx-then-ok", bucket("503", "500"), unharmed),
    Fault("bucket-403-expired", bucket("403"), unanswerable(attempts=1)),  # never retried
    Fault(
        "bucket-connection-refused",
        response_url(port=REFUSING.getsockname()[1]),
        unanswerable(),
    ),
    # No answer, then the connection dropped: long enough to be a hang to the client, which the
    # PUT's retry gets past (a hang that outlasts the time left: test_response.py)
    Fault("bucket-put-hangs", bucket("hang:0.2"), unharmed),
    Fault("url-not-allowed", response_url(host="localhost"), refused_url),
    Fault(
        "little-remaining-time",
        little_time,
        fails_if_updating(
            "Gave up after",
            "waiting for the solution update to finish (last status CREATE IN_PROGRESS)",
            "check the solution's latestSolutionUpdate before you retry",
            updates=1,
            started=True,
        ),
    ),
    Fault(
        "service-timeout-too-short-to-confirm",
        too_short_service_timeout,
        refused_before_reading(
            f"Property ServiceTimeout: '{TOO_SHORT_SERVICE_TIMEOUT}' is too short",
            "from 28 to 3600",
        ),
    ),
    Fault(
        "function-timeout-too-short-to-confirm",
        too_short_function_timeout,
        refused_before_reading("The invocation had", "raise the function's timeout"),
    ),
    Fault(
        "queued-until-service-timeout-is-over",
        queued(56.0),
        refused_before_reading(
            "s of it gone before the function started", "retry the stack operation"
        ),
    ),
    Fault(
        "queued-too-late-to-update",  # a duplicate, say: it may only read
        queued(50.0),
        fails_if_updating(
            "s of it gone before the function started",
            "the settings asked were not in force; retry the stack operation",
        ),
    ),
    Fault("queued-briefly", queued(5.0), unharmed),
    Fault("duplicate-sequential", duplicate(concurrent=False), delivered_twice),
    Fault("duplicate-concurrent", duplicate(concurrent=True), delivered_twice),
    Fault("cold-start-failure", cold_start, cold_start_failure),
    Fault(
        "no-credentials",
        no_credentials,
        refused_before_reading("Could not call Personalize (NoCredentialsError"),
    ),
]


@pytest.fixture(scope="module", autouse=True)
def refusing_port():
    """Close the port the bucket-connection-refused cells name, once they have run."""
    yield
    REFUSING.close()


def named_fault(name: str) -> Fault:
    """The fault of that name."""
    [found] = [f for f in FAULTS if f.name == name]
    return found


def named_scenario(name: str) -> Scenario:
    """The scenario of that name."""
    [found] = [s for s in SCENARIOS if s.name == name]
    return found


# Where a fault ends differently for another request type than for a Create: a Delete's failure
# advises how to go on, a Delete of a solution that is gone is done, a Delete that calls nothing
# needs no client and no time to start an update, and stale reads leave a rollback proven by the
# update before the failed one.
AGAIN = [
    ("delete-disabling-training", "describe-throttled-until-the-deadline"),
    ("delete-disabling-training", "not-found-at-start"),
    ("delete", "cold-start-failure"),
    ("delete", "queued-until-service-timeout-is-over"),
    ("rollback-update", "stale-reads"),
]
# On an Update rather than a Create: stale reads, which show the update before the request's; and
# the concurrent duplicate, which runs in real time (two handlers sleep on one clock): where the
# reading leaves a Create's update unproven, its later delivery would wait out the invocation.
ON_AN_UPDATE = ("stale-reads", "duplicate-concurrent")
CELLS = [
    *[(s, FAULTS[0]) for s in SCENARIOS],
    *[(named_scenario("create"), f) for f in FAULTS[1:] if f.name not in ON_AN_UPDATE],
    *[(named_scenario("update"), named_fault(f)) for f in ON_AN_UPDATE],
    *[(named_scenario(s), named_fault(f)) for s, f in AGAIN],
]


def test_the_emulator_plays_the_reading_the_run_names(emulator, request):
    """make test-readings runs this module once per reading (--emulator-reading): each run must
    play its own, or it would only repeat the default."""
    assert emulator.reading == READINGS[request.config.getoption("--emulator-reading")]


@pytest.mark.parametrize(("scenario", "fault"), CELLS, ids=[f"{s.name}-{f.name}" for s, f in CELLS])
def test_cell(scenario, fault, world):
    outcome = observe("request x fault", f"{scenario.name} x {fault.name}")
    cell = scenario.cell(world)
    fault.arrange(cell)
    expect = fault.expect(scenario, world.emulator.reading)
    calls_before, began = len(world.emulator.calls), world.clock.now()
    check(world, cell.deliver(), expect, calls_before, outcome, cell.deliveries, began)
