"""CloudFormation's custom-resource protocol: the request, read once from the event, and the
response body. No other module reads the raw event or shapes the response.

`read_request` checks, in this order, what each later step relies on: a ResponseURL we may answer
and that has not expired (else nothing can be answered, and nothing is done), the envelope's ids,
the absence of keys only a forger would add, the carried wait state, and, for Create and Update,
the properties and that the solution is in the function's own region. A Delete reads OnDelete
and ServiceTimeout alone (the other properties were checked when the resource was made, perhaps
by a rule since tightened), and acts on the solution its physical id names.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, NamedTuple

from continuation import CARRY_KEY, Carried, ForgedMarker, read_marker
from outcomes import MAX_REASON_BYTES, Failure, NoAnswer, failure
from response import ResponseTarget, check_url
from solution_rules.properties import (
    DesiredSettings,
    InvalidProperties,
    OnDelete,
    ResourceRequest,
    Settings,
    on_delete_of,
    parse_properties,
    region_problem,
    service_timeout_of,
    solution_arn_problem,
)

SUCCESS = "SUCCESS"
FAILED = "FAILED"
REQUEST_TYPES = ("Create", "Update", "Delete")
ENVELOPE_FIELDS = ("StackId", "RequestId", "LogicalResourceId")
# crhelper's poller writes these into the events it schedules; this function schedules none.
POLL_KEYS = ("CrHelperPoll", "CrHelperData", "CrHelperRule", "CrHelperPermission")
MAX_BODY_BYTES = 4096
# The ids an answer carries, JSON-encoded, at most: with a fitted Reason (FAILED has no Data) or the
# attributes (SUCCESS has no Reason) and the keys, every body fits; CloudFormation's are shorter.
MAX_IDS_BYTES = MAX_BODY_BYTES - MAX_REASON_BYTES - 256
ON_DELETE_UNREAD = (
    "nothing was done, so automatic training may still be on: delete the stack retaining this "
    "resource (--retain-resources {logical_id}), and turn training off by hand if it should be"
)


class Request(NamedTuple):
    """One CloudFormation request, as read from its event. `resource` is what it asks of a
    solution: a Create's or Update's parsed properties; a Delete's automatic training off (OnDelete:
    DisableAutoTraining) for the solution its id names, else None (it does nothing); `problem`,
    when set, is answered FAILED before anything else is done; `carried`, the wait an earlier
    invocation handed on."""

    kind: str
    stack_id: str
    request_id: str
    logical_id: str
    target: ResponseTarget
    physical_id: str | None
    old_solution_arn: str | None
    resource: ResourceRequest | None
    carried: Carried | None
    problem: Failure | None
    event: Mapping[str, Any]

    def desired(self) -> DesiredSettings:
        """The settings a Create or Update asks for (read_request refuses one without them), or
        a Delete applies."""
        if self.resource is None:
            raise RuntimeError(f"a {self.kind} request without valid properties was acted on")
        return self.resource.settings

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
        """The response JSON (Data only with SUCCESS: a FAILED one has no attributes). It fits
        MAX_BODY_BYTES: the Reason was fitted where it was made, and the ids are bounded."""
        body = {
            "Status": status,
            "Reason": reason,
            "PhysicalResourceId": physical_id,
            "StackId": self.stack_id,
            "RequestId": self.request_id,
            "LogicalResourceId": self.logical_id,
            "Data": dict(data) if status == SUCCESS else {},
        }
        return json.dumps(body).encode()


def _text(event: Mapping[str, Any], key: str) -> str | None:
    """A string field of the event, None when absent or not a string."""
    value = event.get(key)
    return value if isinstance(value, str) else None


def _envelope_problem(event: Mapping[str, Any]) -> Failure | None:
    """Why the envelope cannot be acted on: an unknown type, or a missing id."""
    kind = event.get("RequestType")
    if kind not in REQUEST_TYPES:
        reason = f"Unsupported RequestType {kind!r}; expected Create, Update or Delete"
        return failure(reason, "MalformedRequest")
    missing = [name for name in ENVELOPE_FIELDS if _text(event, name) is None]
    if kind != "Create" and _text(event, "PhysicalResourceId") is None:
        missing.append("PhysicalResourceId")
    if missing:
        return failure(f"The request lacks {', '.join(missing)}", "MalformedRequest")
    forged = [key for key in POLL_KEYS if key in event]
    if forged:
        reason = (
            f"The request carries crhelper polling keys ({', '.join(forged)}); this function "
            "schedules no polls, so CloudFormation did not send it"
        )
        return failure(reason, "ForgedRequest")
    return None


def _old_solution_arn(event: Mapping[str, Any]) -> str | None:
    """SolutionArn of OldResourceProperties (Update), None when absent."""
    old = event.get("OldResourceProperties")
    return _text(old, "SolutionArn") if isinstance(old, Mapping) else None


def _resource(
    event: Mapping[str, Any], home: str | None
) -> tuple[ResourceRequest | None, Failure | None]:
    """The properties of a Create or Update, or why they cannot be acted on."""
    try:
        resource = parse_properties(event.get("ResourceProperties"), home)
    except InvalidProperties as error:
        if all(problem.kind == "region" for problem in error.found):  # the template is right
            return None, failure(str(error), "WrongRegion")
        return None, failure(f"Invalid properties: {error}", "InvalidProperties")
    return resource, None


def _deletion(
    event: Mapping[str, Any], physical_id: str | None, logical_id: str, home: str | None
) -> tuple[ResourceRequest | None, Failure | None]:
    """What a Delete applies, or why it cannot be understood: automatic training off when
    OnDelete asks it, read alone, of the solution the resource manages. Its id is that
    solution's ARN; an id that is no solution ARN of the function's region (a failed Create's
    create-failed-...) made no solution, and nothing is done for it."""
    solution = physical_id or ""
    if solution_arn_problem(solution, home) or region_problem(solution, home):
        return None, None
    properties = event.get("ResourceProperties")
    try:
        on_delete = on_delete_of(properties)
    except InvalidProperties as error:
        # It may have asked training off: FAILED, not a silent SUCCESS; retaining lets the stack go.
        advice = ON_DELETE_UNREAD.format(logical_id=logical_id)
        return None, failure(f"Invalid properties: {error}; {advice}", "InvalidProperties")
    if on_delete is not OnDelete.DISABLE_AUTO_TRAINING:
        return None, None
    turn_off = DesiredSettings(solution, Settings(perform_auto_training=False))
    return ResourceRequest(turn_off, service_timeout_of(properties), on_delete), None


def read_request(
    event: object, extra_hosts: Iterable[str], now: float, home: str | None = None
) -> Request:
    """Read one invocation's event. Raises NoAnswer when there is nowhere safe to answer: the
    URL is not one we answer, or it expired (CloudFormation has stopped waiting; a change made
    now would land after it acted). `home`: the region the function's Personalize client calls."""
    if not isinstance(event, Mapping):
        raise NoAnswer("The event is not a map")
    target = check_url(event.get("ResponseURL"), extra_hosts, home)
    expires = target.signature.expires
    if expires is not None and expires <= now:
        when = datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds")
        raise NoAnswer(
            f"ResponseURL {target.described} expired at {when}: CloudFormation takes no answer "
            "to it any more, so nothing is done"
        )
    request_id = _text(event, "RequestId") or ""
    answered = _text(event, "PhysicalResourceId") or f"create-failed-{request_id}"  # failure_id
    ids = json.dumps([*(_text(event, name) for name in ENVELOPE_FIELDS), answered])
    if len(ids) > MAX_IDS_BYTES:
        raise NoAnswer(
            f"The request's ids take {len(ids)} bytes, more than CloudFormation's ever do: no "
            f"answer carrying them would fit its {MAX_BODY_BYTES}-byte limit, so nothing is done"
        )
    kind = _text(event, "RequestType") or ""
    physical_id = _text(event, "PhysicalResourceId") or None
    logical_id = _text(event, "LogicalResourceId") or ""
    problem = _envelope_problem(event)
    carried = resource = None
    if problem is None:
        try:
            carried = read_marker(event, now)
        except ForgedMarker as forged:
            reason = f"The request carries a forged wait marker: {forged}"
            problem = failure(reason, "ForgedRequest")
    if problem is None and kind == "Delete":
        resource, problem = _deletion(event, physical_id, logical_id, home)
    elif problem is None:
        resource, problem = _resource(event, home)
    return Request(
        kind=kind,
        stack_id=_text(event, "StackId") or "",
        request_id=request_id,
        logical_id=logical_id,
        target=target,
        physical_id=physical_id,
        old_solution_arn=_old_solution_arn(event),
        resource=resource,
        carried=carried,
        problem=problem,
        event=event,
    )
