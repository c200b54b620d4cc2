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

from collections.abc import Iterable, Mapping
from typing import Any

from continuation import Carried, ForgedMarker, read_marker
from outcomes import Failure, failure
from solution_rules.envelope import CARRY_KEY, Ids, addressed, malformed, read_deletion, text
from solution_rules.properties import (
    DesiredSettings,
    InvalidProperties,
    OnDelete,
    ResourceRequest,
    Settings,
    parse_properties,
    service_timeout_of,
)
from solution_rules.records import NamedTuple
from solution_rules.response import NoAnswer, ResponseTarget

# crhelper's poller writes these into the events it schedules; this function schedules none.
POLL_KEYS = ("CrHelperPoll", "CrHelperData", "CrHelperRule", "CrHelperPermission")


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
    def ids(self) -> Ids:
        """Who the request is: the ids every answer echoes, and the id of a failed one."""
        return Ids(self.kind, self.stack_id, self.request_id, self.logical_id, self.physical_id)

    @property
    def in_doubt_id(self) -> str:
        """The id of a FAILED given while what the request did to its solution is unknown
        (`Ids.in_doubt_id`): a Create's solution ARN when its properties name one."""
        return self.ids.in_doubt_id(self.resource.settings.solution_arn if self.resource else None)

    @property
    def failure_id(self) -> str:
        """The id of an answer that did not act (`Ids.failure_id`)."""
        return self.ids.failure_id

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
        """The response JSON (`Ids.body`). It fits MAX_BODY_BYTES: the Reason was fitted where it
        was made, and read_request bounded the ids."""
        return self.ids.body(status, reason, physical_id, data)


def _envelope_problem(event: Mapping[str, Any]) -> Failure | None:
    """Why the envelope cannot be acted on: an unknown type, a missing id, or keys only a forger
    would add."""
    problem = malformed(event)
    if problem:
        return failure(problem, "MalformedRequest")
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
    return text(old, "SolutionArn") if isinstance(old, Mapping) else None


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
    event: Mapping[str, Any], ids: Ids, home: str | None
) -> tuple[ResourceRequest | None, Failure | None]:
    """What a Delete applies (`read_deletion`: automatic training off when OnDelete asks it, of
    the solution its id names), or why it cannot be understood."""
    deletion = read_deletion(event, ids, home)
    if deletion.problem:
        return None, failure(deletion.problem, "InvalidProperties")
    if deletion.solution is None:
        return None, None
    turn_off = DesiredSettings(deletion.solution, Settings(perform_auto_training=False))
    timeout = service_timeout_of(event.get("ResourceProperties"))
    return ResourceRequest(turn_off, timeout, OnDelete.DISABLE_AUTO_TRAINING), None


def read_request(
    event: object, extra_hosts: Iterable[str], now: float, home: str | None = None
) -> Request:
    """Read one invocation's event. Raises NoAnswer when there is nowhere safe to answer: the
    URL is not one we answer, or it expired (CloudFormation has stopped waiting; a change made
    now would land after it acted). `home`: the region the function's Personalize client calls."""
    if not isinstance(event, Mapping):
        raise NoAnswer("The event is not a map")
    target, ids = addressed(event, extra_hosts, now, home)
    problem = _envelope_problem(event)
    carried = resource = None
    if problem is None:
        try:
            carried = read_marker(event, now)
        except ForgedMarker as forged:
            reason = f"The request carries a forged wait marker: {forged}"
            problem = failure(reason, "ForgedRequest")
    if problem is None and ids.kind == "Delete":
        resource, problem = _deletion(event, ids, home)
    elif problem is None:
        resource, problem = _resource(event, home)
    return Request(
        kind=ids.kind,
        stack_id=ids.stack_id,
        request_id=ids.request_id,
        logical_id=ids.logical_id,
        target=target,
        physical_id=ids.physical_id,
        old_solution_arn=_old_solution_arn(event),
        resource=resource,
        carried=carried,
        problem=problem,
        event=event,
    )
