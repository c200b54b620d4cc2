"""The cfn-lint rules shipped for YAML users (cfn-lint-rules/, `--append-rules`): every example is
clean, and each value the function would refuse is flagged at its property with the function's
own message; values only known at deploy (intrinsic functions) are left to the function."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.config import ManualArgs

from tests.unit.test_examples import EXAMPLES

ROOT = Path(__file__).resolve().parents[2]
RULES = ManualArgs(append_rules=[str(ROOT / "cfn-lint-rules")], regions=["us-east-1"])
SCHEDULE_FORM = "rate(N day) or rate(N days) with N a whole number from 1 to 30"

TEMPLATE = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Arn:
    Type: String
Resources:
  Training:
    Type: Custom::PersonalizeSolutionUpdate
    Properties:
      ServiceToken: !ImportValue personalize-solution-update-ServiceToken
{properties}
"""


def ours(text: str) -> list[tuple[int, str]]:
    """The rule's matches for a template: (line, message)."""
    return [
        (match.linenumber, match.message)
        for match in lint(text, config=RULES)
        if match.rule.id == "E9101"
    ]


def template(properties: str) -> str:
    """A template whose one resource has these properties (YAML, indented 6)."""
    return TEMPLATE.format(properties="\n".join(f"      {line}" for line in properties.split("\n")))


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_the_examples_are_clean_under_the_rules(path):
    matches = lint(path.read_text(), config=RULES)
    assert not matches, "\n".join(str(match) for match in matches)


@pytest.mark.parametrize(
    ("properties", "line", "message"),
    [
        (
            "SolutionArn: !Ref Arn\n"
            "SolutionUpdateConfig:\n  AutoTrainingConfig:\n    SchedulingExpression: rate(1 week)",
            13,
            "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression: "
            "'rate(1 week)' is not a rate expression (did you mean rate(7 days)?); "
            f"expected {SCHEDULE_FORM}",
        ),
        (
            "SolutionArn: !Ref Arn\n"
            "SolutionUpdateConfig:\n  AutoTrainingConfig:\n    SchedulingExpression: rate(45 days)",
            13,
            "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression: "
            f"'rate(45 days)' is out of range 1..30; expected {SCHEDULE_FORM}",
        ),
        (
            'SolutionArn: !Ref Arn\nPerformAutoTraining: "yes"',
            11,
            "Property PerformAutoTraining: 'yes' is not a boolean; expected true or false",
        ),
        (
            "SolutionArn: arn:aws:personalize:us-east-1:123456789012:dataset-group/x",
            10,
            "Property SolutionArn: 'arn:aws:personalize:us-east-1:123456789012:dataset-group/x' "
            "names a 'dataset-group', not a solution",
        ),
        (
            "SolutionArn: !Ref Arn\nSolutionUpdateConfig:\n  EventsConfig:\n"
            "    EventParametersList:\n      - {EventType: click, Weight: 1.5}",
            14,
            "Property SolutionUpdateConfig.EventsConfig.EventParametersList[0].Weight: '1.5' is "
            "out of range; expected a number from 0 to 1",
        ),
        ("SolutionArn: !Ref Arn\nServiceTimeout: 7200", 11, "Property ServiceTimeout: '7200'"),
        (
            "SolutionArn: !Ref Arn\nOnDelete: disableAutoTraining",
            11,
            "Property OnDelete: 'disableAutoTraining' is not a valid value (did you mean "
            "DisableAutoTraining?); expected Retain or DisableAutoTraining",
        ),
        ("SolutionArn: !Ref Arn\nSchedule: rate(5 days)", 11, "Property Schedule: is not a known"),
        ("PerformAutoTraining: false", 8, "Property SolutionArn: is required"),
    ],
    ids=[
        "week", "45-days", "quoted-yes", "dataset-group-arn", "weight", "timeout", "on-delete",
        "unknown", "no-arn",
    ],
)  # fmt: skip
def test_a_refused_literal_is_flagged_at_its_property_with_the_functions_message(
    properties, line, message
):
    [(at, said)] = ours(template(properties))
    assert message in said
    assert at == line


@pytest.mark.parametrize("value", ["Retain", "DisableAutoTraining", "!Ref Arn"])
def test_an_on_delete_the_function_accepts_or_only_knows_at_deploy_is_not_flagged(value):
    assert ours(template(f"SolutionArn: !Ref Arn\nOnDelete: {value}")) == []


def test_values_known_only_at_deploy_are_left_to_the_function():
    """Refs, Subs and GetAtts anywhere (a whole list, one entry, one field) are not judged, but
    a literal beside them still is."""
    properties = (
        "SolutionArn: !Ref Arn\nPerformAutoTraining: !Ref Arn\nSolutionUpdateConfig:\n"
        "  AutoTrainingConfig:\n    SchedulingExpression: !Sub 'rate(${Arn} days)'\n"
        "  EventsConfig:\n    EventParametersList:\n      - !Ref Arn\n"
        "      - {EventType: !Ref Arn, Weight: !Ref Arn}\n      - {EventType: view, Weight: 2}"
    )
    [(_, said)] = ours(template(properties))
    assert said.startswith("Property SolutionUpdateConfig.EventsConfig.EventParametersList[2].")
