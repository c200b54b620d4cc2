"""Every timing rule of an invocation, as named numbers and pure arithmetic.

One request may span several invocations (a wait longer than 900 s carries on in a new one), so
two deadlines bound it: CloudFormation's (ServiceTimeout, counted from when it signed the
ResponseURL, or else from the first invocation) and this invocation's (Lambda's timeout). `plan()`
turns them into the moments that matter: the last moment a Personalize call may start, whether the
wait can then be handed on (decided by the phase it is in when it runs out), whether the request is
too late to do more than read, and when the watchdog answers.
Nothing here does I/O, so the invariants between these numbers are unit-tested directly.
"""

from __future__ import annotations

import math
from enum import StrEnum

from solution_rules.limits import (
    CLOUDFORMATION_MARGIN,
    PERSONALIZE_CALL,
    CallLimits,
    start_lead,
)
from solution_rules.records import NamedTuple
from waiter import PollPolicy

# After the wait: the answer and, when the wait goes on elsewhere, the hand-off.
ANSWER_RESERVE = 5.0  # seconds kept at the end of an invocation for the PUT to CloudFormation
PUT_MARGIN = 0.2  # the PUT stops retrying this long before Lambda's end
ANSWER_MIN = 2.0  # no other call starts once less than this and its worst case is left
HAND_OFF_ATTEMPTS = 3  # Invokes whose answer was lost, before the wait is given up
# Before Lambda's end, the watchdog answers FAILED if nothing else has (crhelper's lead is 0.5 s).
# Less than ANSWER_RESERVE: the wait's own deadline passes first, so no call starts after it.
WATCHDOG_LEAD = 3.0

# What a request loses on a normal day before the function starts: X-Amz-Date's whole seconds,
# Lambda's asynchronous queue, a cold start. A ServiceTimeout within this of the floor fails
# often, so retrying it is not the advice then.
NORMAL_LATENCY = 5.0
# X-Amz-Date has whole seconds: CloudFormation signed the ResponseURL up to this long after the
# time it shows, so the time counted from it may exceed the time gone by as much.
SIGNING_TRUNCATION = 1.0
# Clocks of different hosts (Lambda's, the one that signed the ResponseURL, an earlier
# invocation's) may differ a little; beyond this, a time "in the future" is not believed.
CLOCK_SKEW = 60.0
# A wait marker's start can be at most this old: ServiceTimeout's longest (3600 s) plus Lambda's
# longest queue time for an asynchronous event (6 h). Older is a forgery.
MAX_MARKER_AGE = 3600.0 + 6 * 3600.0
# A chain covers ServiceTimeout (at most 3600 s) in 900 s invocations: about 5. More means a
# marker that lies (about its start, say), so the chain stops there and answers.
MAX_HOPS = 8
# Lambda's recursive loop detection stops a chain of requests after about this many invocations
# (Lambda developer guide, "Lambda recursive loop detection",
# https://docs.aws.amazon.com/lambda/latest/dg/invocation-recursion.html); the stopped invocation
# answers nothing. A chain's MAX_HOPS + 1 invocations stay below it.
RECURSIVE_LOOP_LIMIT = 16
# What gives a wait that ran out more time: CloudFormation's deadline ends most; one that the
# chain's cap ends with that deadline still ahead only gets more in longer invocations.
RAISE_SERVICE_TIMEOUT = "raise ServiceTimeout"
RAISE_FUNCTION_TIMEOUT = (
    f"raise the function's timeout (a wait is carried through at most {MAX_HOPS + 1} "
    "invocations: this was the last, with ServiceTimeout not yet reached)"
)

# The wait itself.
# Every 2 s from the UpdateSolution call: the largest interval that keeps the promise to answer
# within 2 s of settling, so the fewest DescribeSolution calls that keep it.
PROMPT = PollPolicy(first=2.0, factor=1.0, cap=2.0)
# An update identical to the request's, made since CloudFormation sent it, that settled but proves
# nothing (lifecycle._since_sent) is most likely an earlier delivery's, which answers within a
# check or two (every PATIENT.cap s at most) and its PUT: its answer is let come first.
TWIN_GRACE = 60.0
# For waits with no latency promise (a busy solution, a throttled API, a wait carried into a new
# invocation): back off to one check per 30 s, so an hour of it makes ~125 checks, not ~1800.
PATIENT = PollPolicy(first=2.0, factor=1.5, cap=30.0)


