"""The on-failure destination: for each way the function's invocation dies, or Lambda drops its
event, CloudFormation gets the one answer the function's rules give, naming what happened; never
to a URL the function would not answer, never with the presigned query in a log line."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pytest

from localcloud.cloudformation import LambdaContext
from localcloud.lambda_service import (
    EVENT_AGE_EXCEEDED,
    RETRIES_EXHAUSTED,
    died,
    invocation_record,
)
from on_failure import Destination
from solution_rules.envelope import CARRY_KEY, MAX_BODY_BYTES, MAX_IDS_BYTES

ROOT = Path(__file__).resolve().parents[2]
ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"
FUNCTION = "arn:aws:lambda:us-east-1:123456789012:function:psu-1"
NOW = 1_800_000_000.0
SIGNED = NOW - 120  # CloudFormation signed the ResponseURL two minutes ago
HOST = "cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com"
SIGNATURE = "5ec12e7ab7f0c0ffeef00d"


def url(signed: float = SIGNED, expires: int = 7200, host: str = HOST) -> str:
    """A presigned ResponseURL as CloudFormation signs it."""
    date = time.strftime("%Y%m%dT%H%M%SZ", time.gmtime(signed))
    key = quote("arn:aws:cloudformation:us-east-1:123456789012:stack/s/1|AutoTraining|req-1")
    return (
        f"https://{host}/{key}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Date={date}"
        f"&X-Amz-Expires={expires}&X-Amz-SignedHeaders=host&X-Amz-Signature={SIGNATURE}"
    )


def event(kind: str = "Create", **fields) -> dict:
    """A CloudFormation request, as the record carries it."""
    request = {
        "RequestType": kind,
        "ResponseURL": url(),
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": "req-1",
        "LogicalResourceId": "AutoTraining",
        "ResourceType": "Custom::PersonalizeSolutionUpdate",
        "ResourceProperties": {"ServiceToken": FUNCTION, "SolutionArn": ARN},
    }
    if kind != "Create":
        request["PhysicalResourceId"] = ARN
    return {**request, **fields}


def record(request: dict, death: str | None = "oom", at: float = NOW) -> dict:
    """Lambda's on-failure record of `request`: its invocation died `death`, or (None) Lambda
    dropped it unprocessed."""
    if death is None:
        return invocation_record(
            request, EVENT_AGE_EXCEEDED, function_arn=FUNCTION, request_id="inv-1", at=at
        )
    error = died(death, "inv-1", timeout=900)
    return invocation_record(
        request, RETRIES_EXHAUSTED, function_arn=FUNCTION, request_id="inv-1", at=at, error=error
    )


class Bucket:
    """The response bucket: every PUT, answered `status`."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.puts: list[tuple[str, dict, float]] = []

    def __call__(self, target, body: bytes, timeout: float) -> int:
        self.puts.append((target.described, json.loads(body), timeout))
        return self.status

    @property
    def answers(self) -> list[dict]:
        return [body for _, body, _ in self.puts]


def answer(given: dict, bucket: Bucket | None = None, **options) -> dict:
    """The one answer the destination gives for `given` (a record)."""
    bucket = bucket or Bucket()
    destination = Destination(clock=lambda: NOW, send=bucket, sleep=lambda s: None, **options)
    destination(given, LambdaContext(timeout=60))
    [body] = bucket.answers
    return body


def test_an_out_of_memory_create_fails_with_its_own_failure_id_saying_so():
    body = answer(record(event("Create"), "oom"))
    assert body["Status"] == "FAILED"
    assert body["PhysicalResourceId"] == "create-failed-req-1"  # the rollback Delete leaves it be
    assert body["Reason"].startswith("The function ran out of memory")
    assert "raise its MemorySize" in body["Reason"]
    assert "check the solution's latestSolutionUpdate" in body["Reason"]
    echoed = {k: body[k] for k in ("StackId", "RequestId", "LogicalResourceId")}
    assert echoed == {k: event()[k] for k in echoed}
    assert body["Data"] == {}


def test_an_out_of_memory_as_older_records_word_it():
    given = record(event("Create"))
    given["responsePayload"] = {
        "errorType": "Runtime.ExitError",
        "errorMessage": "RequestId: inv-1 Error: Runtime exited with error: signal: killed",
    }
    assert answer(given)["Reason"].startswith("The function ran out of memory")


