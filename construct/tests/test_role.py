"""The provider's role: least privilege. It writes to its own log group, invokes its own function
(by a built ARN, never a reference that would be a cycle) and its on-failure destination, and
updates and reads only the solutions the stack's resources name; every solution of the stack's
account and region only through a policy of its own, for resources whose solution is unknown at
synth."""

from __future__ import annotations

import json
from typing import Any

from aws_cdk.assertions import Template
from sample import (
    CUSTOM,
    DESTINATION,
    PROVIDER,
    SOLUTION,
    Synthesized,
    function,
    only,
    role_of,
    statements_of,
)

SOLUTION_ACTIONS = ["personalize:UpdateSolution", "personalize:DescribeSolution"]


def role_statements(template: Template) -> list[dict[str, Any]]:
    """The statements of the provider function's role (its one inline policy)."""
    _, role = role_of(template, PROVIDER)
    return statements_of(role)


def every_solution(template: Template) -> tuple[str, Any]:
    """The one policy of its own, allowing every solution: (logical id, resource)."""
    return only(template.find_resources("AWS::IAM::Policy"))


def depends_on(template: Template, logical_id: str) -> list[str]:
    """What the resource of that logical id waits for."""
    dependencies: list[str] = template.find_resources(CUSTOM)[logical_id].get("DependsOn", [])
    return dependencies


def test_the_role_writes_its_logs_invokes_its_function_and_destination_names_the_solutions(
    synthesized: Synthesized,
) -> None:
    template = synthesized.own
    provider, _ = function(template, PROVIDER)
    destination, _ = function(template, DESTINATION)
    _, role = role_of(template, PROVIDER)
    statements = role_statements(template)
    assert [statement["Action"] for statement in statements] == [
        ["logs:CreateLogStream", "logs:PutLogEvents"],
        "lambda:InvokeFunction",
        "lambda:InvokeFunction",
        SOLUTION_ACTIONS,
    ]
    invoke = json.dumps(statements[1]["Resource"])
    assert ':function:psu-"' in invoke
    assert "AWS::StackId" in invoke
    assert provider not in json.dumps(role)
    # Lambda sends the record of a failed invocation with this role: the destination alone, not
    # its versions or aliases (<ARN>:*)
    assert statements[2]["Resource"] == {"Fn::GetAtt": [destination, "Arn"]}
    assert statements[3]["Resource"] == SOLUTION


def test_a_resource_that_may_turn_training_off_waits_for_a_policy_of_every_solution(
    synthesized: Synthesized,
) -> None:
    """SecondTraining's Delete (DisableAutoTraining) may come for a solution the template no
    longer names, after the role stopped naming it: its own policy is deleted after it."""
    template = synthesized.own
    role, _ = role_of(template, PROVIDER)
    policy, every = every_solution(template)
    [statement] = every["Properties"]["PolicyDocument"]["Statement"]
    assert statement["Action"] == SOLUTION_ACTIONS
    assert ":solution/*" in json.dumps(statement["Resource"])
    assert every["Properties"]["Roles"] == [{"Ref": role}]
    assert policy in depends_on(template, "SecondTraining")
    assert policy not in depends_on(template, "FirstTraining")


def test_the_role_names_literal_declared_and_parameter_solutions_alone(
    synthesized: Synthesized,
) -> None:
    template = synthesized.configured
    template.resource_count_is("AWS::IAM::Policy", 0)
    [named] = [s for s in role_statements(template) if s["Action"] == SOLUTION_ACTIONS]
    solution, _ = only(template.find_resources("AWS::Personalize::Solution"))
    assert named["Resource"] == [
        SOLUTION,
        {"Fn::GetAtt": [solution, "SolutionArn"]},
        {"Ref": "ParameterSolutionArn"},
    ]


def test_a_solution_named_through_another_resource_or_a_sub_is_not_named_by_the_role(
    synthesized: Synthesized,
) -> None:
    """Another resource's attribute (here the first's, whose function this role serves) could
    make the role part of a cycle; an Fn::Sub hides its references. Both get every solution
    through the policy they wait for; the role names the literal one alone."""
    template = synthesized.chained
    [named] = [s for s in role_statements(template) if s["Action"] == SOLUTION_ACTIONS]
    assert named["Resource"] == SOLUTION
    policy, _ = every_solution(template)
    assert policy not in depends_on(template, "Named")
    assert policy in depends_on(template, "ByAttribute")
    assert policy in depends_on(template, "BySub")


def all_statements(template: Template) -> list[dict[str, Any]]:
    """Every statement of the stack's roles and policies."""
    roles = template.find_resources("AWS::IAM::Role").values()
    policies = template.find_resources("AWS::IAM::Policy").values()
    return [
        *(statement for role in roles for statement in statements_of(role)),
        *(
            statement
            for policy in policies
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]
        ),
    ]


def test_no_statement_allows_every_action_nor_every_resource_but_x_rays(
    synthesized: Synthesized,
) -> None:
    """X-Ray has no resource-level permissions for sending traces: its `*` is the one. No
    function's statement reaches a version or alias (`<ARN>:*`)."""
    for template in (synthesized.own, synthesized.configured, synthesized.chained):
        for statement in all_statements(template):
            actions = (
                statement["Action"]
                if isinstance(statement["Action"], list)
                else [statement["Action"]]
            )
            assert all("*" not in action for action in actions)
            if statement["Resource"] == "*":
                assert actions == ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
            assert ':*"' not in json.dumps(statement["Resource"])
