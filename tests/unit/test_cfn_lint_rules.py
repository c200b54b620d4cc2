"""The cfn-lint rules (lint-rules/, `-a cfn_lint_personalize_solution_update.rules`) run by
cfn-lint on templates: what the function would refuse is reported with the function's own message
at the template's line, every problem at once; what is known only at deploy is left to the
function, and the repository's templates and the good fixtures (lint_templates/) are clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint
from cfnlint.core import get_rules

from tests.unit.test_examples import APPLICATION, EXAMPLES

FIXTURES = Path(__file__).with_name("lint_templates")
RULES_MODULE = "cfn_lint_personalize_solution_update.rules"
# cfn-lint's own rules and ours, loaded once.
RULES = get_rules([RULES_MODULE], [], [])
OURS = ("E9901", "E9902", "E9903", "E9904")
SCHEDULE_FORM = "rate(N day) or rate(N days) with N a whole number from 1 to 30"
ATTRIBUTES = (
    "expected one of SolutionArn, PerformAutoTraining, SchedulingExpression, "
    "PerformIncrementalUpdate, Status, LastUpdatedDateTime"
)
TOO_SHORT = (
    "is too short: reading, confirming and updating the solution and answering take more than "
    "27 s; expected a whole number of seconds from 28 to 3600"
)

# What a user sees for lint_templates/bad.yaml linted for us-east-1: (rule, line, message).
BAD_YAML = [
    ("E9901", 24, f"Property ServiceTimeout: '27' {TOO_SHORT}"),
    (
        "E9902",
        25,
        "SolutionArn is in eu-west-1; this function serves us-east-1: deploy the application in "
        "eu-west-1",
    ),
    (
        "E9901",
        26,
        "Property PerformAutoTrainig: is not a known property (did you mean PerformAutoTraining?); "
        "expected PerformAutoTraining",
    ),
    (
        "E9901",
        29,
        "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpresion: is not a known "
        "property (did you mean SchedulingExpression?); expected SchedulingExpression",
    ),
    (
        "E9904",
        35,
        "Parameter Enabled's Default 'yes' would be refused: Property PerformAutoTraining: 'yes' "
        "is not a boolean; expected true or false",
    ),
    (
        "E9904",
        38,
        "Parameter Days's AllowedValues entry 'rate(1 week)' would be refused: Property "
        "SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression: 'rate(1 week)' is not a "
        f"rate expression (did you mean rate(7 days)?); expected {SCHEDULE_FORM}",
    ),
    (
        "E9904",
        42,
        "Parameter Weight's Default '2' would be refused: Property "
        "SolutionUpdateConfig.EventsConfig.EventParametersList[0].Weight: '2' is out of range; "
        "expected a number from 0 to 1",
    ),
    (
        "E9901",
        47,
        "Property SolutionArn: 'arn:aws:personalize:us-east-7:123456789012:solution/events' has "
        "region 'us-east-7', not a region of partition aws; expected "
        "arn:<partition>:personalize:<region>:<12-digit account>:solution/<name>",
    ),
    (
        "E9901",
        48,
        "Property performAutoTraining: is not a known property (names are case-sensitive: did you "
        "mean PerformAutoTraining?); expected PerformAutoTraining",
    ),
    (
        "E9901",
        49,
        "Property onDelete: is not a known property (names are case-sensitive: did you mean "
        "OnDelete?); expected OnDelete",
    ),
    (
        "E9901",
        52,
        "Property SolutionUpdateConfig.EventsConfig.EventParametersList: has 11 entries, over the "
        "limit of 10; expected at most 10 entries",
    ),
    (
        "E9903",
        57,
        "Fn::GetAtt Training.Schedule: 'Schedule' is not an attribute of "
        f"Custom::PersonalizeSolutionUpdate (did you mean SchedulingExpression?); {ATTRIBUTES}",
    ),
    (
        "E9903",
        60,
        "Fn::GetAtt FromParameters.status: 'status' is not an attribute of "
        "Custom::PersonalizeSolutionUpdate (names are case-sensitive: did you mean Status?); "
        f"{ATTRIBUTES}",
    ),
    (
        "E9903",
        62,
        "Fn::Sub ${Events.Arn}: 'Arn' is not an attribute of Custom::PersonalizeSolutionUpdate "
        f"(did you mean SolutionArn?); {ATTRIBUTES}",
    ),
]
BAD_JSON = [
    (
        "E9904",
        12,
        "Parameter Timeout's Default '20' would be refused: Property ServiceTimeout: "
        f"'20' {TOO_SHORT}",
    ),
    (
        "E9901",
        13,
        "Property SolutionArn: 'arn:aws:personalize:us-east-1:123456789012:dataset-group... names "
        "a 'dataset-group', not a solution; expected "
        "arn:<partition>:personalize:<region>:<12-digit account>:solution/<name>",
    ),
    ("E9901", 14, "Property PerformAutoTraining: 'on' is not a boolean; expected true or false"),
    (
        "E9901",
        15,
        "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression: 'rate(1 week)' is "
        f"not a rate expression (did you mean rate(7 days)?); expected {SCHEDULE_FORM}",
    ),
    (
        "E9903",
        20,
        "Fn::GetAtt Training.Schedule: 'Schedule' is not an attribute of "
        f"Custom::PersonalizeSolutionUpdate (did you mean SchedulingExpression?); {ATTRIBUTES}",
    ),
]

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


def everything(text: str, regions: tuple[str, ...] = ("us-east-1",)) -> list[tuple[str, int, str]]:
    """All of cfn-lint's matches for a template, its own rules' and ours: (rule, line, message)."""
    matches = lint(text, rules=RULES, regions=list(regions))
    return sorted((match.rule.id, match.linenumber, match.message) for match in matches)


def ours(text: str, regions: tuple[str, ...] = ("us-east-1",)) -> list[tuple[str, int, str]]:
    """Our rules' matches alone."""
    return [match for match in everything(text, regions) if match[0] in OURS]


