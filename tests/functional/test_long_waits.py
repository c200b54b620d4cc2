"""Waits longer than one invocation, as Personalize and Lambda see them over HTTP: the handler hands
its wait to a new invocation of itself (an async Invoke, played back by the local Lambda stand-in;
refused, or its 202 lost), with a payload that stays small, and paces its calls as the wait goes
on; time compressed by a simulated clock. What a hand-off decides, across histories, readings and
faults, is the simulation's (tests/simulation); when it may happen is test_budget.py's."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from budget import HAND_OFF_CALL
from continuation import CARRY_KEY
from localcloud.emulator import READINGS, Timing
from localcloud.simclock import SimulatedClock
from tests.presets import LONG, auto_training

FIVE = auto_training(5)


@pytest.fixture
def clock(world):
    """The world's clock, with updates longer than an invocation."""
    world.emulator.timing = replace(LONG)
    return world.clock


@pytest.fixture
def solution(world, clock):
    return world.solution("long")


@pytest.fixture
def cloud(world, clock):
    """Each invocation gets 60 s of real budget (55 s after the answer reserve) on the simulated
    clock, so a 150 s update needs several invocations."""
    return world.stand_in(function_timeout=60.0)


@pytest.fixture
def full_length(world, clock):
    """Invocations as long as the deployed function's (900 s), on the simulated clock."""
    return world.stand_in(function_timeout=900.0)


def create(cloud, arn, timeout="600"):
    return cloud.event("Create", "Long", {"SolutionArn": arn, "ServiceTimeout": timeout, **FIVE})


def test_an_update_longer_than_an_invocation_ends_success_with_nothing_left(
    cloud, solution, emulator, lambda_service, clock
):
    started = clock.now()
    exchange = cloud.deliver(create(cloud, solution))
    assert exchange.response["Status"] == "SUCCESS", exchange.response
    assert exchange.response["Data"]["SchedulingExpression"] == "rate(5 days)"
    assert exchange.invocations >= 3
    assert clock.now() - started < 600
    assert emulator.count("UpdateSolution", "ok") == 1
    assert lambda_service.queued == []  # no invocation, rule or permission left behind
    assert len(exchange.responses) == 1


def test_a_refused_hand_off_answers_failed_at_once(cloud, solution, lambda_service, capsys):
    lambda_service.refuse_next = True
    exchange = cloud.deliver(create(cloud, solution))
    assert exchange.response["Status"] == "FAILED"
    assert "could not continue in a new invocation" in exchange.response["Reason"]
    assert "AccessDenied" in exchange.response["Reason"]
    assert exchange.invocations == 1
    assert '"Cause":"HandOffFailed"' in capsys.readouterr().out  # counted as a failure


def test_the_carried_state_is_small(cloud, solution, lambda_service):
    event = create(cloud, solution)
    cloud.deliver(event, play_hand_offs=False)
    carried = lambda_service.take(event["RequestId"])
    assert carried is not None
    assert set(carried[CARRY_KEY]) == {"first", "updated", "baseline", "hops", "seen"}
    assert carried[CARRY_KEY]["updated"] is True
    assert carried[CARRY_KEY]["seen"]["ours"] is True  # the update this chain waits for
    assert len(json.dumps(carried)) <= 8192


def settled_at(emulator) -> float:
    """When the one accepted update settles, by the emulator's own arithmetic."""
    (update,) = [c for c in emulator.calls if c.operation == "UpdateSolution" and c.outcome == "ok"]
    return update.at + emulator.timing.update_pending + emulator.timing.update_in_progress


def describes_between(emulator, start: float, end: float) -> int:
    """DescribeSolution calls the emulator answered in [start, end]."""
    return sum(
        1 for c in emulator.calls if c.operation == "DescribeSolution" and start <= c.at <= end
    )


def test_an_update_settling_in_the_first_invocation_is_answered_within_2_s(
    full_length, solution, emulator, clock
):
    """An update of 48 s, polled as the prompt policy says (its pacing alone: test_waiter.py)."""
    seconds = 47.9
    emulator.timing = Timing(update_pending=0.3, update_in_progress=seconds - 0.3, stale_read=0)
    exchange = full_length.deliver(create(full_length, solution, timeout="3600"))
    answered = clock.now()
    assert exchange.response["Status"] == "SUCCESS"
    assert exchange.invocations == 1
    assert 0 <= answered - settled_at(emulator) <= 2.0
    # every 2 s from the update, none sooner: the fewest calls that keep the promise
    assert emulator.count("DescribeSolution") <= 2 + seconds / 2 + 1


