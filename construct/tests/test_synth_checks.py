"""Literal values the function would refuse fail `cdk synth` with the function's own message,
every problem at once: its limits, its suggestions, the ServiceTimeout it cannot be served in,
and a SolutionArn of another region than the stack's."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from personalize_solution_update_cdk import EventParameter, PersonalizeSolutionUpdate
from sample import SHARED_TOKEN, SOLUTION

SCHEDULE_FORM = "rate(N day) or rate(N days) with N a whole number from 1 to 30"
TIMEOUT_FORM = "a whole number of seconds from 28 to 3600"
IRELAND = "arn:aws:personalize:eu-west-1:123456789012:solution/first"


def declare(env: cdk.Environment | None = None, **options: object) -> PersonalizeSolutionUpdate:
    """One resource in a new stack of a new app (env-agnostic unless env is given) using the
    shared function's token, so no asset is staged; solution_arn defaults to a valid one."""
    stack = cdk.Stack(cdk.App(), "Checked", env=env)
    options.setdefault("solution_arn", SOLUTION)
    options.setdefault("service_token", SHARED_TOKEN)
    return PersonalizeSolutionUpdate(stack, "Training", **options)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"schedule": cdk.Duration.days(45)},
            "Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression: "
            f"'rate(45 days)' is out of range 1..30; expected {SCHEDULE_FORM}",
        ),
        (
            {"schedule": cdk.Duration.hours(36)},
            f"schedule 1 day 12 hours is not a whole number of days; expected {SCHEDULE_FORM}",
        ),
        (
            {"solution_arn": "arn:aws:personalize:us-east-1:123456789012:dataset-group/x"},
            "Property SolutionArn: 'arn:aws:personalize:us-east-1:123456789012:dataset-group/x'"
            " names a 'dataset-group', not a solution; expected arn:<partition>:personalize:"
            "<region>:<12-digit account>:solution/<name>",
        ),
        (
            {"solution_arn": "arn:aws:personalize:xx-nowhere-1:123456789012:solution/x"},
            "Property SolutionArn: 'arn:aws:personalize:xx-nowhere-1:123456789012:solution/x'"
            " has region 'xx-nowhere-1', not a region of partition aws",
        ),
        (
            {"event_parameters": [EventParameter(event_type="click", weight=1.5)]},
            "Property SolutionUpdateConfig.EventsConfig.EventParametersList[0].Weight: '1.5' is "
            "out of range; expected a number from 0 to 1",
        ),
        (
            {"event_parameters": [EventParameter(event_type=f"e{n}") for n in range(11)]},
            "Property SolutionUpdateConfig.EventsConfig.EventParametersList: has 11 entries, "
            "over the limit of 10; expected at most 10 entries",
        ),
        (
            {"service_timeout": cdk.Duration.hours(2)},
            f"Property ServiceTimeout: '7200' is not valid; expected {TIMEOUT_FORM}",
        ),
        (
            {"service_timeout": cdk.Duration.seconds(27)},
            "Property ServiceTimeout: '27' is too short: reading, confirming and updating the "
            f"solution and answering take more than 27 s; expected {TIMEOUT_FORM}",
        ),
        (
            {"on_delete": "disable_auto_training"},
            "Property OnDelete: 'disable_auto_training' is not a valid value (did you mean "
            "DisableAutoTraining?); expected Retain or DisableAutoTraining",
        ),
    ],
    ids=[
        "schedule-45-days",
        "schedule-not-whole-days",
        "arn-of-a-dataset-group",
        "arn-of-no-region",
        "weight",
        "event-list-limit",
        "timeout-over-an-hour",
        "timeout-below-the-floor",
        "on-delete-did-you-mean",
    ],
)
def test_a_literal_the_function_would_refuse_fails_at_synth_with_its_message(
    options: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=r"^Checked/Training: ") as refused:
        declare(**options)
    assert message in str(refused.value)


def test_the_shortest_service_timeout_the_function_serves_passes() -> None:
    declare(service_timeout=cdk.Duration.seconds(28))


def test_a_solution_of_another_region_than_the_stacks_fails_at_synth() -> None:
    with pytest.raises(ValueError, match=r"^Checked/Training: ") as refused:
        declare(env=cdk.Environment(region="us-east-1"), solution_arn=IRELAND)
    assert "SolutionArn is in eu-west-1; this function serves us-east-1" in str(refused.value)


def test_a_solution_of_any_region_passes_in_an_environment_agnostic_stack() -> None:
    declare(solution_arn=IRELAND)
    declare(env=cdk.Environment(region="eu-west-1"), solution_arn=IRELAND)


def test_every_refused_literal_is_named_at_once() -> None:
    with pytest.raises(ValueError, match=r"^Checked/Training: ") as refused:
        declare(
            env=cdk.Environment(region="us-east-1"),
            solution_arn=IRELAND,
            schedule=cdk.Duration.days(0),
            service_timeout=cdk.Duration.seconds(27),
            on_delete="retain",
        )
    for problem in [
        "SolutionArn is in eu-west-1; this function serves us-east-1",
        "SchedulingExpression: 'rate(0 days)' is out of range 1..30",
        "ServiceTimeout: '27' is too short",
        "OnDelete: 'retain' is not a valid value (did you mean Retain?)",
    ]:
        assert problem in str(refused.value)
