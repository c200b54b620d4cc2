"""A stand-in for the Lambda service's Invoke API: records asynchronous self-invocations.

boto3 reaches it through its standard AWS_ENDPOINT_URL_LAMBDA variable. It answers 202 as
Lambda does for InvocationType Event, and queues the payload; the CloudFormation driver then
delivers queued payloads to the handler, as Lambda would, with a fresh context each.

Also what Lambda sends an on-failure destination: `invocation_record`, in the format of the Lambda
developer guide ("Capturing records of Lambda asynchronous invocations"), with the error Lambda
reports for each way an invocation dies (`died`).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import ThreadingHTTPServer
from typing import Any

from localcloud.loopback import QuietHandler, serve, stop

# Where a player of hand-offs stops, whatever the handler does: its own chain stops after 8.
MAX_HAND_OFFS = 9
# template.yaml's EventInvokeConfig: no retry, and an event older than this is dropped.
MAXIMUM_EVENT_AGE = 3600
ON_FAILURE_TIMEOUT = 60.0  # template.yaml's on-failure destination's timeout
RETRIES_EXHAUSTED = "RetriesExhausted"
EVENT_AGE_EXCEEDED = "EventAgeExceeded"
# What Lambda reports of an invocation it ended, as its runtime interface emulator words a timeout
# and as Lambda reports running out of memory and a runtime that exits.
DEATHS = {
    "timeout": ("Sandbox.Timedout", "Error: Task timed out after {seconds:.2f} seconds"),
    "oom": ("Runtime.OutOfMemory", "Error: Runtime exited with error: signal: killed"),
    "crash": ("Runtime.ExitError", "Error: Runtime exited with error: exit status 1"),
}


class InvocationDied(Exception):
    """Raised by a stand-in's handler to play an invocation Lambda ended: `error` is what Lambda
    reports of it (`died`)."""

    def __init__(self, error: Mapping[str, str]) -> None:
        self.error = dict(error)
        super().__init__(self.error.get("errorType", ""))


def died(kind: str, request_id: str, timeout: float = 0.0) -> dict[str, str]:
    """The error document of an invocation that died `kind` (timeout, oom or crash)."""
    error_type, message = DEATHS[kind]
    return {
        "errorType": error_type,
        "errorMessage": f"RequestId: {request_id} {message.format(seconds=timeout)}",
    }


def invocation_record(
    event: Mapping[str, Any],
    condition: str,
    *,
    function_arn: str,
    request_id: str,
    at: float,
    error: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The record Lambda sends an on-failure destination for `event`: `condition` is
    RetriesExhausted (the invocation failed with `error`; one attempt, as no retry is
    configured) or EventAgeExceeded (dropped unprocessed: no response at all)."""
    stamp = datetime.fromtimestamp(at, UTC).isoformat(timespec="milliseconds")
    record: dict[str, Any] = {
        "version": "1.0",
        "timestamp": stamp.replace("+00:00", "Z"),
        "requestContext": {
            "requestId": request_id,
            "functionArn": f"{function_arn}:$LATEST",
            "condition": condition,
            "approximateInvokeCount": 0 if error is None else 1,
        },
        "requestPayload": dict(event),
    }
    if error is not None:
        record["responseContext"] = {
            "statusCode": 200,
            "executedVersion": "$LATEST",
            "functionError": "Unhandled",
        }
        record["responsePayload"] = dict(error)
    return record


@dataclass
class LambdaService:
    """Records Invoke calls on 127.0.0.1; `refuse_next` makes the next one AccessDenied (403),
    as a function whose role lacks lambda:InvokeFunction would see; `late_next` answers the next
    one's 202 only after that many seconds (the invocation is queued at once, as Lambda does)."""

    queued: list[dict[str, Any]] = field(default_factory=list)
    invoked: int = 0
    refuse_next: bool = False
    late_next: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)
    server: ThreadingHTTPServer | None = None
    stopping: threading.Event = field(default_factory=threading.Event)  # cuts a late 202 short

    def __enter__(self) -> LambdaService:
        service = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                body = self.body()
                with service.lock:
                    status = 403 if service.refuse_next else 202
                    service.refuse_next = False
                    late, service.late_next = service.late_next, 0.0
                    if status == 202:
                        service.invoked += 1
                        service.queued.append(json.loads(body))
                service.stopping.wait(late)
                if status == 202:
                    self.reply(status)
                else:
                    refusal = b'{"Type":"User","message":"refused"}'
                    self.reply(status, refusal, {"x-amzn-ErrorType": "AccessDeniedException"})

        self.server = serve(Handler, ("127.0.0.1", 0))
        return self

    def __exit__(self, *exc: object) -> None:
        self.stopping.set()
        stop(self.server)

    @property
    def url(self) -> str:
        assert self.server is not None
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def reset(self) -> None:
        """Forget every queued invocation, the count and any fault set for the next one."""
        with self.lock:
            self.queued.clear()
            self.invoked = 0
            self.refuse_next, self.late_next = False, 0.0

    def hand_offs(self, request_id: str) -> Iterator[dict[str, Any]]:
        """The invocations queued for this request, each taken when the one before it has run
        (and may have queued the next), oldest first, at most MAX_HAND_OFFS."""
        for _ in range(MAX_HAND_OFFS):
            payload = self.take(request_id)
            if payload is None:
                return
            yield payload

    def take(self, request_id: str) -> dict[str, Any] | None:
        """The oldest queued invocation for this request, removed from the queue."""
        with self.lock:
            for index, payload in enumerate(self.queued):
                if payload.get("RequestId") == request_id:
                    return self.queued.pop(index)
        return None
