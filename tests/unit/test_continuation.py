"""The carried wait: a marker anyone with invoke rights could forge is checked field by field, and
a hand-off whose outcome is unknown is told apart from one that was refused."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from botocore.exceptions import (
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    ReadTimeoutError,
)

from budget import MAX_MARKER_AGE
from continuation import (
    CARRY_KEY,
    Carried,
    ForgedMarker,
    HandOffUncertain,
    SelfInvoker,
    hands_off,
    read_marker,
)
from reconcile import Sighting

NOW = 1_800_000_000.0
GOOD = {"first": NOW - 10, "updated": True, "baseline": "2026-11-29T10:00:00+00:00", "hops": 1}
EARLIER, LATER = "2026-11-29T09:00:00+00:00", "2026-11-29T10:00:01+00:00"


def test_a_marker_round_trips():
    carried = Carried(NOW - 10, True, datetime(2026, 11, 29, 10, tzinfo=UTC), 1)
    assert read_marker({CARRY_KEY: carried.to_json()}, NOW) == carried
    assert read_marker({CARRY_KEY: GOOD}, NOW) == carried  # without a sighting: older chains
    ours = carried.next_hop(Sighting(datetime(2026, 11, 29, 10, 5, tzinfo=UTC), ours=True))
    assert read_marker({CARRY_KEY: ours.to_json()}, NOW) == ours


def test_a_request_from_cloudformation_has_no_marker():
    assert read_marker({"RequestType": "Create"}, NOW) is None


def test_a_start_within_clock_skew_is_accepted():
    assert read_marker({CARRY_KEY: {**GOOD, "first": NOW + 5}}, NOW) is not None


@pytest.mark.parametrize(
    ("marker", "says"),
    [
        ({**GOOD, "hops": -1}, "hops"),
        ({**GOOD, "hops": 1.5}, "hops"),
        ({**GOOD, "hops": True}, "hops"),
        ({**GOOD, "first": NOW + 100_000}, "future"),
        ({**GOOD, "first": "yesterday"}, "first"),
        ({**GOOD, "first": float("nan")}, "first"),
        ({**GOOD, "first": 10**400}, "first is not a time"),
        ({**GOOD, "updated": "yes"}, "updated"),
        ({**GOOD, "baseline": "not a time"}, "baseline"),
        ({**GOOD, "updated": False}, "baseline"),
        (
            {**GOOD, "updated": False, "baseline": None, "seen": {"created": LATER, "ours": True}},
            "seen is set without an update",
        ),
        ({**GOOD, "seen": [LATER, True]}, "seen is set without an update"),
        ({**GOOD, "seen": {"created": LATER, "ours": "yes"}}, r"\.ours not a boolean"),
        ({**GOOD, "seen": {"created": "1" * 10_000, "ours": True}}, "not an ISO 8601"),
        ({**GOOD, "seen": {"created": EARLIER, "ours": True}}, "not between the baseline"),
        ({**GOOD, "seen": {"created": "2099-01-01T00:00:00+00:00", "ours": True}}, "and now"),
        ({**GOOD, "extra": 1}, "exactly"),
        ({"first": NOW}, "exactly"),
        (["first"], "exactly"),
    ],
)
def test_a_forged_marker_is_refused_naming_the_field(marker, says):
    with pytest.raises(ForgedMarker, match=says):
        read_marker({CARRY_KEY: marker}, NOW)


class FakeLambda:
    """Answers Invoke with the given outcome (an exception to raise, or None for a 202)."""

    def __init__(self, outcome: Exception | None) -> None:
        self.outcome = outcome
        self.invocations: list[dict] = []

    def invoke(self, **request) -> None:
        self.invocations.append(request)
        if self.outcome is not None:
            raise self.outcome


def invoker(outcome: Exception | None) -> tuple[SelfInvoker, FakeLambda]:
    client = FakeLambda(outcome)
    return SelfInvoker(lambda: client), client


def test_the_hand_off_is_one_asynchronous_invoke_of_the_function_itself():
    invoke, client = invoker(None)
    invoke({"RequestId": "r"}, "arn:aws:lambda:us-east-1:123456789012:function:f")
    [request] = client.invocations
    assert request["InvocationType"] == "Event"
    assert request["FunctionName"] == "arn:aws:lambda:us-east-1:123456789012:function:f"


@pytest.mark.parametrize(
    "outcome",
    [
        ReadTimeoutError(endpoint_url="http://127.0.0.1:9"),
        ConnectionClosedError(endpoint_url="http://127.0.0.1:9"),
        ClientError(
            {
                "Error": {"Code": "ServiceException", "Message": "x"},
                "ResponseMetadata": {"HTTPStatusCode": 500},
            },
            "Invoke",
        ),
    ],
    ids=["read-timeout", "connection-closed", "5xx"],
)
def test_an_outcome_after_the_request_went_out_is_uncertain(outcome):
    """Lambda may have queued the event: a FAILED from here could contradict its answer."""
    invoke, _ = invoker(outcome)
    with pytest.raises(HandOffUncertain):
        invoke({}, "arn")


def test_a_marker_baseline_without_a_time_zone_is_forged():
    """Ours always carry an offset; a naive one could not be compared with Personalize's times."""
    with pytest.raises(ForgedMarker, match="time zone"):
        read_marker({CARRY_KEY: {**GOOD, "baseline": "2026-11-29T10:00:00"}}, NOW)


