"""The CloudFormation event, read once: what is refused, what is answered FAILED, which physical
id each answer carries, and a response body that always fits CloudFormation's 4096 bytes."""

from __future__ import annotations

import json

import pytest

from continuation import CARRY_KEY, Carried
from outcomes import failure
from protocol import read_request
from solution_rules.envelope import MAX_BODY_BYTES, MAX_IDS_BYTES
from solution_rules.properties import DesiredSettings, Settings
from solution_rules.response import NoAnswer

HOSTS = frozenset({"127.0.0.1"})
ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"
OTHER = "arn:aws:personalize:us-east-1:123456789012:solution/t"
NOW = 1_800_000_000.0


def event(kind: str = "Create", **fields) -> dict:
    """A well-formed request of `kind`, with fields overriding or added."""
    base = {
        "RequestType": kind,
        "ResponseURL": "http://127.0.0.1:8085/r?X-Amz-Signature=s",
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": "req-1",
        "LogicalResourceId": "Res",
        "ResourceProperties": {"ServiceToken": "t", "SolutionArn": ARN},
    }
    if kind != "Create":
        base["PhysicalResourceId"] = ARN
    if kind == "Update":
        base["OldResourceProperties"] = {"ServiceToken": "t", "SolutionArn": ARN}
    return {**base, **fields}


def read(raw: object):
    """The request as the function in us-east-1 reads it."""
    return read_request(raw, HOSTS, NOW, "us-east-1")


@pytest.mark.parametrize(
    "raw",
    [
        ["Create"],
        {k: v for k, v in event().items() if k != "ResponseURL"},
        event(ResponseURL="http://evil.example/r?X-Amz-Signature=s"),
    ],
    ids=["not-a-map", "no-url", "url-not-allowed"],
)
def test_nowhere_safe_to_answer_is_refused_without_the_query(raw):
    with pytest.raises(NoAnswer) as refused:
        read(raw)
    assert "X-Amz-Signature" not in str(refused.value)


def test_a_well_formed_create_is_read_completely():
    request = read(event(ResourceProperties={"SolutionArn": ARN, "ServiceTimeout": "600"}))
    assert request.problem is None
    assert request.kind == "Create"
    assert request.resource is not None
    assert request.resource.settings.solution_arn == ARN
    assert request.resource.service_timeout == 600
    assert request.carried is None
    assert request.log_keys()["SolutionArn"] == ARN


@pytest.mark.parametrize(
    ("raw", "named", "cause"),
    [
        (event(RequestType="Upsert"), "Unsupported RequestType", "MalformedRequest"),
        (event(RequestType=["Create"]), "Unsupported RequestType", "MalformedRequest"),
        ({k: v for k, v in event().items() if k != "StackId"}, "StackId", "MalformedRequest"),
        (event(RequestId=5), "RequestId", "MalformedRequest"),
        (
            {k: v for k, v in event("Delete").items() if k != "PhysicalResourceId"},
            "PhysicalResourceId",
            "MalformedRequest",
        ),
        (event(CrHelperPoll=True), "CrHelperPoll", "ForgedRequest"),
        (event("Update", CrHelperData=["x"]), "CrHelperData", "ForgedRequest"),
        (event(**{CARRY_KEY: {"first": NOW, "hops": -1}}), CARRY_KEY, "ForgedRequest"),
        (
            event(ResourceProperties={"SolutionArn": ARN, "Color": "red"}),
            "Color",
            "InvalidProperties",
        ),
        (
            event(ResourceProperties={"SolutionArn": ARN.replace("us-east-1", "eu-west-1")}),
            "SolutionArn is in eu-west-1",
            "WrongRegion",
        ),
    ],
    ids=[
        "unknown-type",
        "type-not-a-string",
        "no-stack-id",
        "request-id-not-a-string",
        "delete-without-id",
        "crhelper-poll",
        "crhelper-data",
        "forged-marker",
        "unknown-property",
        "another-region",
    ],
)
def test_requests_that_cannot_be_acted_on_carry_a_problem_naming_why(raw, named, cause):
    request = read(raw)
    assert request.problem is not None
    assert named in request.problem.reason
    assert request.problem.cause == cause
    assert request.resource is None


