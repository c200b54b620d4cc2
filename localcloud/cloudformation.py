"""A CloudFormation stand-in: sends a handler the events CloudFormation would, in its order.

`StackResource` follows CloudFormation's lifecycle rules for one custom resource: a failed Create
is rolled back with a Delete of the id it answered; a failed Update is followed by a rollback
Update to the old properties; an Update answered with a new id is a replacement, followed by a
Delete of the old id. Every property leaf is sent as a string, as CloudFormation does.

Lambda's part is played too: an invocation that fails (an error escaping the handler, or a return
past its timeout, where Lambda would have stopped it) or an event Lambda drops goes, as Lambda's
invocation record, to the on-failure destination when one is given.
"""

from __future__ import annotations

import copy
import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from localcloud.lambda_service import (
    EVENT_AGE_EXCEEDED,
    ON_FAILURE_TIMEOUT,
    RETRIES_EXHAUSTED,
    InvocationDied,
    LambdaService,
    died,
    invocation_record,
)
from localcloud.receiver import Received, Receiver

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
FUNCTION_NAME = "personalize-solution-update"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_NAME}"
DESTINATION_NAME = f"{FUNCTION_NAME}-on-failure"

Handler = Callable[[Any, Any], Any]
# How long past its timeout a delivery thread may run before it counts as hung (a thread's
# last moments: the answer's PUT returning, the invocation unwinding).
GRACE = 1.0


def as_cloudformation_sends(value: Any) -> Any:
    """Stringify scalar leaves the way CloudFormation does (true -> "true", 14 -> "14")."""
    if isinstance(value, Mapping):
        return {key: as_cloudformation_sends(item) for key, item in value.items()}
    if isinstance(value, list):
        return [as_cloudformation_sends(item) for item in value]
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


@dataclass
class LambdaContext:
    """The parts of Lambda's context object the handler reads; remaining time counts down."""

    timeout: float
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    function_name: str = FUNCTION_NAME
    function_version: str = "$LATEST"
    memory_limit_in_mb: int = 256
    invoked_function_arn: str = SERVICE_TOKEN
    started: float = field(default_factory=time.monotonic)

    def get_remaining_time_in_millis(self) -> int:
        """Milliseconds until this invocation's timeout, never negative."""
        return max(0, int((self.started + self.timeout - time.monotonic()) * 1000))


@dataclass
class Exchange:
    """The deliveries of one request and what the response bucket received for it."""

    event: Any  # as delivered: a test may forge or break it
    responses: list[Received]
    started: float
    finished: float
    deadline: float  # the end of the last invocation
    invocations: int = 1
    allowed: float = 0.0  # wall seconds the deliveries may take, each invocation in its timeout
    hung: bool = False  # an invocation was still running when its timeout had passed

    @property
    def response(self) -> dict[str, Any]:
        """The one response body; a missing or duplicate response is an error."""
        if len(self.responses) != 1:
            raise AssertionError(f"expected exactly 1 response, got {len(self.responses)}")
        return self.responses[0].body

    @property
    def answered_in_time(self) -> bool:
        """Whether the (first) response arrived before the invocation's deadline."""
        return bool(self.responses) and self.responses[0].at <= self.deadline

    @property
    def overran(self) -> bool:
        """Whether the deliveries took longer than their invocations' timeouts allow."""
        return self.hung or self.finished - self.started > self.allowed


@dataclass
class Chain:
    """One delivery and the invocations it handed its wait to, played in turn."""

    invocations: int = 0
    context: LambdaContext | None = None


