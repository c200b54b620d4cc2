"""Whole stack lifecycles through the real handler, over HTTP to the emulator and the bucket: a
stack's create, updates (no-op, replacement, a failed one and its rollback) and delete (with
OnDelete: Retain or DisableAutoTraining), in the order CloudFormation sends them. What goes wrong
in one request is the fault matrix's (test_fault_matrix.py, test_malformed_inputs.py); metrics
and secrecy have files of their own."""

from __future__ import annotations

import time

import pytest

from localcloud.emulator import READINGS
from tests.presets import asking_again_costs, auto_training, schedule

AUTO_5_DAYS = auto_training(5)
DISABLE = {"OnDelete": "DisableAutoTraining"}


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


@pytest.mark.parametrize("spelling", ["True", "FALSE"])
def test_string_booleans_are_accepted_in_any_case(stack_resource, make_solution, spelling):
    """Each value once, given back in the answer's Data in lower case (every spelling of either
    is parsed in tests/unit/test_fuzz_properties.py)."""
    arn = make_solution()
    [create] = stack_resource.create(props(arn, PerformAutoTraining=spelling))
    assert create.response["Status"] == "SUCCESS"
    assert create.response["Data"]["PerformAutoTraining"] == spelling.lower()


def test_an_invalid_property_fails_the_create_and_its_rollback_deletes_nothing(
    stack_resource, make_solution, emulator
):
    """CloudFormation rolls a failed create back by deleting the id it got: that delete
    succeeds, and the solution is never touched (each property's message: test_properties.py)."""
    arn = make_solution()
    failed, rollback_delete = stack_resource.create(props(arn, PerformAutoTraining="yes"))
    assert failed.response["Status"] == "FAILED"
    assert "PerformAutoTraining" in failed.response["Reason"]
    assert "expected" in failed.response["Reason"]
    assert rollback_delete.response["Status"] == "SUCCESS"
    assert rollback_delete.event["PhysicalResourceId"] == failed.response["PhysicalResourceId"]
    assert emulator.count("UpdateSolution") == 0


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


def test_stack_delete_leaves_the_solution_as_it_is(
    stack_resource, make_solution, personalize, emulator
):
    arn = make_solution()
    stack_resource.create(props(arn, **AUTO_5_DAYS))
    updates = emulator.count("UpdateSolution")
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "SUCCESS"
    assert delete.response["PhysicalResourceId"] == arn
    assert emulator.count("UpdateSolution") == updates
    assert trains(personalize, arn) is True


def trains(personalize, arn: str) -> bool:
    """Whether the solution trains automatically: what its latest update set, else its own field
    (which one reading of the docs keeps at its creation value)."""
    solution = personalize.describe_solution(solutionArn=arn)["solution"]
    latest = solution.get("latestSolutionUpdate") or {}
    return bool(latest.get("performAutoTraining", solution["performAutoTraining"]))


def test_stack_delete_with_disable_auto_training_turns_training_off(
    stack_resource, make_solution, personalize, emulator
):
    arn = make_solution()
    stack_resource.create(props(arn, **AUTO_5_DAYS, **DISABLE))
    updates = emulator.count("UpdateSolution", "ok")
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "SUCCESS", delete.response
    assert delete.response["PhysicalResourceId"] == arn
    assert emulator.count("UpdateSolution", "ok") == updates + 1
    assert trains(personalize, arn) is False


def test_disable_auto_training_leaves_training_already_off_alone(
    stack_resource, make_solution, emulator
):
    arn = make_solution()
    stack_resource.create(props(arn, PerformAutoTraining="false", **DISABLE))
    updates = emulator.count("UpdateSolution", "ok")
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "SUCCESS"
    assert emulator.count("UpdateSolution", "ok") == updates


def test_a_replacement_with_disable_auto_training_turns_off_the_old_solution_only(
    stack_resource, make_solution, personalize
):
    first, second = make_solution("first"), make_solution("second")
    stack_resource.create(props(first, **AUTO_5_DAYS, **DISABLE))
    updated, old_delete = stack_resource.update(props(second, **AUTO_5_DAYS, **DISABLE))
    assert updated.response["PhysicalResourceId"] == second
    assert old_delete.event["PhysicalResourceId"] == first
    assert old_delete.response["Status"] == "SUCCESS", old_delete.response
    assert (trains(personalize, first), trains(personalize, second)) == (False, True)


def test_a_failed_creates_delete_with_disable_auto_training_does_nothing(
    stack_resource, make_solution, emulator
):
    arn = make_solution()
    calls = len(emulator.calls)
    failed, rollback_delete = stack_resource.create(
        props(arn, PerformAutoTraining="yes", **DISABLE)
    )
    assert failed.response["Status"] == "FAILED"
    assert rollback_delete.response["Status"] == "SUCCESS"
    assert rollback_delete.event["PhysicalResourceId"].startswith("create-failed-")
    assert len(emulator.calls) == calls