def test_delete_does_not_parse_the_properties():
    """The rollback Delete of a Create that failed on its properties must still succeed."""
    request = read(event("Delete", ResourceProperties={"SolutionArn": "???"}))
    assert request.problem is None
    assert request.resource is None


def test_a_delete_turns_training_off_on_the_solution_its_id_names_whatever_else_is_asked():
    """Properties a rule tightened since the Create would refuse: OnDelete and ServiceTimeout
    are read alone, and the solution is the one the resource's id names."""
    asked = {
        "SolutionArn": OTHER,
        "PerformAutoTraining": "yes",
        "Color": "red",
        "ServiceTimeout": "300",
        "OnDelete": "DisableAutoTraining",
    }
    request = read(event("Delete", ResourceProperties=asked))
    assert request.problem is None
    assert request.resource is not None
    assert request.desired() == DesiredSettings(ARN, Settings(perform_auto_training=False))
    assert request.resource.service_timeout == 300


@pytest.mark.parametrize(
    "physical_id",
    ["create-failed-req-1", ARN.replace("us-east-1", "eu-west-1"), "custom-id"],
    ids=["failed-create", "another-region", "not-a-solution-arn"],
)
@pytest.mark.parametrize("on_delete", ["DisableAutoTraining", "Never"])
def test_a_delete_of_an_id_that_is_no_solution_of_this_region_does_nothing(physical_id, on_delete):
    """No solution of the function's region was made under that id: nothing to turn off, and
    nothing to refuse (a failed Create's rollback must succeed, whatever it asked)."""
    properties = {"SolutionArn": ARN, "OnDelete": on_delete}
    request = read(event("Delete", PhysicalResourceId=physical_id, ResourceProperties=properties))
    assert (request.problem, request.resource) == (None, None)


def test_a_delete_whose_on_delete_cannot_be_read_fails_saying_how_to_go_on():
    """It may have asked training off: not a silent SUCCESS, and the stack can still go."""
    properties = {"SolutionArn": ARN, "OnDelete": "disable auto training"}
    request = read(event("Delete", ResourceProperties=properties))
    assert request.resource is None
    assert request.problem is not None
    assert request.problem.cause == "InvalidProperties"
    assert request.problem.reason.startswith(
        "Invalid properties: Property OnDelete: 'disable auto training' is not a valid value "
        "(did you mean DisableAutoTraining?)"
    )
    assert "training may still be on" in request.problem.reason
    assert "--retain-resources Res" in request.problem.reason


def test_a_continued_request_carries_its_wait_and_travels_on_with_the_next_hop():
    carried = Carried(first=NOW - 100, updated=True, baseline=None, hops=2)
    request = read(event(**{CARRY_KEY: carried.to_json()}))
    assert request.carried == carried
    onward = request.continued(carried.next_hop())
    assert onward[CARRY_KEY]["hops"] == 3
    assert onward["ResponseURL"] == request.event["ResponseURL"]


@pytest.mark.parametrize(
    ("raw", "arn", "expected"),
    [
        (event(), ARN, ARN),
        (event("Update"), ARN, ARN),
        (event("Update", PhysicalResourceId="custom-id"), ARN, "custom-id"),
        (event("Update", ResourceProperties={"SolutionArn": OTHER}), OTHER, OTHER),
        ({k: v for k, v in event("Update").items() if k != "OldResourceProperties"}, ARN, ARN),
    ],
    ids=["create", "update-same", "update-keeps-its-id", "replacement", "no-old-properties"],
)
def test_success_ids_replace_the_resource_only_when_the_solution_changes(raw, arn, expected):
    assert read(raw).success_id(arn) == expected


def test_failure_ids_are_the_request_own_or_derived_not_random():
    assert read(event()).failure_id == "create-failed-req-1"
    assert read(event("Update")).failure_id == ARN
    assert read(event(RequestId=None)).failure_id == "create-failed-unknown"


