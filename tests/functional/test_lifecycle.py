"""Whole stack lifecycles through the real handler, over HTTP to the emulator and the bucket."""

from __future__ import annotations

import json
import os
import time

import boto3
import pytest

from localcloud.cloudformation import CloudFormation
from localcloud.emulator import READINGS
from localcloud.harness import client_without_update_solution, handler_on_clock
from localcloud.receiver import PRESIGNED_QUERY
from localcloud.simclock import SimulatedClock
from tests.presets import asking_again_costs, auto_training, schedule

AUTO_5_DAYS = auto_training(5)


def props(arn: str, **extra) -> dict:
    return {"SolutionArn": arn, **extra}


def test_the_emulator_plays_the_reading_the_run_names(emulator, request):
    """make test-readings runs this suite once per reading (--emulator-reading): each run must
    play its own, or it would only repeat the default."""
    assert emulator.reading == READINGS[request.config.getoption("--emulator-reading")]


def test_create_applies_settings_and_reports_attributes(
    stack_resource, make_solution, personalize, emulator
):
    arn = make_solution()
    [create] = stack_resource.create(props(arn, **AUTO_5_DAYS, PerformIncrementalUpdate=False))
    body = create.response
    assert body["Status"] == "SUCCESS", body
    assert body["PhysicalResourceId"] == arn
    assert body["Data"]["SchedulingExpression"] == "rate(5 days)"
    assert body["Data"]["PerformAutoTraining"] == "true"
    assert body["Data"]["PerformIncrementalUpdate"] == "false"
    assert body["Data"]["Status"] == "ACTIVE"
    assert body["Data"]["SolutionArn"] == arn
    assert body["Data"]["LastUpdatedDateTime"].startswith("20")
    assert emulator.count("UpdateSolution", "ok") == 1
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    assert solution["latestSolutionUpdate"]["status"] == "ACTIVE"
    assert (
        solution["latestSolutionUpdate"]["solutionUpdateConfig"]["autoTrainingConfig"][
            "schedulingExpression"
        ]
        == "rate(5 days)"
    )
    assert create.responses[0].content_type == ""


def test_noop_update_makes_no_update_call(stack_resource, make_solution, emulator):
    arn = make_solution()
    stack_resource.create(props(arn, **AUTO_5_DAYS))
    calls_before = emulator.count("UpdateSolution")
    same_but_spelled_differently = props(
        arn, PerformAutoTraining="TRUE", SolutionUpdateConfig=schedule(5), ServiceTimeout="600"
    )
    [update] = stack_resource.update(same_but_spelled_differently)
    assert update.response["Status"] == "SUCCESS"
    assert update.response["PhysicalResourceId"] == arn
    assert emulator.count("UpdateSolution") == calls_before + asking_again_costs(emulator.reading)


def test_defaults_count_as_current_settings(stack_resource, make_solution, emulator):
    """A new solution trains every 7 days: asking for exactly that is a no-op."""
    arn = make_solution()
    [create] = stack_resource.create(
        props(arn, PerformAutoTraining="True", SolutionUpdateConfig=schedule(7))
    )
    assert create.response["Status"] == "SUCCESS"
    assert create.response["Data"]["SchedulingExpression"] == "rate(7 days)"
    assert emulator.count("UpdateSolution") == 0


def test_one_day_spellings_are_the_same_schedule(stack_resource, make_solution, emulator):
    arn = make_solution()
    one_day = {"AutoTrainingConfig": {"SchedulingExpression": "rate(1 day)"}}
    stack_resource.create(props(arn, SolutionUpdateConfig=one_day))
    one_days = {"AutoTrainingConfig": {"SchedulingExpression": "rate(1 days)"}}
    [update] = stack_resource.update(props(arn, SolutionUpdateConfig=one_days))
    assert update.response["Status"] == "SUCCESS"
    assert emulator.count("UpdateSolution") == 1


def test_no_success_from_a_stale_read(stack_resource, make_solution, emulator):
    """Right after UpdateSolution the emulator still shows the previous ACTIVE update."""
    arn = make_solution()
    stack_resource.create(props(arn, **AUTO_5_DAYS))
    emulator.timing.stale_read = 1.5
    emulator.timing.update_pending = 0.05
    emulator.timing.update_in_progress = 0.05
    started = time.time()
    [update] = stack_resource.update(props(arn, SolutionUpdateConfig=schedule(3)))
    assert update.response["Status"] == "SUCCESS"
    assert update.response["Data"]["SchedulingExpression"] == "rate(3 days)"
    assert update.responses[0].wall >= started + 1.5
    stale_describes = [c for c in emulator.calls if c.operation == "DescribeSolution"]
    assert any(c.outcome == "ACTIVE" and c.at < started + 1.5 for c in stale_describes)


