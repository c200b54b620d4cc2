"""Parsing ResourceProperties: strict, string-tolerant, and every rejection names the property."""

from __future__ import annotations

import pytest

from budget import plan
from solution_rules.limits import MIN_SERVICE_TIMEOUT
from solution_rules.properties import (
    InvalidProperties,
    OnDelete,
    on_delete_of,
    parse_properties,
    region_problem,
    schedule_expression,
    service_timeout_of,
    shown,
)

ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"


def rejected(properties) -> str:
    with pytest.raises(InvalidProperties) as caught:
        parse_properties(properties)
    return str(caught.value)


def test_minimal_properties_ask_for_nothing():
    request = parse_properties({"ServiceToken": "x", "SolutionArn": ARN})
    settings = request.settings
    assert settings.solution_arn == ARN
    assert settings.asked.perform_auto_training is None
    assert settings.asked.schedule_days is None
    assert settings.asked.event_parameters is None
    assert request.service_timeout == 3600
    assert request.on_delete is OnDelete.RETAIN


@pytest.mark.parametrize(
    ("value", "expected"),
    [("true", True), ("TRUE", True), ("False", False), (True, True), (False, False)],
)
def test_booleans(value, expected):
    request = parse_properties({"SolutionArn": ARN, "PerformAutoTraining": value})
    assert request.settings.asked.perform_auto_training is expected


@pytest.mark.parametrize("value", ["yes", "1", "", " true", 1, 1.5, ["true"], {"a": 1}])
def test_non_booleans_are_rejected(value):
    reason = rejected({"SolutionArn": ARN, "PerformIncrementalUpdate": value})
    assert "Property PerformIncrementalUpdate" in reason
    assert "expected true or false" in reason


@pytest.mark.parametrize(
    ("expression", "days"),
    [("rate(1 day)", 1), ("rate(1 days)", 1), ("rate(5 days)", 5), ("rate(30 days)", 30)],
)
def test_schedules(expression, days):
    config = {"AutoTrainingConfig": {"SchedulingExpression": expression}}
    request = parse_properties({"SolutionArn": ARN, "SolutionUpdateConfig": config})
    assert request.settings.asked.schedule_days == days


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 days)",
        "rate(31 days)",
        "rate(5 hours)",
        "rate(05 days)",
        "rate( 5 days)",
        "cron(0 1 * * ? *)",
        5,
    ],
)
def test_bad_schedules_name_the_property_and_the_form(expression):
    config = {"AutoTrainingConfig": {"SchedulingExpression": expression}}
    reason = rejected({"SolutionArn": ARN, "SolutionUpdateConfig": config})
    assert "SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression" in reason
    assert "rate(N days)" in reason


def test_schedule_rendering():
    assert schedule_expression(1) == "rate(1 day)"
    assert schedule_expression(7) == "rate(7 days)"


@pytest.mark.parametrize(
    "arn",
    [
        None,
        "",
        "solution/x",
        "arn:aws:s3:::bucket",
        "arn:aws:personalize:us-east-1:1:",
        "a" * 300,
        7,
    ],
)
def test_bad_arns(arn):
    properties = {} if arn is None else {"SolutionArn": arn}
    assert "Property SolutionArn" in rejected(properties)


@pytest.mark.parametrize(
    ("arn", "says"),
    [
        ("arn:aws:personalize:us-east-1:123456789012:dataset-group/x", "names a 'dataset-group'"),
        ("arn:aws:personalize:a:b:c", "has region 'a', not a region of partition aws"),
        ("arn:aws:personalize:us-east-1:1234:solution/x", "has account '1234', not a 12-digit"),
        (ARN + " ", "has leading or trailing white space"),
        ("arn:aws:personalise:us-east-1:123456789012:solution/x", "is an ARN of 'personalise'"),
        ("arn:azure:personalize:us-east-1:123456789012:solution/x", "has partition 'azure'"),
        (
            "arn:aws-cn:personalize:us-east-1:123456789012:solution/x",
            "has region 'us-east-1', not a region of partition aws-cn",
        ),
        ("arn:aws:personalize:us-east-1:123456789012:solution/-x", "has solution name '-x'"),
        ("arn:aws:personalize:us-east-1:123456789012:solution/", "has solution name ''"),
        ("urn:aws:personalize:us-east-1:123456789012:solution/x", "is not an ARN"),
    ],
)
def test_a_wrong_arn_is_refused_naming_the_wrong_part(arn, says):
    """Sent to DescribeSolution, each of these would only fail as "not found"."""
    reason = rejected({"SolutionArn": arn})
    assert f"Property SolutionArn: {shown(arn)} {says}" in reason


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:personalize:eu-west-1:123456789012:solution/my_solution-2",
        "arn:aws-cn:personalize:cn-north-1:123456789012:solution/s",
        "arn:aws-us-gov:personalize:us-gov-west-1:123456789012:solution/s",
        "arn:aws-eusc:personalize:eusc-de-east-1:123456789012:solution/s",
    ],
)
def test_solution_arns_of_every_partition_are_accepted(arn):
    assert parse_properties({"SolutionArn": arn}).settings.solution_arn == arn


