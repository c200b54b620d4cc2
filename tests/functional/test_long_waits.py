"""Waits longer than one invocation: the handler hands its wait to a new invocation of itself
(async Invoke, played back by the local Lambda stand-in), time compressed by a simulated clock."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from budget import HAND_OFF_CALL, MAX_HOPS, RAISE_FUNCTION_TIMEOUT
from continuation import CARRY_KEY, Carried
from localcloud.emulator import READINGS, Timing
from localcloud.simclock import SimulatedClock
from tests.functional.matrix import signed_at
from tests.presets import LONG, SEMANTIC_SIMILARITY, api_schedule, asking_again_costs, auto_training

FIVE = auto_training(5)
OFF = {"PerformAutoTraining": False}


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


def test_the_deadline_fails_before_service_timeout_with_a_clear_reason(
    cloud, solution, emulator, clock
):
    emulator.timing.update_in_progress = 10_000
    started = clock.now()
    exchange = cloud.deliver(create(cloud, solution, timeout="200"))
    body = exchange.response
    assert body["Status"] == "FAILED"
    assert "waiting for the solution update to finish" in body["Reason"]
    assert "CREATE IN_PROGRESS" in body["Reason"]
    assert clock.now() - started < 200
    assert exchange.invocations >= 3


def test_a_create_that_gave_up_on_its_update_is_rolled_back_on_the_solution(
    cloud, solution, emulator, world
):
    """ServiceTimeout shorter than the update: the Create answers FAILED with the solution's
    ARN, so CloudFormation's rollback Delete acts on it and, with OnDelete:
    DisableAutoTraining, waits out the Create's update, then turns training off (with
    create-failed-<RequestId> it would do nothing, and the update would leave training on)."""
    properties = {
        "SolutionArn": solution,
        "ServiceTimeout": "120",
        "OnDelete": "DisableAutoTraining",
        **FIVE,
    }
    failed = cloud.deliver(cloud.event("Create", "Long", properties)).response
    assert (failed["Status"], failed["PhysicalResourceId"]) == ("FAILED", solution), failed
    assert "UpdateSolution was called for this Create" in failed["Reason"]
    emulator.timing.update_in_progress = 20.0  # the Delete's own update, within its deadline
    rollback = cloud.send("Delete", "Long", properties, physical_id=failed["PhysicalResourceId"])
    assert rollback.response["Status"] == "SUCCESS", rollback.response
    assert emulator.count("UpdateSolution", "ok") == 2
    latest = world.personalize.describe_solution(solutionArn=solution)["solution"]
    assert latest["latestSolutionUpdate"]["performAutoTraining"] is False


def test_duplicate_delivery_during_a_long_wait_makes_no_second_update(
    cloud, solution, emulator, receiver, lambda_service
):
    event = create(cloud, solution)
    cloud.deliver(event, play_hand_offs=False)  # first invocation: updates, then hands off
    assert len(lambda_service.queued) == 1
    duplicate = cloud.deliver(event)  # Lambda delivers it again; both chains are played
    assert lambda_service.queued == []
    assert emulator.count("UpdateSolution", "ok") == 1
    statuses = [r.body["Status"] for r in receiver.responses_for(event["RequestId"])]
    # Where the reading leaves the first chain's update unproven, the second fails saying so.
    later = "FAILED" if asking_again_costs(emulator.reading) else "SUCCESS"
    assert statuses == ["SUCCESS", later]
    assert duplicate.invocations >= 2


def test_a_refused_hand_off_answers_failed_at_once(cloud, solution, lambda_service, capsys):
    lambda_service.refuse_next = True
    exchange = cloud.deliver(create(cloud, solution))
    assert exchange.response["Status"] == "FAILED"
    assert "could not continue in a new invocation" in exchange.response["Reason"]
    assert "AccessDenied" in exchange.response["Reason"]
    assert exchange.invocations == 1
    assert '"Cause":"HandOffFailed"' in capsys.readouterr().out  # counted as a failure


def test_under_sam_local_alone_the_handler_waits_in_one_run(
    world, solution, monkeypatch, lambda_service
):
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", "")  # sam local invoke: no Lambda to invoke
    invoked_before = lambda_service.invoked
    local = world.stand_in(function_timeout=60.0)  # built under sam local: no hand-off
    exchange = local.deliver(create(local, solution))
    assert exchange.response["Status"] == "FAILED"
    assert "Gave up after" in exchange.response["Reason"]
    assert lambda_service.invoked == invoked_before  # it never tried to hand off


def test_under_sam_local_with_a_lambda_endpoint_the_wait_is_handed_off(
    world, solution, monkeypatch, lambda_service
):
    monkeypatch.setenv("AWS_SAM_LOCAL", "true")  # AWS_ENDPOINT_URL_LAMBDA: the stand-in's
    local = world.stand_in(function_timeout=60.0)  # as under sam local start-lambda
    exchange = local.deliver(create(local, solution))
    assert exchange.response["Status"] == "SUCCESS", exchange.response
    assert exchange.invocations >= 2
    assert len(exchange.responses) == 1


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


@pytest.mark.parametrize("seconds", [3.3, 47.9, 600.7])
def test_an_update_settling_in_the_first_invocation_is_answered_within_2_s(
    full_length, solution, emulator, clock, seconds
):
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


def test_a_continued_event_past_its_deadline_answers_without_touching_the_solution(
    cloud, solution, emulator, clock
):
    """A hand-off that arrives after CloudFormation's deadline (it sat in Lambda's queue): no
    read, no update, only the answer."""
    event = create(cloud, solution, timeout="60")
    event[CARRY_KEY] = Carried(first=clock.now() - 4000).to_json()
    calls = len(emulator.calls)
    exchange = cloud.deliver(event)
    assert exchange.response["Status"] == "FAILED"
    assert "Gave up after 4000 s waiting for the solution to be read" in exchange.response["Reason"]
    assert emulator.calls[calls:] == []


def test_update_solution_never_starts_past_the_deadline(
    world, clock, solution, emulator, lambda_service
):
    """When the confirming read is due only after the invocation's deadline, neither it nor the
    update starts (the next invocation decides afresh); a chain that cannot get anywhere stops
    at its hop limit, with an answer."""
    cloud = world.stand_in(function_timeout=60.0, confirm_delay=1000.0)
    started = clock.now()
    exchange = cloud.deliver(create(cloud, solution, timeout="3600"))
    assert exchange.response["Status"] == "FAILED"
    assert exchange.response["Reason"].endswith(
        "waiting for enough time left to start the update; no update was started: retry the "
        f"stack operation, or {RAISE_FUNCTION_TIMEOUT}"
    )
    assert exchange.invocations == MAX_HOPS + 1
    assert emulator.count("UpdateSolution") == 0
    # the confirm delay was never slept past a deadline: 9 invocations of 60 s at most
    assert clock.now() - started < 60 * exchange.invocations
    assert lambda_service.queued == []


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


def test_a_start_time_from_the_future_does_not_extend_the_deadline(
    cloud, solution, emulator, clock
):
    """A marker claiming the wait began in the future is not believed: ServiceTimeout still
    counts from now at the latest."""
    emulator.timing.update_in_progress = 10_000
    event = create(cloud, solution, timeout="100")
    event[CARRY_KEY] = Carried(first=clock.now() + 100_000).to_json()
    started = clock.now()
    exchange = cloud.deliver(event)
    assert exchange.response["Status"] == "FAILED"
    assert clock.now() - started < 100


def test_throttling_during_the_promised_wait_backs_off(full_length, solution, emulator, clock):
    """Throttled checks are paced by the patient policy, not every 2 s."""
    emulator.timing = Timing(update_pending=0.3, update_in_progress=300.0, stale_read=0)
    emulator.inject("DescribeSolution", "ThrottlingException", times=1000, after=2)
    started = clock.now()
    exchange = full_length.deliver(create(full_length, solution, timeout="400"))
    assert exchange.response["Status"] == "FAILED"
    assert "ThrottlingException" in exchange.response["Reason"]
    # botocore tries each check twice; 2 s pacing would make about 370 attempts in 370 s
    assert emulator.count("DescribeSolution") - 2 < 2 * (370 / 30 + 10)
    assert clock.now() - started < 400


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


def test_a_solution_in_use_for_the_whole_wait_says_so_and_what_to_do(cloud, solution, emulator):
    """A training run keeps UpdateSolution refused (ResourceInUseException) past the deadline:
    the Reason names that, not the last moment's lack of time to start a call."""
    emulator.reading = READINGS["documented-default"]  # the reading that refuses while training
    emulator.train(solution, 10_000)
    body = cloud.deliver(create(cloud, solution, timeout="40")).response
    assert body["Status"] == "FAILED"
    assert "ResourceInUseException" in body["Reason"]
    assert "retry when it is idle, or raise ServiceTimeout" in body["Reason"]
    assert "enough time left" not in body["Reason"]