# One attempt per Invoke, botocore never retrying on its own: after a lost 202, Answer.hand_off
# decides whether to ask again (a second chain is then a duplicate delivery).
HAND_OFF_CALL = CallLimits(attempts=1, connect=1.0, read=2.0)


class Onward(StrEnum):
    """What a wait that reaches `wait_until` unsettled does, and why."""

    HAND_OFF = "hand off"  # carries on in a new invocation
    ANSWER = "answer"  # no successor could make progress before CloudFormation's deadline, or
    # none can be started (no Lambda service, a refused or late request)
    CAPPED = "capped"  # the chain has made its MAX_HOPS hand-offs; that deadline allows more


class Plan(NamedTuple):
    """One invocation's timetable. Times on the injected clock (seconds since the epoch):
    `first` (when CloudFormation sent the request) and `wait_until` (no Personalize call
    starts after it). `onward`, `onward_checking`: what the wait does when it reaches
    `wait_until` still starting (UpdateSolution not yet called), or checking (called).
    `refusal`: why no call can be made at all. `late`: the request came too late to update the
    solution, but in time to read it (a duplicate of one another invocation may still see
    through): the Reason if the settings are not in force. Real seconds from the start of this
    invocation: `watchdog_after`."""

    now: float
    first: float
    wait_until: float
    onward: Onward
    refusal: str | None
    watchdog_after: float
    onward_checking: Onward = Onward.ANSWER
    late: str | None = None

    def onward_from(self, updated: bool) -> Onward:
        """What a wait that ran out of time does, by the phase its successor would start in:
        once UpdateSolution was called (`updated`), the successor only checks."""
        return self.onward_checking if updated else self.onward

    def may_hand_off(self, updated: bool) -> bool:
        """Whether a wait that ran out of time hands on."""
        return self.onward_from(updated) is Onward.HAND_OFF

    def remedy(self, updated: bool) -> str:
        """What a person can raise so that a wait that ran out here lasts longer: the function's
        timeout when the chain's cap ended it, ServiceTimeout when its deadline did; nothing
        when the wait is handed on (its Reason is given only if Lambda refuses that, and no
        timeout is then to blame)."""
        onward = self.onward_from(updated)
        if onward is Onward.HAND_OFF:
            return ""
        return RAISE_FUNCTION_TIMEOUT if onward is Onward.CAPPED else RAISE_SERVICE_TIMEOUT


def signing_anchor(signed: float | None, now: float) -> float | None:
    """When CloudFormation sent the request, from its ResponseURL's signing time, if that is
    sane: not later than `now` plus CLOCK_SKEW (a URL's expiry, checked before, bounds how old
    it is). None when absent or not sane: the request then counts from `now`."""
    if signed is None or signed > now + CLOCK_SKEW:
        return None
    return signed