def template(properties: str) -> str:
    """A template whose one resource has these properties (YAML, indented 6)."""
    return TEMPLATE.format(properties="\n".join(f"      {line}" for line in properties.split("\n")))


@pytest.mark.parametrize(
    "path", [APPLICATION, *EXAMPLES, *sorted(FIXTURES.glob("good.*")), FIXTURES / "foreach.yaml"],
    ids=lambda path: path.name,
)  # fmt: skip
def test_the_repositorys_templates_and_the_good_fixtures_are_clean(path):
    """Nothing at all, cfn-lint's own rules included: intrinsics everywhere, parameters whose
    stated values are good, an SSM parameter, AWS::Include beside other properties, Fn::ForEach,
    good attributes (and an escaped ${!Literal.Schedule}), JSON."""
    assert everything(path.read_text()) == []


def test_yaml_anchors_and_aliases_are_judged_as_they_expand():
    assert ours((FIXTURES / "anchors.yaml").read_text()) == []
    shared = template(
        "SolutionArn: !Ref Arn\nSolutionUpdateConfig: &config\n"
        "  AutoTrainingConfig: {SchedulingExpression: rate(0 days)}"
    ) + (
        "  Again:\n    Type: Custom::PersonalizeSolutionUpdate\n    Properties:\n"
        "      ServiceToken: !ImportValue personalize-solution-update-ServiceToken\n"
        "      SolutionArn: !Ref Arn\n      SolutionUpdateConfig: *config\n"
    )
    message = (
        "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression: 'rate(0 days)' "
        f"is out of range 1..30; expected {SCHEDULE_FORM}"
    )
    assert ours(shared) == [("E9901", 12, message)]  # both resources: the anchor's line, once


@pytest.mark.parametrize(("name", "expected"), [("bad.yaml", BAD_YAML), ("bad.json", BAD_JSON)])
def test_every_mistake_is_reported_at_once_at_its_line_in_the_functions_words(name, expected):
    assert everything((FIXTURES / name).read_text()) == sorted(expected)


def test_a_solution_arn_is_judged_for_each_region_linted():
    """Its region problem once per region it is not in; every other problem once."""
    properties = (
        "ServiceTimeout: 27\nSolutionArn: arn:aws:personalize:eu-west-1:123456789012:solution/s"
    )
    found = ours(template(properties), regions=("us-east-1", "eu-west-1", "us-west-2"))
    assert found == [
        ("E9901", 10, f"Property ServiceTimeout: '27' {TOO_SHORT}"),
        *[
            (
                "E9902",
                11,
                f"SolutionArn is in eu-west-1; this function serves {region}: deploy the "
                "application in eu-west-1",
            )
            for region in ("us-east-1", "us-west-2")
        ],
    ]
    assert ours(template(properties), regions=("eu-west-1",)) == [found[0]]


def test_a_mistake_fn_foreach_repeats_is_reported_once_at_its_line():
    text = (FIXTURES / "foreach.yaml").read_text().replace("rate(7 days)", "rate(7 weeks)")
    assert ours(text) == [
        (
            "E9901",
            20,
            "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression: 'rate(7 "
            f"weeks)' is not a rate expression; expected {SCHEDULE_FORM}",
        )
    ]


