"""A CloudFormation request's envelope and the answer to it, read and written the same way by the
function and by its on-failure destination: the ids every answer echoes, the id of a request that
failed, the response body and its size bounds, a Reason fitted to them, the key a continued
invocation's event carries, and what a Delete asks of its solution (the part that needs no call).

Standard library only (with the property rules it reads OnDelete by), so the destination, which
ships this package and nothing else, still answers when the function's dependencies are broken.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from .properties import (
    InvalidProperties,
    OnDelete,
    on_delete_of,
    region_problem,
    solution_arn_problem,
)
from .records import NamedTuple
from .response import NoAnswer, ResponseTarget, check_url

SUCCESS = "SUCCESS"
FAILED = "FAILED"
REQUEST_TYPES = ("Create", "Update", "Delete")
ENVELOPE_FIELDS = ("StackId", "RequestId", "LogicalResourceId")
MAX_BODY_BYTES = 4096
MAX_REASON_BYTES = 2800  # JSON-encoded: with the bounded ids and the keys, within 4096 bytes
# The ids an answer carries, JSON-encoded, at most: with a fitted Reason (FAILED has no Data) or the
# attributes (SUCCESS has no Reason) and the keys, every body fits; CloudFormation's are shorter.
MAX_IDS_BYTES = MAX_BODY_BYTES - MAX_REASON_BYTES - 256
TRUNCATED = " [truncated]"
CARRY_KEY = "PersonalizeSolutionUpdateWait"  # where a continued invocation finds its state
ON_DELETE_UNREAD = (
    "nothing was done, so automatic training may still be on: delete the stack retaining this "
    "resource (--retain-resources {logical_id}), and turn training off by hand if it should be"
)
TRAINING_LEFT_ON = (
    "automatic training may still be on: retry the delete, or delete the stack retaining this "
    "resource (--retain-resources {logical_id}) and turn training off by hand"
)


def fitted(reason: str, limit: int = MAX_REASON_BYTES) -> str:
    """`reason`, cut to at most `limit` bytes once JSON-encoded (escapes counted)."""
    if len(json.dumps(reason)) <= limit:
        return reason
    keep = len(reason)
    while keep and len(json.dumps(reason[:keep] + TRUNCATED)) > limit:
        keep = keep * 3 // 4
    return reason[:keep] + TRUNCATED


def text(event: Mapping[str, Any], key: str) -> str | None:
    """A string field of the event, None when absent or not a string."""
    value = event.get(key)
    return value if isinstance(value, str) else None


# The Reason's end for a FAILED Create answered with its solution's ARN (Ids.in_doubt_id).
IN_DOUBT_NAMED = (
    "UpdateSolution may have been called for this Create: the resource's id is the solution ARN, "
    "so the rollback's Delete applies OnDelete to it (DisableAutoTraining turns training off); "
    "retry the stack operation"
)


class Ids(NamedTuple):
    """Who a request is, as its event says (empty where it says nothing): its type, the ids every
    answer echoes, and the resource's id (None for a Create)."""

    kind: str
    stack_id: str
    request_id: str
    logical_id: str
    physical_id: str | None

    @property
    def failure_id(self) -> str:
        """The id of an answer that did not act: the request's own, else one derived from
        RequestId, so a duplicate delivery gets the same id and the rollback Delete has one."""
        return self.physical_id or f"create-failed-{self.request_id or 'unknown'}"

    def in_doubt_id(self, solution_arn: str | None) -> str:
        """The id of a FAILED given while what the request did to the solution is unknown (the
        watchdog's, while a call still runs; the on-failure destination's, for an invocation that
        ran): for a Create whose properties name a solution (`solution_arn`, None when they do
        not), that solution, since the running call or a duplicate delivery may have updated it,
        so the rollback's Delete applies OnDelete to it; else `failure_id`."""
        if self.kind == "Create" and solution_arn:
            return solution_arn
        return self.failure_id

    def body(self, status: str, reason: str, physical_id: str, data: Mapping[str, str]) -> bytes:
        """The response JSON (Data only with SUCCESS: a FAILED one has no attributes). It fits
        MAX_BODY_BYTES when the Reason was fitted and `ids_problem` found nothing."""
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

    def problem(self) -> str | None:
        """Why no answer carrying these ids can be given: they would not fit the body."""
        size = len(json.dumps([self.stack_id, self.request_id, self.logical_id, self.failure_id]))
        if size <= MAX_IDS_BYTES:
            return None
        return (
            f"The request's ids take {size} bytes, more than CloudFormation's ever do: no "
            f"answer carrying them would fit its {MAX_BODY_BYTES}-byte limit, so nothing is done"
        )


