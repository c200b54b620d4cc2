"""Lambda entry point: wiring only (logger, Personalize client, the updater, the dispatcher).

`build()` takes an injected client, clock and sleep for tests; `lambda_handler` uses the handler
built at cold start. Endpoints follow boto3's own AWS_ENDPOINT_URL / AWS_ENDPOINT_URL_PERSONALIZE.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from budget import Plan
from continuation import Carried, SelfInvoker, hands_off
from dispatcher import Apply, Dispatcher, HandOff, Send, Timer, thread_timer
from lifecycle import SolutionUpdater
from logs import SERVICE_NAME, logger
from outcomes import Applied, RequestFailed
from solution import Boto3Solutions, bounded_client
from solution_rules.limits import PERSONALIZE_CALL, CallLimits
from solution_rules.partitions import regions
from solution_rules.properties import DesiredSettings
from solution_rules.response import allowed_hosts, put

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

Handler = Callable[[Any, Any], None]


def startup_failed(reason: str) -> Apply:
    """Stands in for SolutionUpdater.apply when the cold start failed: Create and Update fail
    with the reason, while Delete, which needs no client, still succeeds (so the stack can go)."""

    def apply(desired: DesiredSettings, plan: Plan, carried: Carried | None) -> Applied:
        """Fail with the start-up reason."""
        raise RequestFailed(reason, "StartupFailed")

    return apply


def build(
    personalize_client: PersonalizeClient | None = None,
    *,
    clock: Callable[[], float] = time.time,
    sleep: Callable[[float], None] = time.sleep,
    call: CallLimits = PERSONALIZE_CALL,
    send: Send = put,
    timer: Timer = thread_timer,
    hand_off: HandOff | None = None,
    **options: Any,
) -> Handler:
    """A ready handler; `options` go to the SolutionUpdater (confirm_delay, prompt, patient).
    A start-up fault fails Create and Update with its reason; it never raises. `send`, `timer`
    and `hand_off` (None: the function's own, where continuation.hands_off allows one) are the
    edges a simulation replaces, with the clock and sleep.

    The region checked against SolutionArn and the response bucket is the one the client calls
    (its meta.region_name: AWS_REGION in Lambda, else boto3's usual sources); without a client
    there is none to check, and Create and Update fail with the start-up reason anyway."""
    apply: Apply
    region: str | None = None
    try:
        regions()  # loaded here: a botocore without it fails Create and Update, not the import
        client = personalize_client or bounded_client(call)
        region = client.meta.region_name
        updater = SolutionUpdater(Boto3Solutions(client), clock=clock, sleep=sleep, **options)
        apply = updater.apply
    except Exception as error:  # noqa: BLE001 - any start-up fault must become an answer
        logger.exception("Cold start failed")
        apply = startup_failed(f"The function could not start: {error}")
    dispatcher = Dispatcher(
        apply,
        extra_hosts=allowed_hosts(os.environ.get("RESPONSE_URL_ALLOWED_HOSTS")),
        # Under sam local, only with a Lambda endpoint to invoke (continuation.hands_off).
        hand_off=hand_off or (SelfInvoker() if hands_off(os.environ) else None),
        clock=clock,
        call=call,
        region=region,
        send=send,
        sleep=sleep,
        timer=timer,
    )
    # Lambda's context keys (request id, cold start) on every line; never the event, which
    # carries the presigned ResponseURL (log_event=False overrides POWERTOOLS_LOGGER_LOG_EVENT).
    return traced(logger.inject_lambda_context(log_event=False, clear_state=True)(dispatcher))


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