@dataclass
class CloudFormation:
    """Delivers requests to a handler in-process, as CloudFormation and Lambda would, and
    collects the responses over HTTP: once, again (a duplicate delivery), or at once to several
    execution environments; every invocation the handler hands its wait to (queued on the Lambda
    stand-in) is played too, with a fresh context each. `on_failure`: the destination of failed
    invocations and dropped events; `clock` stamps their records."""

    handler: Handler
    receiver: Receiver
    stack_name: str = "demo-stack"
    function_timeout: float = 60.0
    on_exchange: Callable[[Exchange], None] | None = None
    lambda_service: LambdaService | None = None
    on_failure: Handler | None = None
    clock: Callable[[], float] = time.time
    stack_id: str = field(init=False)

    def __post_init__(self) -> None:
        self.stack_id = (
            f"arn:aws:cloudformation:{REGION}:{ACCOUNT_ID}:stack/{self.stack_name}/{uuid.uuid4()}"
        )

    def event(
        self,
        request_type: str,
        logical_id: str,
        properties: Mapping[str, Any],
        old_properties: Mapping[str, Any] | None = None,
        physical_id: str | None = None,
    ) -> dict[str, Any]:
        """The event CloudFormation would send."""
        request_id = str(uuid.uuid4())
        event: dict[str, Any] = {
            "RequestType": request_type,
            "ServiceToken": SERVICE_TOKEN,
            "ResponseURL": self.receiver.url_for(request_id),
            "StackId": self.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": logical_id,
            "ResourceType": "Custom::PersonalizeSolutionUpdate",
            "ResourceProperties": {
                "ServiceToken": SERVICE_TOKEN,
                **as_cloudformation_sends(properties),
            },
        }
        if old_properties is not None:
            event["OldResourceProperties"] = {
                "ServiceToken": SERVICE_TOKEN,
                **as_cloudformation_sends(old_properties),
            }
        if physical_id is not None:
            event["PhysicalResourceId"] = physical_id
        return event

    def deliver(
        self,
        event: Any,
        timeout: float | None = None,
        *,
        times: int = 1,
        request_id: str | None = None,
        play_hand_offs: bool = True,
    ) -> Exchange:
        """Deliver the event `times` times in a row (CloudFormation may deliver a request
        again), each with the invocations it hands its wait to, and collect what the bucket
        received for the request. request_id: whose responses to collect, for an event that
        lacks its own; play_hand_offs=False leaves handed-off invocations queued."""
        seconds = timeout or self.function_timeout
        request_id = request_id or _request_id(event)
        started = time.monotonic()
        chains = [
            self._play(self.handler, event, seconds, request_id, play_hand_offs)
            for _ in range(times)
        ]
        invocations = sum(chain.invocations for chain in chains)
        return self._exchange(event, request_id, started, chains, seconds * invocations, False)

    def deliver_at_once(
        self,
        event: Any,
        handlers: Sequence[Handler],
        timeout: float | None = None,
    ) -> Exchange:
        """Deliver the same event to each handler at the same moment, each on its own thread (a
        duplicate delivery landing on another execution environment while the first runs)."""
        seconds = timeout or self.function_timeout
        request_id = _request_id(event)
        started = time.monotonic()
        chains = [Chain() for _ in handlers]
        threads = [
            threading.Thread(
                target=self._play,
                args=(handler, event, seconds, request_id, True, chain),
                daemon=True,
            )
            for handler, chain in zip(handlers, chains, strict=True)
        ]
        for thread in threads:
            thread.start()
        hung = False
        for thread, chain in zip(threads, chains, strict=True):
            while thread.is_alive() and not hung:
                thread.join(0.05)
                hung = time.monotonic() - started > seconds * chain.invocations + GRACE
        longest = max(chain.invocations for chain in chains)
        return self._exchange(event, request_id, started, chains, seconds * longest, hung)

    def drop(self, event: Any) -> Exchange:
        """Lambda drops the event unprocessed (it outlived the maximum event age): its record goes
        to the on-failure destination. What the bucket received for the request."""
        request_id = _request_id(event)
        started = time.monotonic()
        self._fail(event, EVENT_AGE_EXCEEDED, None, str(uuid.uuid4()))
        return self._exchange(event, request_id, started, [Chain()], 0.0, False)

    def send(
        self, request_type: str, logical_id: str, properties: Mapping[str, Any], **kw: Any
    ) -> Exchange:
        """Build and deliver one request."""
        return self.deliver(self.event(request_type, logical_id, properties, **kw))

    def _play(
        self,
        handler: Handler,
        event: Any,
        timeout: float,
        request_id: str | None,
        play_hand_offs: bool,
        chain: Chain | None = None,
    ) -> Chain:
        """One delivery (a copy of the event, as each delivery is decoded afresh), then every
        invocation queued for the request, as Lambda would run them."""
        chain = chain or Chain()
        hand_offs: Iterable[Any] = ()
        if play_hand_offs and request_id and self.lambda_service:
            hand_offs = self.lambda_service.hand_offs(request_id)
        for payload in itertools.chain([copy.deepcopy(event)], hand_offs):
            chain.context = LambdaContext(timeout)
            chain.invocations += 1
            self._invoke(handler, payload, chain.context)
        return chain

    def _invoke(self, handler: Handler, payload: Any, context: LambdaContext) -> None:
        """One invocation, as Lambda runs it. One that fails (an error escapes the handler;
        InvocationDied plays one Lambda ended) or returns past its timeout (Lambda would have
        stopped it there) goes to the on-failure destination; without one, the error is the
        caller's, as it would be without this stand-in."""
        try:
            handler(payload, context)
        except Exception as error:
            if self.on_failure is None:
                raise
            if isinstance(error, InvocationDied):
                self._fail(payload, RETRIES_EXHAUSTED, error.error, context.aws_request_id)
            else:  # what the runtime reports of an exception the handler raised
                shown = {"errorType": type(error).__name__, "errorMessage": str(error)}
                self._fail(payload, RETRIES_EXHAUSTED, shown, context.aws_request_id)
            return
        if context.get_remaining_time_in_millis() == 0 and self.on_failure is not None:
            stopped = died("timeout", context.aws_request_id, context.timeout)
            self._fail(payload, RETRIES_EXHAUSTED, stopped, context.aws_request_id)

    def _fail(
        self, payload: Any, condition: str, error: Mapping[str, str] | None, invocation: str
    ) -> None:
        """Send the on-failure destination Lambda's record of a failed event, if there is one."""
        if self.on_failure is None:
            return
        record = invocation_record(
            payload,
            condition,
            function_arn=SERVICE_TOKEN,
            request_id=invocation,
            at=self.clock(),
            error=error,
        )
        self.on_failure(record, LambdaContext(ON_FAILURE_TIMEOUT, function_name=DESTINATION_NAME))

    def _exchange(
        self,
        event: Any,
        request_id: str | None,
        started: float,
        chains: list[Chain],
        allowed: float,
        hung: bool,
    ) -> Exchange:
        """What the deliveries came to; passed to on_exchange."""
        last = chains[-1].context
        exchange = Exchange(
            event=event,
            responses=self.receiver.responses_for(request_id) if request_id else [],
            started=started,
            finished=time.monotonic(),
            deadline=last.started + last.timeout if last else started,
            invocations=sum(chain.invocations for chain in chains),
            allowed=allowed,
            hung=hung,
        )
        if self.on_exchange:
            self.on_exchange(exchange)
        return exchange