def test_answer_within_two_seconds_of_settling(stack_resource, make_solution, emulator):
    """Real time: the answer reaches the bucket within 2 s of the update settling (by the
    emulator's own arithmetic from the UpdateSolution call), plus slack for real I/O."""
    arn = make_solution()
    emulator.timing.update_in_progress = 3.0
    [create] = stack_resource.create(props(arn, **AUTO_5_DAYS))
    [update] = [c for c in emulator.calls if c.operation == "UpdateSolution" and c.outcome == "ok"]
    settled = update.at + emulator.timing.update_pending + emulator.timing.update_in_progress
    assert create.response["Status"] == "SUCCESS"
    assert 0 <= create.responses[0].wall - settled < 2.0 + 0.25


def test_create_failed_reason_surfaced_and_rollback_re_applies_the_old_settings(
    stack_resource, make_solution, emulator
):
    """After a failed update the solution's own fields may be its creation settings (a reading
    the docs allow), so nothing proves the old settings are in force: the rollback updates."""
    arn = make_solution()
    stack_resource.create(props(arn, **AUTO_5_DAYS))
    emulator.fail_next_update("Not enough interactions to train with a 2 day schedule")
    failed, rollback = stack_resource.update(props(arn, SolutionUpdateConfig=schedule(2)))
    assert failed.response["Status"] == "FAILED"
    assert "Not enough interactions to train" in failed.response["Reason"]
    assert failed.response["PhysicalResourceId"] == arn
    assert rollback.response["Status"] == "SUCCESS"
    assert rollback.response["PhysicalResourceId"] == arn
    assert rollback.response["Data"]["SchedulingExpression"] == "rate(5 days)"
    assert emulator.count("UpdateSolution", "ok") == 3  # the create's, the failed one, rollback


@pytest.mark.parametrize("spelling", ["true", "True", "TRUE", "false", "False", "FALSE"])
def test_string_booleans_are_accepted_in_any_case(stack_resource, make_solution, spelling):
    arn = make_solution()
    [create] = stack_resource.create(props(arn, PerformAutoTraining=spelling))
    assert create.response["Status"] == "SUCCESS"
    assert create.response["Data"]["PerformAutoTraining"] == spelling.lower()


@pytest.mark.parametrize(
    ("properties", "named"),
    [
        ({"PerformAutoTraining": "yes"}, "PerformAutoTraining"),
        ({"PerformIncrementalUpdate": "1"}, "PerformIncrementalUpdate"),
        (
            {
                "SolutionUpdateConfig": {
                    "AutoTrainingConfig": {"SchedulingExpression": "rate(31 days)"}
                }
            },
            "SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression",
        ),
        (
            {
                "SolutionUpdateConfig": {
                    "AutoTrainingConfig": {"SchedulingExpression": "rate(5 hours)"}
                }
            },
            "SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression",
        ),
        ({"Perform_AutoTraining": "true"}, "Perform_AutoTraining"),
    ],
)
def test_invalid_properties_fail_without_touching_the_solution(
    stack_resource, make_solution, emulator, properties, named
):
    arn = make_solution()
    failed, rollback_delete = stack_resource.create(props(arn, **properties))
    assert failed.response["Status"] == "FAILED"
    assert named in failed.response["Reason"]
    assert "expected" in failed.response["Reason"]
    assert rollback_delete.response["Status"] == "SUCCESS"
    assert rollback_delete.event["PhysicalResourceId"] == failed.response["PhysicalResourceId"]
    assert emulator.count("UpdateSolution") == 0


def test_delete_of_a_non_arn_id_succeeds_and_changes_nothing(cloudformation, emulator):
    [delete] = [
        cloudformation.send(
            "Delete", "AutoTraining", {"SolutionArn": "not-an-arn"}, physical_id="create-failed-x"
        )
    ]
    assert delete.response["Status"] == "SUCCESS"
    assert delete.response["PhysicalResourceId"] == "create-failed-x"
    assert emulator.calls == []


