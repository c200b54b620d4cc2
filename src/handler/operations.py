"""What each request type does, as three small functions registered with crhelper's decorators:
each returns the resource's physical id and sets `Data`, or raises (RequestFailed for FAILED,
Continue to carry the wait on). `run` lets crhelper dispatch one request to them.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from crhelper_resource import QuietResource, Sent
from outcomes import Applied, RequestFailed
from protocol import Request
from solution_rules.envelope import MAX_REASON_BYTES, TRAINING_LEFT_ON, fitted
from solution_rules.properties import DesiredSettings

# The updater bound to this invocation's plan and carried wait: desired -> Applied.
Apply = Callable[[DesiredSettings], Applied]
# The causes of a failure after which the solution never trains again, so a Delete that turns
# training off is done: it is gone, or failed to be created, or is being deleted.
NEVER_TRAINS = frozenset({"SolutionNotFound", "SolutionUnusable"})
UPDATE_LEFT_RUNNING = (
    "UpdateSolution was called for this Create, and its update may still complete (or have "
    "completed), so automatic training may be on: the resource's id is the solution ARN, so "
    "the rollback's Delete applies OnDelete to it (DisableAutoTraining turns training off)"
)


def advised(error: RequestFailed, advice: str, physical_id: str | None = None) -> RequestFailed:
    """`error` with `advice` after its Reason, the advice kept whole (the cause is cut if need
    be), answered with `physical_id` if given. protocol bounded the ids with the request's own
    failure id, so the bytes of another id come off the Reason: the body still fits."""
    room = MAX_REASON_BYTES - len(json.dumps(advice)) - 2
    if physical_id is not None:
        room -= len(json.dumps(physical_id))
    reason = fitted(str(error), room)
    return RequestFailed(f"{reason}; {advice}", error.cause, physical_id=physical_id)


def naming_the_solution(request: Request, error: RequestFailed) -> RequestFailed:
    """A Create's failure after its update started (or may have), answered with the solution's
    ARN and saying so, so that the rollback's Delete acts on it as OnDelete says, where
    `create-failed-...` would leave it alone; any other failure as it is."""
    named = request.in_doubt_id
    if not error.update_started or named == request.failure_id:
        return error
    return advised(error, UPDATE_LEFT_RUNNING, named)


def run(request: Request, apply: Apply, context: Any) -> tuple[Sent, Applied | None]:
    """What crhelper would answer `request` (with what was applied, if anything): its create,
    update or delete below, chosen by the request type."""
    helper = QuietResource()
    applied: list[Applied] = []

    def settle(desired: DesiredSettings, physical_id: str) -> str:
        """Apply `desired`, publish its attributes, and answer with `physical_id`."""
        applied.append(apply(desired))
        helper.Data.update(applied[-1].data)
        return physical_id

    @helper.create
    def create(event: Any, context: Any) -> str:
        """Apply the properties; the resource's id is the solution ARN. A failure after an
        update was started answers with that id too, saying so: the rollback's Delete then acts
        on the solution as OnDelete says, where `create-failed-...` would leave it alone."""
        desired = request.desired()
        try:
            return settle(desired, desired.solution_arn)
        except RequestFailed as error:
            raise naming_the_solution(request, error) from None

    @helper.update
    def update(event: Any, context: Any) -> str:
        """Apply the new properties; the id is kept unless SolutionArn changed, which makes it a
        replacement."""
        desired = request.desired()
        return settle(desired, request.success_id(desired.solution_arn))

    @helper.delete
    def delete(event: Any, context: Any) -> str:
        """Leave the solution as it is (OnDelete: Retain, or an id that is not a solution's), or
        turn its automatic training off; a solution that never trains again (gone, CREATE FAILED
        or being deleted) has none to turn off. A failure says how to get out (the advice is
        kept whole, the cause is cut if need be)."""
        if request.resource is None:
            return request.failure_id
        try:
            return settle(request.desired(), request.failure_id)
        except RequestFailed as error:
            if error.cause in NEVER_TRAINS:
                return request.failure_id
            raise advised(error, TRAINING_LEFT_ON.format(logical_id=request.logical_id)) from None

    helper(request.envelope(), context)
    assert helper.sent is not None  # every path of crhelper 2.0.12 ends in _send
    return helper.sent, applied[-1] if applied else None
