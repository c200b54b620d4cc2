"""Lambda and the response bucket in the simulation: invocations with a timeout, the asynchronous
queue a hand-off goes through (with the fates a history gives it), the deaths a history gives
invocations and the events Lambda drops (older than the maximum event age), each sent as Lambda's
record to the on-failure destination, and the PUTs of answers.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from localcloud.lambda_service import (
    EVENT_AGE_EXCEEDED,
    MAXIMUM_EVENT_AGE,
    ON_FAILURE_TIMEOUT,
    RETRIES_EXHAUSTED,
    died,
    invocation_record,
)
from localcloud.simulation.history import Death, HandOff
from localcloud.simulation.personalize import LATENCY, client_error
from localcloud.simulation.scheduler import Process, Scheduler
from solution_rules.envelope import CARRY_KEY
from solution_rules.response import ResponseTarget

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:solution-update"
# How long after a death (or a drop) Lambda's record starts the destination's invocation.
RECORD_DELAY = 1.0
Handler = Callable[[Any, Any], None]


class Context:
    """Lambda's context object, its remaining time on the virtual clock."""

    function_name = "solution-update"
    function_version = "$LATEST"
    memory_limit_in_mb = 256
    invoked_function_arn = FUNCTION_ARN
    log_group_name = "/aws/lambda/solution-update"
    log_stream_name = "sim"

    def __init__(self, scheduler: Scheduler, deadline: float, request_id: str) -> None:
        self._scheduler = scheduler
        self._deadline = deadline
        self.aws_request_id = request_id

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until the invocation's timeout."""
        return max(0, int((self._deadline - self._scheduler.now()) * 1000))


class Invocation(NamedTuple):
    """One invocation: when it started, for which request, whether it was a hand-off's, and
    its name (as its process's)."""

    at: float
    request_id: str
    continued: bool
    name: str


class Failed(NamedTuple):
    """An event Lambda sent the on-failure destination: when, for which request, how (`kind`:
    oom, crash, timeout, or dropped), the invocation that died (none for a drop), and the
    destination's invocation that answers for it."""

    at: float
    request_id: str
    kind: str
    invocation: str
    destination: str


