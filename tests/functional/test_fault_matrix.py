"""Fault matrix: every request type crossed with every fault, through the real handler over HTTP.

Each cell asserts what CloudFormation would see: how many responses the bucket accepted (one per
delivery), the body size, Status, an actionable Reason, the PhysicalResourceId, an answer before
the invocation's deadline, and how many UpdateSolution calls the request made (often none).
The module ends with one summary line (cells run, passed, responses per delivery, hangs).
"""

from __future__ import annotations

import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from localcloud.cloudformation import CloudFormation, LambdaContext
from localcloud.emulator import Timing
from localcloud.harness import client_without_update_solution, handler_on_clock
from localcloud.simclock import SimulatedClock
from protocol import MAX_BODY_BYTES

FIVE = {
    "PerformAutoTraining": True,
    "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(5 days)"}},
}
FIVE_SPELLED = {
    "PerformAutoTraining": "TRUE",
    "SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(5 days)"}},
}
THREE = {"SolutionUpdateConfig": {"AutoTrainingConfig": {"SchedulingExpression": "rate(3 days)"}}}
DATASET_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/matrix"
FAST = Timing(
    solution_pending=0.02,
    solution_in_progress=0.02,
    update_pending=0.05,
    update_in_progress=0.25,
    stale_read=0.2,
)


@dataclass(frozen=True)
class Scenario:
    """A request type in the state CloudFormation would send it."""

    name: str
    request_type: str
    changes: bool  # the request needs an UpdateSolution call
    touches: bool  # the request reads Personalize at all


SCENARIOS = [
    Scenario("create", "Create", changes=True, touches=True),
    Scenario("update", "Update", changes=True, touches=True),
    Scenario("noop-update", "Update", changes=False, touches=True),
    Scenario("rollback-update", "Update", changes=True, touches=True),  # nothing proves the old
    Scenario("replacement", "Update", changes=True, touches=True),
    Scenario("delete", "Delete", changes=False, touches=False),
    Scenario("delete-after-failed-create", "Delete", changes=False, touches=False),
]


@dataclass
class Expect:
    """What a cell must see. responses: accepted per delivery (0 when the bucket cannot take it)."""

    status: str | None = "SUCCESS"
    update_calls: int = 0
    reason_has: tuple[str, ...] = ()
    responses: int = 1
    deliveries: int = 1
    personalize_calls: bool | None = None  # False: Personalize must not be contacted at all


@dataclass
class Cell:
    """The running context of one cell."""

    scenario: Scenario
    env: Any
    target: str = ""
    event: dict[str, Any] = field(default_factory=dict)
    timeout: float = 30.0
    handler: Callable[[dict[str, Any], Any], Any] | None = None
    concurrent: bool = False
    deliveries: int = 1
    started: float = 0.0
    invocations: int = 0


def baseline(scenario: Scenario) -> Expect:
    return Expect("SUCCESS", update_calls=1 if scenario.changes else 0)


def fails_when_changing(calls: int, *reason: str) -> Callable[[Scenario], Expect]:
    def expect(scenario: Scenario) -> Expect:
        if scenario.changes:
            return Expect("FAILED", update_calls=calls, reason_has=reason)
        return baseline(scenario)

    return expect


def fails_when_touching(*reason: str) -> Callable[[Scenario], Expect]:
    def expect(scenario: Scenario) -> Expect:
        if scenario.touches:
            return Expect("FAILED", update_calls=0, reason_has=reason)
        return baseline(scenario)

    return expect


# Bound but never listening: connections to it are refused, and no server started later in the
# run can take its port (a port merely found free could be reused by the next receiver).
REFUSING = socket.socket()
REFUSING.bind(("127.0.0.1", 0))


# Each fault: (name, arrange(cell), expectation(scenario)). arrange runs after the scenario's state
# is prepared and before the request is delivered.
def arrange_inject(operation: str, code: str, times: int, after: int = 0) -> Callable[[Cell], None]:
    def arrange(cell: Cell) -> None:
        cell.env.emulator.inject(operation, code, times=times, after=after)

    return arrange


def bound_by_service_timeout(cell: Cell, seconds: str = "60") -> None:
    """Deadline cells: CloudFormation's ServiceTimeout is what ends the wait, several
    invocations (hand-offs) after the first one runs out of time."""
    cell.event["ResourceProperties"]["ServiceTimeout"] = seconds


def arrange_training(seconds: float, timeout: float = 30.0) -> Callable[[Cell], None]:
    def arrange(cell: Cell) -> None:
        cell.env.emulator.train(cell.target, seconds)
        cell.timeout = timeout
        bound_by_service_timeout(cell)

    return arrange


