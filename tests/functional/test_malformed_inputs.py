"""Inputs CloudFormation would never send, through the real handler over HTTP: malformed events
(which a handler must survive), and forged ones that anyone allowed to invoke the function could
send (crhelper's poll keys, carried-wait markers this function would not have written). Each
is a cell of the fault matrix, checked as its cells are (tests/functional/matrix.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from continuation import CARRY_KEY, Carried
from tests.functional.matrix import Expect, check, observe, signed_at
from tests.functional.world import World
from tests.presets import auto_training


@dataclass(frozen=True)
class Malformed:
    """An input CloudFormation should never send, but anyone allowed to invoke the function
    could: `breaks` turns a sound Create event into it; `expect` is what it must come to."""

    name: str
    breaks: Callable[[dict[str, Any], World], Any]
    expect: Expect


def refused(*reason: str) -> Expect:
    """One FAILED answer naming the problem, before any call to Personalize."""
    return Expect("FAILED", reason=reason, personalize=False)


UNANSWERABLE = Expect(None, responses=0, personalize=False)


def without(*keys: str) -> Callable[[dict[str, Any], World], Any]:
    """The event less these keys."""
    return lambda event, world: {k: v for k, v in event.items() if k not in keys}


def having(**fields: Any) -> Callable[[dict[str, Any], World], Any]:
    """The event with these top-level keys set."""
    return lambda event, world: {**event, **fields}


def with_properties(**properties: Any) -> Callable[[dict[str, Any], World], Any]:
    """The event with these ResourceProperties set."""
    return lambda event, world: {
        **event,
        "ResourceProperties": {**event["ResourceProperties"], **properties},
    }


def with_marker(**fields: Any) -> Callable[[dict[str, Any], World], Any]:
    """The event with a carried-wait marker, as a continued invocation has, these fields
    forged."""
    return lambda event, world: {
        **event,
        CARRY_KEY: {**Carried(first=world.clock.now()).to_json(), **fields},
    }


def in_the_future(event: dict[str, Any], world: World) -> dict[str, Any]:
    """A marker claiming the wait began a day from now (it would extend the deadline)."""
    return with_marker(first=world.clock.now() + 86_400)(event, world)


def in_region(region: str) -> Callable[[dict[str, Any], World], Any]:
    """The event with its SolutionArn in another region."""

    def breaks(event: dict[str, Any], world: World) -> dict[str, Any]:
        arn = event["ResourceProperties"]["SolutionArn"].split(":")
        arn[3] = region
        return with_properties(SolutionArn=":".join(arn))(event, world)

    return breaks


def signed_ago(seconds: float) -> Callable[[dict[str, Any], World], Any]:
    """The event with its ResponseURL signed `seconds` ago (it lives 7200 s)."""
    return lambda event, world: {
        **event,
        "ResponseURL": signed_at(event["ResponseURL"], world.clock.now() - seconds),
    }


def forged_marker(problem: str) -> Expect:
    """Refused as a forged wait marker, naming the field and what is wrong with it."""
    return refused("The request carries a forged wait marker", f"{CARRY_KEY}.{problem}")


def forged_poll(keys: str) -> Expect:
    """Refused for carrying crhelper's poll keys, naming them."""
    return refused(f"The request carries crhelper polling keys ({keys})", "schedules no polls")


