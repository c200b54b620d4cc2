"""What the fault matrix asserts of every cell, request x fault or malformed input, and its summary
line: what CloudFormation must see of each delivery (responses accepted, body size, Status, a
Reason that names the cause, the PhysicalResourceId, an answer in time, UpdateSolution calls),
and where it matters that the fault was met and that nothing waited where waiting cannot help."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from localcloud.cloudformation import Exchange
from solution_rules.envelope import MAX_BODY_BYTES
from tests.functional.world import World


@dataclass(frozen=True)
class Expect:
    """What CloudFormation must see of each delivery of a request."""

    status: str | None = "SUCCESS"  # None: no answer reaches the bucket
    updates: int = 0  # UpdateSolution calls that went through
    reason: tuple[str, ...] = ()  # every one of these is in the Reason
    responses: int = 1  # accepted per delivery
    personalize: bool = True  # False: Personalize is not contacted at all
    bucket_attempts: int | None = None  # PUTs the bucket saw, where that is the point
    met: tuple[tuple[str, str], ...] = ()  # (operation, outcome) answered at least once: the
    # fault was met and got past, not dodged
    names_solution: bool = False  # the Reason names the SolutionArn asked for
    within: float | None = None  # seconds on the cell's clock it may take: no waiting at all
    update_started: bool = False  # FAILED after an UpdateSolution that may take effect: a
    # Create answers with the solution's ARN, saying so
    later_status: str | None = None  # a later delivery's, where it differs from the first's


@dataclass
class Outcome:
    """One cell's record for the summary line."""

    kind: str  # "request x fault" or "input"
    name: str
    passed: bool = False
    hung: bool = False
    per_delivery: float | None = None  # responses per delivery, where an answer can arrive


OUTCOMES: list[Outcome] = []


def observe(kind: str, name: str) -> Outcome:
    """Start recording a cell (it counts as failed until the test marks it passed)."""
    outcome = Outcome(kind, name)
    OUTCOMES.append(outcome)
    return outcome


def summary() -> str | None:
    """The summary line of the cells run this session (None if none ran)."""
    if not OUTCOMES:
        return None
    cells = [o for o in OUTCOMES if o.kind == "request x fault"]
    faults = {o.name.split(" x ")[1] for o in cells}
    requests = {o.name.split(" x ")[0] for o in cells}
    per_delivery = [o.per_delivery for o in OUTCOMES if o.per_delivery is not None]
    unanswerable = sum(1 for o in OUTCOMES if o.per_delivery is None and o.passed)
    return (
        f"fault matrix: {len(OUTCOMES)} cells run ({len(cells)} request x fault, "
        f"{len(OUTCOMES) - len(cells)} malformed or forged inputs), "
        f"{sum(o.passed for o in OUTCOMES)} passed, "
        f"responses per answerable delivery min {min(per_delivery, default=0):g} "
        f"max {max(per_delivery, default=0):g} ({unanswerable} cells unanswerable by design: "
        f"no, refused or expired URL), hangs {sum(o.hung for o in OUTCOMES)}; "
        f"{len(faults)} faults, {len(requests)} request types"
    )


def signed_at(url: str, when: float) -> str:
    """The ResponseURL as if CloudFormation had signed it at `when` (its X-Amz-Date)."""
    date = datetime.fromtimestamp(when, UTC).strftime("%Y%m%dT%H%M%SZ")
    return re.sub(r"X-Amz-Date=[0-9TZ]+", f"X-Amz-Date={date}", url)


def expected_id(event: Mapping[str, Any], status: str, update_started: bool = False) -> str:
    """The PhysicalResourceId CloudFormation must get: the solution's ARN once a Create or
    Update succeeded, or a Create failed after starting an update; otherwise the id it sent (a
    failed Create's derived from its RequestId)."""
    kind = event["RequestType"]
    if (status == "SUCCESS" and kind != "Delete") or (update_started and kind == "Create"):
        return event["ResourceProperties"]["SolutionArn"]
    return event.get("PhysicalResourceId") or f"create-failed-{event.get('RequestId', 'unknown')}"


def check(
    world: World,
    exchange: Exchange,
    expect: Expect,
    calls_before: int,
    outcome: Outcome,
    deliveries: int = 1,
    began: float | None = None,
) -> None:
    """Assert what CloudFormation saw of the exchange (`deliveries` of the request, delivered at
    `began` on the world's clock) against the expectation."""
    outcome.hung = exchange.overran
    assert not exchange.overran, f"ran past its invocations' timeouts ({exchange.allowed:g} s)"
    responses = exchange.responses
    if expect.responses:
        outcome.per_delivery = len(responses) / deliveries
    assert len(responses) == expect.responses * deliveries
    calls = world.emulator.calls[calls_before:]
    updates = sum(c.operation == "UpdateSolution" and c.outcome == "ok" for c in calls)
    assert updates == expect.updates, [(c.operation, c.outcome) for c in calls]
    if not expect.personalize:
        assert not calls, "this request must not touch Personalize"
    if expect.bucket_attempts is not None:
        assert world.receiver.attempts == expect.bucket_attempts
    seen = {(c.operation, c.outcome) for c in calls}
    assert set(expect.met) <= seen, f"the fault was not met: {sorted(seen)}"
    if expect.within is not None:
        assert began is not None, "a cell timed on the world's clock says when it began"
        assert world.clock.now() - began <= expect.within, "it waited where waiting cannot help"
    event = exchange.event
    wanted = list(expect.reason)
    if expect.names_solution:
        wanted.append(event["ResourceProperties"]["SolutionArn"])
    if expect.update_started and event["RequestType"] == "Create":
        wanted.append("UpdateSolution was called for this Create")
    for index, response in enumerate(responses):
        body = response.body
        assert response.raw_size <= MAX_BODY_BYTES
        status = (expect.later_status if index else None) or expect.status
        assert body["Status"] == status, body
        # a later delivery that fails has seen the first one's update: a Create names it
        started = expect.update_started or bool(index and expect.later_status)
        assert body["PhysicalResourceId"] == expected_id(event, body["Status"], started)
        sent = tuple(event.get(key, "") for key in ("StackId", "RequestId", "LogicalResourceId"))
        assert (body["StackId"], body["RequestId"], body["LogicalResourceId"]) == sent
        missing = [part for part in wanted if index == 0 and part not in body["Reason"]]
        assert not missing, f"the Reason lacks {missing}: {body['Reason']}"
        assert response.at - exchange.started <= exchange.allowed, "answered too late"
    outcome.passed = True
