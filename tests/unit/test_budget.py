"""The timetable's invariants, for any remaining time, ServiceTimeout, start and hop count: no
call starts inside the answer's reserve, the watchdog answers before Lambda's end but never while
a call may still run, a hand-off happens before CloudFormation's deadline, and a marker cannot
extend it."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from budget import (
    ANSWER_RESERVE,
    CLOUDFORMATION_MARGIN,
    HAND_OFF_CALL,
    MAX_HOPS,
    PERSONALIZE_CALL,
    WATCHDOG_LEAD,
    CallLimits,
    plan,
)

NOW = 1_800_000_000.0
CALL = PERSONALIZE_CALL.worst_case()
HAND_OFF = HAND_OFF_CALL.worst_case()
remaining = st.floats(0, 900)
service_timeout = st.integers(1, 3600)
started_before = st.one_of(st.none(), st.floats(0, 7200))
hops = st.integers(0, 20)


def test_worst_cases_match_the_documented_figures():
    """One attempt of 2 s to connect and 5 s to read: 7 s (the waiter retries, after reading
    the solution again, rather than botocore blindly); the hand-off's single attempt: 3 s (the
    README quotes both)."""
    assert CALL == 7.0
    assert HAND_OFF == 3.0
    assert CallLimits(attempts=3, connect=1, read=1).worst_case() == 3 * 2 + (1 + 5) + (2 + 5)


def test_botocore_counts_attempts_not_retries():
    options = PERSONALIZE_CALL.botocore_options()
    assert options["retries"] == {"mode": "standard", "total_max_attempts": 1}


@given(remaining, service_timeout, started_before, hops)
def test_no_call_starts_inside_the_answer_and_hand_off_reserve(left, timeout, before, hop):
    timetable = plan(
        now=NOW,
        remaining=left,
        service_timeout=timeout,
        first=None if before is None else NOW - before,
        hops=hop,
    )
    if timetable.refusal is None and timetable.wait_until > NOW:
        assert timetable.wait_until + CALL <= NOW + left - ANSWER_RESERVE - HAND_OFF


@given(remaining)
def test_the_watchdog_answers_before_lambda_ends_and_after_the_last_call_can_end(left):
    timetable = plan(now=NOW, remaining=left, service_timeout=3600)
    assert timetable.watchdog_after <= max(0.0, left - WATCHDOG_LEAD)
    assert timetable.watchdog_after < left or left == 0
    if timetable.refusal is None:
        last_call_ends = timetable.wait_until - NOW + CALL
        assert last_call_ends + HAND_OFF <= timetable.watchdog_after
    assert ANSWER_RESERVE > WATCHDOG_LEAD


@given(remaining, service_timeout, started_before, hops)
def test_a_hand_off_happens_before_cloudformation_deadline(left, timeout, before, hop):
    first = None if before is None else NOW - before
    timetable = plan(now=NOW, remaining=left, service_timeout=timeout, first=first, hops=hop)
    if timetable.hand_off:
        deadline = timetable.first + timeout
        assert timetable.wait_until + CALL + HAND_OFF < deadline - CLOUDFORMATION_MARGIN
        assert hop < MAX_HOPS


@given(remaining, service_timeout, st.floats(0.001, 1e9))
def test_a_start_in_the_future_does_not_extend_the_deadline(left, timeout, ahead):
    honest = plan(now=NOW, remaining=left, service_timeout=timeout, first=NOW, hops=1)
    lying = plan(now=NOW, remaining=left, service_timeout=timeout, first=NOW + ahead, hops=1)
    assert lying.wait_until == honest.wait_until
    assert lying.first == NOW


def test_the_answer_always_comes_before_service_timeout():
    timetable = plan(now=NOW, remaining=900, service_timeout=600)
    assert timetable.wait_until + CALL <= NOW + 600 - CLOUDFORMATION_MARGIN
    assert not timetable.hand_off


def test_a_chain_stops_at_its_hop_limit():
    assert plan(now=NOW, remaining=60, service_timeout=3600, first=NOW, hops=MAX_HOPS - 1).hand_off
    assert not plan(now=NOW, remaining=60, service_timeout=3600, first=NOW, hops=MAX_HOPS).hand_off


def test_without_a_lambda_service_nothing_is_handed_off_and_no_time_is_kept_for_it():
    alone = plan(now=NOW, remaining=60, service_timeout=3600, hand_off=None)
    assert not alone.hand_off
    assert alone.wait_until == NOW + 60 - ANSWER_RESERVE - CALL


def test_too_short_a_service_timeout_is_refused_before_any_call():
    refused = plan(now=NOW, remaining=900, service_timeout=12)
    assert refused.refusal is not None
    assert "ServiceTimeout 12 s leaves no time for one Personalize call (7 s)" in refused.refusal


def test_too_short_an_invocation_is_refused_before_any_call():
    refused = plan(now=NOW, remaining=15, service_timeout=3600)
    assert refused.refusal is not None
    assert "raise the function's timeout" in refused.refusal


def test_a_continued_request_past_its_deadline_is_not_refused_but_has_no_time():
    """It gets the waiter's "Gave up" answer, saying how long it waited, without a call."""
    late = plan(now=NOW, remaining=900, service_timeout=60, first=NOW - 4000)
    assert late.refusal is None
    assert late.wait_until < NOW
    assert not late.hand_off
