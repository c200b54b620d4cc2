"""What Create and Update do to a solution: start an update unless it already has the settings,
then wait for that update to settle. Delete does nothing to it (its settings are the solution's).

`SolutionUpdater.apply` reads as the plan, the start and the settle. It returns what was applied, or
raises RequestFailed (a Reason for CloudFormation) or Continue (this invocation's time is up, the
request's is not). It speaks to Personalize through port.PersonalizeSolutions (solution.py's adapter
in Lambda, an in-memory fake in tests). Nothing here knows about CloudFormation's event or HTTP.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from budget import PATIENT, PROMPT, SIGNING_TRUNCATION, TWIN_GRACE, Plan
from continuation import Carried
from logs import logger
from outcomes import Applied, Continue, RequestFailed
from port import (
    ACTIVE,
    CREATE_FAILED,
    PersonalizeSolutions,
    ServiceRejected,
    SolutionBusy,
    SolutionGone,
    SolutionState,
    Transient,
    Uncertain,
    UpdateRecord,
)
from reconcile import (
    UNSHOWABLE,
    Phase,
    Sighting,
    attributes,
    busy_reason,
    differences,
    known_settings,
    progress_of,
    property_names,
    settled_settings,
    twin_update,
    unusable_reason,
)
from solution_rules.limits import CONFIRM_DELAY
from solution_rules.properties import DesiredSettings, Settings
from solution_rules.records import NamedTuple
from waiter import Deadline, Pacer, PollPolicy, Retry, TimedOut, wait_for

# What a person can do when the wait runs out, by what it was waiting for; the plan adds what to
# raise for a longer wait (Plan.remedy).
THROTTLED = "Personalize kept throttling or failing the calls: retry later"
IN_USE = (
    "the solution stayed in use (another update, or a solution version training): retry when "
    "it is idle"
)
NOT_READY = "retry when the solution is ACTIVE"
REPLACED = (
    "Another update of the solution replaced ours before its outcome could be checked (the "
    "latest is {status}), and the settings asked are not proven in force: retry the stack "
    "operation once no one else updates the solution"
)
STILL_UPDATING = (
    "the update may still finish: check the solution's latestSolutionUpdate before you retry"
)
# What a read in the start shows of updates made since CloudFormation sent the request.
TWIN = "an update identical to this request's, made after CloudFormation sent it (most likely by "
TWIN += "an earlier delivery of this same request)"
UNPROVEN_TWIN = (
    f"The latest solution update is {TWIN}, and it is ACTIVE, but what DescribeSolution shows "
    "cannot prove its settings in force; no second update was made, as it would start another "
    "training run: check the solution's settings, then retry the stack operation"
)
CHANGED_SINCE_SENT = (
    "The solution was updated after CloudFormation sent this request (latest update created "
    "{created}, {status}), by someone else or by a later stack operation after an earlier "
    "delivery of this request was answered; no update was made, so as not to undo it: if the "
    "stack operation is still in progress, retry it once no one else updates the solution"
)
# Failures after our UpdateSolution that leave nothing of it to take effect: Personalize failed
# the update (the solution keeps its previous settings), or the solution is gone.
NOTHING_CHANGED = frozenset({"UpdateFailed", "SolutionNotFound"})


class Started(NamedTuple):
    """The start's result: the state read and what it proves, and whether we made an update,
    after which update (its creation time; None when the solution had never been updated)."""

    state: SolutionState
    known: Settings
    updated: bool = False
    baseline: datetime | None = None


def _echoes(state: SolutionState, sent: Settings) -> bool:
    """Whether the latest update's summary shows every field of `sent` with its value, none of
    them one a reading may hide (so the echo can be checked at all)."""
    update = state.latest_update
    fields = {name for name, value in sent._asdict().items() if value is not None}
    return update is not None and not fields & UNSHOWABLE and not differences(sent, update.shown)


@contextmanager
def waiting_terms(call: str) -> Iterator[None]:
    """The adapter's failures as the waiter understands them: a transient one is retried (and
    backs off), a missing solution or a refusal fails the request. SolutionBusy passes through:
    only UpdateSolution reports it, and its caller says what it waits for."""
    try:
        yield
    except Transient as error:
        message = f"Personalize to {call} (last error {error})"
        raise Retry(message, advice=THROTTLED, transient=True, throttled=error.throttled) from None
    except SolutionGone as error:
        raise RequestFailed(str(error), "SolutionNotFound") from None
    except ServiceRejected as error:
        raise RequestFailed(str(error), "Rejected") from None


@contextmanager
def recorded(made: list[Settings], asked: Settings) -> Iterator[None]:
    """Add `asked` to `made` once UpdateSolution accepted it, or may have (Uncertain: its answer
    was lost); a refusal adds nothing."""
    try:
        yield
    except Uncertain:
        made.append(asked)
        raise
    made.append(asked)


def require_time(deadline: Deadline, needed: float = 0.0) -> None:
    """Before a call that must not start late: unless more than `needed` s are left, ask for
    another try, which the waiter refuses past the deadline. Nothing was changed then, so a
    person may simply retry; budget.plan refuses at once the timeouts too short to ever start."""
    if deadline.remaining() <= needed:
        advice = "no update was started: retry the stack operation"
        raise Retry("enough time left to start the update", advice=advice, incidental=True)


def _since_sent(
    state: SolutionState, twin: UpdateRecord | None, sent: datetime, now: datetime
) -> None:
    """Refuse to update a solution whose latest update was made after CloudFormation sent the
    request, unless that update is this request's twin still in progress (then the caller waits
    for it). A twin (it fits the request: an earlier delivery's, or this invocation's own whose
    answer was lost) is never made again: its failure is the request's, and if it is ACTIVE yet
    proves nothing, the request fails rather than pay for a second training run or claim what
    is unproven, once TWIN_GRACE has passed since it settled (the earlier delivery answers
    first, and CloudFormation takes the first answer). Another update (someone else's, or a
    later stack operation's, such as the rollback after an earlier delivery of this request
    failed) must not be undone."""
    latest = state.latest_update
    if latest is None or latest.created <= sent:
        return
    if twin is None:
        created = latest.created.isoformat(timespec="seconds")
        reason = CHANGED_SINCE_SENT.format(created=created, status=latest.status)
        raise RequestFailed(reason, "ChangedSinceSent")
    if twin.status == CREATE_FAILED:
        cause = twin.failure_reason or "no reason given"
        raise RequestFailed(f"Solution update failed: {cause} ({TWIN})", "UpdateFailed")
    if twin.status == ACTIVE and now < twin.last_updated + timedelta(seconds=TWIN_GRACE):
        raise Retry("the earlier delivery of this request to answer", advice=UNPROVEN_TWIN)
    if twin.status == ACTIVE:
        raise RequestFailed(UNPROVEN_TWIN, "UpdateUnproven")


class SolutionUpdater:
    """Applies requests to solutions; the client, clock, sleep and polling are injectable.

    `prompt` paces the wait for an update this invocation started: its interval bounds how late
    we answer. `patient` paces every other wait (a busy solution, an update started by an earlier
    invocation), where fewer calls matter more than seconds; its cap also bounds how far
    throttling stretches any interval.

    A plain class, not a dataclass: nothing compares or prints one, and a dataclass costs every
    cold start the compiling of its generated methods.
    """

    def __init__(
        self,
        solutions: PersonalizeSolutions,
        clock: Callable[[], float] = time.time,  # wall clock: deadlines span invocations
        sleep: Callable[[float], None] = time.sleep,
        confirm_delay: float = CONFIRM_DELAY,
        prompt: PollPolicy = PROMPT,
        patient: PollPolicy = PATIENT,
        jitter: Callable[[], float] = random.random,  # spreads waits throttled together
    ) -> None:
        self.solutions = solutions
        self.clock = clock
        self.sleep = sleep
        self.confirm_delay = confirm_delay
        self.prompt = prompt
        self.patient = patient
        self.jitter = jitter

    def apply(
        self,
        desired: DesiredSettings,
        plan: Plan,
        carried: Carried | None,
    ) -> Applied:
        """Start an update (unless an earlier invocation did, or none is needed) and wait for it
        until `plan.wait_until`; then hand the wait on if the plan allows, else fail. A failure
        (or a hand-off) says whether an update of this request may change, or have changed, the
        solution (update_started): one was accepted here or by an earlier invocation, or may
        have been, or a twin of it runs, and it is not known to have left the solution as it
        was."""
        made: list[Settings] = []
        try:
            return self._apply(desired, plan, carried, made)
        except RequestFailed as error:
            started = bool(made) or (carried is not None and carried.updated)
            if not started or error.cause in NOTHING_CHANGED:
                raise
            raise RequestFailed(str(error), error.cause, update_started=True) from None
        except Continue as handed:
            if not made:
                raise
            reason, onward = handed.handover.reason, handed.handover.carried
            raise Continue(reason, onward, update_started=True) from None

    def _apply(
        self,
        desired: DesiredSettings,
        plan: Plan,
        carried: Carried | None,
        made: list[Settings],
    ) -> Applied:
        """apply's plan, start and settle; `made` gets each UpdateSolution call that was, or may
        have been, accepted."""
        if plan.refusal:
            raise RequestFailed(plan.refusal, "Timeout")
        wait = carried or Carried(first=plan.first)
        deadline = Deadline(plan.wait_until, self.clock)
        pacer = Pacer(self.patient.cap, self.jitter)
        # When CloudFormation surely sent the request: its signing time counts whole seconds.
        sent = datetime.fromtimestamp(plan.first + SIGNING_TRUNCATION, UTC)
        if plan.late:
            return self._read_only(desired, plan, deadline, pacer, sent, made)
        started_here = not wait.updated
        # The first update created after the baseline that a check saw, carried across hops.
        seen: list[Sighting] = [wait.seen] if wait.seen else []
        try:
            if started_here:
                started = self._start(desired, deadline, pacer, sent, made)
                if not started.updated:
                    return self._applied(started.state, started.known, False, plan)
                wait = wait.after_update(started.baseline)
            state = self._settle(desired, wait, seen, deadline, pacer, started_here=started_here)
        except TimedOut as error:
            waited = self.clock() - plan.first
            advice = ", or ".join(filter(None, (error.advice, plan.remedy(wait.updated))))
            reason = f"Gave up after {waited:.0f} s waiting for {error.waiting_for}; {advice}"
            if plan.may_hand_off(wait.updated):
                raise Continue(reason, wait.next_hop(seen[-1] if seen else None)) from None
            raise RequestFailed(reason, "Timeout") from None
        return self._applied(state, settled_settings(state, desired.asked), True, plan)

    def _read_only(
        self,
        desired: DesiredSettings,
        plan: Plan,
        deadline: Deadline,
        pacer: Pacer,
        sent: datetime,
        made: list[Settings],
    ) -> Applied:
        """A request too late to update the solution, often a duplicate delivery of one an
        earlier invocation is still seeing through: never UpdateSolution, only reads until the
        deadline. SUCCESS once the settings asked are proven in force; while an update is in
        flight, or none is, read again (the original may yet make or finish its update);
        FAILED with `late` when the deadline comes first. A twin seen (the original's update)
        goes to `made`, as in a start."""
        late = plan.late or ""

        def in_force() -> tuple[SolutionState, Settings]:
            """The state once it proves the settings asked, else Retry."""
            state, known, changed = self._needed(desired, sent, made, judge=False)
            if changed:
                raise Retry("the settings asked to be in force", advice=late)
            return state, known

        try:
            state, known = wait_for(
                in_force,
                deadline,
                self.prompt,
                self.sleep,
                purpose="the settings asked to be in force",
                pacer=pacer,
            )
        except TimedOut:
            raise RequestFailed(late, "Timeout") from None
        logger.info("Solution has the requested settings; too late to update, none was needed")
        return self._applied(state, known, False, plan)

    def _applied(self, state: SolutionState, known: Settings, updated: bool, plan: Plan) -> Applied:
        """The result of a request that settled in `state`, with `known` settings."""
        return Applied(attributes(state, known), updated, self.clock() - plan.first)

    def _start(
        self,
        desired: DesiredSettings,
        deadline: Deadline,
        pacer: Pacer,
        sent: datetime,
        made: list[Settings],
    ) -> Started:
        """Read the solution (waiting while it is busy) and update it unless it is a no-op.
        `sent`: when CloudFormation sent the request; `made` gets each UpdateSolution call that
        was, or may have been, accepted."""
        return wait_for(
            lambda: self._try_start(desired, deadline, sent, made),
            deadline,
            self.patient,
            self.sleep,
            purpose="the solution to be read and, if needed, updated",
            advice="retry the stack operation",
            pacer=pacer,
        )

    def _settle(
        self,
        desired: DesiredSettings,
        wait: Carried,
        seen: list[Sighting],
        deadline: Deadline,
        pacer: Pacer,
        *,
        started_here: bool,
    ) -> SolutionState:
        """Wait for the update we started to be ACTIVE: promptly in the invocation that called
        UpdateSolution (whose first check waits an interval: it could only say "not yet"),
        patiently in the invocations that carry the wait on. `seen` holds what the checks saw
        of the first update created after the wait's baseline (updated by each check)."""
        return wait_for(
            lambda: self._check(desired, wait.baseline, seen, [wait.seen] if wait.seen else []),
            deadline,
            self.prompt if started_here else self.patient,
            self.sleep,
            purpose="the solution update to finish",
            advice=STILL_UPDATING,
            pause_first=started_here,
            pacer=pacer,
        )

    def _describe(self, arn: str) -> SolutionState:
        """DescribeSolution, with its failures turned into the waiter's terms."""
        with waiting_terms("answer DescribeSolution"):
            return self.solutions.describe(arn)

    def _needed(
        self,
        desired: DesiredSettings,
        sent: datetime,
        made: list[Settings],
        *,
        judge: bool = True,
    ) -> tuple[SolutionState, Settings, list[str]]:
        """A read of a solution that can be updated now, what it proves of the settings in
        force, and the fields asked for that it does not prove. Retry while it is busy (unless
        it proves them all: an update in progress does not change what is in force now);
        RequestFailed when it is unusable, or, when `judge`d before an update, was updated
        since CloudFormation `sent` the request (see `_since_sent`). A twin of the request that
        did not fail is added to `made`: the request's update may change the solution."""
        state = self._describe(desired.solution_arn)
        reason = unusable_reason(state)
        if reason:
            raise RequestFailed(reason, "SolutionUnusable")
        known = known_settings(state)
        changed = differences(desired.asked, known)
        twin = twin_update(state, desired.asked, sent)
        if twin and twin.status != CREATE_FAILED and not made:
            made.append(desired.asked)
        if changed and judge:
            _since_sent(state, twin, sent, datetime.fromtimestamp(self.clock(), UTC))
        busy = busy_reason(state)
        if busy and changed:
            raise Retry(busy, advice=IN_USE if state.status == "ACTIVE" else NOT_READY)
        return state, known, changed

    def _try_start(
        self,
        desired: DesiredSettings,
        deadline: Deadline,
        sent: datetime,
        made: list[Settings],
    ) -> Started:
        """One attempt to start: a no-op when the solution is known to have the settings.

        "Update needed" costs the user a training run, so it is confirmed by a second read
        `confirm_delay` later: a lagging read can hide the update that already applied them.
        Neither that read nor UpdateSolution starts past the deadline. Every field asked for
        is sent, so that the update's summary shows them all: later reads can then prove them.
        No update is made once the solution was updated since CloudFormation `sent` the request
        (`_since_sent`). An UpdateSolution accepted, or whose answer was lost, is added to `made`.
        """
        state, known, changed = self._needed(desired, sent, made)
        if changed and self.confirm_delay:
            require_time(deadline, needed=self.confirm_delay)
            self.sleep(self.confirm_delay)
            state, known, changed = self._needed(desired, sent, made)
        if not changed:
            logger.info("Solution already has the requested settings; no update made")
            return Started(state, known)
        require_time(deadline)
        logger.info("Updating solution", extra={"changed": property_names(changed)})
        try:
            with waiting_terms("accept UpdateSolution"), recorded(made, desired.asked):
                self.solutions.update(desired.solution_arn, desired.asked)
        except SolutionBusy as error:
            message = f"the solution to stop being busy ({error})"
            raise Retry(message, advice=IN_USE) from None
        baseline = state.latest_update.created if state.latest_update else None
        return Started(state, known, True, baseline)

    def _check(
        self,
        desired: DesiredSettings,
        baseline: datetime | None,
        seen: list[Sighting],
        carried: list[Sighting],
    ) -> SolutionState:
        """One check of the update we started: the state once it is ACTIVE (or a later update
        left the settings proven in force), RequestFailed if it failed or a later update hid
        its outcome, Retry while it is pending. `seen` keeps, from one check to the next, the
        creation time of the first update created after the baseline that a read showed."""
        state = self._describe(desired.solution_arn)
        progress = progress_of(state, desired.asked, baseline, seen[-1] if seen else None)
        if progress.phase is Phase.REPLACED and seen == carried and _echoes(state, desired.asked):
            # Seen only by an earlier invocation, ours was followed by an update that shows all
            # we send: most likely a duplicate delivery's of this very request. Judged as that
            # one, as when the sighting was not carried, rather than answer FAILED after the
            # duplicate's SUCCESS.
            progress = progress_of(state, desired.asked, baseline, None)
        if progress.seen is not None:
            seen[:] = [progress.seen]
        logger.debug(
            "Checked the update", extra={"phase": progress.phase.value, "status": progress.status}
        )
        if progress.phase is Phase.SUCCEEDED:
            return state
        if progress.phase is Phase.FAILED:
            reason = f"Solution update failed: {progress.failure_reason}"
            raise RequestFailed(reason, "UpdateFailed")
        if progress.phase is Phase.REPLACED:
            raise RequestFailed(REPLACED.format(status=progress.status), "UpdateReplaced")
        message = f"the solution update to finish (last status {progress.status})"
        raise Retry(message, advice=STILL_UPDATING)