def test_replacement_gives_new_id_then_old_delete_is_harmless(
    stack_resource, make_solution, personalize, emulator
):
    first, second = make_solution("first"), make_solution("second")
    stack_resource.create(props(first, **AUTO_5_DAYS))
    updated, old_delete = stack_resource.update(props(second, **AUTO_5_DAYS))
    assert updated.response["Status"] == "SUCCESS"
    assert updated.response["PhysicalResourceId"] == second
    assert old_delete.event["RequestType"] == "Delete"
    assert old_delete.event["PhysicalResourceId"] == first
    assert old_delete.response["Status"] == "SUCCESS"
    assert old_delete.response["PhysicalResourceId"] == first
    assert emulator.count("UpdateSolution") == 2
    first_now = personalize.describe_solution(solutionArn=first)["solution"]
    assert first_now["latestSolutionUpdate"]["status"] == "ACTIVE"


def test_stack_delete_leaves_the_solution_as_it_is(stack_resource, make_solution, emulator):
    arn = make_solution()
    stack_resource.create(props(arn, **AUTO_5_DAYS))
    updates = emulator.count("UpdateSolution")
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "SUCCESS"
    assert delete.response["PhysicalResourceId"] == arn
    assert emulator.count("UpdateSolution") == updates


def test_missing_solution_fails_at_once(stack_resource, emulator):
    arn = "arn:aws:personalize:us-east-1:123456789012:solution/nope"
    started = time.monotonic()
    failed, _ = stack_resource.create(props(arn, PerformAutoTraining=False))
    assert failed.response["Status"] == "FAILED"
    assert "not found" in failed.response["Reason"]
    assert arn in failed.response["Reason"]
    assert failed.responses[0].at - started < 2.0


def test_busy_solution_is_waited_out(stack_resource, make_solution, emulator):
    """A solution version trains for 1.5 s. Where the reading refuses updates meanwhile, the
    handler retries until the update is accepted; where it accepts them, there is nothing to
    wait out."""
    arn = make_solution()
    emulator.train(arn, 1.5)
    [create] = stack_resource.create(props(arn, **AUTO_5_DAYS))
    assert create.response["Status"] == "SUCCESS"
    refused = emulator.count("UpdateSolution", "ResourceInUseException")
    if emulator.reading.update_accepted_while_training:
        assert refused == 0
    else:
        assert refused >= 1
    assert emulator.count("UpdateSolution", "ok") == 1


def test_passing_faults_are_retried(stack_resource, make_solution, emulator):
    """In real time; throttling's longer pacing is played on the simulated clock (the fault
    matrix, the long waits)."""
    arn = make_solution()
    emulator.inject("DescribeSolution", "InternalFailure", times=1)
    emulator.inject("UpdateSolution", "ServiceUnavailable", times=1)
    [create] = stack_resource.create(props(arn, **AUTO_5_DAYS))
    assert create.response["Status"] == "SUCCESS"
    assert emulator.count("UpdateSolution", "ok") == 1
    assert emulator.count("UpdateSolution", "ServiceUnavailable") == 1


def test_access_denied_on_the_first_read_fails_at_once_and_changes_nothing(
    stack_resource, make_solution, emulator
):
    """A solution in another account or a role without DescribeSolution: waiting will not
    help, and the Reason says what Personalize said."""
    arn = make_solution()
    emulator.inject("DescribeSolution", "AccessDeniedException", times=1)
    create, rollback_delete = stack_resource.create(props(arn, **AUTO_5_DAYS))
    assert create.response["Status"] == "FAILED"
    assert "Personalize rejected the request (AccessDeniedException" in create.response["Reason"]
    assert rollback_delete.response["Status"] == "SUCCESS"
    assert emulator.count("UpdateSolution") == 0


def test_no_credentials_fails_at_once_with_a_reason(
    make_solution, emulator, receiver, lambda_service, monkeypatch
):
    """botocore's own refusals (no credentials, no region) are not retried for an hour."""
    arn = make_solution()
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", os.devnull)
    monkeypatch.setenv("AWS_CONFIG_FILE", os.devnull)
    monkeypatch.setattr(boto3, "DEFAULT_SESSION", None)  # it caches the credentials it found
    import app

    cloudformation = CloudFormation(app.build(), receiver, lambda_service=lambda_service)
    started = time.monotonic()
    exchange = cloudformation.send(
        "Create", "AutoTraining", props(arn, **AUTO_5_DAYS, ServiceTimeout=40)
    )
    assert exchange.response["Status"] == "FAILED"
    assert "Could not call Personalize (NoCredentialsError" in exchange.response["Reason"]
    assert time.monotonic() - started < 5
    assert emulator.count("UpdateSolution") == 0


