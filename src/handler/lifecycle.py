"""What Create, Update and Delete do to a solution: the adapter, the decisions and the waiter.

Each operation returns (physical id, attributes) or raises RequestFailed with a Reason for
CloudFormation. Nothing here knows about crhelper or HTTP.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from logs import logger
from properties import DesiredSettings, InvalidProperties, ResourceRequest, parse_properties
from reconcile import Phase, attributes, busy_reason, differences, progress_of, unusable_reason
from solution import (
    PersonalizeSolutions,
    ServiceRejected,
    SolutionBusy,
    SolutionGone,
    SolutionState,
    Transient,
)
from waiter import PATIENT, PROMPT, Deadline, PollPolicy, Retry, TimedOut, wait_for

CLOUDFORMATION_MARGIN = 5.0  # CloudFormation's ServiceTimeout clock started before we were invoked
CONFIRM_DELAY = 1.0  # seconds between the two reads that must agree before an UpdateSolution call
CARRY_KEY = "PersonalizeSolutionUpdateWait"  # where a continued invocation finds its state
# A chain covers ServiceTimeout (at most 3600 s) in 900 s invocations: about 5. More means a
# marker that lies (about its start, say), so the chain stops there and answers.
MAX_HOPS = 8


@dataclass(frozen=True)
class Carried:
    """A wait carried into the next invocation: when the first one began (CloudFormation's
    ServiceTimeout counts from there), whether UpdateSolution was already called, the stale-read
    baseline, and how many invocations came before. Small and JSON-able."""

    first: float
    updated: bool = False
    baseline: datetime | None = None
    hops: int = 0

    def to_json(self) -> dict[str, Any]:
        """The form that travels in the event."""
        return {
            "first": self.first,
            "updated": self.updated,
            "baseline": self.baseline.isoformat() if self.baseline else None,
            "hops": self.hops,
        }

    @classmethod
    def from_event(cls, event: Mapping[str, Any]) -> Carried | None:
        """The carried state of a continued invocation; None for a request from CloudFormation
        (or a marker too malformed to trust, which then starts afresh and safely)."""
        raw = event.get(CARRY_KEY)
        if not isinstance(raw, Mapping):
            return None
        try:
            baseline = raw.get("baseline")
            return cls(
                first=float(raw["first"]),
                updated=raw.get("updated") is True,
                baseline=datetime.fromisoformat(baseline) if isinstance(baseline, str) else None,
                hops=int(raw.get("hops", 0)),
            )
        except (KeyError, TypeError, ValueError):
            return None


class Continue(Exception):
    """This invocation's time is nearly up, CloudFormation's is not: carry the wait on in a new
    invocation. The message is the Reason to answer with if that cannot be done."""

    def __init__(self, reason: str, carried: Carried) -> None:
        super().__init__(reason)
        self.carried = carried


class RequestFailed(Exception):
    """The request cannot succeed; the message is the Reason CloudFormation shows, and `cause`
    a short name for metrics (InvalidProperties, SolutionNotFound, UpdateFailed, ...)."""

    def __init__(self, reason: str, cause: str) -> None:
        super().__init__(reason)
        self.cause = cause


@dataclass(frozen=True)
class Applied:
    """What applying a request did: the attributes, whether UpdateSolution was called, and the
    seconds spent waiting for Personalize."""

    data: dict[str, str]
    updated: bool = False
    waited: float = 0.0


@dataclass(frozen=True)
class Outcome:
    """A successful answer: the physical id, the Fn::GetAtt attributes, and what it took."""

    physical_id: str
    applied: Applied

    @property
    def data(self) -> dict[str, str]:
        """The Fn::GetAtt attributes."""
        return self.applied.data


@dataclass(frozen=True)
class Started:
    """The first phase's result: the state read, and whether (and after what) we updated."""

    state: SolutionState
    updated: bool
    baseline: datetime | None = None