def _request_id(event: Any) -> str | None:
    """The RequestId an event carries, if it is a map with one."""
    found = event.get("RequestId") if isinstance(event, Mapping) else None
    return found if isinstance(found, str) else None


@dataclass
class StackResource:
    """One custom resource in a stack, driven through CloudFormation's lifecycle."""

    cloudformation: CloudFormation
    logical_id: str
    physical_id: str | None = None
    properties: dict[str, Any] | None = None

    def create(self, properties: dict[str, Any]) -> list[Exchange]:
        """Create; on FAILED, the rollback Delete of whatever id was answered."""
        created = self.cloudformation.send("Create", self.logical_id, properties)
        body = created.response
        if body["Status"] == "SUCCESS":
            self.physical_id, self.properties = body["PhysicalResourceId"], properties
            return [created]
        rollback = self.cloudformation.send(
            "Delete", self.logical_id, properties, physical_id=body["PhysicalResourceId"]
        )
        return [created, rollback]

    def update(self, properties: dict[str, Any]) -> list[Exchange]:
        """Update; then either the replacement's Delete of the old id, or the rollback Update."""
        assert self.properties is not None
        assert self.physical_id is not None
        old_properties, old_id = self.properties, self.physical_id
        updated = self.cloudformation.send(
            "Update", self.logical_id, properties, old_properties=old_properties, physical_id=old_id
        )
        body = updated.response
        if body["Status"] != "SUCCESS":
            rollback = self.cloudformation.send(
                "Update",
                self.logical_id,
                old_properties,
                old_properties=properties,
                physical_id=old_id,
            )
            return [updated, rollback]
        self.physical_id, self.properties = body["PhysicalResourceId"], properties
        if body["PhysicalResourceId"] == old_id:
            return [updated]
        cleanup = self.cloudformation.send(
            "Delete", self.logical_id, old_properties, physical_id=old_id
        )
        return [updated, cleanup]

    def delete(self) -> list[Exchange]:
        """Delete the resource (stack deletion)."""
        assert self.properties is not None
        assert self.physical_id is not None
        return [
            self.cloudformation.send(
                "Delete", self.logical_id, self.properties, physical_id=self.physical_id
            )
        ]