def arrange_deleted(cell: Cell) -> None:
    if cell.target.startswith("arn:"):
        cell.env.personalize.delete_solution(solutionArn=cell.target)


def arrange_long_failure(cell: Cell) -> None:
    cell.env.emulator.fail_next_update("Training data check failed: " + "details " * 700)


def arrange_stale(cell: Cell) -> None:
    cell.env.emulator.timing.stale_read = 1.0


def arrange_foreign_update(cell: Cell) -> None:
    if cell.target.startswith("arn:"):
        cell.env.emulator.timing.update_in_progress = 1.0
        cell.env.personalize.update_solution(solutionArn=cell.target, performIncrementalUpdate=True)
        cell.env.emulator.timing.update_in_progress = FAST.update_in_progress


def arrange_bucket(*script: str) -> Callable[[Cell], None]:
    def arrange(cell: Cell) -> None:
        cell.env.receiver.script.extend(script)

    return arrange


def arrange_url(host: str | None = None, port: int | None = None) -> Callable[[Cell], None]:
    def arrange(cell: Cell) -> None:
        url = cell.event["ResponseURL"]
        if host:
            url = url.replace("127.0.0.1", host)
        if port:
            url = url.replace(f":{cell.env.receiver.port}/", f":{port}/")
        cell.event["ResponseURL"] = url

    return arrange


def arrange_little_time(cell: Cell) -> None:
    cell.env.emulator.timing.update_in_progress = 300.0
    cell.timeout = 20.0  # 10 s of waiting per invocation, after the reserve and a call's budget
    bound_by_service_timeout(cell)


def arrange_duplicate(concurrent: bool) -> Callable[[Cell], None]:
    def arrange(cell: Cell) -> None:
        cell.concurrent = concurrent
        if concurrent:
            cell.env.clock.run_in_real_time()

    return arrange


def arrange_cold_start_failure(cell: Cell) -> None:
    import app

    cell.handler = app.build(personalize_client=client_without_update_solution())


def stale(scenario: Scenario) -> Expect:
    """A rollback whose failed update is not visible yet reads the settings it asks for, from
    the update before, which proves them: a no-op, and a correct one."""
    expected = baseline(scenario)
    if scenario.name == "rollback-update":
        expected.update_calls = 0
    return expected


def expect_duplicates(scenario: Scenario) -> Expect:
    expected = baseline(scenario)
    expected.deliveries = 2
    return expected


def expect_unreachable_bucket(scenario: Scenario) -> Expect:
    """The work is done, but the bucket takes no answer: none accepted, nothing hangs."""
    expected = baseline(scenario)
    expected.status, expected.responses = None, 0
    return expected


def expect_refused_url(scenario: Scenario) -> Expect:
    return Expect(None, update_calls=0, responses=0, personalize_calls=False)


def expect_cold_start_failure(scenario: Scenario) -> Expect:
    if scenario.request_type == "Delete":
        return baseline(scenario)
    return Expect("FAILED", update_calls=0, reason_has=("could not start", "UpdateSolution"))


FAULTS: list[tuple[str, Callable[[Cell], None], Callable[[Scenario], Expect]]] = [
    ("none", lambda cell: None, baseline),
    ("describe-throttled", arrange_inject("DescribeSolution", "ThrottlingException", 3), baseline),
    (
        "update-limit-exceeded",
        arrange_inject("UpdateSolution", "LimitExceededException", 2),
        baseline,
    ),
    ("describe-5xx", arrange_inject("DescribeSolution", "InternalFailure", 3), baseline),
    ("update-503", arrange_inject("UpdateSolution", "ServiceUnavailable", 2), baseline),
    ("describe-connection-reset", arrange_inject("DescribeSolution", "reset", 2), baseline),
    ("describe-read-timeout", arrange_inject("DescribeSolution", "hang:1.5", 1), baseline),
    ("in-use-then-clears", arrange_training(1.0), baseline),
    (
        "in-use-never-clears",
        arrange_training(999, timeout=20.0),
        fails_when_changing(0, "busy", "ResourceInUseException", "Gave up"),
    ),
    ("not-found-at-start", arrange_deleted, fails_when_touching("was not found")),
    (
        "not-found-mid-wait",
        arrange_inject("DescribeSolution", "ResourceNotFoundException", 1, after=2),
        fails_when_changing(1, "was not found"),
    ),
    (
        "create-failed-long-reason",
        arrange_long_failure,
        fails_when_changing(1, "Solution update failed: Training data check failed"),
    ),
    ("stale-reads", arrange_stale, stale),
    ("foreign-update-in-progress", arrange_foreign_update, baseline),
    (
        "service-invalid-input",
        arrange_inject("UpdateSolution", "InvalidInputException", 1),
        fails_when_changing(0, "Personalize rejected the request", "InvalidInputException"),
    ),
    ("bucket-5xx-then-ok", arrange_bucket("503", "500"), baseline),
    ("bucket-403-expired", arrange_bucket("403"), expect_unreachable_bucket),
    (
        "bucket-connection-refused",
        arrange_url(port=REFUSING.getsockname()[1]),
        expect_unreachable_bucket,
    ),
    ("bucket-put-hangs", arrange_bucket("hang:2"), baseline),
    ("url-not-allowed", arrange_url(host="localhost"), expect_refused_url),
    (
        "little-remaining-time",
        arrange_little_time,
        fails_when_changing(1, "Gave up", "CREATE IN_PROGRESS"),
    ),
    ("duplicate-sequential", arrange_duplicate(concurrent=False), expect_duplicates),
    ("duplicate-concurrent", arrange_duplicate(concurrent=True), expect_duplicates),
    ("cold-start-failure", arrange_cold_start_failure, expect_cold_start_failure),
]