def test_a_schedule_of_thousands_of_digits_is_out_of_range_not_an_internal_error():
    """int() refuses strings over 4300 digits (ValueError): the range is checked first."""
    expression = "rate(" + "9" * 5000 + " days)"
    config = {"AutoTrainingConfig": {"SchedulingExpression": expression}}
    reason = rejected({"SolutionArn": ARN, "SolutionUpdateConfig": config})
    assert "SchedulingExpression" in reason
    assert "is out of range" in reason


def test_an_unknown_property_near_none_lists_the_known_ones():
    reason = rejected({"SolutionArn": ARN, "Colour": "true"})
    assert reason == (
        "Property Colour: is not a known property; expected one of ServiceToken, ServiceTimeout, "
        "SolutionArn, PerformAutoTraining, PerformIncrementalUpdate, SolutionUpdateConfig, OnDelete"
    )
    assert "Property '': is not a known property" in rejected({"SolutionArn": ARN, "": "x"})
    assert len(rejected({"SolutionArn": ARN, "k" * 5000: "x"})) < 400


@pytest.mark.parametrize(
    ("properties", "reason"),
    [
        (
            {"SolutionArn": ARN, "PerformAutoTrainig": "true"},
            "Property PerformAutoTrainig: is not a known property (did you mean "
            "PerformAutoTraining?); expected PerformAutoTraining",
        ),
        (
            {
                "SolutionArn": ARN,
                "SolutionUpdateConfig": {
                    "AutoTrainingConfig": {"SchedulingExpresion": "rate(7 days)"}
                },
            },
            "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpresion: is not a known "
            "property (did you mean SchedulingExpression?); expected SchedulingExpression",
        ),
    ],
)
def test_a_misspelt_property_gets_the_name_it_meant(properties, reason):
    assert rejected(properties) == reason


def test_a_case_mistake_gets_one_line_per_name():
    reason = rejected({"solutionArn": ARN, "performAutoTraining": "true"})
    assert reason.split("; expected ") == [
        "Property solutionArn: is not a known property (names are case-sensitive: did you mean "
        "SolutionArn?)",
        "SolutionArn; Property performAutoTraining: is not a known property (names are "
        "case-sensitive: did you mean PerformAutoTraining?)",
        "PerformAutoTraining; Property SolutionArn: is required",
        "arn:<partition>:personalize:<region>:<12-digit account>:solution/<name>",
    ]


def test_every_problem_is_reported_at_once():
    reason = rejected({"SolutionArn": "x", "PerformAutoTraining": "maybe", "Extra": "1"})
    assert "SolutionArn" in reason
    assert "PerformAutoTraining" in reason
    assert "Extra" in reason


@pytest.mark.parametrize("properties", ["text", ["SolutionArn"], None, 3])
def test_properties_must_be_a_map(properties):
    assert "ResourceProperties" in rejected(properties)


def test_events_config():
    events = {
        "EventParametersList": [
            {"EventType": "click", "EventValueThreshold": "0.5", "Weight": "0.3"},
            {"EventType": "purchase", "Weight": "1"},
        ]
    }
    request = parse_properties(
        {"SolutionArn": ARN, "SolutionUpdateConfig": {"EventsConfig": events}}
    )
    first, second = request.settings.asked.event_parameters
    assert (first.event_type, first.event_value_threshold, first.weight) == ("click", 0.5, 0.3)
    assert (second.event_value_threshold, second.weight) == (None, 1.0)


@pytest.mark.parametrize(
    ("entry", "named"),
    [
        ({"EventType": "click", "Weight": "1.5"}, "Weight"),
        ({"EventType": "click", "Weight": "nan"}, "Weight"),
        ({"EventType": "click", "Weight": "0x1"}, "Weight"),
        ({"EventType": "click", "EventValueThreshold": "1e999"}, "EventValueThreshold"),
        ({"EventType": "click", "EventValueThreshold": True}, "EventValueThreshold"),
        ({"EventType": "", "Weight": "1"}, "EventType"),
        ({"EventType": "click", "Colour": "red"}, "Colour"),
        ("click", "EventParametersList[0]"),
    ],
)
def test_bad_event_parameters(entry, named):
    events = {"EventParametersList": [entry]}
    reason = rejected({"SolutionArn": ARN, "SolutionUpdateConfig": {"EventsConfig": events}})
    assert "SolutionUpdateConfig.EventsConfig.EventParametersList[0]" in reason
    assert named in reason


