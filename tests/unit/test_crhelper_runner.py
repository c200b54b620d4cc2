"""crhelper runs the operation, with each of its known flaws neutralised. These tests pin the
crhelper behaviour the runner relies on, so a new crhelper that changes it fails here first."""

from __future__ import annotations

import inspect
import logging
import os

import boto3
import pytest
from crhelper import CfnResource

import crhelper_runner
from localcloud.cloudformation import LambdaContext

ENVELOPE = {
    "RequestType": "Create",
    "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
    "RequestId": "r-1",
    "LogicalResourceId": "L",
    "ResponseURL": "",
    "PhysicalResourceId": "create-failed-r-1",
}


def test_the_private_hook_is_still_the_one_crhelper_calls():
    """The runner overrides `_send`; crhelper 2.0.12 calls it as (status, reason) or ()."""
    assert list(inspect.signature(CfnResource._send).parameters) == [
        "self",
        "status",
        "reason",
        "send_response",
    ]


def test_no_client_is_built_for_crhelper_poller(monkeypatch):
    """crhelper builds lambda, events and logs clients unless AWS_SAM_LOCAL is set: 35 ms of
    cold start for a poller this function never uses."""
    built: list[str] = []
    monkeypatch.delenv("AWS_SAM_LOCAL", raising=False)
    monkeypatch.setattr(boto3, "client", lambda name, **kw: built.append(name))
    crhelper_runner.run(ENVELOPE, LambdaContext(timeout=30), lambda: ("id", {}))
    assert built == []
    assert "AWS_SAM_LOCAL" not in os.environ  # set for the construction only


def test_a_successful_operation_gives_its_id_and_attributes():
    sent = crhelper_runner.run(ENVELOPE, LambdaContext(timeout=30), lambda: ("arn", {"A": "b"}))
    assert sent == crhelper_runner.Sent("SUCCESS", "", "arn", {"A": "b"})


def test_a_raising_operation_fails_with_its_message_and_the_envelope_id():
    """Not a random id: crhelper invents one when the operation returns none."""

    def failing() -> tuple[str, dict[str, str]]:
        raise RuntimeError("Invalid properties: Property X: no")

    sent = crhelper_runner.run(ENVELOPE, LambdaContext(timeout=30), failing)
    assert (sent.status, sent.reason, sent.physical_id) == (
        "FAILED",
        "Invalid properties: Property X: no",
        "create-failed-r-1",
    )


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.ERROR])
def test_lambda_log_level_is_kept_and_the_sdk_stays_quiet(level):
    """crhelper sets the root level on every request; at DEBUG botocore would log each
    request's headers, session token included."""
    root = logging.getLogger()
    before = root.level
    root.setLevel(level)
    try:
        crhelper_runner.run(ENVELOPE, LambdaContext(timeout=30), lambda: ("id", {}))
        assert root.level == level
        assert not logging.getLogger("botocore.endpoint").isEnabledFor(logging.INFO)
        # crhelper logs the event (ResponseURL included) at DEBUG on every request
        assert not logging.getLogger("crhelper.resource_helper").isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(before)


def test_delete_does_not_sleep():
    """crhelper sleeps (billed) 120 s before answering a Delete by default."""
    sent = crhelper_runner.run(
        {**ENVELOPE, "RequestType": "Delete"}, LambdaContext(timeout=300), lambda: ("id", {})
    )
    assert sent.status == "SUCCESS"