def test_update_longer_than_service_timeout_fails_before_it_across_invocations(
    make_solution, emulator, receiver, lambda_service
):
    """Real time: 21 s invocations (3 s of waiting each, once 8 s for the hand-off and the
    answer and one call's 10 s budget are kept) hand the wait on until ServiceTimeout (30 s,
    so 15 s of waiting) is near; no watchdog answer, and the answer comes before 30 s."""
    clock = SimulatedClock()
    clock.run_in_real_time()
    cloudformation = CloudFormation(
        handler_on_clock(clock), receiver, function_timeout=21.0, lambda_service=lambda_service
    )
    arn = make_solution()
    emulator.timing.update_in_progress = 60.0
    started = time.monotonic()
    event = cloudformation.event(
        "Create", "AutoTraining", props(arn, **AUTO_5_DAYS, ServiceTimeout=30)
    )
    exchange = cloudformation.deliver(event)
    assert exchange.response["Status"] == "FAILED"
    assert "CREATE IN_PROGRESS" in exchange.response["Reason"]
    assert "waiting for the solution update" in exchange.response["Reason"]
    assert exchange.invocations >= 2
    assert exchange.answered_in_time
    assert exchange.responses[0].at - started < 30.0
    assert emulator.count("UpdateSolution", "ok") == 1


def test_an_invocation_too_short_for_one_call_fails_without_touching_the_solution(
    cloudformation, make_solution, emulator
):
    """The deployed function's calls may each take 15 s: with less than that (after the
    answer's reserve) a call could outlive the invocation, so none is made."""
    arn = make_solution()
    reads = emulator.count("DescribeSolution")
    exchange = cloudformation.deliver(
        cloudformation.event("Create", "AutoTraining", props(arn, **AUTO_5_DAYS)), timeout=15.0
    )
    assert exchange.response["Status"] == "FAILED"
    assert "raise the function's timeout" in exchange.response["Reason"]
    assert emulator.count("DescribeSolution") == reads
    assert emulator.count("UpdateSolution") == 0


def test_service_timeout_bounds_the_wait(cloudformation, make_solution, emulator):
    arn = make_solution()
    emulator.timing.update_in_progress = 60.0
    started = time.monotonic()
    exchange = cloudformation.send(
        "Create", "AutoTraining", props(arn, **AUTO_5_DAYS, ServiceTimeout=8)
    )
    assert exchange.response["Status"] == "FAILED"
    assert exchange.responses[0].at - started < 8.0


def test_url_outside_the_allow_list_is_never_contacted(cloudformation, make_solution, receiver):
    arn = make_solution()
    calls_before = len(cloudformation.receiver.received)
    event = cloudformation.event("Create", "AutoTraining", props(arn, **AUTO_5_DAYS))
    event["ResponseURL"] = event["ResponseURL"].replace("127.0.0.1", "localhost")
    from localcloud.emulator import controls

    personalize_calls = len(controls.calls)
    cloudformation.deliver(event)
    assert len(receiver.received) == calls_before
    assert len(controls.calls) == personalize_calls


def test_no_log_line_carries_the_presigned_query(
    stack_resource, make_solution, emulator, capsys, caplog
):
    caplog.set_level("DEBUG")
    arn = make_solution()
    stack_resource.create(props(arn, **AUTO_5_DAYS))
    emulator.fail_next_update("boom")
    stack_resource.update(props(arn, PerformAutoTraining=False))
    stack_resource.update(props(arn, PerformAutoTraining="maybe"))
    stack_resource.delete()
    captured = capsys.readouterr()
    everything = captured.out + captured.err + caplog.text
    assert "Answered CloudFormation" in everything  # the logs were captured at all
    for secret in ["X-Amz-Signature", "X-Amz-Credential", "X-Amz-Security-Token", PRESIGNED_QUERY]:
        assert secret not in everything