def test_the_event_parameters_limit_is_stated_as_a_limit():
    events = {"EventParametersList": [{"EventType": f"e{i}"} for i in range(11)]}
    reason = rejected({"SolutionArn": ARN, "SolutionUpdateConfig": {"EventsConfig": events}})
    assert reason == (
        "Property SolutionUpdateConfig.EventsConfig.EventParametersList: has 11 entries, over the "
        "limit of 10; expected at most 10 entries"
    )


@pytest.mark.parametrize(("value", "seconds"), [("600", 600), (60, 60), ("3600", 3600)])
def test_service_timeout(value, seconds):
    request = parse_properties({"SolutionArn": ARN, "ServiceTimeout": value})
    assert request.service_timeout == seconds


@pytest.mark.parametrize("value", ["0", "3601", "ten", "-5", "1.5", True])
def test_bad_service_timeout(value):
    assert "Property ServiceTimeout" in rejected({"SolutionArn": ARN, "ServiceTimeout": value})


def test_a_service_timeout_too_short_to_serve_is_refused_at_the_budgets_own_floor():
    """The floor is the budget's: the longest ServiceTimeout its plan refuses at once."""
    assert plan(now=0.0, remaining=900.0, service_timeout=MIN_SERVICE_TIMEOUT - 1).refusal
    assert not plan(now=0.0, remaining=900.0, service_timeout=MIN_SERVICE_TIMEOUT).refusal
    assert parse_properties({"SolutionArn": ARN, "ServiceTimeout": "28"}).service_timeout == 28
    assert rejected({"SolutionArn": ARN, "ServiceTimeout": "27"}) == (
        "Property ServiceTimeout: '27' is too short: reading, confirming and updating the "
        "solution and answering take more than 27 s; expected a whole number of seconds from 28 "
        "to 3600"
    )


def test_a_solution_of_another_region_is_reported_with_the_other_problems():
    arn = "arn:aws:personalize:eu-west-1:123456789012:solution/x"
    with pytest.raises(InvalidProperties) as caught:
        parse_properties({"SolutionArn": arn, "PerformAutoTraining": "maybe"}, home="us-east-1")
    assert [(p.name, p.kind) for p in caught.value.found] == [
        ("SolutionArn", "region"),
        ("PerformAutoTraining", "value"),
    ]


def test_long_values_are_shortened_in_reasons():
    reason = rejected({"SolutionArn": ARN, "PerformAutoTraining": "x" * 5000})
    assert len(reason) < 300


@pytest.mark.parametrize("expression", ["rate(0 days)", "rate(45 days)", "rate(31 days)"])
def test_a_schedule_of_too_few_or_too_many_days_says_the_range(expression):
    config = {"AutoTrainingConfig": {"SchedulingExpression": expression}}
    reason = rejected({"SolutionArn": ARN, "SolutionUpdateConfig": config})
    assert f"{shown(expression)} is out of range 1..30" in reason


@pytest.mark.parametrize(
    ("expression", "meant"),
    [
        ("rate(1 week)", "rate(7 days)"),
        ("rate(2 weeks)", "rate(14 days)"),
        ("rate(48 hours)", "rate(2 days)"),
        ("Rate(7 Days)", "rate(7 days)"),
        ("rate(07 days)", "rate(7 days)"),
        ("rate( 5 days )", "rate(5 days)"),
        ("rate(5days)", "rate(5 days)"),
        ("5 days", "rate(5 days)"),
        ("rate(1 DAY)", "rate(1 day)"),
    ],
)
def test_an_obvious_near_miss_of_a_schedule_gets_a_suggestion(expression, meant):
    config = {"AutoTrainingConfig": {"SchedulingExpression": expression}}
    reason = rejected({"SolutionArn": ARN, "SolutionUpdateConfig": config})
    assert f"{shown(expression)} is not a rate expression (did you mean {meant}?)" in reason


@pytest.mark.parametrize(
    "expression", ["rate(5 weeks)", "rate(5 hours)", "cron(0 0 * * ? *)", "weekly", "rate(0 weeks)"]
)
def test_no_suggestion_where_none_is_obvious_or_in_range(expression):
    config = {"AutoTrainingConfig": {"SchedulingExpression": expression}}
    reason = rejected({"SolutionArn": ARN, "SolutionUpdateConfig": config})
    assert "did you mean" not in reason


def test_an_account_of_non_ascii_digits_is_refused():
    """Python's \\d matches other scripts' digits; an account id is twelve ASCII ones."""
    arabic_indic = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662"
    arn = f"arn:aws:personalize:us-east-1:{arabic_indic}:solution/x"
    assert "not a 12-digit account id" in rejected({"SolutionArn": arn})


