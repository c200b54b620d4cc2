"""One invocation, exactly one answer. The operation, the watchdog and the hand-off race to settle
the request's answer; the first wins, and the others find it settled.

The path of a request: `protocol.read_request` (the event, read once) → `budget.plan` (this
invocation's timetable) → `crhelper_runner.run` (the operation: `SolutionUpdater.apply`, or nothing
for Delete) → `Answer.give` (the PUT) or `Answer.hand_off` (a new invocation carries the wait on).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import crhelper_runner
from budget import (
    DEFAULT_SERVICE_TIMEOUT,
    HAND_OFF_CALL,
    PERSONALIZE_CALL,
    PUT_MARGIN,
    CallLimits,
    Plan,
    plan,
)
from continuation import Carried, HandOffUncertain
from lifecycle import Applied, Continue, RequestFailed
from logs import logger
from properties import DesiredSettings, Settings
from protocol import FAILED, NoAnswer, Request, read_request
from response import deliver, put
from telemetry import count_failure, flush, record

Apply = Callable[[DesiredSettings, Plan, Carried | None, Settings | None], Applied]
HandOff = Callable[[Mapping[str, Any], str], None]  # the next invocation's event, the function ARN
OUT_OF_TIME = (
    "The function ran out of time while waiting for Personalize to answer; see the function's "
    "logs, and retry the stack operation"
)


def no_lambda_service(payload: Mapping[str, Any], function_arn: str) -> None:
    """The hand-off where there is no Lambda service to invoke (sam local): the plan then allows
    none, so this only guards that rule."""
    raise RuntimeError("there is no Lambda service to continue in")


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
        send: Callable[..., int] = put,
    ) -> None:
        self._request = request
        self._time_left = time_left
        self._send = send
        self._lock = threading.Lock()
        self._settled = False

    def _settle(self) -> bool:
        """Claim the answer; False if it was already given or handed on."""
        with self._lock:
            if self._settled:
                return False
            self._settled = True
            return True

    def give(
        self, status: str, reason: str, physical_id: str, data: Mapping[str, str] | None = None
    ) -> None:
        """PUT the answer, unless one was given or handed on already."""
        if not self._settle():
            return
        body = self._request.body(status, reason, physical_id, data or {})
        delivered = deliver(self._request.target, body, self._time_left, logger.warning, self._send)
        outcome = {"status": status, "physical_id": physical_id, "delivered": delivered}
        logger.info(
            "Answered CloudFormation", extra={**outcome, "reason": reason} if reason else outcome
        )

    def fail(self, reason: str) -> None:
        """Answer FAILED with the request's own id (or one derived from it)."""
        self.give(FAILED, reason, self._request.failure_id)

    def hand_off(self, start: Callable[[], None]) -> bool:
        """Start the next invocation, which will answer, unless an answer was given already;
        whether it was started. If it surely was not, raise (the caller answers FAILED). If it
        may have been (the request went out, its answer did not come back), stay silent: a
        FAILED from here could contradict the new invocation's answer."""
        if not self._settle():
            return False
        try:
            start()
        except HandOffUncertain as error:
            logger.warning("The hand-off may not have been queued", extra={"error": str(error)})
            return False
        except Exception:
            with self._lock:
                self._settled = False
            raise
        return True


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
    ) -> None:
        self._apply = apply
        self._region = region
        self._hosts = frozenset(extra_hosts)
        self._can_hand_off = hand_off is not None
        self._hand_off = hand_off or no_lambda_service
        self._clock = clock
        self._call = call

    def __call__(self, event: Any, context: Any) -> None:
        """Answer one request; never raises (an error would only trigger Lambda's async retries)."""
        try:
            self._dispatch(event, context)
        except Exception:  # noqa: BLE001 - never escape; the answer's own guard has answered
            logger.exception("Unexpected error")
        try:
            flush()
        except Exception:  # noqa: BLE001 - metrics must not turn an answer into a retry
            logger.exception("Could not write the metrics")

    def _dispatch(self, event: Any, context: Any) -> None:
        """Read the request, start the watchdog, and answer (or hand the answer on)."""
        remaining = seconds_left(context)
        try:
            request = read_request(event, self._hosts, self._clock(), self._region)
        except NoAnswer as refusal:
            logger.error(f"Not acting on this request: {refusal}")
            return
        logger.append_keys(**request.log_keys())
        answer = Answer(request, lambda: seconds_left(context) - PUT_MARGIN)
        timetable = self._plan(request, remaining)
        logger.debug("Planned the invocation", extra=timetable._asdict())
        watchdog = threading.Timer(timetable.watchdog_after, self._time_out, (answer,))
        watchdog.daemon = True
        watchdog.start()
        try:
            self._answer(request, timetable, answer, context)
        except Exception:
            answer.fail("Internal error; see the function's logs")  # a bug still gets an answer
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
            hand_off=HAND_OFF_CALL if self._can_hand_off else None,
            signed=request.target.signature.signed,
            updated=carried.updated if carried else False,
        )

    @staticmethod
    def _time_out(answer: Answer) -> None:
        """The watchdog: answer FAILED when Lambda's end is near and nothing has answered."""
        logger.error("The invocation is about to time out; answering FAILED")
        count_failure("OutOfTime")
        answer.fail(OUT_OF_TIME)

    def _answer(self, request: Request, timetable: Plan, answer: Answer, context: Any) -> None:
        """Refuse a request that cannot be acted on, else let crhelper run the operation."""
        if request.problem:
            logger.warning("Request refused", extra={"reason": request.problem.reason})
            count_failure(request.problem.cause)
            answer.fail(request.problem.reason)
            return

        def operation() -> tuple[str, Mapping[str, str]]:
            """This request's operation, as crhelper calls it."""
            return self._operate(request, timetable, answer, context)

        sent = crhelper_runner.run(request.envelope(), context, operation)
        answer.give(sent.status, sent.reason, sent.physical_id, sent.data)

    def _operate(
        self, request: Request, timetable: Plan, answer: Answer, context: Any
    ) -> tuple[str, Mapping[str, str]]:
        """The physical id and attributes of a successful request; raises RequestFailed with
        the Reason otherwise. Delete (no properties to apply) leaves the solution as it is."""
        if request.resource is None:
            return request.failure_id, {}
        settings = request.resource.settings
        try:
            applied = self._apply(settings, timetable, request.carried, request.previous)
        except Continue as carry:
            self._continue(request, answer, carry, context)
            return request.failure_id, {}  # dropped: the answer was handed on
        except RequestFailed as failure:
            logger.warning("Request failed", extra={"reason": str(failure)})
            count_failure(failure.cause)
            raise
        except Exception as error:  # noqa: BLE001 - a bug gets a Reason a person can act on
            logger.exception("Unexpected error")
            count_failure("InternalError")
            reason = f"Internal error ({type(error).__name__}); see the function's logs"
            raise RequestFailed(reason, "InternalError") from None
        record(applied)
        return request.success_id(settings.solution_arn), applied.data

    def _continue(self, request: Request, answer: Answer, carry: Continue, context: Any) -> None:
        """Hand the wait to a new invocation; raise RequestFailed if Lambda refused it."""
        payload = request.continued(carry.carried)
        try:
            started = answer.hand_off(lambda: self._hand_off(payload, context.invoked_function_arn))
        except Exception as error:  # noqa: BLE001 - any refusal becomes a FAILED answer
            count_failure("HandOffFailed")
            reason = f"{carry}; could not continue in a new invocation ({error})"
            raise RequestFailed(reason, "HandOffFailed") from None
        if started:
            logger.info("Handed the wait to a new invocation", extra=carry.carried.to_json())
