"""What a failed operation answers: its Reason, and the id the answer carries. A Create that
started an update names the solution, so that the rollback's Delete acts on it as OnDelete says;
every other failure keeps the request's own id (Failure.physical_id None)."""

from __future__ import annotations

import json

import pytest

import operations
from localcloud.cloudformation import LambdaContext
from outcomes import Applied, Failure, RequestFailed
from protocol import read_request
from solution_rules.envelope import FAILED, MAX_BODY_BYTES, MAX_IDS_BYTES
from solution_rules.properties import MAX_ARN_LENGTH
from tests.unit.test_protocol import ARN, HOSTS, NOW
from tests.unit.test_protocol import event as request_event

GAVE_UP = "Gave up after 50 s waiting for the solution update to finish"


def event(kind: str = "Create", **fields) -> dict:
    """test_protocol's well-formed request, its properties asking training off on Delete."""
    properties = {"SolutionArn": ARN, "OnDelete": "DisableAutoTraining"}
    return request_event(kind, ResourceProperties=properties, **fields)


def failed(kind: str, error: RequestFailed) -> Failure:
    """The failure a `kind` request answers when the updater raises `error`."""
    request = read_request(event(kind), HOSTS, NOW, "us-east-1")

    def apply(desired: object) -> Applied:
        raise error

    sent, _ = operations.run(request, apply, LambdaContext(timeout=30))
    assert isinstance(sent.raised, RequestFailed)
    return sent.raised.failure


def test_a_create_that_failed_after_starting_an_update_names_the_solution_and_says_so():
    answer = failed("Create", RequestFailed(GAVE_UP, "Timeout", update_started=True))
    assert (answer.physical_id, answer.cause) == (ARN, "Timeout")
    assert answer.reason.startswith(f"{GAVE_UP}; UpdateSolution was called for this Create")
    assert "automatic training may be on" in answer.reason
    assert "DisableAutoTraining turns training off" in answer.reason


@pytest.mark.parametrize(
    ("kind", "started"),
    [("Create", False), ("Update", True), ("Delete", True)],
    ids=["create-before-any-update", "update", "delete"],
)
def test_every_other_failure_keeps_the_request_id(kind, started):
    """A Create that touched nothing keeps create-failed-<RequestId>, so its rollback's Delete
    leaves the solution alone; an Update keeps its id (a new one would be a replacement), and
    its rollback re-applies the old settings anyway; a Delete keeps the id it was given."""
    error = RequestFailed(GAVE_UP, "Timeout", update_started=started)
    assert failed(kind, error).physical_id is None


@pytest.mark.parametrize("char", ["x", "é", "\u2028", "\x00"])
def test_the_largest_answer_naming_the_solution_fits_in_4096_bytes(char):
    """protocol bounds the ids with the request's failure id, create-failed-<RequestId>; a
    solution ARN (at most 256 characters) in its place takes its bytes off the Reason."""
    escaped = len(json.dumps(char)) - 2
    long_id = char * ((MAX_IDS_BYTES - 60) // 2 // escaped)
    request = read_request(
        event(StackId=long_id, RequestId="r", LogicalResourceId=long_id), HOSTS, NOW
    )
    error = RequestFailed(char * 10_000, "Timeout", update_started=True)
    answer = operations.advised(error, operations.UPDATE_LEFT_RUNNING, "a" * MAX_ARN_LENGTH)
    assert answer.failure.physical_id is not None
    body = request.body(FAILED, answer.failure.reason, answer.failure.physical_id, {})
    assert len(body) <= MAX_BODY_BYTES
