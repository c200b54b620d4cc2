"""The timetable's invariants, for any remaining time, ServiceTimeout, start and hop count: no
call starts inside the answer's reserve, the watchdog answers before Lambda's end but never while
a call may still run, a hand-off happens before CloudFormation's deadline, and a marker cannot
extend it."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from budget import (
    ANSWER_RESERVE,
    CLOCK_SKEW,
    HAND_OFF_CALL,
    MAX_HOPS,
    RECURSIVE_LOOP_LIMIT,
    WATCHDOG_LEAD,
    plan,
    signing_anchor,
)
from solution_rules.limits import (
    CLOUDFORMATION_MARGIN,
    CONFIRM_DELAY,
    PERSONALIZE_CALL,
    CallLimits,
    start_lead,
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


@given(remaining, service_timeout, started_before, hops, st.booleans())
def test_a_hand_off_happens_before_cloudformation_deadline(left, timeout, before, hop, updated):
    first = None if before is None else NOW - before
    timetable = plan(now=NOW, remaining=left, service_timeout=timeout, first=first, hops=hop)
    if timetable.may_hand_off(updated):
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
    assert not timetable.may_hand_off(updated=False)


def test_a_chain_stops_at_its_hop_limit_where_only_a_longer_function_timeout_helps():
    """Stopped by the cap with CloudFormation's deadline far off, a wait is told to raise the
    function's timeout (a longer ServiceTimeout would change nothing); stopped by that
    deadline, to raise ServiceTimeout, as every wait that ends there is."""
    going = plan(now=NOW, remaining=60, service_timeout=3600, first=NOW, hops=MAX_HOPS - 1)
    assert going.may_hand_off(updated=False)
    capped = plan(now=NOW, remaining=60, service_timeout=3600, first=NOW, hops=MAX_HOPS)
    for updated in (False, True):
        assert not capped.may_hand_off(updated)
        assert capped.remedy(updated).startswith("raise the function's timeout")
    due = plan(now=NOW, remaining=60, service_timeout=60, first=NOW, hops=MAX_HOPS)
    assert due.remedy(updated=True) == "raise ServiceTimeout"


def test_the_longest_chain_stays_below_lambda_recursive_loop_detection():
    """A chain's invocations, MAX_HOPS + 1 at most, must end before Lambda stops the chain on
    its own: an invocation Lambda stops answers nothing, and CloudFormation would wait out
    ServiceTimeout."""
    assert MAX_HOPS + 1 < RECURSIVE_LOOP_LIMIT


def test_without_a_lambda_service_nothing_is_handed_off_and_no_time_is_kept_for_it():
    alone = plan(now=NOW, remaining=60, service_timeout=3600, hand_off=None)
    assert not alone.may_hand_off(updated=False)
    assert alone.wait_until == NOW + 60 - ANSWER_RESERVE - CALL


def test_too_short_a_service_timeout_is_refused_before_any_call():
    """13 s leave time for the first read but not for the confirming read and UpdateSolution:
    refused at once, not after two reads. The shortest that is not: 5 + 7 + 1 + 7 + 7 s."""
    refused = plan(now=NOW, remaining=900, service_timeout=13)
    assert refused.refusal == (
        "ServiceTimeout 13 s is too short: reading, confirming and updating the solution and "
        "answering take more than 27 s; raise ServiceTimeout above 32 s"
    )
    assert start_lead() == 2 * CALL + CONFIRM_DELAY
    assert plan(now=NOW, remaining=900, service_timeout=27).refusal is not None
    assert plan(now=NOW, remaining=900, service_timeout=28).refusal is None


@pytest.mark.parametrize(
    ("timeout", "ago", "says"),
    [
        # ServiceTimeout 28 to 32 s: a normal day's latency makes them fail, so retrying won't help
        (28, 1.5, "28 s, at least 0 s of it gone before the function started, left too little"),
        (29, 2.5, "29 s, at least 1 s of it gone"),
        (32, 6, "raise ServiceTimeout above 32 s"),
    ],
)
def test_a_service_timeout_near_the_floor_says_raise_it_with_the_numbers_compared(
    timeout, ago, says
):
    late = plan(now=NOW, remaining=900, service_timeout=timeout, signed=NOW - ago)
    assert late.refusal is None
    assert late.late is not None
    assert says in late.late
    assert late.late.endswith("raise ServiceTimeout above 32 s")
    assert "(more than 27 s)" in late.late
    assert not late.may_hand_off(updated=False)
    assert not late.may_hand_off(updated=True)


@pytest.mark.parametrize("sent_after", [0.0, 0.5, 0.999])
def test_the_time_gone_is_never_overstated_whatever_x_amz_date_cut_off(sent_after):
    """X-Amz-Date has whole seconds: a request signed at 08:00:00.999 shows 08:00:00. Whatever
    part of its second the signing time lost, the time said gone is no more than had gone."""
    signed = NOW - 40  # the whole second X-Amz-Date shows; the function starts at NOW
    late = plan(now=NOW, remaining=900, service_timeout=60, signed=signed)
    assert late.late is not None
    said = re.search(r"([0-9]+) s of it gone", late.late)
    assert said is not None
    assert int(said.group(1)) == 39 <= NOW - (signed + sent_after)


def test_too_short_an_invocation_is_refused_before_any_call():
    """16 s: 8 s once the answer and the hand-off are kept, less than a start takes. Handing
    that on could not make progress in the next invocation either."""
    refused = plan(now=NOW, remaining=16, service_timeout=3600)
    assert refused.refusal is not None
    assert "The invocation had 8 s left" in refused.refusal
    assert "raise the function's timeout" in refused.refusal
    assert not refused.may_hand_off(updated=False)


def test_the_time_an_invocation_had_is_rounded_down_and_what_it_needs_up():
    """A 30 s function timeout leaves 21.9 s, not more than a start's 22 s: not "22 s left"."""
    refused = plan(now=NOW, remaining=29.9, service_timeout=3600)
    assert refused.refusal == (
        "The invocation had 21 s left, not more than reading, confirming and updating the "
        "solution may take (22 s); raise the function's timeout"
    )


