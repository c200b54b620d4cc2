"""Over the stand-ins, as Lambda routes them: an invocation that dies (out of memory, a crash, a
hard timeout), a hand-off that dies, an event Lambda drops: each goes to the on-failure
destination as Lambda's record, and the response bucket receives the one answer the function's
rules give. The real function never fails its invocation, so nothing of it is routed."""

from __future__ import annotations

import time
from typing import Any

import pytest

import on_failure
import operations
from continuation import Carried, SelfInvoker
from localcloud.cloudformation import CloudFormation
from localcloud.lambda_service import InvocationDied, LambdaService, died
from localcloud.receiver import Receiver
from localcloud.simclock import SimulatedClock
from solution_rules.envelope import CARRY_KEY

ARN = "arn:aws:personalize:us-east-1:123456789012:solution/tests"
RETAIN = {"SolutionArn": ARN, "OnDelete": "Retain"}
DISABLE = {"SolutionArn": ARN, "OnDelete": "DisableAutoTraining"}
TIMEOUT = 0.3  # the invocations' timeout: a hung one is stopped this soon


def destination(clock: Any = time.time) -> on_failure.Destination:
    """The destination, answering the receiver on loopback as the function does."""
    return on_failure.Destination(extra_hosts={"127.0.0.1"}, home="us-east-1", clock=clock)


def dying(kind: str) -> Any:
    """A handler whose every invocation dies `kind`, before it answers."""

    def handler(event: Any, context: Any) -> None:
        if kind == "timeout":
            time.sleep(context.get_remaining_time_in_millis() / 1000 + 0.05)  # Lambda stops it
            return
        raise InvocationDied(died(kind, context.aws_request_id))

    return handler


def stand_in(
    handler: Any, receiver: Receiver, timeout: float = TIMEOUT, **options: Any
) -> CloudFormation:
    """CloudFormation and Lambda, with the function's on-failure destination."""
    return CloudFormation(
        handler, receiver, function_timeout=timeout, on_failure=destination(), **options
    )


@pytest.mark.parametrize(
    ("kind", "said"),
    [
        ("oom", "The function ran out of memory (Lambda stopped it)"),
        ("crash", "The function crashed (Runtime.ExitError)"),
    ],
)
def test_a_create_whose_invocation_dies_fails_once_with_its_failure_id(kind, said):
    with Receiver() as receiver:
        exchange = stand_in(dying(kind), receiver).send(
            "Create", "AutoTraining", {"SolutionArn": ARN}
        )
        body = exchange.response  # exactly one
        request_id = exchange.event["RequestId"]
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", f"create-failed-{request_id}")
    assert body["Reason"].startswith(said)
    assert "check the solution's latestSolutionUpdate" in body["Reason"]


def test_a_create_stopped_at_its_timeout_fails_once_naming_its_solution():
    """As its watchdog answered before Lambda stopped it (a call still ran)."""
    with Receiver() as receiver:
        exchange = stand_in(dying("timeout"), receiver).send(
            "Create", "AutoTraining", {"SolutionArn": ARN}
        )
        body = exchange.response  # exactly one
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", ARN)
    assert body["Reason"].startswith("The function timed out (Lambda stopped it at its timeout)")
    assert "the rollback's Delete applies OnDelete to it" in body["Reason"]


@pytest.mark.parametrize(
    ("properties", "status", "said"),
    [
        (RETAIN, "SUCCESS", ""),
        (DISABLE, "FAILED", "delete the stack retaining this resource (--retain-resources Res)"),
    ],
)
def test_a_delete_whose_invocation_dies_is_answered_as_its_on_delete_says(properties, status, said):
    with Receiver() as receiver:
        cloudformation = stand_in(dying("oom"), receiver)
        body = cloudformation.send("Delete", "Res", properties, physical_id=ARN).response
    assert (body["Status"], body["PhysicalResourceId"]) == (status, ARN)
    assert said in body["Reason"]


