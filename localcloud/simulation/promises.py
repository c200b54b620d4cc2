"""The promises, checked on a played history against the model's ground truth (what was in force,
what a read showed), never against the function's own view of it.

Each check returns the violations it finds, as (promise, what happened). `PROMISES` names them
all; `check` runs them.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterator
from typing import Any, NamedTuple

from budget import RECURSIVE_LOOP_LIMIT
from localcloud.simulation.lambda_model import RECORD_DELAY, Failed, Put
from localcloud.simulation.personalize import Call
from localcloud.simulation.stack import ACCESS_KEY, Sent, signature
from localcloud.simulation.world import Record, Snapshot, snapshot
from solution_rules.limits import CLOUDFORMATION_MARGIN
from solution_rules.properties import (
    EventParameter,
    InvalidProperties,
    OnDelete,
    Settings,
    on_delete_of,
    parse_properties,
    region_problem,
    schedule_expression,
    solution_arn_problem,
)

SECRET = "simulated-secret-access-key"  # noqa: S105 - the fake one world.environment sets
# What a summary may show for a field its request left out, under some reading: such a value in
# latestSolutionUpdate proves nothing by itself (the docs' defaults; both for incremental).
FILLED: dict[str, tuple[object, ...]] = {
    "perform_auto_training": (True,),
    "schedule_days": (7,),
    "perform_incremental_update": (True, False),
}
TRAINING_NEVER = ("GONE", "DELETE PENDING", "DELETE IN_PROGRESS", "CREATE FAILED")
# What the on-failure destination's Reason says of each way Lambda failed an event.
NAMED = {
    "oom": "ran out of memory",
    "crash": "crashed",
    "timeout": "timed out",
    "dropped": "dropped the request",
}


class Violation(NamedTuple):
    """A broken promise: its name, and what happened (with the request's id)."""

    promise: str
    detail: str


def region_of(request: Sent) -> str:
    """The function's region, where CloudFormation's stack (and so this request) is."""
    return str(request.event["StackId"]).split(":")[3]


def asked_of(request: Sent) -> Settings | None:
    """What a Create or Update asks, by the function's documented property rules; None when the
    properties are not valid (the request must then be refused)."""
    try:
        properties = request.event["ResourceProperties"]
        return parse_properties(properties, region_of(request)).settings.asked
    except InvalidProperties:
        return None


def _unmet(asked: Settings, truth: Settings | None) -> list[str]:
    """The asked fields the truth does not hold (all of them if the solution is gone)."""
    fields = [name for name, value in asked._asdict().items() if value is not None]
    if truth is None:
        return fields
    same: dict[str, Callable[[Any, Any], bool]] = {"event_parameters": _same_events}
    return [
        name
        for name in fields
        if not same.get(name, _equal_values)(getattr(asked, name), getattr(truth, name))
    ]


def _equal_values(asked: Any, held: Any) -> bool:
    """Plain equality of a setting's values."""
    return bool(asked == held)


def _same_events(asked: tuple[EventParameter, ...], held: tuple[EventParameter, ...]) -> bool:
    """Whether two event parameter lists are the same, up to order: each sub-field compared as
    a number, and one left out (the service's default) only matching one left out."""

    def key(item: EventParameter) -> tuple[str, float | None, float | None]:
        threshold, weight = item.event_value_threshold, item.weight
        return (
            item.event_type or "",
            None if threshold is None else float(threshold),
            None if weight is None else float(weight),
        )

    return sorted(map(key, asked), key=str) == sorted(map(key, held), key=str)


def _arn(request: Sent) -> str:
    """The SolutionArn a request names (a Delete's is its physical id)."""
    if request.kind == "Delete":
        return str(request.event.get("PhysicalResourceId", ""))
    return str(request.event["ResourceProperties"].get("SolutionArn", ""))


def _truth_at(record: Record, arn: str, at: float) -> Snapshot:
    """The model's truth for `arn` when an answer was given."""
    return record.snapshots.get((at, arn)) or snapshot(record.scope, arn, at)


def _excused(
    record: Record, request: Sent, arn: str, at: float, holds: Callable[[Snapshot], bool]
) -> bool:
    """Whether a promise broken at `at` held on what the request's last read could show, and
    only other writers' updates that read could not show yet (made since, or too recently to
    be visible) changed the truth: a race no reader can win."""
    reads = [
        c for c in record.calls if c.request_id == request.request_id and c.answer and c.at <= at
    ]
    if not reads:
        return False
    last = reads[-1].at
    hidden = last - record.scope.controls.timing.stale_read
    ours = [c for c in record.calls if c.applied and hidden < c.at <= at]
    others = [w for w in record.writes if w.accepted and w.arn == arn and hidden < w.at <= at]
    shown = snapshot(record.scope, arn, last, visible=True)
    return not ours and bool(others) and holds(shown)


def _successes(record: Record) -> Iterator[tuple[Sent, float, dict[str, Any]]]:
    """Every SUCCESS CloudFormation acted on (the first answer, before the deadline): its
    request, time and body. A later answer is ignored, so what it says misleads no one."""
    for request in record.cloudformation.requests:
        decided = request.decided()
        for at, body in request.answers:
            if body is decided and body["Status"] == "SUCCESS":
                yield request, at, body


def settings_in_force(record: Record) -> Iterator[Violation]:
    """SUCCESS for a Create or Update only when the asked settings are in force when the answer
    is given, and each attribute is the value in force or `unknown`."""
    for request, at, body in _successes(record):
        if request.kind == "Delete":
            continue
        asked = asked_of(request)
        arn = _arn(request)
        if asked is None:
            yield Violation(
                "refused-input", f"{request.request_id}: invalid properties got SUCCESS"
            )
            continue

        def holds(state: Snapshot, asked: Settings = asked) -> bool:
            return not _unmet(asked, state.settings)

        state = _truth_at(record, arn, at)
        if not holds(state) and not _excused(record, request, arn, at, holds):
            unmet = _unmet(asked, state.settings)
            yield Violation(
                "success-in-force",
                f"{request.request_id} ({request.kind}) answered SUCCESS at {at:.1f} while "
                f"{unmet} were not in force on {arn} ({state})",
            )
        data = body.get("Data", {})

        def true_data(state: Snapshot, data: dict[str, str] = data) -> bool:
            return not _wrong_data(data, state.settings)

        wrong = _wrong_data(data, state.settings)
        if wrong and not _excused(record, request, arn, at, true_data):
            yield Violation("data-true", f"{request.request_id}: attributes {wrong} ({state})")


def _wrong_data(data: dict[str, str], truth: Settings | None) -> list[str]:
    """The attributes that show a value other than the one in force (or than `unknown`)."""
    if truth is None:
        return []
    shown = {
        "PerformAutoTraining": str(truth.perform_auto_training).lower(),
        "PerformIncrementalUpdate": str(truth.perform_incremental_update).lower(),
        "SchedulingExpression": schedule_expression(truth.schedule_days or 7),
    }
    return [
        f"{name}={data.get(name)!r} (in force {value!r})"
        for name, value in shown.items()
        if data.get(name) not in (value, "unknown")
    ]


def one_answer(record: Record) -> Iterator[Violation]:
    """Every request is answered before its deadline, and a chain of invocations that answered
    FAILED writes nothing after it (CloudFormation acts on that answer: rolls back). A duplicate
    delivery's chain knows nothing of another's answer; that residual risk is documented, not
    checked. None is answered only where none could be: its URL had expired before any delivery
    (then nothing is answered), Lambda delivered it after the deadline or never (it dropped the
    event: older than the maximum event age, which is CloudFormation's longest wait), or it died
    so near the deadline that the on-failure destination's answer came after; nothing was written
    for a request delivered too late."""
    for request in record.cloudformation.requests:
        yield from _written_after_failing(record, request)
        delivered = [
            i.at for i in record.function.invocations if i.request_id == request.request_id
        ]
        expired = bool(delivered) and min(delivered) >= request.expires
        late = not delivered or min(delivered) >= request.deadline
        writes = [c for c in record.calls if c.request_id == request.request_id and c.applied]
        if expired and request.answers:
            yield Violation("one-answer", f"{request.request_id}: answered to an expired URL")
        if (expired or late) and writes:
            yield Violation(
                "one-answer",
                f"{request.request_id}: delivered too late to answer, yet {len(writes)} update(s)",
            )
        if expired or late or _died_at_the_deadline(record, request):
            continue
        if request.decided() is None and not _bucket_failed(record, request):
            times = [round(at - request.signed, 1) for at, _ in request.answers]
            yield Violation(
                "one-answer",
                f"{request.request_id} ({request.kind}): no answer by its deadline "
                f"{request.deadline - request.signed:.0f} s after signing (answers: {times})",
            )


def _written_after_failing(record: Record, request: Sent) -> Iterator[Violation]:
    """An UpdateSolution by the chain that answered the request FAILED, after that answer. A
    chain its sender could not know was queued is excluded: the sender answered FAILED rather
    than leave CloudFormation waiting (docs/long-waits.md)."""
    function = record.function
    for put in record.bucket.puts:
        if put.body.get("RequestId") != request.request_id or put.body["Status"] != "FAILED":
            continue
        chain = function.chains.get(put.sender)
        behind = [
            c.at
            for c in record.calls
            if c.applied
            and c.at > put.at
            and function.chains.get(c.invocation) == chain
            and c.invocation not in function.unknown_to_sender
        ]
        if chain and behind:
            yield Violation(
                "one-answer",
                f"{request.request_id}: UpdateSolution at {behind[0]:.1f} by the chain that "
                f"answered FAILED at {put.at:.1f}",
            )


def _died_at_the_deadline(record: Record, request: Sent) -> bool:
    """Whether an invocation of the request died so near its deadline that the on-failure
    destination, started RECORD_DELAY later, could only answer in the margin the function keeps
    for its own answer (CLOUDFORMATION_MARGIN), or after."""
    near = request.deadline - RECORD_DELAY - CLOUDFORMATION_MARGIN
    return any(f.request_id == request.request_id and f.at > near for f in record.function.failed)


def _request_of(record: Record, request_id: str) -> Sent:
    """The request CloudFormation sent with this id."""
    return next(r for r in record.cloudformation.requests if r.request_id == request_id)


def _accepted(request: Sent, put: Put) -> bool:
    """Whether S3 took this PUT as an answer to `request` (a PUT cut short by its invocation's
    death is not taken)."""
    return any(body is put.body for _, body in request.answers)


def _by_destination(record: Record, body: dict[str, Any]) -> bool:
    """Whether an answer was the on-failure destination's."""
    return any(p.body is body and p.sender.startswith("destination-") for p in record.bucket.puts)


def _in_doubt_id(request: Sent, failed: Failed) -> str:
    """A dead Create's id, stated here on its own: the solution ARN its properties name when
    they are valid and Lambda stopped it at its timeout (its watchdog answered so first), else
    create-failed-<RequestId>."""
    unmade = f"create-failed-{request.request_id}"
    if failed.kind != "timeout":
        return unmade
    try:
        named = parse_properties(request.event["ResourceProperties"], region_of(request))
    except InvalidProperties:
        return unmade
    return named.settings.solution_arn


def _owed(request: Sent, failed: Failed) -> tuple[str, str]:
    """The status and id the function's rules give a request it could not answer (the id of a
    failed request; a Delete's OnDelete), stated here on their own: a Create FAILED with
    `_in_doubt_id`, an Update FAILED with its id; a Delete FAILED if it turns the
    training of a solution of the region off, or cannot say whether it does, else SUCCESS."""
    if request.kind == "Create":
        return "FAILED", _in_doubt_id(request, failed)
    physical = str(request.event["PhysicalResourceId"])
    region = region_of(request)
    if request.kind == "Update":
        return "FAILED", physical
    if solution_arn_problem(physical, region) or region_problem(physical, region):
        return "SUCCESS", physical  # no solution of the region: nothing was made, nothing asked
    try:
        choice = on_delete_of(request.event["ResourceProperties"])
    except InvalidProperties:
        return "FAILED", physical
    return ("FAILED" if choice is OnDelete.DISABLE_AUTO_TRAINING else "SUCCESS"), physical


def deaths_answered(record: Record) -> Iterator[Violation]:
    """Every invocation Lambda ended (out of memory, a crash, its timeout) and every event it
    dropped is answered by the on-failure destination, as soon as Lambda sends it the record,
    with the status and id the function's rules give (`_owed`) and a Reason that names what
    happened; unless the URL had expired by then, when nothing is answered."""
    for failed in record.function.failed:
        request = _request_of(record, failed.request_id)
        puts = [p for p in record.bucket.puts if p.sender == failed.destination]
        begun = failed.at + RECORD_DELAY
        if begun >= request.expires:
            if any(_accepted(request, p) for p in puts):
                yield Violation("death-answered", f"{failed}: answered to an expired URL")
            continue
        if not puts or puts[0].at > begun:
            yield Violation("death-answered", f"{failed}: not answered when the record came")
            continue
        body = puts[0].body
        owed = _owed(request, failed)
        if (body["Status"], body["PhysicalResourceId"]) != owed:
            yield Violation(
                "death-answered",
                f"{failed}: answered {body['Status']} {body['PhysicalResourceId']}, not {owed}",
            )
        if body["Status"] == "FAILED" and NAMED[failed.kind] not in body["Reason"]:
            yield Violation("death-answered", f"{failed}: Reason {body['Reason']!r}")


def deaths_change_no_answer(record: Record) -> Iterator[Violation]:
    """A death never contradicts an answer its own chain gave before it died (the watchdog's,
    before a call hung to Lambda's timeout, or an answer followed by a death): the destination's
    has the same status and id, so CloudFormation acts the same whichever it reads. Another
    delivery's chain knows nothing of it, nor does a chain its sender could not know was queued
    (the sender answered FAILED rather than leave CloudFormation waiting), nor the chain that
    such a fork runs beside: those residual risks are documented, not checked."""
    function = record.function
    for failed in function.failed:
        if not failed.invocation or failed.invocation in function.unknown_to_sender:
            continue  # dropped (nothing ran), or a chain its sender answered for
        request = _request_of(record, failed.request_id)
        chain = function.chains.get(failed.invocation)
        taken = [p for p in record.bucket.puts if _accepted(request, p)]
        ours = [p for p in taken if p.sender == failed.destination]
        before = [
            p
            for p in taken
            if function.chains.get(p.sender) == chain
            and p.sender not in function.unknown_to_sender  # a fork it knows nothing of
            and p.at <= failed.at
        ]
        for answer, earlier in itertools.product(ours, before):
            said = (answer.body["Status"], answer.body["PhysicalResourceId"])
            if said != (earlier.body["Status"], earlier.body["PhysicalResourceId"]):
                yield Violation(
                    "death-changes-no-answer",
                    f"{failed}: answered {said} after its chain answered "
                    f"{earlier.body['Status']} {earlier.body['PhysicalResourceId']}",
                )


def _bucket_failed(record: Record, request: Sent) -> bool:
    """Whether the response bucket failed a PUT of this request that began with the room the
    function keeps for its answer (CLOUDFORMATION_MARGIN before the deadline): a late answer
    is then the bucket's doing, not the function's."""
    puts = [p for p in record.bucket.puts if p.body.get("RequestId") == request.request_id]
    failed = any(p.status is None or p.status >= 500 for p in puts)
    return failed and puts[0].at <= request.deadline - CLOUDFORMATION_MARGIN


def failures_explained(record: Record) -> Iterator[Violation]:
    """Every FAILED names its cause (a bug's "Internal error" is a finding); no Reason and no log
    line holds the presigned signature or a credential."""
    secrets = [signature(r.request_id) for r in record.cloudformation.requests]
    secrets += [SECRET, ACCESS_KEY]
    for request in record.cloudformation.requests:
        for at, body in request.answers:
            reason = str(body.get("Reason", ""))
            if body["Status"] == "FAILED" and (not reason.strip() or "Internal error" in reason):
                yield Violation("failed-reason", f"{request.request_id}: Reason {reason!r}")
            if any(secret in reason for secret in secrets):
                yield Violation("secrecy", f"{request.request_id}: the Reason holds a secret")
            if body["Status"] == "FAILED":
                yield from _advice(record, request, at, reason)
    leaked = [secret[:8] for secret in secrets if secret in record.logs]
    if leaked:
        yield Violation("secrecy", f"the logs hold secrets starting {leaked}")


GONE = re.compile(r"(?:at least )?(\d+) s of it gone before the function started")


def _advice(record: Record, request: Sent, at: float, reason: str) -> Iterator[Violation]:
    """A FAILED Reason's numbers and advice are true: raising ServiceTimeout is advised only
    when CloudFormation's deadline was near (within two invocations), and the time said to be
    gone before the function started never exceeds what was."""
    timeout = record.history.function_timeout
    if "raise ServiceTimeout" in reason and request.deadline - at > 2 * timeout:
        yield Violation(
            "advice",
            f"{request.request_id}: advises raising ServiceTimeout with "
            f"{request.deadline - at:.0f} s of it left: {reason[:160]}",
        )
    said = GONE.search(reason)
    started = [i.at for i in record.function.invocations if i.request_id == request.request_id]
    if said and started:
        gone = max(a for a in started if a <= at) - request.sent_at
        if int(said.group(1)) > gone:
            yield Violation(
                "advice", f"{request.request_id}: says {said.group(1)} s gone, {gone:.1f} s were"
            )


def chains_below_loop_detection(record: Record) -> Iterator[Violation]:
    """No chain of invocations reaches Lambda's recursive-loop detection, which would stop it
    silently: it counts the invocations one led to the next (a chain that forks, after a
    hand-off asked twice, counts each branch)."""
    for name, depth in record.function.depths.items():
        if depth >= RECURSIVE_LOOP_LIMIT:
            yield Violation("chain-length", f"{name}: the {depth}th invocation of its chain")


def refused_input(record: Record) -> Iterator[Violation]:
    """A Create or Update with properties the rules refuse gets FAILED and no Personalize call."""
    for request in record.cloudformation.requests:
        if request.kind == "Delete" or asked_of(request) is not None:
            continue
        calls = [c for c in record.calls if c.request_id == request.request_id]
        if calls:
            yield Violation(
                "refused-input", f"{request.request_id}: invalid properties, {len(calls)} call(s)"
            )


def _disables_training(request: Sent) -> bool:
    """Whether a Delete asks, by its OnDelete, to turn training off."""
    try:
        choice = on_delete_of(request.event["ResourceProperties"])
    except InvalidProperties:
        return False
    return request.kind == "Delete" and choice is OnDelete.DISABLE_AUTO_TRAINING


def _managed(record: Record, request: Sent, at: float) -> str | None:
    """The solution a Delete answered at `at` managed: the one its id names, or, for the
    rollback of a Create that had changed it by then (whatever id it answered), the Create's.
    Not a Create the on-failure destination answered create-failed-<RequestId> for (it died
    out of memory or crashed, or was dropped): the destination cannot know whether it, or a
    duplicate delivery, updated the solution, and says to check it by hand."""
    physical = str(request.event.get("PhysicalResourceId", ""))
    if physical in record.scope.solutions:
        return physical
    for create in record.cloudformation.requests:
        answered = {str(body["PhysicalResourceId"]) for _, body in create.answers}
        ours = physical in answered or create.request_id in physical
        decided = create.decided()
        died = decided is not None and _by_destination(record, decided)
        if create.kind == "Create" and ours and not died and _changed_solution(record, create, at):
            return _arn(create)
    return None


def _changed_solution(record: Record, request: Sent, before: float) -> bool:
    """Whether an UpdateSolution of the request was accepted `before` and did not end CREATE
    FAILED (Personalize keeps the previous settings then)."""
    solution = record.scope.solutions.get(_arn(request))
    if solution is None:
        return False
    end = record.scope.controls.clock()
    made = {
        c.at
        for c in record.calls
        if c.applied and c.request_id == request.request_id and c.at < before
    }
    return any(
        u.created in made and u.status_at(end)[0] != "CREATE FAILED" for u in solution.updates
    )


def _training_off(state: Snapshot) -> bool:
    """Whether the solution cannot train: training off, or gone, being deleted, never made."""
    settings = state.settings
    return state.status in TRAINING_NEVER or (
        settings is not None and settings.perform_auto_training is False
    )


def training_off_on_delete(record: Record) -> Iterator[Violation]:
    """A Delete with OnDelete: DisableAutoTraining answered SUCCESS leaves the solution its
    resource managed unable to train: when it answers, and at the end of the history (an update
    of ours still in flight must not turn it back on), unless someone wrote since."""
    end = record.scope.controls.clock()
    for request, at, _body in _successes(record):
        arn = _managed(record, request, at) if _disables_training(request) else None
        if arn is None:
            continue
        state = _truth_at(record, arn, at)
        if not _training_off(state) and not _excused(record, request, arn, at, _training_off):
            yield Violation(
                "delete-training-off", f"{request.request_id}: SUCCESS with training on ({state})"
            )
        later = any(c.applied and c.at > at for c in record.calls) or any(
            w.accepted and w.at > at for w in record.writes
        )
        final = snapshot(record.scope, arn, end)
        if not later and not _training_off(final):
            yield Violation(
                "delete-training-off",
                f"{request.request_id}: SUCCESS, and training ends on on {arn} ({final})",
            )


def delete_not_stuck(record: Record) -> Iterator[Violation]:
    """A Delete with OnDelete: DisableAutoTraining never fails (leaving the stack DELETE_FAILED)
    once a read of it showed the solution can never train (being deleted, never made); unless
    the invocation died after that read: the on-failure destination reads no solution, and says
    to retry."""
    for request in record.cloudformation.requests:
        decided = request.decided()
        if decided is None or decided["Status"] != "FAILED" or not _disables_training(request):
            continue
        if _by_destination(record, decided):
            continue
        reads = [c for c in record.calls if c.request_id == request.request_id and c.answer]
        seen = {str((c.answer or {}).get("status")) for c in reads}
        if seen & set(TRAINING_NEVER):
            yield Violation(
                "delete-not-stuck",
                f"{request.request_id}: FAILED although a read showed the solution {sorted(seen)}",
            )


def no_second_update(record: Record) -> Iterator[Violation]:
    """Once an UpdateSolution of a request was accepted (even with its answer lost), no second
    one for the same request, unless the first is known to have failed or been replaced."""
    by_request: dict[str, list[Call]] = {}
    for call in record.calls:
        if call.applied:
            by_request.setdefault(call.request_id, []).append(call)
    for request_id, applied in by_request.items():
        for first, second in itertools.pairwise(applied):
            arn = _arn_of_call(record, first)
            solution = record.scope.solutions.get(arn)
            if solution is None:
                continue
            ours = next((u for u in solution.updates if u.created == first.at), None)
            failed = ours is not None and ours.status_at(second.at)[0] == "CREATE FAILED"
            replaced = any(
                w.accepted and w.arn == arn and first.at < w.at < second.at for w in record.writes
            )
            if not failed and not replaced:
                yield Violation(
                    "no-second-update",
                    f"{request_id}: UpdateSolution accepted at {first.at:.1f} and again at "
                    f"{second.at:.1f}",
                )


def _arn_of_call(record: Record, call: Call) -> str:
    """The solution a call was for: the request's SolutionArn (a Delete's physical id)."""
    request = next(r for r in record.cloudformation.requests if r.request_id == call.request_id)
    return _arn(request)


def no_needless_update(record: Record) -> Iterator[Violation]:
    """No UpdateSolution when the read it followed proved the settings asked already in force."""
    for index, call in enumerate(record.calls):
        if not call.applied:
            continue
        request = next(r for r in record.cloudformation.requests if r.request_id == call.request_id)
        asked = (
            asked_of(request) if request.kind != "Delete" else Settings(perform_auto_training=False)
        )
        reads = [
            c
            for c in record.calls[:index]
            if c.invocation == call.invocation and c.answer is not None
        ]
        if asked is None or not reads:
            continue
        read = reads[-1]
        truth = _truth_at(record, _arn(request), read.at).settings
        assert read.answer is not None
        if not _unmet(asked, truth) and proves(read.answer, asked):
            yield Violation(
                "no-needless-update",
                f"{request.request_id}: UpdateSolution at {call.at:.1f} after the read at "
                f"{read.at:.1f} proved {asked} in force",
            )


def proves(read: dict[str, Any], asked: Settings) -> bool:
    """Whether one DescribeSolution answer proves every asked field's value, under any reading:
    - a solution never updated shows its creation settings (the documented defaults for a
      schedule it does not show, no event parameters);
    - an ACTIVE latest update proves a field its summary shows with the asked value, unless a
      reading could have filled that value in;
    - the solution's own fields prove a field once they visibly moved with that update (its
      lastUpdatedDateTime is the update's or later) and the summary shows no other value that
      no reading fills in."""
    latest = read.get("latestSolutionUpdate")
    top = _fields(read, read.get("solutionConfig"))
    if latest is None:
        return all(_proven(top, name, value, defaults=True) for name, value in _asked(asked))
    if latest.get("status") != "ACTIVE":
        return False
    summary = _fields(latest, latest.get("solutionUpdateConfig"))
    moved = read.get("lastUpdatedDateTime", 0) >= latest.get("lastUpdatedDateTime", 0)
    for name, value in _asked(asked):
        shown = summary.get(name)
        if shown is not None and _equal(name, shown, value) and value not in FILLED.get(name, ()):
            continue
        contradicted = shown is not None and not _equal(name, shown, value)
        if contradicted and shown not in FILLED.get(name, ()):
            return False
        if not (moved and _proven(top, name, value, defaults=True)):
            return False
    return True


def _asked(asked: Settings) -> Iterator[tuple[str, Any]]:
    """The asked (field, value) pairs."""
    return ((n, v) for n, v in asked._asdict().items() if v is not None)


def _equal(name: str, shown: Any, value: Any) -> bool:
    """Whether a shown value is the asked one."""
    if name == "event_parameters":
        return _same_events(value, shown)
    return bool(shown == value)


def _proven(shown: dict[str, Any], name: str, value: Any, *, defaults: bool) -> bool:
    """Whether `shown` (a solution's own fields) proves field `name` has `value`; with
    `defaults`, a schedule or event list it does not show is the documented default."""
    if name in shown:
        return _equal(name, shown[name], value)
    if defaults and name == "schedule_days":
        return bool(value == 7)
    if defaults and name == "event_parameters":
        return bool(value == ())
    return False


def _fields(body: dict[str, Any], config: dict[str, Any] | None) -> dict[str, Any]:
    """The settings a solution or summary shows, by the function's field names."""
    shown: dict[str, Any] = {}
    for key, name in (
        ("performAutoTraining", "perform_auto_training"),
        ("performIncrementalUpdate", "perform_incremental_update"),
    ):
        if key in body:
            shown[name] = body[key]
    expression = ((config or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
    if expression:
        shown["schedule_days"] = int("".join(ch for ch in expression if ch.isdigit()))
    events = (config or {}).get("eventsConfig")
    if events is not None:
        shown["event_parameters"] = tuple(
            EventParameter(p.get("eventType"), p.get("eventValueThreshold"), p.get("weight"))
            for p in events.get("eventParametersList") or ()
        )
    return shown


def no_escape(record: Record) -> Iterator[Violation]:
    """Nothing escapes the handler as an exception."""
    for name, error in record.errors:
        yield Violation("no-escape", f"{name}: {type(error).__name__}: {error}")


def ids_kept(record: Record) -> Iterator[Violation]:
    """A Create's SUCCESS id is the solution ARN; an Update's keeps the old id unless the
    SolutionArn changed (a new id is a replacement)."""
    for request, _, body in _successes(record):
        if request.kind == "Delete":
            continue
        arn = _arn(request)
        expected = arn
        old = request.event.get("OldResourceProperties") or {}
        if request.kind == "Update" and old.get("SolutionArn") == arn:
            expected = str(request.event["PhysicalResourceId"])
        if body["PhysicalResourceId"] != expected:
            yield Violation("ids", f"{request.request_id}: id {body['PhysicalResourceId']!r}")


PROMISES: tuple[Callable[[Record], Iterator[Violation]], ...] = (
    settings_in_force,
    one_answer,
    failures_explained,
    refused_input,
    training_off_on_delete,
    delete_not_stuck,
    chains_below_loop_detection,
    no_second_update,
    no_needless_update,
    no_escape,
    ids_kept,
    deaths_answered,
    deaths_change_no_answer,
)


def check(record: Record) -> list[Violation]:
    """Every promise's violations in this record."""
    return [violation for promise in PROMISES for violation in promise(record)]