def test_a_persistent_5xx_says_so_and_what_to_do(cloud, solution, emulator):
    emulator.inject("UpdateSolution", "InternalFailure", times=10_000)
    body = cloud.deliver(create(cloud, solution, timeout="40")).response
    assert body["Status"] == "FAILED"
    assert "InternalFailure" in body["Reason"]
    assert "retry later, or raise ServiceTimeout" in body["Reason"]
    assert "enough time left" not in body["Reason"]


@pytest.mark.parametrize("request_type", ["Create", "Update"])
def test_an_invocation_that_updated_hands_off_when_a_check_still_fits(
    world, clock, solution, emulator, personalize, request_type
):
    """The hand-off is decided when it happens: an invocation that began with a start (which
    needs time to read, confirm and update) but has called UpdateSolution leaves its successor
    only checks to make, so it hands off when one check still fits before CloudFormation's
    deadline. Calls of 2 s, invocations of 20 s, ServiceTimeout 22, an update of 6 s that
    outlasts the first invocation."""
    emulator.timing = Timing(update_pending=1.0, update_in_progress=5.0, stale_read=0)
    cloud = world.stand_in(function_timeout=20.0, client=SlowCalls(personalize, clock, 2.0))
    if request_type == "Update":
        world.outside(solution, performAutoTraining=True, solutionUpdateConfig=api_schedule(3))
    before = emulator.count("UpdateSolution", "ok")
    properties = {"SolutionArn": solution, "ServiceTimeout": "22", **FIVE}
    old = {"SolutionArn": solution, "ServiceTimeout": "22", **auto_training(3)}
    event = cloud.event(
        request_type,
        "Long",
        properties,
        old_properties=old if request_type == "Update" else None,
        physical_id="solution-update" if request_type == "Update" else None,
    )
    exchange = cloud.deliver(event)
    assert exchange.response["Status"] == "SUCCESS", exchange.response
    assert exchange.invocations == 2
    assert emulator.count("UpdateSolution", "ok") - before == 1