MALFORMED = [
    Malformed("no-response-url", without("ResponseURL"), UNANSWERABLE),
    Malformed("no-stack-id", without("StackId"), refused("The request lacks StackId")),
    Malformed("no-request-id", without("RequestId"), refused("The request lacks RequestId")),
    Malformed(
        "no-logical-id",
        without("LogicalResourceId"),
        refused("The request lacks LogicalResourceId"),
    ),
    Malformed(
        "unknown-request-type",
        having(RequestType="Upsert"),
        refused("Unsupported RequestType 'Upsert'", "expected Create, Update or Delete"),
    ),
    Malformed(
        "request-type-not-a-string",
        having(RequestType=["Create"]),
        refused("Unsupported RequestType ['Create']"),
    ),
    Malformed(
        "properties-not-a-map",
        having(ResourceProperties="SolutionArn=x"),
        refused("Invalid properties", "ResourceProperties"),
    ),
    Malformed(
        "properties-missing",
        without("ResourceProperties"),
        refused("Invalid properties", "ResourceProperties"),
    ),
    Malformed(
        "huge-properties",
        with_properties(Blob="x" * 200_000),
        refused("Invalid properties", "Blob"),
    ),
    Malformed(
        "list-where-scalar-belongs",
        with_properties(PerformAutoTraining=["true"]),
        refused("Invalid properties", "PerformAutoTraining"),
    ),
    Malformed(
        "map-where-list-belongs",
        with_properties(SolutionUpdateConfig={"EventsConfig": {"EventParametersList": {"a": "b"}}}),
        refused("Invalid properties", "EventParametersList"),
    ),
    Malformed(
        "non-string-leaves",
        with_properties(PerformAutoTraining=False, ServiceTimeout=600),
        Expect(updates=1),
    ),
    Malformed(
        "update-without-physical-id",
        lambda event, world: {
            **without("PhysicalResourceId")(event, world),
            "RequestType": "Update",
            "OldResourceProperties": event["ResourceProperties"],
        },
        refused("The request lacks PhysicalResourceId"),
    ),
    Malformed(
        "update-without-old-properties",
        lambda event, world: {
            **event,
            "RequestType": "Update",
            "PhysicalResourceId": event["ResourceProperties"]["SolutionArn"],
        },
        Expect(updates=1),
    ),
    Malformed(
        "solution-in-another-region",
        in_region("eu-west-1"),
        refused(
            "SolutionArn is in eu-west-1; this function serves us-east-1: "
            "deploy the application in eu-west-1"
        ),
    ),
    Malformed(
        "region-that-does-not-exist",
        in_region("us-east-9"),
        refused("has region 'us-east-9', not a region of partition aws"),
    ),
    Malformed("response-url-expired-long-ago", signed_ago(30 * 86_400), UNANSWERABLE),
    Malformed(
        "event-not-a-map", lambda event, world: ["Create", event["ResponseURL"]], UNANSWERABLE
    ),
    # Forged: crhelper's poll keys (this function schedules no polls) and carried-wait markers
    # this function would not have written.
    Malformed("crhelper-poll", having(CrHelperPoll=True), forged_poll("CrHelperPoll")),
    Malformed(
        "crhelper-data",
        having(CrHelperData={"SchedulingExpression": "rate(1 day)"}),
        forged_poll("CrHelperData"),
    ),
    Malformed("crhelper-data-a-list", having(CrHelperData=["forged"]), forged_poll("CrHelperData")),
    Malformed(
        "crhelper-poll-with-data",
        having(CrHelperPoll=True, CrHelperData={"Status": "SUCCESS"}),
        forged_poll("CrHelperPoll, CrHelperData"),
    ),
    Malformed(
        "wait-marker-negative-hops",
        with_marker(hops=-160),
        forged_marker("hops is not a whole number of at least 0"),
    ),
    Malformed(
        "wait-marker-from-the-future", in_the_future, forged_marker("first is in the future")
    ),
    Malformed(
        "wait-marker-start-zero",
        with_marker(first=0),
        forged_marker("first is more than 7 hours in the past"),
    ),
    Malformed(
        "wait-marker-start-a-huge-integer",
        with_marker(first=10**400),  # math.isfinite overflows on it
        forged_marker("first is not a time"),
    ),
    Malformed(
        "wait-marker-start-not-a-time",
        with_marker(first="yesterday"),
        forged_marker("first is not a time"),
    ),
    Malformed(
        "wait-marker-updated-not-a-boolean",
        with_marker(updated="true"),
        forged_marker("updated is not a boolean"),
    ),
    Malformed(
        "wait-marker-hops-a-string",
        with_marker(hops="3"),
        forged_marker("hops is not a whole number of at least 0"),
    ),
    Malformed(
        "wait-marker-baseline-not-a-time",
        with_marker(updated=True, baseline="last week"),
        forged_marker("baseline is not an ISO 8601 time"),
    ),
    Malformed(
        "wait-marker-not-a-map",
        having(**{CARRY_KEY: [0, True]}),
        refused(f"{CARRY_KEY} must be a map of exactly baseline, first, hops, updated"),
    ),
]


@pytest.mark.parametrize("malformed", MALFORMED, ids=[m.name for m in MALFORMED])
def test_malformed_input(malformed, world):
    outcome = observe("input", malformed.name)
    cloudformation = world.stand_in(function_timeout=30.0)
    event = cloudformation.event(
        "Create", "R", {"SolutionArn": world.solution(), **auto_training(5)}
    )
    bad = malformed.breaks(event, world)
    calls_before = len(world.emulator.calls)
    exchange = cloudformation.deliver(bad, request_id=event["RequestId"])
    check(world, exchange, malformed.expect, calls_before, outcome)


def test_the_region_checked_is_the_one_the_client_calls(world):
    """AWS_REGION says us-east-1, but boto3 gave the client eu-west-1 (a configured region, say):
    the ARN is held to the region the calls would go to, and refused before any call."""
    client = boto3.client("personalize", region_name="eu-west-1")
    cloudformation = world.stand_in(function_timeout=30.0, client=client)
    event = cloudformation.event(
        "Create", "R", {"SolutionArn": world.solution(), **auto_training(5)}
    )
    calls_before = len(world.emulator.calls)
    exchange = cloudformation.deliver(event, request_id=event["RequestId"])
    expect = refused("SolutionArn is in us-east-1; this function serves eu-west-1")
    check(world, exchange, expect, calls_before, observe("input", "client-in-another-region"))
