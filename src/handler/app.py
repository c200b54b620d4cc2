"""Lambda entry point: wiring only (logger, Personalize client, crhelper resource, operations).

`build()` takes an injected client for tests; `lambda_handler` uses the one built at cold start.
Endpoints follow boto3's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_PERSONALIZE variables.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import boto3
import botocore
from botocore.config import Config

from cfn_resource import CustomResource
from continuation import CLIENT_CONFIG as HAND_OFF_CONFIG
from continuation import SelfInvoker
from lifecycle import Outcome, RequestFailed, SolutionUpdater
from logs import SERVICE_NAME, logger
from response import allowed_hosts
from solution import PersonalizeSolutions
from telemetry import flush, observed

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

# Short per-call bounds: the waiter retries across calls and watches the deadline between them.
CLIENT_CONFIG = Config(
    retries={"mode": "standard", "total_max_attempts": 2},  # not max_attempts: it means retries
    connect_timeout=2,
    read_timeout=5,
    user_agent_extra="personalize-solution-update",
)
# Seconds kept, after the wait, for delivering the response. More than the watchdog's lead
# (cfn_resource.WATCHDOG_LEAD): the wait's deadline passes first, so no call starts after it.
RESPONSE_RESERVE = 5.0


def call_budget(config: Config) -> float:
    """The most one call can take under config, for a server that stops answering: every attempt
    connecting and reading to its timeout, plus the standard retry mode's backoff before each
    retry n (up to 2^(n-1) s, at most 20, plus up to 5 s more for an x-amz-retry-after header).
    A server that trickles bytes can take longer (read_timeout bounds each socket read); the
    watchdog answers then."""
    options = vars(config)  # Config sets its options as attributes that typing cannot see
    attempts = int(options["retries"]["total_max_attempts"])
    per_attempt = float(options["connect_timeout"]) + float(options["read_timeout"])
    backoff = sum(min(20.0, 2.0**n) + 5.0 for n in range(attempts - 1))
    return attempts * per_attempt + backoff


def require_solution_update_api(client: Any) -> None:
    """Fail the cold start clearly if the bundled botocore predates what we call."""
    model = client.meta.service_model
    if "UpdateSolution" not in model.operation_names:
        raise RuntimeError(
            f"botocore {botocore.__version__} has no personalize UpdateSolution (needs 1.35.9 or "
            "newer); deploy with the pinned requirements.txt"
        )
    config = model.shape_for("SolutionUpdateConfig").members
    members = model.operation_model("UpdateSolution").input_shape.members
    if "performIncrementalUpdate" not in members or "eventsConfig" not in config:
        raise RuntimeError(
            f"botocore {botocore.__version__} lacks performIncrementalUpdate/eventsConfig on "
            "UpdateSolution; deploy with the pinned requirements.txt"
        )


Handler = Callable[[Any, Any], None]


class StartupFailed:
    """Stands in for SolutionUpdater when the cold start failed: Create and Update fail with the
    reason, Delete (which touches nothing) still succeeds."""

    def __init__(self, reason: str) -> None:
        self.reason = reason

    def create(self, event: Any, time_left: float) -> Outcome:
        """Fail with the start-up reason."""
        raise RequestFailed(self.reason, "StartupFailed")

    update = create
    delete = staticmethod(SolutionUpdater.delete)


LOG_KEYS = ("StackId", "RequestId", "LogicalResourceId", "RequestType")


def build(
    personalize_client: PersonalizeClient | None = None, updater: SolutionUpdater | None = None
) -> Handler:
    """A ready handler. A start-up fault fails Create and Update with its reason, never raises."""
    # Under sam local (AWS_SAM_LOCAL) there is no Lambda service to invoke: wait in one run.
    hand_off = None if os.environ.get("AWS_SAM_LOCAL") else SelfInvoker()
    resource = CustomResource(
        allowed_hosts(os.environ.get("RESPONSE_URL_ALLOWED_HOSTS")), hand_off=hand_off
    )
    operations: SolutionUpdater | StartupFailed
    try:
        client = personalize_client or boto3.client("personalize", config=CLIENT_CONFIG)
        require_solution_update_api(client)
        operations = updater or SolutionUpdater(
            PersonalizeSolutions(client), call_budget=call_budget(CLIENT_CONFIG)
        )
    except Exception as error:  # noqa: BLE001 - any start-up fault must become an answer
        # Not crhelper's init_failure: it answers every request FAILED with an empty id, and a
        # failed Delete blocks the user's stack deletion. Delete needs no client at all.
        logger.exception("Cold start failed")
        operations = StartupFailed(f"The function could not start: {error}")
    resource.serve(
        observed(operations.create),
        observed(operations.update),
        operations.delete,
        # after the wait: its last call, then a hand-off (or not), then the answer
        RESPONSE_RESERVE + call_budget(HAND_OFF_CONFIG),
    )

    def handle(event: Any, context: Any) -> None:
        """Answer one request; never raises (an error would only trigger Lambda's async retries)."""
        if isinstance(event, dict):
            logger.append_keys(**{key: event.get(key) for key in LOG_KEYS})
            properties = event.get("ResourceProperties")
            if isinstance(properties, dict) and isinstance(properties.get("SolutionArn"), str):
                logger.append_keys(SolutionArn=properties["SolutionArn"])
        try:
            resource(event, context)
        except Exception:  # noqa: BLE001 - the resource answers itself; log, never raise
            logger.exception("Unexpected error after dispatch")
        finally:
            flush()
            logger.remove_keys([*LOG_KEYS, "SolutionArn"])

    return traced(handle)


def traced(handle: Handler) -> Handler:
    """X-Ray tracing through Powertools Tracer, when the template enables it. Loaded only then:
    the X-Ray SDK costs about as much import time as boto3 itself."""
    if os.environ.get("POWERTOOLS_TRACE_DISABLED", "true").lower() not in ("false", "0"):
        return handle
    from aws_lambda_powertools import Tracer

    return Tracer(service=SERVICE_NAME).capture_lambda_handler(handle)


_handler = build()


def lambda_handler(event: Any, context: Any) -> None:
    """The function's entry point (template.yaml Handler: app.lambda_handler)."""
    _handler(event, context)
