"""SolutionUpdater in-process, against the in-memory Personalize: plan, start and settle, in
milliseconds of real time. What only HTTP can show (botocore's errors, the wire) stays in the
functional suites."""

from __future__ import annotations

import pytest

from budget import HAND_OFF_CALL, MAX_HOPS, plan
from continuation import Carried
from lifecycle import SolutionUpdater
from outcomes import Applied, Continue, RequestFailed
from port import Transient
from solution_rules.properties import DesiredSettings, Settings
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


def test_a_request_that_asks_nothing_succeeds_at_once_while_an_update_runs(solutions):
    """Nothing asked is in force whatever someone else's update does: no wait for it."""
    solutions.pending = 300
    solutions.updates.append(Update(MONTHLY, solutions.clock()))
    started = solutions.clock()
    applied = apply(solutions, Settings())
    assert (applied.updated, solutions.clock() - started, solutions.describes) == (False, 0.0, 1)


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


def started_and_still_running(solutions: FakeSolutions) -> None:
    """Our update outlasts the invocation."""
    solutions.pending = 300


def answer_lost_and_still_running(solutions: FakeSolutions) -> None:
    """UpdateSolution took effect, but its answer timed out; the update outlasts the invocation."""
    solutions.pending = 300
    solutions.lose_next_answer = True


def busy_with_another_update(solutions: FakeSolutions) -> None:
    """Someone else's update outlasts the invocation: ours is never started."""
    solutions.pending = 300
    solutions.updates.append(Update(MONTHLY, solutions.clock()))


def update_throttled_throughout(solutions: FakeSolutions) -> None:
    """Every UpdateSolution is throttled: refused, so nothing was started."""

    def throttled(arn: str, sent: Settings) -> None:
        raise Transient("ThrottlingException: Rate exceeded", throttled=True)

    solutions.update = throttled


def failed_by_personalize(solutions: FakeSolutions) -> None:
    """Our update ends CREATE FAILED, within the invocation: the solution keeps its previous
    settings."""
    solutions.pending = 20
    solutions.next_failure = "Insufficient data"


def gone_mid_wait(solutions: FakeSolutions) -> None:
    """The solution is deleted while our update runs: nothing is left to train."""
    original = solutions.update

    def update_then_delete(arn: str, sent: Settings) -> None:
        original(arn, sent)
        solutions.exists = False

    solutions.update = update_then_delete


@pytest.mark.parametrize(
    ("arrange", "started"),
    [
        (started_and_still_running, True),
        (answer_lost_and_still_running, True),
        (busy_with_another_update, False),
        (update_throttled_throughout, False),
        (failed_by_personalize, False),
        (gone_mid_wait, False),
    ],
)
def test_a_failure_says_whether_an_update_of_the_request_may_change_the_solution(
    solutions, arrange, started
):
    """Whether the solution's settings may change, or have changed, through this request: an
    update accepted (or whose acceptance is unknown) that is not known to have failed. A Create
    answers with the solution's id then (operations)."""
    arrange(solutions)
    with pytest.raises(RequestFailed) as failed:
        apply(solutions, OFF, remaining=120)
    assert failed.value.update_started is started


def test_a_continued_wait_that_fails_says_the_earlier_invocation_started_the_update(solutions):
    solutions.pending = 300
    with pytest.raises(Continue) as handed:
        apply(solutions, OFF, remaining=120, hand_off=True)
    with pytest.raises(RequestFailed) as failed:
        apply(solutions, OFF, remaining=120, carried=handed.value.handover.carried)
    assert (failed.value.cause, failed.value.update_started) == ("Timeout", True)
