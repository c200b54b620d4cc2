"""CloudFormation's custom-resource protocol: the request, read once from the event, and the
response body. No other module reads the raw event or shapes the response.

`read_request` checks, in this order, what each later step relies on: a ResponseURL we may answer
and that has not expired (else nothing can be answered, and nothing is done), the envelope's ids,
the absence of keys only a forger would add, the carried wait state, and, for Create and Update,
the properties and that the solution is in the function's own region.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from continuation import CARRY_KEY, Carried, ForgedMarker, read_marker
from properties import (
    InvalidProperties,
    ResourceRequest,
    Settings,
    parse_properties,
    region_problem,
)
from response import RefusedURL, ResponseTarget, check_url

SUCCESS = "SUCCESS"
FAILED = "FAILED"
REQUEST_TYPES = ("Create", "Update", "Delete")
ENVELOPE_FIELDS = ("StackId", "RequestId", "LogicalResourceId")
# crhelper's poller writes these into the events it schedules; this function schedules none.
POLL_KEYS = ("CrHelperPoll", "CrHelperData", "CrHelperRule", "CrHelperPermission")
MAX_BODY_BYTES = 4096


class NoAnswer(Exception):
    """The event names no ResponseURL we may answer: nothing is done and nothing is answered.
    The message never contains the URL's query (its presigned signature)."""


class Problem(NamedTuple):
    """Why a request is answered FAILED without being acted on; `cause` names it for metrics."""

    reason: str
    cause: str


class Request(NamedTuple):
    """One CloudFormation request, as read from its event. `resource` is the parsed properties
    (Create and Update); `previous`, what an Update's old properties asked of the same solution;
    `problem`, when set, is answered FAILED before anything else is done; `carried`, the wait an
    earlier invocation handed on."""

    kind: str
    stack_id: str
    request_id: str
    logical_id: str
    target: ResponseTarget
    physical_id: str | None
    old_solution_arn: str | None
    previous: Settings | None
    resource: ResourceRequest | None
    carried: Carried | None
    problem: Problem | None
    event: Mapping[str, Any]

    @property
    def failure_id(self) -> str:
        """The id of an answer that did not act: the request's own, else one derived from
        RequestId, so a duplicate delivery gets the same id and the rollback Delete has one."""
        return self.physical_id or f"create-failed-{self.request_id or 'unknown'}"

    def success_id(self, solution_arn: str) -> str:
        """The id of a successful Create or Update: the solution ARN, except that an Update which
        keeps SolutionArn keeps its id (a new id would make CloudFormation replace the resource)."""
        if self.kind == "Update" and self.physical_id and self.old_solution_arn == solution_arn:
            return self.physical_id
        return solution_arn

    def log_keys(self) -> dict[str, str]:
        """Keys that tie every log line of this request to its stack and solution."""
        keys = {
            "StackId": self.stack_id,
            "RequestId": self.request_id,
            "LogicalResourceId": self.logical_id,
            "RequestType": self.kind,
        }
        if self.resource is not None:
            keys["SolutionArn"] = self.resource.settings.solution_arn
        return keys

    def envelope(self) -> dict[str, str]:
        """What crhelper reads of a request: the ids, and the id to answer with if the operation
        fails. Never the ResponseURL (a secret crhelper would log at DEBUG) nor any other key."""
        return {
            "RequestType": self.kind,
            "StackId": self.stack_id,
            "RequestId": self.request_id,
            "LogicalResourceId": self.logical_id,
            "ResponseURL": "",
            "PhysicalResourceId": self.failure_id,
        }

    def continued(self, carried: Carried) -> dict[str, Any]:
        """The event for the invocation that carries this request's wait on."""
        return {**self.event, CARRY_KEY: carried.to_json()}

    def body(self, status: str, reason: str, physical_id: str, data: Mapping[str, str]) -> bytes:
        """The response JSON, at most 4096 bytes: the Reason is cut first; if that is not enough,
        the answer becomes FAILED without Data (a SUCCESS missing its attributes would mislead)."""
        body: dict[str, Any] = {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": self.stack_id,
            "RequestId": self.request_id,
            "LogicalResourceId": self.logical_id,
            "Data": dict(data) if status == SUCCESS else {},
        }
        encoded = json.dumps(body).encode()
        if len(encoded) > MAX_BODY_BYTES:
            excess = len(encoded) - MAX_BODY_BYTES
            keep = max(0, len(reason) - excess - 40)
            body["Reason"] = reason[:keep] + " [truncated]" if keep else "[truncated]"
            encoded = json.dumps(body).encode()
        if len(encoded) > MAX_BODY_BYTES:
            body.update(
                Status=FAILED, Data={}, Reason="The response was too large for CloudFormation"
            )
            encoded = json.dumps(body).encode()
        return encoded