def test_under_sam_local_the_function_timeout_floor_is_27_s():
    """No hand-off is kept for: the README's floor without a Lambda service."""
    assert plan(now=NOW, remaining=27, service_timeout=3600, hand_off=None).refusal is not None
    assert plan(now=NOW, remaining=27.1, service_timeout=3600, hand_off=None).refusal is None
    assert plan(now=NOW, remaining=30, service_timeout=3600).refusal is not None
    assert plan(now=NOW, remaining=30.1, service_timeout=3600).refusal is None


def test_a_continued_wait_after_the_update_needs_time_for_one_check_only():
    checking = plan(now=NOW, remaining=16, service_timeout=3600, first=NOW - 60, updated=True)
    assert checking.refusal is None
    assert checking.wait_until > NOW


@given(remaining, service_timeout, started_before, hops, st.booleans(), st.booleans())
def test_a_hand_off_leaves_the_next_invocation_time_to_make_progress(
    left, timeout, before, hop, updated_before, updates_here
):
    """Plan the successor a hand-off starts (as late as it may arrive, with no more time than
    this invocation had left) in the phase it will be in: checking once UpdateSolution was
    called, here or before. It is not refused, and its phase's first call fits."""
    first = None if before is None else NOW - before
    timetable = plan(
        now=NOW,
        remaining=left,
        service_timeout=timeout,
        first=first,
        hops=hop,
        updated=updated_before,
    )
    updated = updated_before or updates_here
    if timetable.may_hand_off(updated):
        arrives = max(NOW, timetable.wait_until) + HAND_OFF
        successor = plan(
            now=arrives,
            remaining=left,
            service_timeout=timeout,
            first=timetable.first,
            hops=hop + 1,
            updated=updated,
        )
        assert successor.refusal is None
        assert successor.now + (0.0 if updated else start_lead()) < successor.wait_until


def test_an_invocation_that_updated_hands_off_where_one_still_starting_could_not():
    """40 s left of a 50 s ServiceTimeout: too little for a successor to start an update in,
    enough for it to check one; which applies is decided when the wait runs out."""
    timetable = plan(now=NOW, remaining=40, service_timeout=50)
    assert timetable.refusal is None
    assert not timetable.may_hand_off(updated=False)
    assert timetable.may_hand_off(updated=True)


def test_the_url_signing_time_anchors_cloudformation_deadline():
    """Lambda queued the request 50 s: CloudFormation's 600 s started then, not now."""
    queued = plan(now=NOW, remaining=900, service_timeout=600, signed=NOW - 50)
    fresh = plan(now=NOW, remaining=900, service_timeout=600)
    assert queued.first == NOW - 50
    assert queued.wait_until == fresh.wait_until - 50


def test_a_signing_time_in_the_future_is_not_believed_and_a_skewed_one_is_clamped():
    assert plan(now=NOW, remaining=900, service_timeout=600, signed=NOW + 3600).first == NOW
    assert plan(now=NOW, remaining=900, service_timeout=600, signed=NOW + 30).first == NOW
    assert signing_anchor(NOW + CLOCK_SKEW + 1, NOW) is None
    assert signing_anchor(NOW - 10, NOW) == NOW - 10


def test_a_marker_cannot_outlast_the_signing_time():
    """A forged marker that restarts the clock cannot extend the deadline the URL dates."""
    forged = plan(now=NOW, remaining=900, service_timeout=600, first=NOW, signed=NOW - 590, hops=1)
    assert forged.first == NOW - 590
    assert not forged.may_hand_off(updated=False)


def test_a_request_queued_past_its_deadline_is_refused_with_retry_advice():
    late = plan(now=NOW, remaining=900, service_timeout=600, signed=NOW - 590)
    assert late.refusal is not None
    assert "at least 589 s of it gone before the function started" in late.refusal
    assert late.refusal.endswith("; retry the stack operation")


def test_a_request_queued_until_it_cannot_update_may_still_read():
    """A duplicate, say, of a request another invocation is seeing through: it may read until
    the deadline (never update), and has the Reason to answer if the settings are not in force."""
    late = plan(now=NOW, remaining=900, service_timeout=600, signed=NOW - 580)
    assert late.refusal is None
    assert late.late is not None
    assert late.late.endswith("the settings asked were not in force; retry the stack operation")
    assert NOW < late.wait_until < NOW + start_lead()


def test_a_continued_request_past_its_deadline_is_not_refused_but_has_no_time():
    """It gets the waiter's "Gave up" answer, saying how long it waited, without a call."""
    late = plan(now=NOW, remaining=900, service_timeout=60, first=NOW - 4000)
    assert late.refusal is None
    assert late.wait_until < NOW
    assert not late.may_hand_off(updated=False)
