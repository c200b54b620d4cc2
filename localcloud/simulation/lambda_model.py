"""Lambda and the response bucket in the simulation: invocations with a timeout, the asynchronous
queue a hand-off goes through (with the fates a history gives it), and the PUTs of answers.
"""

from __future__ import annotations

import errno
import json
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from localcloud.simulation.history import HandOff
from localcloud.simulation.personalize import LATENCY, client_error
from localcloud.simulation.scheduler import Scheduler
from solution_rules.response import ResponseTarget

FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:solution-update"
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


class Lambda:
    """The function, invoked asynchronously: each delivery runs as a process until its timeout."""

    def __init__(self, scheduler: Scheduler, timeout: float, hand_offs: list[HandOff]) -> None:
        self._scheduler = scheduler
        self._timeout = timeout
        self._fates = hand_offs  # consumed one per hand-off, in order
        self.handler: Handler | None = None
        self.invocations: list[Invocation] = []
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
        from invocation `sender` (`unknown`: it could not know this was queued)."""
        request_id = str(event.get("RequestId", ""))
        self._count += 1
        name = f"invocation-{self._count}"
        self.chains[name] = self.chains.get(sender or "", name)
        self.depths[name] = self.depths.get(sender or "", 0) + 1
        if unknown:
            self.unknown_to_sender.add(name)

        def run() -> None:
            """The invocation: the handler with a context that counts down to the timeout."""
            assert self.handler is not None
            now = self._scheduler.now()
            continued = "PersonalizeSolutionUpdateWait" in event
            self.invocations.append(Invocation(now, request_id, continued, name))
            self.handler(dict(event), Context(self._scheduler, now + self._timeout, name))

        self._scheduler.spawn(at, run, name, deadline=at + self._timeout, tag=request_id)

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
