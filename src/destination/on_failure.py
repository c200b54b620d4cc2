"""The solution-update function's on-failure destination: the answer CloudFormation would otherwise
wait ServiceTimeout for.

CloudFormation invokes the function asynchronously, so when an invocation dies (out of memory, a
crash, a hard timeout) or Lambda drops its event (older than the maximum event age), Lambda sends
this function its invocation record, with the original event: CloudFormation's own, or a
hand-off's with its wait marker. This function answers that request once, as the function's own
rules would (`solution_rules.envelope`): FAILED with the request's failure id (an Update's or a
Delete's own id; a Create's `create-failed-<RequestId>`, or, when Lambda stopped it at its
timeout, the solution ARN its watchdog answered with first), naming what happened and what to
do; a Delete that asks nothing of a solution (OnDelete: Retain, or an id
that names none) SUCCESS; one that asks training off FAILED, with the way out the function gives.

It answers only a ResponseURL the function would (`solution_rules.response`: the same allow-list,
expiry and bounded PUT), and never logs the presigned query. It imports the standard library and
`solution_rules` alone, and its role may only write its logs: it answers when the function's code
or dependencies are what broke.
"""

from __future__ import annotations

import logging
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from solution_rules.envelope import (
    CARRY_KEY,
    FAILED,
    IN_DOUBT_NAMED,
    SUCCESS,
    TRAINING_LEFT_ON,
    Ids,
    addressed,
    fitted,
    malformed,
    read_deletion,
)
from solution_rules.properties import InvalidProperties, parse_properties
from solution_rules.response import NoAnswer, ResponseTarget, allowed_hosts, deliver, put

logger = logging.getLogger("on_failure")  # every line it writes is a warning or an error

# Lambda's invocation record (the Lambda developer guide, "Capturing records of Lambda asynchronous
# invocations"): requestContext.condition says why the event failed.
SUCCEEDED = "Success"  # an on-success record: the function answered
RETRIES_EXHAUSTED = "RetriesExhausted"  # the function ran, and failed (no retry is configured)
EVENT_AGE_EXCEEDED = "EventAgeExceeded"  # it waited in the queue past MaximumEventAgeInSeconds
# What Lambda reports of an invocation it ended (responsePayload's errorType, errorMessage); older
# records say it in the message alone.
TIMEOUT_TYPE, TIMEOUT_MESSAGE = "Sandbox.Timedout", "Task timed out"
OUT_OF_MEMORY_TYPE, OUT_OF_MEMORY_MESSAGE = "Runtime.OutOfMemory", "signal: killed"
ERROR_TYPE = re.compile(r"[A-Za-z0-9_.]{1,64}")  # a name fit for a Reason; anything else is not
END_MARGIN = 0.2  # the PUT stops retrying this long before this invocation's end

ADVICE = "see the function's logs, and retry the stack operation"
CREATE_MAY_HAVE_UPDATED = (
    "UpdateSolution may have been called for this Create: check the solution's "
    "latestSolutionUpdate, turn automatic training off by hand if it should be off, and retry "
    "the stack operation"
)
NOTHING_DONE = "the function never ran on it, so nothing was done: retry the stack operation"

Send = Callable[[ResponseTarget, bytes, float], int]  # one PUT: the target, the body, its timeout


class Death(NamedTuple):
    """What became of the request's invocation: `what`, the Reason's opening (never "before it
    answered": a call hung to the timeout after the watchdog answered is a death too); `ran`,
    whether the function ran on this event (it may then have called UpdateSolution)."""

    what: str
    ran: bool
    stopped: bool = False  # Lambda stopped it at its timeout: the watchdog answered before


class Answer(NamedTuple):
    """The answer to give: its status, Reason and physical id."""

    status: str
    reason: str
    physical_id: str


def _field(mapping: object, key: str) -> str:
    """A string field of a map in the record, empty when absent or not a string."""
    value = mapping.get(key) if isinstance(mapping, Mapping) else None
    return value if isinstance(value, str) else ""


def _recorded(record: Mapping[str, Any]) -> float | None:
    """When Lambda made the record (its ISO 8601 `timestamp`), None if it does not say."""
    try:
        return datetime.fromisoformat(_field(record, "timestamp")).timestamp()
    except ValueError:
        return None


def death_of(record: Mapping[str, Any], signed: float | None) -> Death:
    """What happened, from the record: dropped from the queue (how long after CloudFormation
    signed the ResponseURL, `signed`, when both say), timed out, out of memory, or crashed."""
    condition = _field(record.get("requestContext"), "condition")
    if condition == EVENT_AGE_EXCEEDED:
        recorded = _recorded(record)
        waited = recorded - signed if recorded is not None and signed is not None else -1.0
        when = f" {math.floor(waited)} s after CloudFormation sent it," if waited >= 0 else ""
        return Death(
            "Lambda dropped the request without running the function: it was still queued"
            f"{when} past the function's maximum event age",
            ran=False,
        )
    if condition != RETRIES_EXHAUSTED:
        shown = condition if ERROR_TYPE.fullmatch(condition) else "unknown"
        return Death(f"Lambda gave up on the request ({shown})", ran=True)
    error = record.get("responsePayload")
    kind, message = _field(error, "errorType"), _field(error, "errorMessage")
    if kind == TIMEOUT_TYPE or TIMEOUT_MESSAGE in message:
        return Death(
            "The function timed out (Lambda stopped it at its timeout)", ran=True, stopped=True
        )
    if kind == OUT_OF_MEMORY_TYPE or OUT_OF_MEMORY_MESSAGE in message:
        return Death(
            "The function ran out of memory (Lambda stopped it): raise its MemorySize",
            ran=True,
        )
    shown = kind if ERROR_TYPE.fullmatch(kind) else "no error type"
    return Death(f"The function crashed ({shown})", ran=True)