@pytest.mark.parametrize("home", ["ap-west-9", "nz-north-1", "ap-south-central-1"])
def test_the_function_own_region_is_accepted_even_where_botocore_does_not_know_it(home):
    """Unlisted, or of a prefix or shape no pattern of botocore's matches: the function runs
    there. A region as unknown that is not its own is still refused, and so is its own named in
    another partition than the one its clients call."""
    arn = f"arn:aws:personalize:{home}:123456789012:solution/x"
    assert "not a region" in rejected({"SolutionArn": arn})
    assert parse_properties({"SolutionArn": arn}, home=home).settings.solution_arn == arn
    for other in ("arn:aws:personalize:nz-south-1:", f"arn:aws-cn:personalize:{home}:"):
        with pytest.raises(InvalidProperties, match="not a region of partition"):
            parse_properties({"SolutionArn": f"{other}123456789012:solution/x"}, home=home)


def test_a_solution_in_another_region_is_named_with_both_regions():
    arn = "arn:aws:personalize:eu-west-1:123456789012:solution/x"
    assert region_problem(arn, "us-east-1") == (
        "SolutionArn is in eu-west-1; this function serves us-east-1: "
        "deploy the application in eu-west-1"
    )
    assert region_problem(arn, "eu-west-1") is None
    assert region_problem(arn, None) is None


@pytest.mark.parametrize(
    ("value", "choice"),
    [("Retain", OnDelete.RETAIN), ("DisableAutoTraining", OnDelete.DISABLE_AUTO_TRAINING)],
)
def test_on_delete_is_parsed_and_read_alone_the_same(value, choice):
    request = parse_properties({"SolutionArn": ARN, "OnDelete": value})
    assert request.on_delete is choice
    assert request.settings.asked == parse_properties({"SolutionArn": ARN}).settings.asked
    assert on_delete_of({"SolutionArn": ARN, "OnDelete": value}) is choice


@pytest.mark.parametrize(
    ("value", "hint"),
    [
        ("disableautotraining", " (did you mean DisableAutoTraining?)"),
        ("Disable Auto-Training", " (did you mean DisableAutoTraining?)"),
        ("disable_auto_training", " (did you mean DisableAutoTraining?)"),
        ("RETAIN", " (did you mean Retain?)"),
        ("Retain ", " (did you mean Retain?)"),
        ("Delete", ""),
        ("DisableTraining", ""),
        ("", ""),
        ("true", ""),
        (True, ""),
        (["Retain"], ""),
    ],
)
def test_a_wrong_on_delete_is_refused_alike_by_both_readers(value, hint):
    """The Create that would keep it and the Delete that would act on it say the same, with a
    suggestion where another case or spacing of a value was written."""
    properties = {"SolutionArn": ARN, "OnDelete": value}
    reason = rejected(properties)
    assert reason == (
        f"Property OnDelete: {shown(value)} is not a valid value{hint}; "
        "expected Retain or DisableAutoTraining"
    )
    with pytest.raises(InvalidProperties) as caught:
        on_delete_of(properties)
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    "properties",
    [
        {"SolutionArn": ARN},
        {"SolutionArn": "not an arn", "Schedule": "weekly"},
        {},
        None,
        "text",
        ["OnDelete", "DisableAutoTraining"],
    ],
)
def test_a_delete_that_asks_nothing_retains_whatever_else_is_wrong(properties):
    """Only OnDelete is read: a map without it, or no map (which no Create accepted), is Retain."""
    assert on_delete_of(properties) is OnDelete.RETAIN


@pytest.mark.parametrize(
    ("properties", "seconds"),
    [
        ({"SolutionArn": "x", "Extra": "1", "ServiceTimeout": "300"}, 300),
        ({"ServiceTimeout": 60}, 60),
        ({"ServiceTimeout": "0"}, 3600),
        ({"ServiceTimeout": "1e3"}, 3600),
        ({}, 3600),
        (None, 3600),
    ],
)
def test_service_timeout_is_read_alone_as_parsed_else_the_default(properties, seconds):
    """A Delete's deadline, whatever else is wrong: never a reason to refuse it."""
    assert service_timeout_of(properties) == seconds


def test_on_delete_is_read_alone_beside_other_problems():
    properties = {"SolutionArn": "x", "OnDelete": "DisableAutoTraining", "Extra": "1"}
    assert on_delete_of(properties) is OnDelete.DISABLE_AUTO_TRAINING
    assert "Property OnDelete" not in rejected(properties)
    both = rejected({"SolutionArn": "x", "OnDelete": "Never"})
    assert "Property SolutionArn" in both
    assert "Property OnDelete: 'Never' is not a valid value" in both