RESULTS: list[dict[str, Any]] = []


@pytest.fixture(scope="module", autouse=True)
def summary_line(request):
    yield
    REFUSING.close()
    cells = [r for r in RESULTS if r["kind"] == "cell"]
    inputs = [r for r in RESULTS if r["kind"] == "input"]
    per_delivery = [r["per_delivery"] for r in RESULTS if r["per_delivery"] is not None]
    unanswerable = sum(1 for r in RESULTS if r["per_delivery"] is None and r["passed"])
    line = (
        f"fault matrix: {len(RESULTS)} cells run ({len(cells)} request x fault, "
        f"{len(inputs)} malformed inputs), {sum(r['passed'] for r in RESULTS)} passed, "
        f"responses per answerable delivery min {min(per_delivery, default=0):g} "
        f"max {max(per_delivery, default=0):g} ({unanswerable} cells unanswerable by design: "
        f"no, refused or expired URL), hangs {sum(r['hung'] for r in RESULTS)}; "
        f"{len(FAULTS)} faults x {len(SCENARIOS)} request types"
    )
    request.config.summary_lines = [*getattr(request.config, "summary_lines", []), line]


@dataclass
class Env:
    personalize: Any
    emulator: Any
    receiver: Any
    make_solution: Callable[..., str]
    clock: SimulatedClock
    lambda_service: Any


def settle(env: Env) -> None:
    env.clock.advance(FAST.update_pending + FAST.update_in_progress + FAST.stale_read + 0.05)


def prepare(cell: Cell, cloudformation: CloudFormation) -> None:
    """Put the solution(s) in the state the scenario's request is sent in, and build the event."""
    env, name = cell.env, cell.scenario.name
    personalize = env.personalize
    arn = env.make_solution(f"s{uuid.uuid4().hex[:10]}")
    cell.target = arn
    if name != "create":
        personalize.update_solution(
            solutionArn=arn,
            performAutoTraining=True,
            solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(5 days)"}},
        )
        settle(env)
    if name == "rollback-update":
        env.emulator.fail_next_update("rejected schedule")
        personalize.update_solution(
            solutionArn=arn,
            solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}},
        )
        settle(env)
    base = {"SolutionArn": arn}
    events = {
        "create": lambda: cloudformation.event("Create", "R", {**base, **FIVE}),
        "update": lambda: cloudformation.event(
            "Update", "R", {**base, **THREE}, old_properties={**base, **FIVE}, physical_id=arn
        ),
        "noop-update": lambda: cloudformation.event(
            "Update",
            "R",
            {**base, **FIVE_SPELLED},
            old_properties={**base, **FIVE},
            physical_id=arn,
        ),
        "rollback-update": lambda: cloudformation.event(
            "Update", "R", {**base, **FIVE}, old_properties={**base, **THREE}, physical_id=arn
        ),
        "delete": lambda: cloudformation.event("Delete", "R", {**base, **FIVE}, physical_id=arn),
        "delete-after-failed-create": lambda: cloudformation.event(
            "Delete", "R", {"SolutionArn": "bad"}, physical_id=f"create-failed-{uuid.uuid4()}"
        ),
    }
    if name == "replacement":
        new_arn = env.make_solution(f"s{uuid.uuid4().hex[:10]}")
        cell.target = new_arn
        cell.event = cloudformation.event(
            "Update",
            "R",
            {"SolutionArn": new_arn, **FIVE},
            old_properties={**base, **FIVE},
            physical_id=arn,
        )
    else:
        cell.event = events[name]()
    if name == "delete-after-failed-create":
        cell.target = cell.event["PhysicalResourceId"]