def test_an_update_dropped_from_the_queue_says_how_long_after_it_was_sent():
    clock = SimulatedClock(start=1_800_000_000.0)  # a whole second: X-Amz-Date has no fraction
    with Receiver(clock=clock.now) as receiver:
        cloudformation = CloudFormation(
            dying("crash"), receiver, on_failure=destination(clock.now), clock=clock.now
        )
        event = cloudformation.event("Update", "Res", DISABLE, DISABLE, physical_id=ARN)
        clock.advance(3601.5)  # past the maximum event age
        body = cloudformation.drop(event).response
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", ARN)
    assert body["Reason"] == (
        "Lambda dropped the request without running the function: it was still queued 3601 s "
        "after CloudFormation sent it, past the function's maximum event age; the function "
        "never ran on it, so nothing was done: retry the stack operation"
    )


def test_a_hand_off_that_dies_is_answered_for_its_request(monkeypatch):
    """The first invocation hands the wait on through Lambda (the stand-in), the one that carries
    it dies: the destination gets the hand-off's event, with its marker, and answers it."""
    hand_off = SelfInvoker()

    def handler(event: Any, context: Any) -> None:
        if CARRY_KEY in event:
            raise InvocationDied(died("oom", context.aws_request_id))
        carried = Carried(first=time.time(), updated=True).next_hop()
        hand_off({**event, CARRY_KEY: carried.to_json()}, context.invoked_function_arn)

    with LambdaService() as lambda_service, Receiver() as receiver:
        monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", lambda_service.url)
        # time enough for the first to hand off (boto3's client is made then)
        cloudformation = stand_in(handler, receiver, 30.0, lambda_service=lambda_service)
        exchange = cloudformation.send("Create", "AutoTraining", {"SolutionArn": ARN})
        body = exchange.response
    assert exchange.invocations == 2
    assert body["Status"] == "FAILED"
    assert body["Reason"].startswith("The function ran out of memory")
    assert "UpdateSolution may have been called for this Create" in body["Reason"]


def test_without_a_destination_a_death_is_the_callers_as_before():
    with Receiver() as receiver, pytest.raises(InvocationDied):
        CloudFormation(dying("oom"), receiver).send("Create", "AutoTraining", {"SolutionArn": ARN})


def test_the_function_never_fails_its_invocation_even_on_a_bug(handler, monkeypatch):
    """A bug becomes the function's own FAILED answer and a normal return: Lambda records no
    failure, and the destination never answers a second time."""

    def broken(*args: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(operations, "run", broken)
    with Receiver() as receiver:
        cloudformation = CloudFormation(handler, receiver, on_failure=destination())
        body = cloudformation.send("Update", "Res", DISABLE, old_properties=RETAIN, physical_id=ARN)
        answer = body.response
    assert (answer["Status"], answer["Reason"]) == (
        "FAILED",
        "Internal error (RuntimeError); see the function's logs",
    )


def test_a_hard_timeout_after_the_functions_answer_repeats_its_status_and_id(handler):
    """The function answered (here at once: its properties are refused), then the invocation
    hangs to Lambda's timeout, as one stuck in a call after its watchdog answered would: the
    destination's answer is FAILED with the same id, so CloudFormation acts the same either way."""

    def answered_then_hung(event: Any, context: Any) -> None:
        handler(event, context)
        time.sleep(context.get_remaining_time_in_millis() / 1000 + 0.05)

    with Receiver() as receiver:
        # 4 s: its watchdog (3 s before the end) waits a second, the refusal comes first
        exchange = stand_in(answered_then_hung, receiver, 4.0).send(
            "Create", "AutoTraining", {"SolutionArn": ARN, "PerformAutoTraining": "maybe"}
        )
        first, second = (response.body for response in exchange.responses)
    assert first["Reason"].startswith("Invalid properties: Property PerformAutoTraining")
    assert second["Reason"].startswith("The function timed out")
    assert {(b["Status"], b["PhysicalResourceId"]) for b in (first, second)} == {
        ("FAILED", f"create-failed-{exchange.event['RequestId']}")
    }