def answer_for(event: Mapping[str, Any], ids: Ids, death: Death, home: str | None) -> Answer:
    """The answer the function's rules give a request it could not answer: always the request's
    failure id; FAILED naming `death`, except for a Delete that asks nothing of a solution."""
    problem = malformed(event)
    if problem is not None:
        return Answer(FAILED, fitted(f"{death.what}; {problem}"), ids.failure_id)
    if ids.kind == "Delete":
        deletion = read_deletion(event, ids, home)
        if deletion.problem is not None:
            return Answer(FAILED, fitted(f"{death.what}; {deletion.problem}"), ids.failure_id)
        if deletion.solution is None:
            return Answer(SUCCESS, "", ids.failure_id)
        advice = TRAINING_LEFT_ON.format(logical_id=ids.logical_id)
    elif not death.ran and CARRY_KEY not in event:
        advice = NOTHING_DONE  # CloudFormation's own event, never run: no invocation acted on it
    elif ids.kind == "Create" and death.stopped:
        # The watchdog answered before Lambda's timeout, naming the solution (Ids.in_doubt_id):
        # the same answer, whichever CloudFormation reads.
        named = _solution_named(event, home)
        advice = IN_DOUBT_NAMED if named else ADVICE  # properties refused: no call was made
        return Answer(FAILED, fitted(f"{death.what}; {advice}"), ids.in_doubt_id(named))
    elif ids.kind == "Create":
        # Nothing answered before, maybe moments after it started: a duplicate delivery may
        # update the solution after the rollback's Delete read it, so that Delete is not told
        # it manages the solution; the Reason says to check it by hand.
        advice = CREATE_MAY_HAVE_UPDATED
    else:
        advice = ADVICE
    return Answer(FAILED, fitted(f"{death.what}; {advice}"), ids.failure_id)


def _solution_named(event: Mapping[str, Any], home: str | None) -> str | None:
    """The solution a Create's valid properties name, or None (the function refused them)."""
    try:
        return parse_properties(event.get("ResourceProperties"), home).settings.solution_arn
    except InvalidProperties:
        return None


class Destination:
    """Answers each failed request Lambda records (see the module's docstring)."""

    def __init__(
        self,
        *,
        extra_hosts: Iterable[str] = (),
        home: str | None = None,
        clock: Callable[[], float] = time.time,
        send: Send = put,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """`extra_hosts`: RESPONSE_URL_ALLOWED_HOSTS's, as the function's; `home`: the function's
        region. `clock`, `send` and `sleep` are the edges a simulation replaces."""
        self._hosts = frozenset(extra_hosts)
        self._home = home
        self._clock = clock
        self._send = send
        self._sleep = sleep

    def __call__(self, record: Any, context: Any) -> None:
        """Answer the request of one invocation record. Never raises: a retry of this function
        could only give the same answer again, or fail the same way."""
        try:
            self._answer(record, context)
        except NoAnswer as refusal:
            logger.error("Not answering this request: %s", refusal)
        except Exception:  # a bug is logged, not retried: it would fail the same way
            logger.exception("Unexpected error")

    def _answer(self, record: Any, context: Any) -> None:
        """Read the record, decide the answer and PUT it."""
        event = record.get("requestPayload") if isinstance(record, Mapping) else None
        if not isinstance(event, Mapping):
            raise NoAnswer("The record carries no request from CloudFormation")
        if _field(record.get("requestContext"), "condition") == SUCCEEDED:
            raise NoAnswer("The record is of an invocation that succeeded: the function answered")
        now = self._clock()
        target, ids = addressed(event, self._hosts, now, self._home)
        death = death_of(record, target.signature.signed)
        answer = answer_for(event, ids, death, self._home)
        body = ids.body(answer.status, answer.reason, answer.physical_id, {})

        def time_left() -> float:
            """Seconds this invocation may still spend on the PUT."""
            return float(context.get_remaining_time_in_millis()) / 1000 - END_MARGIN

        delivered = deliver(target, body, time_left, logger.warning, self._send, self._sleep)
        logger.warning(
            "Answered %s %s of %s %s for the function: %s (delivered: %s): %s",
            ids.kind,
            ids.request_id,
            ids.logical_id,
            answer.status,
            answer.physical_id,
            delivered,
            answer.reason or death.what,
        )


def build(**options: Any) -> Callable[[Any, Any], None]:
    """The handler, configured from the environment Lambda gives it (RESPONSE_URL_ALLOWED_HOSTS,
    as the function's; AWS_REGION), `options` overriding (the clock, the PUT, sleep)."""
    settings: dict[str, Any] = {
        "extra_hosts": allowed_hosts(os.environ.get("RESPONSE_URL_ALLOWED_HOSTS")),
        "home": os.environ.get("AWS_REGION") or None,
        **options,
    }
    return Destination(**settings)


lambda_handler = build()