def test_a_timed_out_update_fails_keeping_its_id():
    body = answer(record(event("Update"), "timeout"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", ARN)
    assert body["Reason"] == (
        "The function timed out (Lambda stopped it at its timeout); see the function's "
        "logs, and retry the stack operation"
    )


def test_a_timeout_worded_in_the_message_alone_is_a_timeout():
    given = record(event("Update"))
    given["responsePayload"] = {"errorMessage": "RequestId: inv-1 Task timed out after 900.00 s"}
    assert answer(given)["Reason"].startswith("The function timed out")


@pytest.mark.parametrize(
    ("error", "shown"),
    [
        (died("crash", "inv-1"), "Runtime.ExitError"),
        ({"errorType": "Runtime.ImportModuleError", "errorMessage": "No module"}, None),
        ({"errorType": "x" * 65}, "no error type"),
        ({"errorType": f"Leak {url()}"}, "no error type"),
        ({}, "no error type"),
    ],
)
def test_a_crash_names_the_error_type_lambda_reported_when_it_is_a_plain_name(error, shown):
    given = record(event("Update"))
    given["responsePayload"] = error
    reason = answer(given)["Reason"]
    assert reason.startswith(f"The function crashed ({shown or error['errorType']}); ")
    assert SIGNATURE not in reason


def test_a_dropped_request_says_how_long_after_cloudformation_sent_it():
    body = answer(record(event("Create"), None, at=SIGNED + 3601.7))
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", "create-failed-req-1")
    assert body["Reason"] == (
        "Lambda dropped the request without running the function: it was still queued 3601 s "
        "after CloudFormation sent it, past the function's maximum event age; the function "
        "never ran on it, so nothing was done: retry the stack operation"
    )


def test_a_dropped_hand_off_may_follow_an_update_an_earlier_invocation_made():
    """A hand-off's event carries the wait marker: an invocation before it ran, and may have
    called UpdateSolution for the Create."""
    marker = {"first": SIGNED, "updated": True, "baseline": None, "hops": 1}
    body = answer(record(event("Create", **{CARRY_KEY: marker}), None))
    assert body["PhysicalResourceId"] == "create-failed-req-1"
    assert "check the solution's latestSolutionUpdate" in body["Reason"]


def test_a_create_stopped_at_its_timeout_names_its_solution_as_its_watchdog_did():
    body = answer(record(event("Create"), "timeout"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", ARN)
    assert "the rollback's Delete applies OnDelete to it" in body["Reason"]
    refused = event("Create", ResourceProperties={"SolutionArn": "x"})
    assert answer(record(refused, "timeout"))["PhysicalResourceId"] == "create-failed-req-1"


def test_a_hand_off_that_died_is_answered_as_its_request():
    marker = {"first": SIGNED, "updated": True, "baseline": None, "hops": 2}
    body = answer(record(event("Update", **{CARRY_KEY: marker}), "timeout"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", ARN)


def test_a_record_whose_time_cannot_be_read_says_no_number():
    given = record(event("Update"), None)
    given["timestamp"] = "yesterday"
    reason = answer(given)["Reason"]
    assert "it was still queued past the function's maximum event age;" in reason


def test_another_condition_is_named_as_lambda_gave_it():
    given = record(event("Update"))
    given["requestContext"]["condition"] = "SomethingNew"
    assert answer(given)["Reason"].startswith("Lambda gave up on the request (SomethingNew)")


@pytest.mark.parametrize(
    "properties",
    [
        {"SolutionArn": ARN},  # OnDelete's default: Retain
        {"SolutionArn": ARN, "OnDelete": "Retain"},
    ],
)
def test_a_delete_that_retains_the_solution_succeeds(properties):
    body = answer(record(event("Delete", ResourceProperties=properties), "oom"))
    assert (body["Status"], body["PhysicalResourceId"], body["Reason"]) == ("SUCCESS", ARN, "")


def test_the_rollback_delete_of_a_failed_create_succeeds_whatever_it_asks():
    properties = {"SolutionArn": ARN, "OnDelete": "DisableAutoTraining"}
    given = event("Delete", PhysicalResourceId="create-failed-req-0", ResourceProperties=properties)
    body = answer(record(given, "crash"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("SUCCESS", "create-failed-req-0")


def test_a_delete_that_turns_training_off_fails_with_the_way_out():
    properties = {"SolutionArn": ARN, "OnDelete": "DisableAutoTraining"}
    body = answer(record(event("Delete", ResourceProperties=properties), "timeout"))
    assert (body["Status"], body["PhysicalResourceId"]) == ("FAILED", ARN)
    assert body["Reason"] == (
        "The function timed out (Lambda stopped it at its timeout); automatic training may "
        "still be on: retry the delete, or delete the stack retaining this resource "
        "(--retain-resources AutoTraining) and turn training off by hand"
    )


def test_a_delete_whose_on_delete_cannot_be_read_fails_as_the_function_would():
    properties = {"SolutionArn": ARN, "OnDelete": "Disable"}
    body = answer(record(event("Delete", ResourceProperties=properties), "oom"))
    assert body["Status"] == "FAILED"
    assert "Invalid properties: Property OnDelete" in body["Reason"]
    assert "nothing was done, so automatic training may still be on" in body["Reason"]


def test_a_malformed_request_fails_naming_what_it_lacks():
    given = event("Update")
    del given["LogicalResourceId"]
    body = answer(record(given, "crash"))
    assert body["Status"] == "FAILED"
    assert body["Reason"].endswith("; The request lacks LogicalResourceId")


def test_the_body_fits_cloudformations_limit_with_the_longest_ids_answered():
    """The logical id is in the ids and, once more, in the Delete's advice."""
    request = event("Delete", ResourceProperties={"OnDelete": "DisableAutoTraining"})
    ids = [request["StackId"], request["RequestId"], "", ARN]
    logical = "L" * (MAX_IDS_BYTES - len(json.dumps(ids)))
    body = answer(record({**request, "LogicalResourceId": logical}, "oom"))
    assert body["LogicalResourceId"] == logical
    assert f"--retain-resources {logical}" in body["Reason"]
    assert len(json.dumps(body).encode()) <= MAX_BODY_BYTES


@pytest.mark.parametrize(
    "given",
    [
        record(event(ResponseURL=url(host="evil.example"))),
        record(event(ResponseURL=url(signed=NOW - 7300))),  # expired: CloudFormation moved on
        record(event(ResponseURL=f"http://{HOST}/key?X-Amz-Signature={SIGNATURE}")),
        record(event(LogicalResourceId="L" * MAX_IDS_BYTES)),  # no answer would fit
        {"requestContext": {"condition": RETRIES_EXHAUSTED}},  # no request in it
        {**record(event()), "requestPayload": ["not", "a", "map"]},
        "not a record",
        {**record(event()), "requestContext": {"condition": "Success"}},
    ],
)
def test_nothing_is_answered_where_the_function_would_not_answer(given, caplog):
    bucket = Bucket()
    Destination(clock=lambda: NOW, send=bucket)(given, LambdaContext(timeout=60))
    assert bucket.puts == []
    assert "Not answering this request" in caplog.text
    assert SIGNATURE not in caplog.text


def test_the_answer_and_its_log_line_never_carry_the_presigned_query(caplog):
    bucket = Bucket(status=503)  # every attempt fails: each is logged
    Destination(clock=lambda: NOW, send=bucket, sleep=lambda s: None)(
        record(event()), LambdaContext(timeout=60)
    )
    assert len(bucket.puts) == 5
    assert "answered HTTP 503" in caplog.text
    assert "Answered Create req-1 of AutoTraining FAILED" in caplog.text
    assert "delivered: False" in caplog.text
    assert SIGNATURE not in caplog.text
    assert all(SIGNATURE not in json.dumps(body) for body in bucket.answers)


def test_the_put_stops_before_the_invocation_ends():
    bucket = Bucket()
    answer(record(event()), bucket)
    [(_, _, timeout)] = bucket.puts
    assert timeout <= 60


def test_a_bug_is_logged_and_never_raised(caplog):
    def broken(target, body, timeout) -> int:
        raise RuntimeError("a bug")

    Destination(clock=lambda: NOW, send=broken)(record(event()), LambdaContext(timeout=60))
    assert "Unexpected error" in caplog.text


def test_a_host_allowed_for_local_runs_is_answered_as_the_functions_are():
    given = record(event(ResponseURL=f"http://127.0.0.1:9/r?X-Amz-Signature={SIGNATURE}"))
    assert answer(given, extra_hosts={"127.0.0.1"})["Status"] == "FAILED"


def test_it_imports_with_the_standard_library_alone():
    """What it ships: on_failure.py and solution_rules, nothing installed (-I -S: no
    site-packages). botocore, boto3, the function's modules: none of them is needed."""
    probe = (
        "import sys; sys.path.insert(0, sys.argv[1]); import on_failure; "
        "ours = {'on_failure', 'solution_rules', '__main__'}; "
        "print(sorted(n for n in sys.modules if n.split('.')[0] not in ours "
        "and n.split('.')[0] not in sys.stdlib_module_names))"
    )
    result = subprocess.run(  # noqa: S603 - our own interpreter and probe
        [sys.executable, "-I", "-S", "-c", probe, str(ROOT / "src" / "destination")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    assert result.stdout.strip() == "[]"
