"""The wait policy on a simulated clock: backoff shape, cap, and the deadline."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest

from budget import PATIENT, PROMPT
from localcloud.simclock import SimulatedClock
from waiter import (
    EASE,
    FIRST_SLOWDOWN,
    MAX_SLOWDOWN,
    Deadline,
    Pacer,
    PollPolicy,
    Retry,
    TimedOut,
    wait_for,
)


def test_intervals_back_off_to_the_cap():
    intervals = list(itertools.islice(PollPolicy(first=0.5, factor=1.5, cap=2.0).intervals(), 6))
    assert intervals == [0.5, 0.75, 1.125, 1.6875, 2.0, 2.0]


def checks_within(policy: PollPolicy, seconds: float) -> int:
    """How many checks a wait of `seconds` makes under the policy."""
    times = itertools.accumulate(policy.intervals())
    return sum(1 for _ in itertools.takewhile(lambda t: t <= seconds, times))


def test_the_patient_policy_reaches_one_call_per_30_s_within_two_minutes():
    intervals = list(itertools.islice(PATIENT.intervals(), 40))
    assert max(intervals) == 30.0
    assert sum(intervals[: intervals.index(30.0)]) < 120
    # an hour of waiting: about 125 checks, against 1800 at the prompt policy's 2 s
    assert checks_within(PATIENT, 3600) < 130
    assert checks_within(PROMPT, 3600) == 1800


def test_returns_as_soon_as_the_attempt_succeeds():
    clock = SimulatedClock(start=0.0)
    results = iter([Retry("a"), Retry("b"), "done"])

    def attempt():
        result = next(results)
        if isinstance(result, Exception):
            raise result
        return result

    assert wait_for(attempt, Deadline(100, clock.now), PATIENT, clock.sleep, purpose="x") == "done"
    assert clock.sleeps == [2.0, 3.0]


def test_gives_up_at_the_deadline_saying_what_it_waited_for():
    clock = SimulatedClock(start=0.0)

    def attempt():
        raise Retry("the solution update to finish (last status CREATE IN_PROGRESS)")

    with pytest.raises(TimedOut) as caught:
        wait_for(attempt, Deadline(10, clock.now), PROMPT, clock.sleep, purpose="x")
    assert "CREATE IN_PROGRESS" in str(caught.value)
    assert clock.now() == 10
    assert max(clock.sleeps) <= 2.0


def test_the_prompt_policy_notices_settling_within_2_s():
    """Whenever the condition becomes true, the next check comes at most 2 s later."""
    for settle_at in [0.1, 1.0, 3.3, 17.9, 250.0]:
        clock = SimulatedClock(start=0.0)

        def attempt(settle_at=settle_at, clock=clock):
            if clock.now() < settle_at:
                raise Retry("x")
            return clock.now()

        noticed = wait_for(attempt, Deadline(1000, clock.now), PROMPT, clock.sleep, purpose="x")
        assert noticed - settle_at <= 2.0


def succeeding(clock: SimulatedClock) -> tuple[Callable[[], str], list[float]]:
    """An attempt that succeeds at once, and the times on the clock it was tried at."""
    tries: list[float] = []

    def attempt() -> str:
        tries.append(clock.now())
        return "done"

    return attempt, tries


def test_no_try_starts_after_the_deadline():
    """A wait that begins too late makes no call at all (it could outlive the invocation)."""
    clock = SimulatedClock(start=50.0)
    attempt, tries = succeeding(clock)
    with pytest.raises(TimedOut) as caught:
        wait_for(attempt, Deadline(40, clock.now), PROMPT, clock.sleep, purpose="the solution")
    assert tries == []
    assert caught.value.waiting_for == "the solution"


def test_pause_first_skips_the_check_that_could_only_say_not_yet():
    clock = SimulatedClock(start=0.0)
    attempt, tries = succeeding(clock)
    wait_for(attempt, Deadline(40, clock.now), PROMPT, clock.sleep, purpose="x", pause_first=True)
    assert tries == [2.0]


def flaky(outcomes: list[Retry | None]):
    """An attempt that raises each Retry in turn (None: succeeds), then succeeds."""
    queue = list(outcomes)

    def attempt() -> str:
        outcome = queue.pop(0) if queue else None
        if outcome is not None:
            raise outcome
        return "done"

    return attempt


THROTTLED = Retry(
    "Personalize to answer (last error ThrottlingException)", transient=True, throttled=True
)
PASSING_FAULT = Retry("Personalize to answer (last error InternalFailure)", transient=True)
PENDING = Retry("the update to finish")


def test_throttling_stretches_the_interval_and_never_snaps_back():
    """Many resources throttled together: the first failure slows a wait down at once
    (FIRST_SLOWDOWN), each further one doubles it (up to MAX_SLOWDOWN), and each call that goes
    through keeps EASE of the stretch instead of returning to the full rate (here with no
    cap and the jitter's highest draw, so the stretch shows whole)."""
    clock = SimulatedClock(start=0.0)
    pacer = Pacer(cap=10_000.0, jitter=lambda: 1.0)
    attempt = flaky([THROTTLED, THROTTLED, THROTTLED, PENDING, PENDING, PENDING])
    wait_for(attempt, Deadline(10_000, clock.now), PROMPT, clock.sleep, purpose="x", pacer=pacer)
    slowdowns = [FIRST_SLOWDOWN, 2 * FIRST_SLOWDOWN, MAX_SLOWDOWN]
    slowdowns += [MAX_SLOWDOWN * EASE**n for n in (1, 2, 3)]
    assert clock.sleeps == pytest.approx([2.0 * s for s in slowdowns])
    assert pacer.slowdown > 1


def test_a_passing_fault_doubles_the_pause_without_the_throttling_jump():
    """A 5xx or a reset on its own is not a crowd: no reason to wait sixteen times longer."""
    clock = SimulatedClock(start=0.0)
    pacer = Pacer(cap=10_000.0, jitter=lambda: 1.0)
    attempt = flaky([PASSING_FAULT, PASSING_FAULT])
    wait_for(attempt, Deadline(10_000, clock.now), PROMPT, clock.sleep, purpose="x", pacer=pacer)
    assert clock.sleeps == [4.0, 8.0]


def test_jitter_spreads_the_stretched_pauses_between_a_quarter_and_all_of_them():
    """So that waits throttled together do not come back together."""
    pauses = {Pacer(cap=30.0, jitter=lambda d=draw: d) for draw in (0.0, 0.5, 1.0)}
    for pacer in pauses:
        pacer.failed(throttled=True)
    assert sorted(pacer.pause(2.0) for pacer in pauses) == [7.5, 18.75, 30.0]


def test_without_throttling_the_promised_interval_is_kept_exactly():
    clock = SimulatedClock(start=0.0)
    pacer = Pacer(cap=30.0, jitter=lambda: 0.0)
    wait_for(
        flaky([PENDING] * 3),
        Deadline(1000, clock.now),
        PROMPT,
        clock.sleep,
        purpose="x",
        pacer=pacer,
    )
    assert clock.sleeps == [2.0, 2.0, 2.0]


def test_the_stretch_is_capped():
    pacer = Pacer(cap=30.0, jitter=lambda: 1.0)
    for _ in range(20):
        pacer.failed(throttled=True)
    assert pacer.pause(2.0) == 30.0


def test_at_the_deadline_the_reason_is_the_last_one_personalize_gave_with_its_advice():
    """A reason of our own (too little time to start a call) never hides why we waited."""
    clock = SimulatedClock(start=0.0)
    busy = Retry("the solution to stop being busy (ResourceInUseException: x)", advice="retry")
    late = Retry("enough time left to start the update", incidental=True)
    with pytest.raises(TimedOut) as timed_out:
        wait_for(
            flaky([busy, busy, late, late] * 10),
            Deadline(10, clock.now),
            PROMPT,
            clock.sleep,
            purpose="x",
        )
    assert timed_out.value.waiting_for == str(busy)
    assert timed_out.value.advice == "retry"