@contextmanager
def waiting_terms(call: str) -> Iterator[None]:
    """The adapter's failures as the waiter understands them: a transient one is retried (and
    backs off), a missing solution or a refusal fails the request. SolutionBusy passes through:
    only UpdateSolution reports it, and its caller says what it waits for."""
    try:
        yield
    except Transient as error:
        raise Retry(f"Personalize to {call} (last error {error})", transient=True) from None
    except SolutionGone as error:
        raise RequestFailed(str(error), "SolutionNotFound") from None
    except ServiceRejected as error:
        raise RequestFailed(str(error), "Rejected") from None


@dataclass
class SolutionUpdater:
    """Applies requests to solutions; the client, clock, sleep and polling are injectable.

    `policy` paces the wait for an update this invocation started: its interval bounds how late
    we answer. `patient` paces every other wait (a busy solution, an update started by an
    earlier invocation), where fewer calls matter more than seconds. `call_budget` is the most
    one Personalize call can take, retries included: no call starts later than that before the
    invocation's end, so none outlives it (a timed-out invocation is retried by Lambda from the
    start, after the watchdog has answered).
    """

    solutions: PersonalizeSolutions
    policy: PollPolicy = PROMPT
    patient: PollPolicy = PATIENT
    clock: Callable[[], float] = time.time  # wall clock: deadlines span invocations
    sleep: Callable[[float], None] = time.sleep
    confirm_delay: float = CONFIRM_DELAY
    call_budget: float = 0.0

    def create(self, event: Mapping[str, Any], time_left: float) -> Outcome:
        """Apply the properties to the solution; the physical id is the solution ARN."""
        request = self._parse(event.get("ResourceProperties"))
        applied = self._apply(request, time_left, Carried.from_event(event))
        return Outcome(request.settings.solution_arn, applied)

    def update(self, event: Mapping[str, Any], time_left: float) -> Outcome:
        """Apply the new properties; a changed SolutionArn means replacement (a new id)."""
        request = self._parse(event.get("ResourceProperties"))
        applied = self._apply(request, time_left, Carried.from_event(event))
        old = event.get("OldResourceProperties")
        old_arn = old.get("SolutionArn") if isinstance(old, Mapping) else None
        physical_id = event.get("PhysicalResourceId")
        if old_arn != request.settings.solution_arn or not isinstance(physical_id, str):
            physical_id = request.settings.solution_arn
        return Outcome(physical_id, applied)

    @staticmethod
    def delete(event: Mapping[str, Any]) -> Outcome:
        """Delete leaves the solution as it is: its settings are the solution's, not ours."""
        physical_id = event.get("PhysicalResourceId")
        return Outcome(physical_id if isinstance(physical_id, str) else "", Applied({}))

    @staticmethod
    def _parse(properties: object) -> ResourceRequest:
        try:
            return parse_properties(properties)
        except InvalidProperties as error:
            raise RequestFailed(f"Invalid properties: {error}", "InvalidProperties") from None

    def _apply(
        self, request: ResourceRequest, time_left: float, carried: Carried | None
    ) -> Applied:
        """Start (unless a previous invocation did) and wait. The deadline is the earlier of
        CloudFormation's (ServiceTimeout from the first invocation) and this invocation's end;
        when only the latter is reached, raise Continue to go on in a new invocation."""
        now = self.clock()
        fresh = carried is None
        carried = carried or Carried(first=now)
        first = min(carried.first, now)  # a marker from the future would extend the deadline
        # The last call may start at either deadline and run call_budget: both keep room for it.
        overall = first + request.service_timeout - CLOUDFORMATION_MARGIN - self.call_budget
        this_invocation = now + time_left - self.call_budget
        if fresh and overall <= now:
            raise RequestFailed(
                f"ServiceTimeout {request.service_timeout} s leaves no time for one Personalize "
                f"call ({self.call_budget:.0f} s) and the answer; raise ServiceTimeout",
                "Timeout",
            )
        if this_invocation <= now < overall:
            raise RequestFailed(
                f"The invocation had {max(0.0, time_left):.0f} s left, less than one Personalize "
                f"call may take ({self.call_budget:.0f} s); raise the function's timeout",
                "Timeout",
            )
        deadline = Deadline(min(overall, this_invocation), self.clock)
        updated, baseline, state = carried.updated, carried.baseline, None
        try:
            if not updated:
                started = wait_for(
                    lambda: self._start(request, deadline),
                    deadline,
                    self.patient,
                    self.sleep,
                    purpose="the solution to be read and, if needed, updated",
                )
                updated, baseline, state = started.updated, started.baseline, started.state
            if updated:
                state = wait_for(
                    lambda: self._settled(request.settings, baseline),
                    deadline,
                    self.patient if carried.updated else self.policy,
                    self.sleep,
                    purpose="the solution update to finish",
                    pause_first=not carried.updated,
                    backoff=self.patient,
                )
        except TimedOut as error:
            waited = self.clock() - first
            reason = f"Gave up after {waited:.0f} s waiting for {error.waiting_for}"
            if this_invocation < overall and carried.hops < MAX_HOPS:
                hops = carried.hops + 1
                raise Continue(reason, Carried(first, updated, baseline, hops)) from None
            raise RequestFailed(reason, "Timeout") from None
        assert state is not None
        return Applied(attributes(state), updated, self.clock() - first)

    def _describe(self, arn: str) -> SolutionState:
        """DescribeSolution, with its failures turned into the waiter's terms."""
        with waiting_terms("answer DescribeSolution"):
            return self.solutions.describe(arn)

    def _ready_state(self, arn: str) -> SolutionState:
        """A read of a solution that can be updated now (Retry while it is busy)."""
        state = self._describe(arn)
        reason = unusable_reason(state)
        if reason:
            raise RequestFailed(reason, "SolutionUnusable")
        busy = busy_reason(state)
        if busy:
            raise Retry(busy)
        return state

    def _start(self, request: ResourceRequest, deadline: Deadline) -> Started:
        """Start an update unless the solution already has the settings (a no-op).

        "Update needed" costs the user a training run, so it is confirmed by a second read
        `confirm_delay` later: a lagging read can hide the update that already applied them.
        Neither that read nor UpdateSolution starts past the deadline or after an answer.
        """
        settings = request.settings
        state = self._ready_state(settings.solution_arn)
        changed = differences(settings, state.settings)
        if changed and self.confirm_delay:
            self._check_time(deadline, needed=self.confirm_delay)
            self.sleep(self.confirm_delay)
            state = self._ready_state(settings.solution_arn)
            changed = differences(settings, state.settings)
        if not changed:
            logger.info("Solution already has the requested settings; no update made")
            return Started(state, updated=False)
        self._check_time(deadline)
        logger.info("Updating solution", extra={"changed": changed})
        try:
            with waiting_terms("accept UpdateSolution"):
                self.solutions.update(settings)
        except SolutionBusy as error:
            raise Retry(f"the solution to stop being busy ({error})") from None
        baseline = state.latest_update.created if state.latest_update else None
        return Started(state, updated=True, baseline=baseline)

    @staticmethod
    def _check_time(deadline: Deadline, needed: float = 0.0) -> None:
        """Before a call that must not start late (the deadline passes before the watchdog can
        answer): unless more than `needed` s are left, ask for another try, which the waiter
        refuses past the deadline."""
        if deadline.remaining() <= needed:
            raise Retry("enough time left to start the update")

    def _settled(self, settings: DesiredSettings, baseline: datetime | None) -> SolutionState:
        """One check of the update we started: the state once it is ACTIVE, RequestFailed if it
        failed, Retry while it is pending."""
        state = self._describe(settings.solution_arn)
        progress = progress_of(state, settings, baseline)
        if progress.phase is Phase.SUCCEEDED:
            return state
        if progress.phase is Phase.FAILED:
            reason = f"Solution update failed: {progress.failure_reason}"
            raise RequestFailed(reason, "UpdateFailed")
        raise Retry(f"the solution update to finish (last status {progress.status})")
