"""Inputs CloudFormation would never send, through the real handler over HTTP: one of each kind of
answer such an input gets (none at all, a refusal naming what is missing, a refusal naming a
forged field, and SUCCESS for what a direct invoke may send and CloudFormation would spell
otherwise). Each is a cell of the fault matrix, checked as its cells are
(tests/functional/matrix.py). Which inputs are refused, and the Reason naming each, is the unit
tests' (test_protocol.py, test_continuation.py, test_properties.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from continuation import CARRY_KEY, Carried
from tests.functional.matrix import Expect, check, observe
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


def without(*keys: str) -> Callable[[dict[str, Any], World], Any]:
    """The event less these keys."""
    return lambda event, world: {k: v for k, v in event.items() if k not in keys}


def with_properties(**properties: Any) -> Callable[[dict[str, Any], World], Any]:
    """The event with these ResourceProperties set."""
    return lambda event, world: {
        **event,
        "ResourceProperties": {**event["ResourceProperties"], **properties},
    }


def in_the_future(event: dict[str, Any], world: World) -> dict[str, Any]:
    """A carried-wait marker, as a continued invocation has, claiming the wait began a day from
    now (it would extend the deadline)."""
    marker = Carried(first=world.clock.now() + 86_400).to_json()
    return {**event, CARRY_KEY: marker}


MALFORMED = [
    # Nowhere to answer: nothing is sent, and nothing is raised.
    Malformed(
        "no-response-url", without("ResponseURL"), Expect(None, responses=0, personalize=False)
    ),
    Malformed(
        "no-logical-id",
        without("LogicalResourceId"),
        refused("The request lacks LogicalResourceId"),
    ),
    Malformed(
        "wait-marker-from-the-future",
        in_the_future,
        refused("The request carries a forged wait marker", f"{CARRY_KEY}.first is in the future"),
    ),
    Malformed(
        "non-string-leaves",
        with_properties(PerformAutoTraining=False, ServiceTimeout=600),
        Expect(updates=1),
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
