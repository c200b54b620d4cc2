"""A CloudFormation stand-in: sends a handler the events CloudFormation would, in its order.

`StackResource` follows CloudFormation's lifecycle rules for one custom resource: a failed Create
is rolled back with a Delete of the id it answered; a failed Update is followed by a rollback
Update to the old properties; an Update answered with a new id is a replacement, followed by a
Delete of the old id. Every property leaf is sent as a string, as CloudFormation does.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from localcloud.lambda_service import LambdaService
from localcloud.receiver import Received, Receiver

ACCOUNT_ID = "123456789012"
REGION = "us-east-1"
FUNCTION_NAME = "personalize-solution-update"
SERVICE_TOKEN = f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{FUNCTION_NAME}"

Handler = Callable[[dict[str, Any], Any], Any]


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
    """One request sent and what the response bucket received for it."""

    event: dict[str, Any]
    responses: list[Received]
    started: float
    finished: float
    deadline: float
    invocations: int = 1

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


@dataclass
class CloudFormation:
    """Delivers requests to a handler in-process and collects the responses over HTTP."""

    handler: Handler
    receiver: Receiver
    stack_name: str = "demo-stack"
    function_timeout: float = 60.0
    on_exchange: Callable[[Exchange], None] | None = None
    lambda_service: LambdaService | None = None
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

    def deliver(self, event: dict[str, Any], timeout: float | None = None) -> Exchange:
        """Invoke the handler with a fresh context and collect what the bucket received. When
        the handler hands its wait to a new invocation, play that invocation too (as Lambda
        would), until one answers."""
        context = LambdaContext(timeout or self.function_timeout)
        started = time.monotonic()
        self.handler(event, context)
        invocations = 1
        while self.lambda_service and not self.receiver.responses_for(event["RequestId"]):
            carried = self.lambda_service.take(event["RequestId"])
            if carried is None:
                break
            context = LambdaContext(timeout or self.function_timeout)
            self.handler(carried, context)
            invocations += 1
        exchange = Exchange(
            event=event,
            responses=self.receiver.responses_for(event["RequestId"]),
            started=started,
            finished=time.monotonic(),
            deadline=context.started + context.timeout,
            invocations=invocations,
        )
        if self.on_exchange:
            self.on_exchange(exchange)
        return exchange

    def send(
        self, request_type: str, logical_id: str, properties: Mapping[str, Any], **kw: Any
    ) -> Exchange:
        """Build and deliver one request."""
        return self.deliver(self.event(request_type, logical_id, properties, **kw))


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
