"""OnDelete: DisableAutoTraining through whole stack lifecycles: the stack deleted, the old id of a
replacement, a failed Create's Delete, a solution already gone, and Personalize refusing."""

from __future__ import annotations

from tests.presets import auto_training

DISABLE = {"OnDelete": "DisableAutoTraining"}


def props(arn: str, **extra) -> dict:
    return {"SolutionArn": arn, **auto_training(5), **DISABLE, **extra}


def trains(personalize, arn: str) -> bool:
    """Whether the solution trains automatically, as Personalize shows it."""
    return personalize.describe_solution(solutionArn=arn)["solution"]["performAutoTraining"]


def test_deleting_the_stack_turns_training_off(
    stack_resource, make_solution, personalize, emulator
):
    arn = make_solution()
    stack_resource.create(props(arn))
    before = emulator.count("UpdateSolution", "ok")
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "SUCCESS", delete.response
    assert delete.response["PhysicalResourceId"] == arn
    assert emulator.count("UpdateSolution", "ok") == before + 1
    assert trains(personalize, arn) is False


def test_training_already_off_is_left_alone(stack_resource, make_solution, emulator):
    arn = make_solution()
    stack_resource.create({"SolutionArn": arn, "PerformAutoTraining": "false", **DISABLE})
    before = emulator.count("UpdateSolution", "ok")
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "SUCCESS"
    assert emulator.count("UpdateSolution", "ok") == before


def test_retain_leaves_training_on(stack_resource, make_solution, personalize, emulator):
    arn = make_solution()
    stack_resource.create(props(arn, OnDelete="Retain"))
    before = emulator.count("UpdateSolution")
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "SUCCESS"
    assert emulator.count("UpdateSolution") == before
    assert trains(personalize, arn) is True


def test_a_replacement_turns_training_off_on_the_old_solution_only(
    stack_resource, make_solution, personalize
):
    first, second = make_solution("first"), make_solution("second")
    stack_resource.create(props(first))
    updated, old_delete = stack_resource.update(props(second))
    assert updated.response["PhysicalResourceId"] == second
    assert old_delete.event["PhysicalResourceId"] == first
    assert old_delete.response["Status"] == "SUCCESS", old_delete.response
    assert (trains(personalize, first), trains(personalize, second)) == (False, True)


def test_a_failed_creates_delete_does_nothing(stack_resource, make_solution, emulator):
    arn = make_solution()
    before = len(emulator.calls)
    failed, rollback_delete = stack_resource.create(props(arn, PerformAutoTraining="yes"))
    assert failed.response["Status"] == "FAILED"
    assert rollback_delete.response["Status"] == "SUCCESS"
    assert rollback_delete.event["PhysicalResourceId"].startswith("create-failed-")
    assert len(emulator.calls) == before


def test_a_solution_already_gone_counts_as_done(stack_resource, make_solution, personalize):
    arn = make_solution()
    stack_resource.create(props(arn))
    personalize.delete_solution(solutionArn=arn)
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "SUCCESS", delete.response


def test_an_update_personalize_fails_fails_the_delete_with_what_to_do(
    stack_resource, make_solution, personalize, emulator
):
    """A silent SUCCESS would leave training (and its bill) on: FAILED says how to get out."""
    arn = make_solution()
    stack_resource.create(props(arn))
    emulator.fail_next_update("internal error")
    [delete] = stack_resource.delete()
    reason = delete.response["Reason"]
    assert delete.response["Status"] == "FAILED"
    assert delete.response["PhysicalResourceId"] == arn
    assert "Solution update failed: internal error" in reason
    assert "retry the delete" in reason
    assert "--retain-resources AutoTraining" in reason
    assert trains(personalize, arn) is True


def test_a_refused_update_fails_the_delete_with_what_to_do(stack_resource, make_solution, emulator):
    arn = make_solution()
    stack_resource.create(props(arn))
    emulator.inject("UpdateSolution", "AccessDeniedException", times=1)
    [delete] = stack_resource.delete()
    assert delete.response["Status"] == "FAILED"
    assert "AccessDeniedException" in delete.response["Reason"]
    assert "--retain-resources AutoTraining" in delete.response["Reason"]
