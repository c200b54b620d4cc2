"""crhelper dispatches to the operations, with each of its known flaws neutralised. These tests pin
the crhelper behaviour QuietResource relies on, so a new crhelper that changes it fails here."""

from __future__ import annotations

import inspect
import logging
import os

import boto3
import pytest
from crhelper import CfnResource

from crhelper_resource import Operation, QuietResource, Sent
from localcloud.cloudformation import LambdaContext

ENVELOPE = {
    "RequestType": "Create",
    "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
    "RequestId": "r-1",
    "LogicalResourceId": "L",
    "ResponseURL": "",
    "PhysicalResourceId": "create-failed-r-1",
}


def run(operation: Operation, kind: str = "Create", timeout: int = 30) -> Sent:
    """What a QuietResource with `operation` registered for `kind` would send."""
    helper = QuietResource()
    {"Create": helper.create, "Update": helper.update, "Delete": helper.delete}[kind](operation)
    helper({**ENVELOPE, "RequestType": kind}, LambdaContext(timeout=timeout))
    assert helper.sent is not None
    return helper.sent


def attributes(helper: QuietResource) -> Operation:
    """An operation that sets Data on `helper` and returns an id."""

    def operation(event: object, context: object) -> str:
        helper.Data.update({"A": "b"})
        return "arn"

    return operation


def test_the_private_hook_is_still_the_one_crhelper_calls():
    """QuietResource overrides `_send`; crhelper 2.0.12 calls it as (status, reason) or ()."""
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
    run(lambda event, context: "id")
    assert built == []
    assert "AWS_SAM_LOCAL" not in os.environ  # set for the construction only


@pytest.mark.parametrize("kind", ["Create", "Update", "Delete"])
def test_the_decorator_of_the_request_type_dispatches_and_its_id_and_data_are_sent(kind):
    helper = QuietResource()
    chosen = {"Create": helper.create, "Update": helper.update, "Delete": helper.delete}[kind]
    for register in (helper.create, helper.update, helper.delete):
        register(attributes(helper) if register == chosen else (lambda event, context: "other"))
    helper({**ENVELOPE, "RequestType": kind}, LambdaContext(timeout=30))
    assert helper.sent == Sent("SUCCESS", "", "arn", {"A": "b"}, None)


def test_a_raise_is_failed_with_its_message_and_the_exception_is_kept():
    """crhelper keeps only the text; the dispatcher needs the exception (its cause, or whether
    it was a hand-off)."""
    error = RuntimeError("Invalid properties: Property X: no")

    def failing(event: object, context: object) -> str:
        raise error

    sent = run(failing)
    assert (sent.status, sent.reason, sent.raised) == (
        "FAILED",
        "Invalid properties: Property X: no",
        error,
    )


@pytest.mark.parametrize("level", [logging.DEBUG, logging.INFO, logging.ERROR])
def test_lambda_log_level_is_kept_and_the_sdk_stays_quiet(level):
    """crhelper sets the root level on every request; at DEBUG botocore would log each
    request's headers, session token included."""
    root = logging.getLogger()
    before = root.level
    root.setLevel(level)
    try:
        run(lambda event, context: "id")
        assert root.level == level
        assert not logging.getLogger("botocore.endpoint").isEnabledFor(logging.INFO)
        # crhelper logs the event (ResponseURL included) at DEBUG on every request
        assert not logging.getLogger("crhelper.resource_helper").isEnabledFor(logging.DEBUG)
    finally:
        root.setLevel(before)


def test_delete_does_not_sleep():
    """crhelper sleeps (billed) 120 s before answering a Delete by default."""
    assert run(lambda event, context: "id", "Delete", timeout=300).status == "SUCCESS"
