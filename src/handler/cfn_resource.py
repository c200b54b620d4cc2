"""crhelper's dispatch and timeout watchdog, with its known flaws neutralised.

What we keep from crhelper.CfnResource: the create/update/delete registry, turning an exception
into FAILED, and the watchdog that answers before Lambda's timeout. What we replace (see
shared/notes/library-flaws.md): its sender (HTTPS-only, endless, status unchecked), its random
physical ids, its DEBUG event/URL logging and its 120 s sleep on Delete.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from crhelper import CfnResource

from lifecycle import Carried, Continue, Outcome, RequestFailed
from logs import logger
from response import RefusedURL, ResponseTarget, build_body, check_url, deliver
from telemetry import count_failure

HandOff = Callable[[Mapping[str, Any], Any, Carried], None]
SUCCESS = "SUCCESS"
FAILED = "FAILED"
REQUEST_TYPES = ("Create", "Update", "Delete")
ENVELOPE_FIELDS = ("StackId", "RequestId", "LogicalResourceId")
WATCHDOG_LEAD = 3.0  # seconds before Lambda's timeout that the watchdog answers (crhelper: 0.5)


def envelope_problem(event: Mapping[str, Any]) -> str | None:
    """Why this event is not a CloudFormation request we can act on, or None."""
    request_type = event.get("RequestType")
    if request_type not in REQUEST_TYPES:
        return f"Unsupported RequestType {request_type!r}; expected Create, Update or Delete"
    missing = [name for name in ENVELOPE_FIELDS if not isinstance(event.get(name), str)]
    if request_type != "Create" and not isinstance(event.get("PhysicalResourceId"), str):
        missing.append("PhysicalResourceId")
    if missing:
        return f"The request lacks {', '.join(missing)}"
    return None


def seconds_left(context: Any) -> float:
    """The invocation's remaining time, from Lambda's context, in seconds."""
    return float(context.get_remaining_time_in_millis()) / 1000


def fallback_physical_id(event: Mapping[str, Any]) -> str:
    """The id of a request that failed before it had one: the event's own, else one derived from
    RequestId, so that a duplicate delivery gets the same id and the rollback Delete has one."""
    physical_id = event.get("PhysicalResourceId")
    if isinstance(physical_id, str) and physical_id:
        return physical_id
    return f"create-failed-{event.get('RequestId', 'unknown')}"


class CustomResource(CfnResource):
    """One request in, exactly one bounded response out (none to a URL we do not trust)."""

    def __init__(self, extra_hosts: Iterable[str], hand_off: HandOff | None = None) -> None:
        # log_level WARNING: crhelper logs the whole event at DEBUG, URL included (library-flaws).
        # sleep_on_delete=0: crhelper otherwise sleeps (and bills) 120 s on every Delete.
        super().__init__(log_level="WARNING", boto_level="WARNING", sleep_on_delete=0)
        # ...and pinned on crhelper's own logger, so a root logger at DEBUG cannot bring it back.
        logging.getLogger("crhelper").setLevel(logging.WARNING)
        # crhelper builds lambda/events/logs clients for its poller, which we do not use; a failure
        # there must not fail every request (Delete included), as its init_failure would.
        self._init_failed = None
        self._extra_hosts = frozenset(extra_hosts)
        self._hand_off = hand_off
        self._handed_off = False
        self._target: ResponseTarget | None = None
        self._answered = False
        self._lock = threading.Lock()

    def serve(
        self,
        create: Callable[[Mapping[str, Any], float], Outcome],
        update: Callable[[Mapping[str, Any], float], Outcome],
        delete: Callable[[Mapping[str, Any]], Outcome],
        reserve: float,
    ) -> None:
        """Register the operations; each may spend the time left less `reserve` (for answering)."""

        def time_left(context: Any) -> float:
            return seconds_left(context) - reserve

        def wrap(operation: Callable[[Mapping[str, Any], Any], Outcome]) -> Callable[..., str]:
            def run(event: Mapping[str, Any], context: Any) -> str:
                try:
                    outcome = operation(event, context)
                except Continue as carry:
                    return self._continue(event, context, carry)
                except RequestFailed as failure:
                    # An expected refusal: answered FAILED without crhelper's traceback logging.
                    logger.warning("Request failed", extra={"reason": str(failure)})
                    return self._fail(str(failure))
                except Exception as error:  # noqa: BLE001 - a bug must still get a clear answer
                    # Not crhelper's catch-all: its Reason is str(error), which can be empty.
                    logger.exception("Unexpected error")
                    name = type(error).__name__
                    return self._fail(f"Internal error ({name}); see the function's logs")
                self.Data = outcome.data
                return outcome.physical_id

            return run

        self.create(wrap(lambda event, context: create(event, time_left(context))))
        self.update(wrap(lambda event, context: update(event, time_left(context))))
        self.delete(wrap(lambda event, context: delete(event)))

    def _continue(self, event: Mapping[str, Any], context: Any, carry: Continue) -> str:
        """Hand the wait to a new invocation, which will answer; if that is impossible (no
        hand-off, e.g. under sam local, or Lambda refuses), answer FAILED with the reason now.
        Never after an answer: the watchdog may have sent one, and a chain would send another."""
        if self._hand_off is None:
            count_failure("Timeout")
            return self._fail(str(carry))
        with self._lock:
            if self._answered:
                return ""
            self._handed_off = True  # from here the watchdog stays silent: the chain answers
        try:
            self._hand_off(event, context, carry.carried)
        except Exception as error:  # noqa: BLE001 - any refusal becomes a FAILED answer
            with self._lock:
                self._handed_off = False
            count_failure("HandOffFailed")
            return self._fail(f"{carry}; could not continue in a new invocation ({error})")
        logger.info("Handed the wait to a new invocation", extra=carry.carried.to_json())
        return ""

    def _fail(self, reason: str) -> str:
        """Mark this request FAILED with reason; the empty id makes crhelper fill in the id."""
        self.Status, self.Reason = FAILED, reason
        return ""

    def __call__(self, event: Any, context: Any) -> None:
        """Check the URL and the envelope, then let crhelper dispatch."""
        self._answered = False
        self._handed_off = False
        self._context = context
        self._event = event if isinstance(event, Mapping) else {}
        try:
            self._target = check_url(self._event.get("ResponseURL"), self._extra_hosts)
        except RefusedURL as refusal:
            logger.error(f"Not acting on this request: {refusal}")
            return
        problem = envelope_problem(self._event)
        if problem:
            self.PhysicalResourceId = ""
            self._send(FAILED, problem)
            return
        super().__call__(self._event, context)

    def _set_timeout(self) -> None:
        """crhelper's watchdog, started WATCHDOG_LEAD s before the end to leave time for the PUT."""
        lead_time = seconds_left(self._context) - WATCHDOG_LEAD
        self._timer = threading.Timer(max(0.0, lead_time), self._timeout)
        self._timer.daemon = True
        self._timer.start()

    def _timeout(self) -> None:
        """Answer FAILED with a reason a person can act on, when the time is nearly gone."""
        logger.error("The invocation is about to time out; answering FAILED")
        self._send(
            FAILED,
            "The function ran out of time while waiting for Personalize to answer; "
            "see the function's logs, and retry the stack operation",
        )

    def generate_physical_id(self, event: Mapping[str, Any]) -> str:
        """Replaces crhelper's random id (which would make every retry a different resource)."""
        return fallback_physical_id(event)

    def _send(self, status: str | None = None, reason: str = "", send_response: Any = None) -> None:
        """Answer once per invocation, whoever asks first (the handler or the watchdog)."""
        with self._lock:
            if self._answered or self._handed_off or self._target is None:
                return
            self._answered = True
        status = status or self.Status
        reason = reason if reason else str(self.Reason)
        physical_id = self.PhysicalResourceId
        if not isinstance(physical_id, str) or not physical_id:
            physical_id = fallback_physical_id(self._event)
        data = self.Data if status == SUCCESS else {}
        body = build_body(self._event, status, reason, physical_id, data)
        context = self._context

        def time_left() -> float:
            return seconds_left(context) - 0.2

        delivered = deliver(self._target, body, time_left, logger.warning)
        logger.info(
            "Answered CloudFormation",
            extra={"status": status, "physical_id": physical_id, "delivered": delivered},
        )
