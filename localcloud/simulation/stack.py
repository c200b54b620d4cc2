"""CloudFormation in the simulation: one stack's life for the resource, as CloudFormation runs it.

Create; each Update (a new SolutionArn answered with a new id is a replacement, whose old id then
gets a cleanup Delete); Delete. A Create that fails is followed by the rollback Delete of the id
it answered; an Update that fails by the rollback Update to the old properties. Each request's
ResponseURL is signed when it is sent, its deadline is ServiceTimeout from then, and Lambda
delivers it after the history's queue delay, duplicates included. The first accepted answer
decides, and nothing after the deadline counts.
"""

from __future__ import annotations

import hashlib
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from localcloud.lambda_service import MAXIMUM_EVENT_AGE
from localcloud.simulation.history import Step
from localcloud.simulation.lambda_model import FUNCTION_ARN, Lambda
from localcloud.simulation.personalize import ACCOUNT
from localcloud.simulation.scheduler import Process, Scheduler

LOGICAL_ID = "AutoTraining"
ACCESS_KEY = "AKIASIMULATEDKEY0001"
GAP = 1.0  # seconds CloudFormation takes between one request's answer and the next request
DEFAULT_TIMEOUT = 3600
FOLLOW_UP = Step(kind="follow-up", properties={})  # a rollback's or cleanup's deliveries


def solution_arn(name: str, region: str) -> str:
    """The ARN a history's solution name stands for in `region` (a full ARN is kept)."""
    return (
        name
        if name.startswith("arn:")
        else f"arn:aws:personalize:{region}:{ACCOUNT}:solution/{name}"
    )


def signature(request_id: str) -> str:
    """The presigned URL's signature: what must never reach a log line or a Reason."""
    return hashlib.sha256(request_id.encode()).hexdigest()


@dataclass
class Sent:
    """One request CloudFormation sent, and the answers it accepted (time, body)."""

    kind: str
    event: dict[str, Any]
    sent_at: float  # when CloudFormation sent it (its URL's X-Amz-Date has whole seconds)
    signed: float
    deadline: float
    expires: float
    role: str  # "stack" (a stack operation), "rollback" or "cleanup"
    answers: list[tuple[float, dict[str, Any]]] = field(default_factory=list)

    @property
    def request_id(self) -> str:
        """Its RequestId."""
        return str(self.event["RequestId"])

    def decided(self) -> dict[str, Any] | None:
        """The answer CloudFormation acts on: the first before the deadline."""
        return next((body for at, body in self.answers if at <= self.deadline), None)


def _service_timeout(properties: dict[str, Any]) -> int:
    """The deadline CloudFormation keeps for the resource, from its ServiceTimeout property."""
    try:
        value = int(str(properties.get("ServiceTimeout", DEFAULT_TIMEOUT)))
    except ValueError:
        return DEFAULT_TIMEOUT
    return value if 1 <= value <= DEFAULT_TIMEOUT else DEFAULT_TIMEOUT


def _resource_properties(overlay: dict[str, Any], region: str) -> dict[str, Any]:
    """A history step's properties as CloudFormation sends them: the ServiceToken, the ARN."""
    properties = {"ServiceToken": FUNCTION_ARN, **overlay}
    if isinstance(properties.get("SolutionArn"), str):
        properties["SolutionArn"] = solution_arn(properties["SolutionArn"], region)
    return properties