class Lambda:
    """The function, invoked asynchronously: each delivery runs as a process until its timeout."""

    def __init__(
        self,
        scheduler: Scheduler,
        timeout: float,
        hand_offs: list[HandOff],
        deaths: list[Death],
    ) -> None:
        self._scheduler = scheduler
        self._timeout = timeout
        self._fates = hand_offs  # consumed one per hand-off, in order
        self._deaths = {death.invocation: death for death in deaths}
        self.handler: Handler | None = None
        self.destination: Handler | None = None  # the on-failure destination
        self.invocations: list[Invocation] = []
        self.failed: list[Failed] = []
        # Invocations of a chain whose hand-off the sender could not know was queued (and those
        # they hand on to): their sender answered as if it was not.
        self.unknown_to_sender: set[str] = set()
        self.chains: dict[str, str] = {}  # each invocation's chain, by its first invocation
        self.depths: dict[str, int] = {}  # invocations before it in its chain, plus one
        self._count = 0

    def deliver(
        self,
        event: Mapping[str, Any],
        at: float,
        *,
        unknown: bool = False,
        sender: str | None = None,
    ) -> None:
        """Queue one delivery of `event`, to start at `at`: CloudFormation's, or a hand-off
        from invocation `sender` (`unknown`: it could not know this was queued). One that would
        wait past the maximum event age is dropped then; one the history kills ends early; either
        goes to the on-failure destination, as does one killed at its timeout."""
        request_id = str(event.get("RequestId", ""))
        queued = self._scheduler.now()
        if at - queued >= MAXIMUM_EVENT_AGE:
            self._fail(event, queued + MAXIMUM_EVENT_AGE, "dropped", "")
            return
        self._count += 1
        name = f"invocation-{self._count}"
        self.chains[name] = self.chains.get(sender or "", name)
        self.depths[name] = self.depths.get(sender or "", 0) + 1
        if unknown:
            self.unknown_to_sender.add(name)
        death = self._deaths.get(len(self.chains) - 1)  # chains: every invocation queued so far
        timeout = at + self._timeout
        stalls = at + death.after if death and death.kind == "hang" else None
        ends = timeout if death is None or stalls else min(timeout, at + death.after)
        started = Invocation(at, request_id, CARRY_KEY in event, name)

        def run() -> None:
            """The invocation: the handler with a context that counts down to the timeout."""
            assert self.handler is not None
            self.invocations.append(started)
            self.handler(dict(event), Context(self._scheduler, timeout, name))

        def ended(process: Process) -> None:
            """An invocation Lambda ended (at its timeout, or the history's death) failed: a
            death at its start, before the handler ran, is an invocation too."""
            now = self._scheduler.now()
            if not process.killed or now < ends:  # returned, or the history is over
                return
            if started not in self.invocations:
                self.invocations.append(started)
            kind = "timeout" if now >= timeout or death is None else death.kind
            self._fail(event, now, kind, name)

        self._scheduler.spawn(
            at, run, name, deadline=ends, tag=request_id, on_end=ended, stalls=stalls
        )

    def _fail(self, event: Mapping[str, Any], at: float, kind: str, invocation: str) -> None:
        """Send Lambda's record of a failed event to the on-failure destination, RECORD_DELAY
        after `at`: `kind` dropped (EventAgeExceeded), else the death of `invocation`."""
        request_id = str(event.get("RequestId", ""))
        self._count += 1
        name = f"destination-{self._count}"
        self.failed.append(Failed(at, request_id, kind, invocation, name))
        error = None if kind == "dropped" else died(kind, invocation, self._timeout)
        record = invocation_record(
            event,
            EVENT_AGE_EXCEEDED if error is None else RETRIES_EXHAUSTED,
            function_arn=FUNCTION_ARN,
            request_id=invocation or name,
            at=at,
            error=error,
        )
        start = at + RECORD_DELAY

        def run() -> None:
            """The destination's invocation, with the record."""
            assert self.destination is not None
            deadline = start + ON_FAILURE_TIMEOUT
            self.destination(record, Context(self._scheduler, deadline, name))

        self._scheduler.spawn(start, run, name, deadline=start + ON_FAILURE_TIMEOUT, tag=request_id)

    def invoke(self, *, FunctionName: str, InvocationType: str, Payload: bytes) -> dict[str, Any]:
        """boto3's Lambda Invoke, as the function's hand-off (continuation.SelfInvoker) calls
        it: asynchronous, meeting the history's fate for it."""
        fate = self._fates.pop(0) if self._fates else HandOff()
        sender = self._scheduler.current()
        unknown = fate.fate == "uncertain-queued" or (
            sender is not None and sender.name in self.unknown_to_sender
        )
        self._scheduler.sleep(LATENCY)
        if fate.fate == "refused":
            raise client_error("TooManyRequestsException", "Rate exceeded", "Invoke", 429)
        if fate.fate in ("queued", "uncertain-queued"):
            payload = json.loads(Payload)
            at = self._scheduler.now() + fate.delay
            self.deliver(payload, at, unknown=unknown, sender=sender.name if sender else None)
        if fate.fate.startswith("uncertain"):
            raise client_error("ServiceException", "Injected 5xx", "Invoke", 500)
        return {"StatusCode": 202}


class Put(NamedTuple):
    """One PUT to a ResponseURL: when, the body, the status S3 answered (None: no answer), and
    the invocation that made it."""

    at: float
    body: dict[str, Any]
    status: int | None
    sender: str = ""


class Bucket:
    """The response bucket: takes each PUT, meeting the history's faults; an expired URL is 403,
    as S3 answers it. `on_answer` is told of each accepted answer."""

    def __init__(
        self,
        scheduler: Scheduler,
        faults: list[str | None],
        expiry: Callable[[str], float],
        on_answer: Callable[[dict[str, Any]], None],
    ) -> None:
        self._scheduler = scheduler
        self._faults = faults
        self._expiry = expiry
        self._on_answer = on_answer
        self.puts: list[Put] = []

    def send(self, target: ResponseTarget, body: bytes, timeout: float) -> int:
        """response.put's part: one PUT of `body`, its status."""
        answer = json.loads(body)
        fault = self._faults.pop(0) if self._faults else None
        now = self._scheduler.now()
        process = self._scheduler.current()
        sender = process.name.split(":")[0] if process else ""
        if fault == "timeout":
            self.puts.append(Put(now, answer, None, sender))
            self._scheduler.sleep(timeout)
            raise TimeoutError("timed out")
        if fault == "reset":
            self.puts.append(Put(now, answer, None, sender))
            raise ConnectionResetError(errno.ECONNRESET, "Connection reset by peer")
        status = 503 if fault == "503" else 200
        if now >= self._expiry(answer.get("RequestId", "")):
            status = 403
        self.puts.append(Put(now, answer, status, sender))
        self._scheduler.sleep(LATENCY)
        if status == 200:
            self._on_answer(answer)
        return status