def test_a_lost_answer_is_uncertain_and_not_retried():
    """The request went out: a second Invoke could start a second chain and a second answer."""
    invoke, client = invoker(ReadTimeoutError(endpoint_url="http://127.0.0.1:9"))
    with pytest.raises(HandOffUncertain):
        invoke({}, "arn")
    assert len(client.invocations) == 1


@pytest.mark.parametrize(
    "refusal",
    [
        ClientError(
            {
                "Error": {"Code": "AccessDeniedException", "Message": "no"},
                "ResponseMetadata": {"HTTPStatusCode": 403},
            },
            "Invoke",
        ),
        EndpointConnectionError(endpoint_url="http://127.0.0.1:9"),
    ],
    ids=["refused", "never-sent"],
)
def test_a_refused_or_unsent_hand_off_is_a_plain_failure(refusal):
    invoke, _ = invoker(refusal)
    with pytest.raises(type(refusal)):
        invoke({}, "arn")


@pytest.mark.parametrize("first", [0, -1e308, NOW - MAX_MARKER_AGE - 1])
def test_a_start_older_than_any_chain_is_forged_and_named_without_absurd_numbers(first):
    with pytest.raises(ForgedMarker) as forged:
        read_marker({CARRY_KEY: {**GOOD, "first": first}}, NOW)
    assert str(forged.value) == f"{CARRY_KEY}.first is more than 7 hours in the past"


def test_a_start_within_the_longest_chain_is_accepted():
    assert read_marker({CARRY_KEY: {**GOOD, "first": NOW - MAX_MARKER_AGE}}, NOW) is not None


@pytest.mark.parametrize(
    ("environ", "hands"),
    [
        ({}, True),  # Lambda
        ({"AWS_ENDPOINT_URL_LAMBDA": "http://127.0.0.1:3001"}, True),
        ({"AWS_SAM_LOCAL": "true"}, False),  # sam local invoke: nothing to invoke
        ({"AWS_SAM_LOCAL": "true", "AWS_ENDPOINT_URL_LAMBDA": ""}, False),  # the template's ""
        ({"AWS_SAM_LOCAL": "true", "AWS_ENDPOINT_URL_LAMBDA": "http://172.17.0.1:3001"}, True),
    ],
)
def test_under_sam_local_a_wait_is_handed_off_only_with_a_lambda_endpoint(environ, hands):
    assert hands_off(environ) is hands