def test_which_update_is_ours_is_carried_across_a_hand_off(
    world, cloud, emulator, lambda_service, clock
):
    """Our update fails while the wait is handed on, and someone else's, created after it and
    consistent with our request (it shows nothing of what we sent), settles before the next
    invocation's first check: that invocation knows from the marker which update was ours, so
    it does not take theirs for it (a false SUCCESS: incremental updates stay off)."""
    solution = world.solution("long", recipeArn=SEMANTIC_SIMILARITY)
    emulator.fail_next_update("ours failed")
    emulator.follow(performAutoTraining=True)
    properties = {
        "SolutionArn": solution,
        "ServiceTimeout": "600",
        "PerformIncrementalUpdate": True,
    }
    event = cloud.event("Create", "Long", properties)
    cloud.deliver(event, play_hand_offs=False)  # updates, sees ours in progress, hands off
    clock.advance(LONG.update_pending + LONG.update_in_progress + 10)
    exchange = cloud.deliver(lambda_service.take(event["RequestId"]))
    assert exchange.response["Status"] == "FAILED", exchange.response
    assert "Another update of the solution replaced ours" in exchange.response["Reason"]
    assert emulator.count("UpdateSolution", "ok") == 1


@pytest.mark.parametrize("settles_after", [40.0, 50.0], ids=["settled", "still-updating"])
def test_a_late_duplicate_reads_only_and_answers_what_the_original_will(
    world, clock, solution, emulator, receiver, lambda_service, settles_after
):
    """The original invocation updates and hands off; 49 s into ServiceTimeout 60 Lambda
    delivers the event again, too late to start an update, before the queued hand-off runs.
    The duplicate only reads: the update it sees (settled, or settling within its window)
    proves the settings in force, so it answers SUCCESS, as the original then does."""
    emulator.timing = Timing(update_pending=1.0, update_in_progress=settles_after - 1.0)
    cloud = world.stand_in(function_timeout=30.0)
    # A value no reading fills in, so that a read can prove it under every reading.
    event = cloud.event("Create", "Long", {"SolutionArn": solution, **OFF, "ServiceTimeout": "60"})
    sent = clock.now()
    cloud.deliver(event, play_hand_offs=False)
    assert len(lambda_service.queued) == 1
    clock.advance(sent + 49 - clock.now())
    cloud.deliver(event)  # the duplicate, then the queued hand-off
    statuses = [r.body["Status"] for r in receiver.responses_for(event["RequestId"])]
    assert statuses == ["SUCCESS", "SUCCESS"], receiver.responses_for(event["RequestId"])[0].body
    assert emulator.count("UpdateSolution", "ok") == 1


def test_a_late_request_whose_settings_are_not_in_force_fails_without_updating(
    world, clock, solution, emulator
):
    """Queued in Lambda 49 s of ServiceTimeout 60 with no original to see it through: it reads
    until the deadline and answers FAILED, naming the lateness; no UpdateSolution."""
    cloud = world.stand_in(function_timeout=30.0)
    event = create(cloud, solution, timeout="60")
    event["ResponseURL"] = signed_at(event["ResponseURL"], clock.now() - 49)
    body = cloud.deliver(event).response
    assert body["Status"] == "FAILED"
    # X-Amz-Date has whole seconds: 49 s and a fraction counted from it, of which up to 1 s
    # may not have gone (the signing time's lost fraction), so what surely had: 48 s
    assert "at least 48 s of it gone before the function started" in body["Reason"]
    assert "the settings asked were not in force; retry the stack operation" in body["Reason"]
    assert emulator.count("UpdateSolution") == 0
    assert emulator.count("DescribeSolution") >= 1