def plan(
    *,
    now: float,
    remaining: float,
    service_timeout: int,
    first: float | None = None,
    hops: int = 0,
    call: CallLimits = PERSONALIZE_CALL,
    hand_off: CallLimits | None = HAND_OFF_CALL,
    signed: float | None = None,
    updated: bool = False,
) -> Plan:
    """The timetable for an invocation with `remaining` seconds left, of a request whose first
    invocation began at `first` (None: this is the first). `hand_off` None means the wait cannot
    be carried on (no Lambda service to invoke, as under sam local). `signed`: when the
    ResponseURL was signed, CloudFormation's own start (it bounds Lambda's queue delay and a
    duplicate's fresh start). `updated`: UpdateSolution was called by an earlier invocation, so
    this one only checks; otherwise it must have time to read, confirm and update.

    A start time from the future is not believed: it would extend CloudFormation's deadline.
    Neither invocation nor hand-off is planned that cannot make progress: the first call of its
    phase (the UpdateSolution of a start, the check of a settle) must fit before both ends."""
    fresh = first is None
    anchor = signing_anchor(signed, now)
    began = min(now, now if first is None else first, now if anchor is None else anchor)
    call_worst = call.worst_case()
    reserve = ANSWER_RESERVE + (hand_off.worst_case() if hand_off else 0.0)
    lead = 0.0 if updated else start_lead(call)
    # The last call may start at either deadline and run its worst case: both keep room for it.
    cloudformation_end = began + service_timeout - CLOUDFORMATION_MARGIN - call_worst
    invocation_end = now + remaining - reserve - call_worst
    refusal, late = _refusal(
        service_timeout=service_timeout,
        gone=now - began if fresh else None,
        lead=lead,
        call_worst=call_worst,
        left=remaining - reserve,
        starts_by=(cloudformation_end - now, invocation_end - now),
    )

    def onward(successor_lead: float) -> Onward:
        """A hand-off only when the next invocation can still start its phase's first call
        before the last call CloudFormation's deadline allows (past it, it could only answer,
        and answering now is sooner), and the chain is shorter than its cap."""
        in_time = (
            hand_off is not None
            and refusal is None
            and late is None
            and max(now, invocation_end) + hand_off.worst_case() + successor_lead
            < cloudformation_end
        )
        if not in_time:
            return Onward.ANSWER
        return Onward.HAND_OFF if hops < MAX_HOPS else Onward.CAPPED

    return Plan(
        now=now,
        first=began,
        wait_until=min(cloudformation_end, invocation_end),
        onward=onward(lead),
        refusal=refusal,
        watchdog_after=max(0.0, remaining - WATCHDOG_LEAD),
        onward_checking=onward(0.0),
        late=late,
    )


def _refusal(
    *,
    service_timeout: int,
    gone: float | None,
    lead: float,
    call_worst: float,
    left: float,
    starts_by: tuple[float, float],
) -> tuple[str | None, str | None]:
    """Why an invocation cannot do its phase's first call, as (refusal, late): `refusal` when no
    call may be made, `late` when a request that came too late to update may still read.
    `gone`: seconds of ServiceTimeout spent before a first invocation started (None for a
    continued one); `left`: this invocation's seconds, less its reserve; `starts_by`: the
    seconds from now to the last call CloudFormation's, and this invocation's, end allow.

    The numbers shown never overstate: the time left is the one compared, rounded down; the
    time gone is what surely went, rounded down (`gone` counts from X-Amz-Date's whole second,
    up to SIGNING_TRUNCATION before CloudFormation signed). Retrying is advised only where a
    request on time, on a normal day, would have had enough."""
    needs = "one Personalize call" if lead == 0 else "reading, confirming and updating the solution"
    takes = lead + call_worst
    need = takes + CLOUDFORMATION_MARGIN  # of ServiceTimeout, before a start's update begins
    advice = (
        "retry the stack operation"
        if service_timeout > need + NORMAL_LATENCY
        else f"raise ServiceTimeout above {need + NORMAL_LATENCY:g} s"
    )
    cloudformation, invocation = starts_by
    if gone is not None and cloudformation <= lead:  # ServiceTimeout - gone <= need
        if service_timeout <= need:  # too short even for a request on time
            return (
                f"ServiceTimeout {service_timeout} s is too short: {needs} and answering take "
                f"more than {need:g} s; {advice}"
            ), None
        surely_gone = math.floor(max(0.0, gone - SIGNING_TRUNCATION))
        late = (
            f"ServiceTimeout {service_timeout} s, at least {surely_gone} s of it gone before the "
            f"function started, left too little time for {needs} (more than {need:g} s)"
        )
        if cloudformation <= 0:  # not even a read may start
            return f"{late}; {advice}", None
        return None, f"{late}, and the settings asked were not in force; {advice}"
    if invocation <= lead < cloudformation:
        return (
            f"The invocation had {math.floor(max(0.0, left))} s left, not more than {needs} "
            f"may take ({math.ceil(takes)} s); raise the function's timeout"
        ), None
    return None, None
