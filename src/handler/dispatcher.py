"""One invocation, exactly one answer. The operation, the watchdog and the hand-off race to settle
the request's answer; the first wins, and the others find it settled.

The path of a request: `protocol.read_request` (the event, read once) → `budget.plan` (this
invocation's timetable) → `operations.run` (crhelper dispatches to create, update or delete, which
apply the request through `SolutionUpdater`) → `Dispatcher.conclude`, the one place that turns an
outcome (`outcomes`) into the answer: `Answer.give` (the PUT) or `Answer.hand_off` (a new
invocation carries the wait on).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

import operations
from budget import ANSWER_MIN, HAND_OFF_ATTEMPTS, HAND_OFF_CALL, PUT_MARGIN, Plan, plan
from continuation import Carried, HandOffUncertain
from crhelper_resource import Sent
from logs import logger
from outcomes import (
    OUT_OF_TIME,
    Applied,
    Continue,
    Failure,
    Handover,
    Outcome,
    RequestFailed,
    Succeeded,
    failure,
    internal_error,
)
from protocol import Request, read_request
from solution_rules.envelope import FAILED, IN_DOUBT_NAMED, SUCCESS
from solution_rules.limits import DEFAULT_SERVICE_TIMEOUT, PERSONALIZE_CALL, CallLimits
from solution_rules.properties import DesiredSettings
from solution_rules.response import NoAnswer, ResponseTarget, deliver, put
from telemetry import count_failure, flush, record

# SolutionUpdater.apply: (desired, plan, carried) -> Applied.
Apply = Callable[[DesiredSettings, Plan, Carried | None], Applied]
HandOff = Callable[[Mapping[str, Any], str], None]  # the next invocation's event, the function ARN
Send = Callable[[ResponseTarget, bytes, float], int]  # one PUT: the target, the body, its timeout


class Cancellable(Protocol):
    """A started timer that can be called off (threading.Timer is one)."""

    def cancel(self) -> None:
        """Call it off, if it has not fired."""
        ...


# Starts a timer: after `seconds`, call `action` once, unless cancelled first.
Timer = Callable[[float, Callable[[], None]], Cancellable]


def thread_timer(seconds: float, action: Callable[[], None]) -> Cancellable:
    """The watchdog in Lambda: a daemon thread that calls `action` after `seconds` real seconds."""
    timer = threading.Timer(seconds, action)
    timer.daemon = True
    timer.start()
    return timer


def seconds_left(context: Any) -> float:
    """The invocation's remaining time, from Lambda's context, in seconds."""
    return float(context.get_remaining_time_in_millis()) / 1000


class Answer:
    """The one answer of one invocation: given once (a PUT to the ResponseURL), or handed to a new
    invocation, which will give it. Whatever comes second is dropped."""

    def __init__(
        self,
        request: Request,
        time_left: Callable[[], float],
        send: Send = put,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._request = request
        self._time_left = time_left
        self._send = send
        self._sleep = sleep
        self._lock = threading.Lock()
        self._settled = False

    def _settle(self) -> bool:
        """Claim the answer; False if it was already given or handed on."""
        with self._lock:
            if self._settled:
                return False
            self._settled = True
            return True

    def give(self, status: str, reason: str, physical_id: str, data: Mapping[str, str]) -> bool:
        """PUT the answer, unless one was given or handed on already; whether this one was."""
        if not self._settle():
            return False
        body = self._request.body(status, reason, physical_id, data)
        delivered = deliver(
            self._request.target, body, self._time_left, logger.warning, self._send, self._sleep
        )
        outcome = {"status": status, "physical_id": physical_id, "delivered": delivered}
        logger.info(
            "Answered CloudFormation", extra={**outcome, "reason": reason} if reason else outcome
        )
        return True

    def hand_off(self, start: Callable[[], None]) -> bool:
        """Start the next invocation, which will answer, unless an answer was given already;
        whether it was started. If Lambda may have queued it but did not say (the request went
        out, its answer did not come back), ask again while time allows: a second chain is a
        duplicate delivery, which the function handles as any other. If it surely was not
        started, or every try was uncertain, raise (the caller answers FAILED): silence would
        leave CloudFormation waiting the whole ServiceTimeout, and a queued chain's later answer
        is ignored."""
        if not self._settle():
            return False
        attempts = 0
        while True:
            attempts += 1
            try:
                start()
            except HandOffUncertain as error:
                logger.warning("The hand-off may not have been queued", extra={"error": str(error)})
                left = self._time_left() - HAND_OFF_CALL.worst_case()
                if attempts < HAND_OFF_ATTEMPTS and left >= ANSWER_MIN:
                    continue
                self._unsettle()
                raise
            except Exception:
                self._unsettle()
                raise
            return True

    def _unsettle(self) -> None:
        """Give the claim on the answer back: the caller answers after all."""
        with self._lock:
            self._settled = False


def outcome_of(sent: Sent, applied: Applied | None) -> Outcome:
    """The outcome of an operation, from what crhelper would have sent and what it raised."""
    raised = sent.raised
    if raised is None and sent.status == SUCCESS:
        return Succeeded(sent.physical_id, sent.data, applied)
    if isinstance(raised, RequestFailed):
        return raised.failure
    if isinstance(raised, Continue):
        return raised.handover
    # A bug (or crhelper failing on its own): a Reason a person can act on.
    logger.error("Unexpected error", exc_info=raised)
    return internal_error(type(raised).__name__ if raised else "crhelper")


class Dispatcher:
    """Turns each invocation's event into exactly one answer (none to a URL we do not trust)."""

    def __init__(
        self,
        apply: Apply,
        *,
        extra_hosts: Iterable[str] = (),
        hand_off: HandOff | None = None,
        clock: Callable[[], float] = time.time,
        call: CallLimits = PERSONALIZE_CALL,
        region: str | None = None,
        send: Send = put,
        sleep: Callable[[float], None] = time.sleep,
        timer: Timer = thread_timer,
    ) -> None:
        """`send`, `sleep` and `timer` are the edges a simulation replaces: the PUT, the pause
        between PUT attempts, and the watchdog's timer."""
        self._apply = apply
        self._send = send
        self._sleep = sleep
        self._timer = timer
        self._region = region
        self._hosts = frozenset(extra_hosts)
        self._hand_off = hand_off
        self._clock = clock
        self._call = call

    def __call__(self, event: Any, context: Any) -> None:
        """Answer one request; never raises (an error would only trigger Lambda's async retries)."""
        try:
            self._dispatch(event, context)
        except Exception:  # noqa: BLE001 - never escape; _dispatch's guard has answered
            logger.exception("Unexpected error")
        try:
            flush()
        except Exception:  # noqa: BLE001 - metrics must not turn an answer into a retry
            logger.exception("Could not write the metrics")

    def _dispatch(self, event: Any, context: Any) -> None:
        """Read the request, start the watchdog, run the operation and conclude."""
        remaining = seconds_left(context)
        try:
            request = read_request(event, self._hosts, self._clock(), self._region)
        except NoAnswer as refusal:
            logger.error(f"Not acting on this request: {refusal}")
            return
        logger.append_keys(**request.log_keys())
        answer = Answer(
            request, lambda: seconds_left(context) - PUT_MARGIN, self._send, self._sleep
        )
        timetable = self._plan(request, remaining)
        logger.debug("Planned the invocation", extra=timetable._asdict())
        doubt = request.in_doubt_id  # a running call may yet update the solution
        reason = OUT_OF_TIME if doubt == request.failure_id else f"{OUT_OF_TIME}; {IN_DOUBT_NAMED}"
        out_of_time = failure(reason, "OutOfTime", doubt)
        watchdog = self._timer(
            timetable.watchdog_after,
            lambda: self.conclude(request, answer, out_of_time, context),
        )
        try:
            self.conclude(request, answer, self._outcome(request, timetable, context), context)
        except Exception:
            # A bug in concluding still gets an answer, unless one was given.
            answer.give(FAILED, "Internal error; see the function's logs", request.failure_id, {})
            raise
        finally:
            watchdog.cancel()

    def _plan(self, request: Request, remaining: float) -> Plan:
        """This invocation's timetable for the request."""
        carried = request.carried
        return plan(
            now=self._clock(),
            remaining=remaining,
            service_timeout=request.resource.service_timeout
            if request.resource
            else DEFAULT_SERVICE_TIMEOUT,
            first=carried.first if carried else None,
            hops=carried.hops if carried else 0,
            call=self._call,
            hand_off=HAND_OFF_CALL if self._hand_off else None,
            signed=request.target.signature.signed,
            updated=carried.updated if carried else False,
        )

    def _outcome(self, request: Request, timetable: Plan, context: Any) -> Outcome:
        """The request's refusal, else what its operation came to."""
        if request.problem:
            return request.problem

        def apply(desired: DesiredSettings) -> Applied:
            """The updater, for this invocation's timetable and carried wait."""
            return self._apply(desired, timetable, request.carried)

        try:
            return outcome_of(*operations.run(request, apply, context))
        except Exception as error:  # noqa: BLE001 - a bug still gets an answer
            logger.exception("Unexpected error")
            return internal_error(type(error).__name__)

    def conclude(self, request: Request, answer: Answer, outcome: Outcome, context: Any) -> None:
        """The one place an outcome becomes the answer: SUCCESS with the id and attributes;
        FAILED with the Reason (the failure's own id if it names one, else the request's); or
        the wait handed to a new invocation, FAILED if Lambda refused to start it. Metrics and
        the log line of each outcome are written here too, once (the watchdog's only if it
        answers)."""
        if isinstance(outcome, Handover):
            refused = self._hand_on(request, answer, outcome, context)
            if refused is None:
                return
            outcome = refused
        if isinstance(outcome, Succeeded):
            if answer.give(SUCCESS, "", outcome.physical_id, outcome.data) and outcome.applied:
                record(outcome.applied)
            return
        if answer.give(FAILED, outcome.reason, outcome.physical_id or request.failure_id, {}):
            logger.warning("Request failed", extra={"reason": outcome.reason})
            count_failure(outcome.cause)

    def _hand_on(
        self, request: Request, answer: Answer, handover: Handover, context: Any
    ) -> Failure | None:
        """Start the invocation that carries the wait on (None), else the failure to answer."""
        payload = request.continued(handover.carried)
        if self._hand_off is None:  # budget.plan allows none then: this only guards that rule
            reason = f"{handover.reason}; there is no Lambda service to continue in"
            return failure(reason, "Timeout")
        start = self._hand_off
        try:
            if answer.hand_off(lambda: start(payload, context.invoked_function_arn)):
                logger.info("Handed the wait to a new invocation", extra=handover.carried.to_json())
        except Exception as error:  # noqa: BLE001 - any refusal becomes a FAILED answer
            reason = f"{handover.reason}; could not continue in a new invocation ({error})"
            started = handover.update_started or handover.carried.updated
            refused = RequestFailed(reason, "HandOffFailed", update_started=started)
            return operations.naming_the_solution(request, refused).failure
        return None