def test_crhelper_is_given_the_ids_but_never_the_response_url():
    envelope = read(event(CrHelperPoll=True)).envelope()
    assert envelope["ResponseURL"] == ""
    assert envelope["PhysicalResourceId"] == "create-failed-req-1"
    assert set(envelope) == {
        "RequestType",
        "StackId",
        "RequestId",
        "LogicalResourceId",
        "ResponseURL",
        "PhysicalResourceId",
    }


@pytest.mark.parametrize("char", ["x", "é", "\u2028", "\x00"])
def test_the_largest_answer_fits_in_4096_bytes(char):
    """Ids at their bound, the longest Reason and the attributes of the longest solution ARN:
    the body still fits, so no later step can change a decided status."""
    ids = (MAX_IDS_BYTES - 40) // 4 // 6  # each char may be escaped as \uXXXX
    raw = event(
        "Update",
        StackId=char * ids,
        RequestId=char * ids,
        LogicalResourceId=char * ids,
        PhysicalResourceId=char * ids,
    )
    arn = "arn:aws:personalize:us-east-1:123456789012:solution/" + "s" * 200
    data = {
        "SolutionArn": arn,
        "PerformAutoTraining": "unknown",
        "SchedulingExpression": "rate(30 days)",
        "PerformIncrementalUpdate": "unknown",
        "Status": "CREATE PENDING",
        "LastUpdatedDateTime": "2026-12-02T18:00:00.000000+00:00",
    }
    request = read(raw)
    for status, reason in (("SUCCESS", ""), ("FAILED", failure(char * 10_000, "X").reason)):
        assert len(request.body(status, reason, arn, data)) <= MAX_BODY_BYTES


def test_ids_longer_than_cloudformation_ever_sends_get_no_answer():
    with pytest.raises(NoAnswer, match="ids take"):
        read(event(StackId="s" * MAX_IDS_BYTES))


def test_a_failure_carries_no_data():
    assert json.loads(read(event()).body("FAILED", "no", "id", {"A": "b"}))["Data"] == {}


SIGNED = "20270115T080000Z"  # NOW is 2027-01-15T08:00:00Z


@pytest.mark.parametrize(
    "query",
    [
        "X-Amz-Date=20270115T060000Z&X-Amz-Expires=7200&X-Amz-Signature=s",
        "X-Amz-Date=20270115T075959Z&X-Amz-Expires=1&X-Amz-Signature=s",
        "AWSAccessKeyId=AKIA&Expires=1799999999&Signature=s",
    ],
    ids=["sigv4-ended-now", "sigv4-a-second-ago", "sigv2"],
)
def test_an_expired_response_url_is_not_acted_on_and_the_query_is_not_shown(query):
    with pytest.raises(NoAnswer) as refused:
        read(event(ResponseURL=f"http://127.0.0.1:8085/r?{query}"))
    assert "expired at" in str(refused.value)
    assert "Signature" not in str(refused.value)
    assert "AKIA" not in str(refused.value)


@pytest.mark.parametrize(
    "query",
    [
        f"X-Amz-Date={SIGNED}&X-Amz-Expires=7200&X-Amz-Signature=s",
        "AWSAccessKeyId=AKIA&Expires=1800000060&Signature=s",
        "X-Amz-Date=yesterday&X-Amz-Expires=7200&X-Amz-Signature=s",
        "X-Amz-Date=20270115T060000Z&X-Amz-Date=20270115T080000Z&X-Amz-Expires=7200",
        "X-Amz-Signature=s",
    ],
    ids=["sigv4-live", "sigv2-live", "date-unreadable", "date-twice", "no-dates"],
)
def test_a_live_or_undated_response_url_is_acted_on(query):
    assert read(event(ResponseURL=f"http://127.0.0.1:8085/r?{query}")).problem is None


def test_the_signing_time_is_read_from_the_url():
    request = read(
        event(ResponseURL=f"http://127.0.0.1:8085/r?X-Amz-Date={SIGNED}&X-Amz-Expires=9")
    )
    assert request.target.signature.signed == NOW
    assert request.target.signature.expires == NOW + 9