def test_a_busy_solution_is_polled_patiently(full_length, solution, emulator, clock):
    """Training keeps UpdateSolution ResourceInUse for 10 minutes: the retries back off to one
    per 30 s instead of hammering the API every 2 s, and the update still goes through."""
    emulator.reading = READINGS["documented-default"]  # the reading that refuses while training
    emulator.timing = Timing(update_pending=0.3, update_in_progress=5.0, stale_read=1.0)
    emulator.train(solution, 600)
    started = clock.now()
    exchange = full_length.deliver(create(full_length, solution, timeout="3600"))
    assert exchange.response["Status"] == "SUCCESS", exchange.response
    assert emulator.count("UpdateSolution", "ok") == 1
    assert emulator.count("UpdateSolution", "ResourceInUseException") < 30  # 2 s pacing: ~200
    assert describes_between(emulator, started + 120, started + 600) <= 2 * (480 / 30 + 1)
    assert clock.now() - started < 600 + 30 + 10


def test_a_wait_carried_into_a_new_invocation_is_polled_patiently(
    full_length, solution, emulator, clock
):
    """The 2 s promise is the first invocation's; a wait that outlives it backs off to one call
    per 30 s (answering at most ~30 s late on a wait of over 15 minutes)."""
    emulator.timing = Timing(update_pending=2.0, update_in_progress=1500.0, stale_read=1.0)
    exchange = full_length.deliver(create(full_length, solution, timeout="3600"))
    answered = clock.now()
    assert exchange.response["Status"] == "SUCCESS", exchange.response
    assert exchange.invocations == 2
    assert answered - settled_at(emulator) <= 30 + 1
    assert describes_between(emulator, answered - 300, answered) <= 300 / 30 + 1  # 2 s: 150
    assert describes_between(emulator, answered - 1000, answered - 900) >= 45  # still prompt


class SlowCalls:
    """The real client, except that each Personalize call named in `operations` (every one by
    default) takes `seconds` of simulated time (a slow network: each call stays within its
    budget)."""

    def __init__(
        self, client, clock: SimulatedClock, seconds: float, operations: tuple[str, ...] = ()
    ) -> None:
        self.client, self.clock, self.seconds = client, clock, seconds
        self.operations = operations

    def __getattr__(self, name):
        found = getattr(self.client, name)
        if not callable(found) or (self.operations and name not in self.operations):
            return found

        def slowly(*args, **kwargs):
            self.clock.advance(self.seconds)
            return found(*args, **kwargs)

        return slowly


def test_update_solution_never_starts_after_a_read_that_ended_past_the_deadline(
    world, clock, solution, emulator, personalize
):
    """Reads of 25 s: the confirming read starts in time but ends past the deadline, so the
    update it confirmed is left to the next invocation (which meets the same fate here)."""
    slow = SlowCalls(personalize, clock, 25.0, ("describe_solution",))
    cloud = world.stand_in(function_timeout=60.0, client=slow)
    exchange = cloud.deliver(create(cloud, solution, timeout="3600"))
    assert exchange.response["Status"] == "FAILED"
    assert emulator.count("UpdateSolution") == 0
    assert emulator.count("DescribeSolution") >= 2 * exchange.invocations  # it did confirm


def test_a_lost_202_on_the_hand_off_is_asked_again_and_gives_no_false_failure(
    cloud, solution, emulator, lambda_service, receiver
):
    """Lambda queues the next invocation but its 202 comes after the client's read timeout:
    the invocation that handed off cannot tell, so it asks again, and both chains (one a
    duplicate delivery) answer the same; the solution is updated once."""
    lambda_service.late_next = HAND_OFF_CALL.read + 1.0
    exchange = cloud.deliver(create(cloud, solution))
    assert [r.body["Status"] for r in exchange.responses] == ["SUCCESS", "SUCCESS"]
    assert exchange.invocations >= 3
    assert emulator.count("UpdateSolution", "ok") == 1