def expected_id(cell: Cell, status: str) -> str:
    event = cell.event
    if status == "SUCCESS" and event["RequestType"] != "Delete":
        return event["ResourceProperties"]["SolutionArn"]
    return event.get("PhysicalResourceId") or f"create-failed-{event['RequestId']}"


def deliver(cell: Cell, handler: Callable[..., Any]) -> tuple[float, bool]:
    """Deliver the event once, twice in a row, or twice at once; return (seconds, hung)."""
    started = cell.started = time.monotonic()
    hung = False

    def invoke(target: Callable[..., Any]) -> None:
        """One delivery, then the invocations it hands its wait to (as Lambda would run them)."""
        target(dict(cell.event), LambdaContext(cell.timeout))
        cell.invocations += 1
        while (carried := cell.env.lambda_service.take(cell.event["RequestId"])) is not None:
            target(carried, LambdaContext(cell.timeout))
            cell.invocations += 1

    if cell.concurrent:
        second = handler_on_clock(cell.env.clock)
        threads = [
            threading.Thread(target=invoke, args=(h,), daemon=True) for h in (handler, second)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(cell.timeout + 5)
            hung |= thread.is_alive()
    else:
        for _ in range(cell.deliveries):
            invoke(handler)
    elapsed = time.monotonic() - started
    sequential = cell.invocations // 2 if cell.concurrent else cell.invocations
    return elapsed, hung or elapsed > cell.timeout * sequential


@pytest.fixture
def env(personalize, emulator, receiver, lambda_service) -> Env:
    emulator.timing = Timing(**FAST.__dict__)
    clock = SimulatedClock()
    emulator.clock = clock.now

    def make_solution(name: str) -> str:
        arn = personalize.create_solution(name=name, datasetGroupArn=DATASET_GROUP)["solutionArn"]
        clock.advance(FAST.solution_pending + FAST.solution_in_progress)
        return arn

    return Env(personalize, emulator, receiver, make_solution, clock, lambda_service)


@pytest.mark.parametrize("fault", FAULTS, ids=[f[0] for f in FAULTS])
@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_cell(scenario, fault, env):
    name, arrange, expectation = fault
    record = {"kind": "cell", "passed": False, "hung": False, "per_delivery": None}
    RESULTS.append(record)
    cloudformation = CloudFormation(lambda e, c: None, env.receiver)
    cell = Cell(scenario, env)
    prepare(cell, cloudformation)
    expect = expectation(scenario)
    cell.deliveries = expect.deliveries
    arrange(cell)
    calls_before = list(env.emulator.calls)
    handler = cell.handler or handler_on_clock(env.clock)
    elapsed, hung = deliver(cell, handler)
    record["hung"] = hung
    assert not hung, f"{name}: invocation ran past its deadline ({elapsed:.1f} s)"

    responses = env.receiver.responses_for(cell.event["RequestId"])
    if expect.responses:
        record["per_delivery"] = len(responses) / expect.deliveries
    assert len(responses) == expect.responses * expect.deliveries
    new_calls = env.emulator.calls[len(calls_before) :]
    update_calls = sum(c.operation == "UpdateSolution" and c.outcome == "ok" for c in new_calls)
    assert update_calls == expect.update_calls, [(c.operation, c.outcome) for c in new_calls]
    if expect.personalize_calls is False or not scenario.touches:
        assert not new_calls, "this request must not touch Personalize"
    sequential = cell.invocations // 2 if cell.concurrent else cell.invocations
    for response in responses:
        body = response.body
        assert response.raw_size <= MAX_BODY_BYTES
        assert body["Status"] == expect.status, body
        assert body["PhysicalResourceId"] == expected_id(cell, body["Status"])
        assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == (
            cell.event["StackId"],
            cell.event["RequestId"],
            cell.event["LogicalResourceId"],
        )
        if expect.status == "FAILED":
            assert any(part in body["Reason"] for part in expect.reason_has), body["Reason"]
        assert response.at - cell.started <= cell.timeout * sequential, "answered too late"
    if name == "bucket-403-expired":
        assert env.receiver.attempts == 1, "an expired URL must not be retried"
    if name == "url-not-allowed":
        assert env.receiver.attempts == 0
    record["passed"] = True


ARN = "arn:aws:personalize:us-east-1:123456789012:solution/"


def malformed(event: dict[str, Any], arn: str) -> dict[str, Callable[[], Any]]:
    """Inputs CloudFormation should never send, but a handler must survive."""
    props = event["ResourceProperties"]
    return {
        "no-response-url": lambda: {k: v for k, v in event.items() if k != "ResponseURL"},
        "no-stack-id": lambda: {k: v for k, v in event.items() if k != "StackId"},
        "no-logical-id": lambda: {k: v for k, v in event.items() if k != "LogicalResourceId"},
        "unknown-request-type": lambda: {**event, "RequestType": "Upsert"},
        "request-type-not-a-string": lambda: {**event, "RequestType": ["Create"]},
        "properties-not-a-map": lambda: {**event, "ResourceProperties": "SolutionArn=x"},
        "properties-missing": lambda: {k: v for k, v in event.items() if k != "ResourceProperties"},
        "huge-properties": lambda: {
            **event,
            "ResourceProperties": {**props, "Blob": "x" * 200_000},
        },
        "list-where-scalar-belongs": lambda: {
            **event,
            "ResourceProperties": {**props, "PerformAutoTraining": ["true"]},
        },
        "map-where-list-belongs": lambda: {
            **event,
            "ResourceProperties": {
                **props,
                "SolutionUpdateConfig": {"EventsConfig": {"EventParametersList": {"a": "b"}}},
            },
        },
        "non-string-leaves": lambda: {
            **event,
            "ResourceProperties": {**props, "PerformAutoTraining": False, "ServiceTimeout": 600},
        },
        "update-without-physical-id": lambda: {
            **{k: v for k, v in event.items() if k != "PhysicalResourceId"},
            "RequestType": "Update",
            "OldResourceProperties": props,
        },
        "update-without-old-properties": lambda: {
            **event,
            "RequestType": "Update",
            "PhysicalResourceId": arn,
        },
        "delete-of-failed-create-id": lambda: {
            **event,
            "RequestType": "Delete",
            "PhysicalResourceId": "create-failed-0000",
            "ResourceProperties": {"SolutionArn": "???"},
        },
        "event-not-a-map": lambda: ["Create", event["ResponseURL"]],
    }


# name: (responses, status, reason fragment, may update)
MALFORMED_EXPECT: dict[str, tuple[int, str | None, str, bool]] = {
    "no-response-url": (0, None, "", False),
    "no-stack-id": (1, "FAILED", "StackId", False),
    "no-logical-id": (1, "FAILED", "LogicalResourceId", False),
    "unknown-request-type": (1, "FAILED", "Unsupported RequestType", False),
    "request-type-not-a-string": (1, "FAILED", "Unsupported RequestType", False),
    "properties-not-a-map": (1, "FAILED", "ResourceProperties", False),
    "properties-missing": (1, "FAILED", "ResourceProperties", False),
    "huge-properties": (1, "FAILED", "Blob", False),
    "list-where-scalar-belongs": (1, "FAILED", "PerformAutoTraining", False),
    "map-where-list-belongs": (1, "FAILED", "EventParametersList", False),
    "non-string-leaves": (1, "SUCCESS", "", True),
    "update-without-physical-id": (1, "FAILED", "PhysicalResourceId", False),
    "update-without-old-properties": (1, "SUCCESS", "", True),
    "delete-of-failed-create-id": (1, "SUCCESS", "", False),
    "event-not-a-map": (0, None, "", False),
}


@pytest.mark.parametrize("name", list(MALFORMED_EXPECT))
def test_malformed_input(name, env):
    record = {"kind": "input", "passed": False, "hung": False, "per_delivery": None}
    RESULTS.append(record)
    cloudformation = CloudFormation(lambda e, c: None, env.receiver)
    arn = env.make_solution(f"s{uuid.uuid4().hex[:10]}")
    event = cloudformation.event("Create", "R", {"SolutionArn": arn, **FIVE})
    bad = malformed(event, arn)[name]()
    responses_expected, status, reason, may_update = MALFORMED_EXPECT[name]
    started = time.monotonic()
    handler_on_clock(env.clock)(bad, LambdaContext(30))
    record["hung"] = time.monotonic() - started > 30
    responses = env.receiver.responses_for(event["RequestId"])
    if responses_expected:
        record["per_delivery"] = len(responses)
    assert len(responses) == responses_expected
    updates = env.emulator.count("UpdateSolution", "ok")
    assert updates == (1 if may_update else 0)
    for response in responses:
        assert response.raw_size <= MAX_BODY_BYTES
        assert response.body["Status"] == status
        assert reason in response.body["Reason"]
        assert response.body["PhysicalResourceId"]
    record["passed"] = True
