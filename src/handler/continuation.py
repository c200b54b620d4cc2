"""Carrying a wait into a new invocation: the function invokes itself, asynchronously.

Chosen over crhelper's poller (an EventBridge rule, target and Lambda permission per request):
nothing is created, so nothing can be left behind on success, failure or a timeout; the next
invocation starts at once instead of on a minutes schedule; IAM is one action on one ARN
(lambda:InvokeFunction on this function); and a chain lasts at most ServiceTimeout (3600 s), a
handful of invocations, far below Lambda's recursive-loop detection threshold.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

import boto3
from botocore.config import Config

from lifecycle import CARRY_KEY, Carried

# One attempt: an async Invoke is not idempotent, and a retry after a lost 202 would start a second
# chain (and a second answer). Short: the invocation keeps this call's whole budget (3 s) for it.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 1}, connect_timeout=1, read_timeout=2
)


class SelfInvoker:
    """Re-delivers the event, with the carried state, to the function's own ARN."""

    def __init__(self, client_factory: Callable[[], Any] | None = None) -> None:
        self._factory = client_factory or (lambda: boto3.client("lambda", config=CLIENT_CONFIG))
        self._client: Any = None  # built on first use: most invocations never need it

    def __call__(self, event: Mapping[str, Any], context: Any, carried: Carried) -> None:
        """Invoke asynchronously (InvocationType Event); raises if Lambda refuses."""
        if self._client is None:
            self._client = self._factory()
        payload = {**event, CARRY_KEY: carried.to_json()}
        self._client.invoke(
            FunctionName=context.invoked_function_arn,
            InvocationType="Event",
            Payload=json.dumps(payload).encode(),
        )