@pytest.mark.parametrize(
    ("properties", "line", "message"),
    [
        (
            "SolutionArn: !Ref Arn\n"
            "SolutionUpdateConfig:\n  AutoTrainingConfig:\n    SchedulingExpression: rate(45 days)",
            13,
            "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression: "
            f"'rate(45 days)' is out of range 1..30; expected {SCHEDULE_FORM}",
        ),
        (
            "SolutionArn: !Ref Arn\nSolutionUpdateConfig:\n  EventsConfig:\n"
            "    EventParametersList:\n      - {EventType: click, Weight: 1.5}",
            14,
            "Property SolutionUpdateConfig.EventsConfig.EventParametersList[0].Weight: '1.5' is "
            "out of range; expected a number from 0 to 1",
        ),
        (
            "SolutionArn: !Ref Arn\nServiceTimeout: 7200",
            11,
            "Property ServiceTimeout: '7200' is not valid; expected a whole number of seconds "
            "from 28 to 3600",
        ),
        (
            "SolutionArn: !Ref Arn\nOnDelete: disableAutoTraining",
            11,
            "Property OnDelete: 'disableAutoTraining' is not a valid value (did you mean "
            "DisableAutoTraining?); expected Retain or DisableAutoTraining",
        ),
        (
            "SolutionArn: !Ref Arn\nSchedule: !Ref Arn",
            11,
            "Property Schedule: is not a known property; expected one of ServiceToken, "
            "ServiceTimeout, SolutionArn, PerformAutoTraining, PerformIncrementalUpdate, "
            "SolutionUpdateConfig, OnDelete",
        ),
        (
            "PerformAutoTraining: false",
            8,
            "Property SolutionArn: is required; expected "
            "arn:<partition>:personalize:<region>:<12-digit account>:solution/<name>",
        ),
    ],
    ids=["45-days", "weight", "timeout", "on-delete", "unknown", "no-arn"],
)
def test_a_refused_property_is_reported_at_its_line(properties, line, message):
    assert ours(template(properties)) == [("E9901", line, message)]


def test_values_known_only_at_deploy_are_left_to_the_function():
    """Refs (to a parameter with no stated value), Subs and GetAtts anywhere (a whole list, one
    entry, one field) are not judged, but a literal beside them still is."""
    properties = (
        "SolutionArn: !Ref Arn\nPerformAutoTraining: !Ref Arn\nSolutionUpdateConfig:\n"
        "  AutoTrainingConfig:\n    SchedulingExpression: !Sub 'rate(${Arn} days)'\n"
        "  EventsConfig:\n    EventParametersList:\n      - !Ref Arn\n"
        "      - {EventType: !Ref Arn, Weight: !Ref Arn}\n      - {EventType: view, Weight: 2}"
    )
    [(_, line, said)] = ours(template(properties))
    assert (line, said[:70]) == (
        19,
        "Property SolutionUpdateConfig.EventsConfig.EventParametersList[2].Weig",
    )


PARAMETERS = """AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Flag:
    Type: {type}
    Default: "{default}"
Conditions:
  Always: !Equals [a, a]
Resources:
  Training:
    Type: Custom::PersonalizeSolutionUpdate
    Properties:
      ServiceToken: !ImportValue personalize-solution-update-ServiceToken
      SolutionArn: arn:aws:personalize:us-east-1:123456789012:solution/s
      PerformAutoTraining: {value}
"""


@pytest.mark.parametrize(
    "value", ["!Ref Flag", "!If [Always, true, !Ref Flag]", "!If [Always, !Ref Flag, false]"]
)
def test_a_parameters_stated_value_is_judged_where_it_reaches_the_property(value):
    text = PARAMETERS.format(type="String", default="enabled", value=value)
    assert ours(text) == [
        (
            "E9904",
            14,
            "Parameter Flag's Default 'enabled' would be refused: Property PerformAutoTraining: "
            "'enabled' is not a boolean; expected true or false",
        )
    ]


@pytest.mark.parametrize(
    ("kind", "default", "value"),
    [
        ("String", "true", "!Ref Flag"),  # a good value
        ("AWS::SSM::Parameter::Value<String>", "/flag", "!Ref Flag"),  # the value is elsewhere
        ("String", "enabled", "!Sub '${Flag}'"),  # another intrinsic makes the value
        ("String", "enabled", "!Ref AWS::StackName"),  # a pseudo parameter
    ],
    ids=["good", "ssm", "sub", "pseudo"],
)
def test_no_parameter_value_is_judged_that_the_template_does_not_give_the_property(
    kind, default, value
):
    assert ours(PARAMETERS.format(type=kind, default=default, value=value)) == []


def test_an_attribute_is_judged_only_on_this_resource_type_and_outside_sub_variables():
    text = template("SolutionArn: !Ref Arn") + (
        "  Topic:\n    Type: AWS::SNS::Topic\n"
        "Outputs:\n"
        "  Topic:\n    Value: !GetAtt Topic.TopicName\n"
        "  Variable:\n    Value: !Sub ['${Training.Schedule}', {Training.Schedule: x}]\n"
        "  Literal:\n    Value: !Sub '${!Training.Schedule}'\n"
        "  Inside:\n    Value: !Sub ['${Days}', {Days: !GetAtt Training.Days}]\n"
    )
    assert ours(text) == [
        (
            "E9903",
            21,
            "Fn::GetAtt Training.Days: 'Days' is not an attribute of "
            f"Custom::PersonalizeSolutionUpdate; {ATTRIBUTES}",
        )
    ]