class CloudFormation:
    """Runs the stack's steps as one process; `answer` is the response bucket's hook."""

    def __init__(
        self, scheduler: Scheduler, function: Lambda, steps: tuple[Step, ...], region: str
    ) -> None:
        self._scheduler = scheduler
        self._function = function
        self._steps = steps
        self._region = region
        self.stack_id = f"arn:aws:cloudformation:{region}:{ACCOUNT}:stack/sim/5e2c1a40-0001"
        self._host = (
            f"cloudformation-custom-resource-response-{region.replace('-', '')}"
            f".s3.{region}.amazonaws.com"
        )
        self.requests: list[Sent] = []
        self._process: Process | None = None

    def start(self, at: float) -> None:
        """Begin the stack's life at `at`."""
        self._process = self._scheduler.spawn(at, self._life, "cloudformation")

    def expiry(self, request_id: str) -> float:
        """When the ResponseURL of `request_id` expires."""
        return next((r.expires for r in self.requests if r.request_id == request_id), 0.0)

    def answer(self, body: dict[str, Any]) -> None:
        """An answer S3 accepted: noted for its request, and the waiting stack goes on."""
        for request in self.requests:
            if request.request_id == body.get("RequestId"):
                request.answers.append((self._scheduler.now(), body))
        if self._process is not None:
            self._scheduler.wake(self._process)

    def _life(self) -> None:
        """Create, then each Update, then Delete, with rollbacks and cleanups."""
        create, *rest = self._steps
        current = _resource_properties(create.properties, self._region)
        status, physical = self._request("Create", current, None, None, create)
        if status != "SUCCESS":
            fallback = f"{LOGICAL_ID}-no-id"  # CloudFormation never learnt an id
            self._request("Delete", current, None, physical or fallback, FOLLOW_UP, "rollback")
            return
        for step in rest:
            if step.kind == "delete":
                self._request("Delete", {**current, **step.properties}, None, physical, step)
                return
            new = _resource_properties(step.properties, self._region)
            status, answered = self._request("Update", new, current, physical, step)
            if status != "SUCCESS":
                back, _ = self._request("Update", current, new, physical, FOLLOW_UP, "rollback")
                if back != "SUCCESS":
                    return  # UPDATE_ROLLBACK_FAILED: the stack stays as it is
                continue
            if answered != physical:  # a replacement: the old resource is deleted
                self._request("Delete", current, None, physical, FOLLOW_UP, "cleanup")
            current, physical = new, answered

    def _request(
        self,
        kind: str,
        properties: dict[str, Any],
        old: dict[str, Any] | None,
        physical: str | None,
        step: Step,
        role: str = "stack",
    ) -> tuple[str, str | None]:
        """Send one request and wait for its answer or its deadline: (status, physical id);
        status TIMEOUT when no answer came in time."""
        now = self._scheduler.now()
        signed = float(math.floor(now))
        request_id = f"{len(self.requests) + 1:08d}-5e2c-4000-8000-000000000000"
        date = datetime.fromtimestamp(signed, UTC)
        query = (
            "X-Amz-Algorithm=AWS4-HMAC-SHA256"
            f"&X-Amz-Credential={ACCESS_KEY}%2F{date:%Y%m%d}%2F{self._region}%2Fs3%2Faws4_request"
            f"&X-Amz-Date={date:%Y%m%dT%H%M%SZ}&X-Amz-Expires={step.expires}"
            f"&X-Amz-SignedHeaders=host&X-Amz-Signature={signature(request_id)}"
        )
        path = quote(f"{self.stack_id}|{LOGICAL_ID}|{request_id}", safe="")
        event: dict[str, Any] = {
            "RequestType": kind,
            "ServiceToken": FUNCTION_ARN,
            "ResponseURL": f"https://{self._host}/{path}?{query}",
            "StackId": self.stack_id,
            "RequestId": request_id,
            "LogicalResourceId": LOGICAL_ID,
            "ResourceType": "Custom::PersonalizeSolutionUpdate",
            "ResourceProperties": properties,
        }
        if old is not None:
            event["OldResourceProperties"] = old
        if physical is not None:
            event["PhysicalResourceId"] = physical
        sent = Sent(
            kind=kind,
            event=event,
            sent_at=now,
            signed=signed,
            deadline=signed + _service_timeout(properties),
            expires=signed + step.expires,
            role=role,
        )
        self.requests.append(sent)
        first = now + step.delay
        self._function.deliver(event, first)
        if step.delay < MAXIMUM_EVENT_AGE:  # a dropped event has no duplicates: it was never sent
            for extra in step.duplicates:
                self._function.deliver(event, first + extra)
        while sent.decided() is None and self._scheduler.now() < sent.deadline:
            self._scheduler.sleep(sent.deadline - self._scheduler.now())
        decided = sent.decided()
        self._scheduler.sleep(GAP)
        if decided is None:
            return "TIMEOUT", None
        return str(decided["Status"]), str(decided["PhysicalResourceId"])
