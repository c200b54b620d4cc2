"""The answer as CloudFormation reads it: a Create through the real handler as the Lambda runtime
builds it (its own clock and sleep, in real time), over HTTP to the emulator and the response
bucket. Which answer each request gets, in a stack's order and whatever goes wrong, is the fault
matrix's (test_fault_matrix.py) and the simulation's (tests/simulation)."""

from __future__ import annotations

from tests.presets import auto_training


def test_a_create_answers_with_the_solution_and_its_attributes(
    stack_resource, make_solution, personalize, emulator
):
    """The PUT has an empty Content-Type, as the presigned URL expects; its body names the
    solution and gives the attributes GetAtt reads, booleans in lower case; the solution has
    the settings asked."""
    arn = make_solution()
    [create] = stack_resource.create(
        {"SolutionArn": arn, **auto_training(5), "PerformIncrementalUpdate": False}
    )
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
