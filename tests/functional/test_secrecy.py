"""Secrets stay secret: no presigned ResponseURL material and no credentials in any log line the
function writes or in any Reason it sends, over a stack's life through the real handler (every
test is also guarded for presigned material: tests/conftest.py, the receiver fixture)."""

from __future__ import annotations

import boto3
import pytest

from localcloud.cloudformation import StackResource
from localcloud.receiver import PRESIGNED_QUERY, SECRET_MARKERS
from tests.presets import auto_training

# Credentials distinctive enough to be found in any text they leak into.
SECRET_ACCESS_KEY = "secret-access-key-never-shown-7f3a9c"
SESSION_TOKEN = "session-token-never-shown-2b8d4e"


@pytest.fixture
def stack_resource(world, monkeypatch):
    """A stack resource answered by the real handler, built (as the Lambda runtime would) with
    the credentials above, on the world's simulated clock."""
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_SESSION_TOKEN", SESSION_TOKEN)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # it caches the credentials it found
    return StackResource(world.stand_in(), "AutoTraining")


def test_no_log_line_or_reason_carries_the_presigned_query_or_credentials(
    stack_resource, world, emulator, receiver, capsys, caplog
):
    """At DEBUG, through a create, a failed update and its rollback, a refused update and a
    delete."""
    caplog.set_level("DEBUG")
    arn = world.solution()
    stack_resource.create({"SolutionArn": arn, **auto_training(5)})
    emulator.fail_next_update("boom")
    stack_resource.update({"SolutionArn": arn, "PerformAutoTraining": False})
    stack_resource.update({"SolutionArn": arn, "PerformAutoTraining": "maybe"})
    stack_resource.delete()
    captured = capsys.readouterr()
    logs = captured.out + captured.err + caplog.text
    reasons = "\n".join(str(r.body.get("Reason", "")) for r in receiver.received)
    assert "Answered CloudFormation" in logs  # the logs were captured at all
    assert "boom" in reasons  # so were the failures' Reasons
    assert "maybe" in reasons
    for secret in [*SECRET_MARKERS, PRESIGNED_QUERY, SECRET_ACCESS_KEY, SESSION_TOKEN]:
        assert secret not in logs
        assert secret not in reasons