def _text(event: Mapping[str, Any], key: str) -> str | None:
    """A string field of the event, None when absent or not a string."""
    value = event.get(key)
    return value if isinstance(value, str) else None


def _envelope_problem(event: Mapping[str, Any]) -> Problem | None:
    """Why the envelope cannot be acted on: an unknown type, or a missing id."""
    kind = event.get("RequestType")
    if kind not in REQUEST_TYPES:
        reason = f"Unsupported RequestType {kind!r}; expected Create, Update or Delete"
        return Problem(reason, "MalformedRequest")
    missing = [name for name in ENVELOPE_FIELDS if _text(event, name) is None]
    if kind != "Create" and _text(event, "PhysicalResourceId") is None:
        missing.append("PhysicalResourceId")
    if missing:
        return Problem(f"The request lacks {', '.join(missing)}", "MalformedRequest")
    forged = [key for key in POLL_KEYS if key in event]
    if forged:
        reason = (
            f"The request carries crhelper polling keys ({', '.join(forged)}); this function "
            "schedules no polls, so CloudFormation did not send it"
        )
        return Problem(reason, "ForgedRequest")
    return None


def _old_solution_arn(event: Mapping[str, Any]) -> str | None:
    """SolutionArn of OldResourceProperties (Update), None when absent."""
    old = event.get("OldResourceProperties")
    return _text(old, "SolutionArn") if isinstance(old, Mapping) else None


def _previous(
    event: Mapping[str, Any], resource: ResourceRequest | None, home: str | None
) -> Settings | None:
    """What OldResourceProperties asked of the solution the request names, if they were valid."""
    if resource is None or _old_solution_arn(event) != resource.settings.solution_arn:
        return None
    try:
        return parse_properties(event.get("OldResourceProperties"), home).settings.asked
    except InvalidProperties:
        return None


def _resource(
    event: Mapping[str, Any], home: str | None
) -> tuple[ResourceRequest | None, Problem | None]:
    """The properties of a Create or Update, or why they cannot be acted on."""
    try:
        resource = parse_properties(event.get("ResourceProperties"), home)
    except InvalidProperties as error:
        return None, Problem(f"Invalid properties: {error}", "InvalidProperties")
    elsewhere = region_problem(resource.settings.solution_arn, home)
    if elsewhere:
        return None, Problem(elsewhere, "WrongRegion")
    return resource, None


def read_request(
    event: object, extra_hosts: Iterable[str], now: float, home: str | None = None
) -> Request:
    """Read one invocation's event. Raises NoAnswer when there is nowhere safe to answer: the
    URL is not one we answer, or it expired (CloudFormation has stopped waiting; a change made
    now would land after it acted). `home`: the region the function's Personalize client calls."""
    if not isinstance(event, Mapping):
        raise NoAnswer("The event is not a map")
    try:
        target = check_url(event.get("ResponseURL"), extra_hosts, home)
    except RefusedURL as refusal:
        raise NoAnswer(str(refusal)) from None
    expires = target.signature.expires
    if expires is not None and expires <= now:
        when = datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds")
        raise NoAnswer(
            f"ResponseURL {target.described} expired at {when}: CloudFormation takes no answer "
            "to it any more, so nothing is done"
        )
    kind = _text(event, "RequestType") or ""
    problem = _envelope_problem(event)
    carried = resource = None
    if problem is None:
        try:
            carried = read_marker(event, now)
        except ForgedMarker as forged:
            reason = f"The request carries a forged wait marker: {forged}"
            problem = Problem(reason, "ForgedRequest")
    if problem is None and kind != "Delete":
        resource, problem = _resource(event, home)
    return Request(
        kind=kind,
        stack_id=_text(event, "StackId") or "",
        request_id=_text(event, "RequestId") or "",
        logical_id=_text(event, "LogicalResourceId") or "",
        target=target,
        physical_id=_text(event, "PhysicalResourceId") or None,
        old_solution_arn=_old_solution_arn(event),
        previous=_previous(event, resource, home),
        resource=resource,
        carried=carried,
        problem=problem,
        event=event,
    )