def test_start_up_failure_answers_failed_with_a_valid_id(receiver, emulator):
    """A botocore too old to know UpdateSolution: every request gets one clear FAILED."""
    import app

    client = client_without_update_solution()
    cloudformation = CloudFormation(app.build(personalize_client=client), receiver)
    exchange = cloudformation.send(
        "Create",
        "AutoTraining",
        {"SolutionArn": "arn:aws:personalize:us-east-1:123456789012:solution/x"},
    )
    assert exchange.response["Status"] == "FAILED"
    assert "UpdateSolution" in exchange.response["Reason"]
    assert exchange.response["PhysicalResourceId"].startswith("create-failed-")
    rollback = cloudformation.send(
        "Delete",
        "AutoTraining",
        {"SolutionArn": "x"},
        physical_id=exchange.response["PhysicalResourceId"],
    )
    assert rollback.response["Status"] == "SUCCESS", "a failed cold start must not block deletion"


def test_delete_answers_at_once(cloudformation, make_solution):
    """crhelper sleeps 120 s (billed) before answering a Delete unless told not to."""
    arn = make_solution()
    delete = cloudformation.send("Delete", "AutoTraining", props(arn), physical_id=arn)
    assert delete.response["Status"] == "SUCCESS"
    assert delete.finished - delete.started < 1.0


def test_failed_create_id_is_stable_across_duplicate_deliveries(cloudformation, receiver):
    """crhelper would invent a random id per delivery; ours derives it from the RequestId."""
    event = cloudformation.event("Create", "AutoTraining", {"SolutionArn": "bad"})
    first = cloudformation.deliver(event)
    second = cloudformation.deliver(event)
    ids = [r.body["PhysicalResourceId"] for r in second.responses]
    assert ids == [f"create-failed-{event['RequestId']}"] * 2
    assert first.responses[0].body["Status"] == "FAILED"


def test_duplicate_delivery_makes_no_second_update_call(cloudformation, make_solution, emulator):
    arn = make_solution()
    event = cloudformation.event("Create", "AutoTraining", props(arn, **AUTO_5_DAYS))
    first = cloudformation.deliver(event)
    second = cloudformation.deliver(event)
    assert [r.body["Status"] for r in second.responses] == ["SUCCESS", "SUCCESS"]
    assert first.responses[0].body["PhysicalResourceId"] == arn
    assert emulator.count("UpdateSolution", "ok") == 1 + asking_again_costs(emulator.reading)


@pytest.mark.parametrize(
    ("mutate", "says"),
    [
        (lambda e: e.update(RequestType="Upsert"), "Unsupported RequestType"),
        (lambda e: e.pop("StackId"), "StackId"),
        (lambda e: e.pop("RequestId"), "RequestId"),
    ],
)
def test_malformed_envelopes_get_one_clear_failure(
    cloudformation, make_solution, emulator, mutate, says
):
    arn = make_solution()
    event = cloudformation.event("Create", "AutoTraining", props(arn, **AUTO_5_DAYS))
    request_id = event["RequestId"]
    mutate(event)
    [response] = cloudformation.deliver(event, request_id=request_id).responses
    assert response.body["Status"] == "FAILED"
    assert says in response.body["Reason"]
    assert response.body["PhysicalResourceId"]
    assert emulator.count("UpdateSolution") == 0


def emf_records(text: str) -> list[dict]:
    records = []
    for line in text.splitlines():
        if line.startswith("{") and '"_aws"' in line:
            records.append(json.loads(line))
    return records


def test_metrics_count_updates_no_ops_and_failures_by_cause(
    stack_resource, make_solution, emulator, capsys
):
    """The metrics' own bookkeeping, under the reading where the no-ops here are provable."""
    emulator.reading = READINGS["documented-default"]
    arn = make_solution()
    stack_resource.create(props(arn, **AUTO_5_DAYS))
    stack_resource.update(props(arn, **AUTO_5_DAYS, ServiceTimeout="900"))
    stack_resource.update(props(arn, PerformAutoTraining="sometimes"))
    records = emf_records(capsys.readouterr().out)

    def values(name: str) -> list[float]:
        found = [r[name] for r in records if name in r]
        return [v for item in found for v in (item if isinstance(item, list) else [item])]

    assert values("UpdatesApplied") == [1.0]
    assert values("NoOpUpdatesSkipped") == [
        1.0,
        1.0,
    ]  # the no-op, and the rollback after the failure
    assert values("Failures") == [1.0]
    assert [r["Cause"] for r in records if "Failures" in r] == ["InvalidProperties"]
    assert values("WaitSeconds")[0] > 0.5  # the update was waited for
    assert all(
        r["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PersonalizeSolutionUpdate"
        for r in records
    )
    assert all(arn not in json.dumps(r["_aws"]) for r in records)
