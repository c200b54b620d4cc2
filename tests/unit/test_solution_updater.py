"""SolutionUpdater in-process, against the in-memory Personalize: plan, start and settle, in
milliseconds of real time. What only HTTP can show (botocore's errors, the wire) stays in the
functional suites."""

from __future__ import annotations

import pytest

from budget import HAND_OFF_CALL, MAX_HOPS, plan
from continuation import Carried
from lifecycle import SolutionUpdater
from outcomes import Applied, Continue, RequestFailed
from properties import DesiredSettings, Settings
from tests.unit.fake_solutions import ARN, Clock, FakeSolutions, Update

OFF = Settings(perform_auto_training=False)
MONTHLY = Settings(perform_auto_training=True, schedule_days=30)


def apply(
    solutions: FakeSolutions,
    asked: Settings,
    *,
    remaining: float = 900.0,
    carried: Carried | None = None,
    hand_off: bool = False,
) -> Applied:
    """One invocation of the updater for `asked`, with `remaining` s of Lambda time."""
    clock = solutions.clock
    updater = SolutionUpdater(solutions, clock=clock, sleep=clock.sleep, jitter=lambda: 0.5)
    timetable = plan(
        now=clock(),
        remaining=remaining,
        service_timeout=3600,
        first=carried.first if carried else None,
        hops=carried.hops if carried else 0,
        hand_off=HAND_OFF_CALL if hand_off else None,
        updated=carried.updated if carried else False,
    )
    return updater.apply(DesiredSettings(ARN, asked), timetable, carried)


@pytest.fixture
def solutions() -> FakeSolutions:
    return FakeSolutions(Clock())


def test_settings_in_force_make_no_update(solutions):
    solutions.updates.append(Update(MONTHLY, solutions.clock() - 3600))
    applied = apply(solutions, MONTHLY)
    assert (applied.updated, solutions.updates[1:]) == (False, [])
    assert applied.data["SchedulingExpression"] == "rate(30 days)"


def test_a_needed_update_is_made_once_and_waited_for_until_active(solutions):
    applied = apply(solutions, OFF)
    assert [update.sent for update in solutions.updates] == [OFF]
    assert applied.updated
    assert applied.data["PerformAutoTraining"] == "false"
    assert solutions.in_force().perform_auto_training is False
    assert 120 <= applied.waited < 200  # two phases of 60 s, checked at the prompt pace


def test_a_read_that_lags_the_update_is_not_taken_for_its_outcome(solutions):
    solutions.updates.append(Update(MONTHLY, solutions.clock() - 3600))
    solutions.lagging_reads = 3
    applied = apply(solutions, OFF)
    assert len(solutions.updates) == 2
    assert applied.data["PerformAutoTraining"] == "false"


def test_an_update_in_flight_is_waited_out_before_ours(solutions):
    """Someone else's update runs: the read says so, and ours starts after it, once."""
    solutions.updates.append(Update(MONTHLY, solutions.clock()))
    applied = apply(solutions, OFF)
    assert [update.sent for update in solutions.updates] == [MONTHLY, OFF]
    assert applied.updated


def test_resource_in_use_behind_a_lagging_read_is_retried(solutions):
    """The read does not show the update in flight yet; UpdateSolution says ResourceInUse."""
    solutions.updates.append(Update(MONTHLY, solutions.clock()))
    solutions.lagging_now = 2  # the next two reads show the solution before that update
    apply(solutions, OFF)
    assert solutions.refused >= 1
    assert [update.sent for update in solutions.updates] == [MONTHLY, OFF]


def test_throttling_is_waited_out(solutions):
    solutions.throttle_next = 3
    assert apply(solutions, OFF).data["PerformAutoTraining"] == "false"
    assert len(solutions.updates) == 1


def test_a_failed_update_fails_the_request_with_its_reason(solutions):
    solutions.next_failure = "Insufficient data"
    with pytest.raises(RequestFailed, match="Solution update failed: Insufficient data") as failed:
        apply(solutions, OFF)
    assert failed.value.cause == "UpdateFailed"


def test_a_solution_that_is_gone_fails_the_request_without_an_update(solutions):
    solutions.exists = False
    with pytest.raises(RequestFailed, match="was not found") as failed:
        apply(solutions, OFF)
    assert (failed.value.cause, solutions.updates) == ("SolutionNotFound", [])


def test_a_wait_longer_than_the_invocation_is_carried_on_and_finished_without_a_second_update(
    solutions,
):
    solutions.pending = 300  # ten minutes to ACTIVE; the invocation has two
    with pytest.raises(Continue) as handed:
        apply(solutions, OFF, remaining=120, hand_off=True)
    carried = handed.value.handover.carried
    assert carried.updated
    assert len(solutions.updates) == 1
    for _ in range(10):
        try:
            applied = apply(solutions, OFF, remaining=120, carried=carried, hand_off=True)
            break
        except Continue as again:
            carried = again.handover.carried
    assert (len(solutions.updates), applied.data["PerformAutoTraining"]) == (1, "false")
    assert carried.hops >= 2


def test_without_a_hand_off_the_wait_fails_when_the_invocation_ends(solutions):
    solutions.pending = 300
    with pytest.raises(RequestFailed, match="Gave up after") as failed:
        apply(solutions, OFF, remaining=120)
    assert failed.value.cause == "Timeout"


def test_a_wait_stopped_by_the_chain_cap_says_to_raise_the_function_timeout(solutions):
    """The last invocation a chain may have runs out long before ServiceTimeout: raising that
    would change nothing, a longer function timeout would."""
    solutions.pending = 300
    solutions.updates.append(Update(OFF, solutions.clock()))
    last = Carried(first=solutions.clock(), updated=True, hops=MAX_HOPS)
    with pytest.raises(RequestFailed, match="Gave up after") as failed:
        apply(solutions, OFF, remaining=120, carried=last, hand_off=True)
    assert "raise ServiceTimeout" not in str(failed.value)
    assert "before you retry, or raise the function's timeout" in str(failed.value)