def read_ids(event: Mapping[str, Any]) -> Ids:
    """The ids of the request an event carries."""
    return Ids(
        kind=text(event, "RequestType") or "",
        stack_id=text(event, "StackId") or "",
        request_id=text(event, "RequestId") or "",
        logical_id=text(event, "LogicalResourceId") or "",
        physical_id=text(event, "PhysicalResourceId") or None,
    )


def addressed(
    event: Mapping[str, Any], extra_hosts: Iterable[str], now: float, home: str | None = None
) -> tuple[ResponseTarget, Ids]:
    """Where the answer to the request an event carries goes, and who the request is. Raises
    NoAnswer when there is nowhere safe to answer: the URL is not one we answer (check_url), it
    expired (CloudFormation has stopped waiting; a change made now would land after it acted),
    or no answer carrying the ids would fit the body."""
    target = check_url(event.get("ResponseURL"), extra_hosts, home)
    expires = target.signature.expires
    if expires is not None and expires <= now:
        when = datetime.fromtimestamp(expires, UTC).isoformat(timespec="seconds")
        raise NoAnswer(
            f"ResponseURL {target.described} expired at {when}: CloudFormation takes no answer "
            "to it any more, so nothing is done"
        )
    ids = read_ids(event)
    too_long = ids.problem()
    if too_long:
        raise NoAnswer(too_long)
    return target, ids


def malformed(event: Mapping[str, Any]) -> str | None:
    """Why the envelope cannot be acted on: an unknown type, or a missing id."""
    kind = event.get("RequestType")
    if kind not in REQUEST_TYPES:
        return f"Unsupported RequestType {kind!r}; expected Create, Update or Delete"
    missing = [name for name in ENVELOPE_FIELDS if text(event, name) is None]
    if kind != "Create" and text(event, "PhysicalResourceId") is None:
        missing.append("PhysicalResourceId")
    return f"The request lacks {', '.join(missing)}" if missing else None


class Deletion(NamedTuple):
    """What a Delete asks of a solution: `solution`, the one whose automatic training it turns
    off (None: nothing is asked); `problem`, why OnDelete cannot be read, with the way out."""

    solution: str | None = None
    problem: str | None = None


def read_deletion(event: Mapping[str, Any], ids: Ids, home: str | None) -> Deletion:
    """What a Delete asks: training off when OnDelete says so, read alone, of the solution the
    resource manages. Its id is that solution's ARN; an id that is no solution ARN of the
    function's region (`home`; a failed Create's create-failed-...) made no solution, and
    nothing is asked of it. An OnDelete that cannot be read may have asked training off: the
    problem says so, rather than a silent SUCCESS, and retaining the resource lets the stack go."""
    solution = ids.physical_id or ""
    if solution_arn_problem(solution, home) or region_problem(solution, home):
        return Deletion()
    try:
        on_delete = on_delete_of(event.get("ResourceProperties"))
    except InvalidProperties as error:
        advice = ON_DELETE_UNREAD.format(logical_id=ids.logical_id)
        return Deletion(problem=f"Invalid properties: {error}; {advice}")
    if on_delete is not OnDelete.DISABLE_AUTO_TRAINING:
        return Deletion()
    return Deletion(solution=solution)
