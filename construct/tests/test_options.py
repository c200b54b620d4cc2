"""The provider's options, what template.yaml's parameters let a user change: log level, log
retention, tracing and reserved concurrency. One provider per stack, so options are given once,
to SolutionUpdateProvider.of; anything else is refused, saying what to do."""

from __future__ import annotations

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk.assertions import Match, Template
from personalize_solution_update_cdk import PersonalizeSolutionUpdate, SolutionUpdateProvider
from sample import DESTINATION, PROVIDER, SOLUTION, Synthesized, function, role_of, statements_of

X_RAY = {
    "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"],
    "Effect": "Allow",
    "Resource": "*",
}


def test_the_options_configure_the_function_its_log_group_and_role(
    synthesized: Synthesized,
) -> None:
    """The log level and retention apply to the on-failure destination too; tracing and reserved
    concurrency to the function alone, as template.yaml's parameters do."""
    template = synthesized.configured
    _, provider = function(template, PROVIDER)
    assert provider["Properties"]["TracingConfig"] == {"Mode": "Active"}
    assert provider["Properties"]["ReservedConcurrentExecutions"] == 5
    assert provider["Properties"]["Environment"]["Variables"]["POWERTOOLS_TRACE_DISABLED"] == (
        "false"
    )
    _, destination = function(template, DESTINATION)
    assert "TracingConfig" not in destination["Properties"]
    assert "ReservedConcurrentExecutions" not in destination["Properties"]
    for resource in (provider, destination):
        assert resource["Properties"]["LoggingConfig"]["ApplicationLogLevel"] == "DEBUG"
    retentions = [
        log_group["Properties"]["RetentionInDays"]
        for log_group in template.find_resources("AWS::Logs::LogGroup").values()
    ]
    assert retentions == [7, 7]
    assert X_RAY in statements_of(role_of(template, PROVIDER)[1])
    assert "xray:" not in str(role_of(template, DESTINATION)[1])


def test_pass_through_tracing_sends_no_traces_of_its_own() -> None:
    """As template.yaml's EnableTracing=false: Lambda only passes the trace header on, so the
    function's tracer stays off and the role gets no X-Ray permission."""
    stack = cdk.Stack(cdk.App(), "PassThrough")
    SolutionUpdateProvider.of(stack, tracing=lambda_.Tracing.PASS_THROUGH)
    PersonalizeSolutionUpdate(stack, "Training", solution_arn=SOLUTION)
    template = Template.from_stack(stack)
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "TracingConfig": {"Mode": "PassThrough"},
            "Environment": {"Variables": Match.object_like({"POWERTOOLS_TRACE_DISABLED": "true"})},
        },
    )
    assert "xray:" not in str(template.find_resources("AWS::IAM::Role"))


def test_every_resource_of_the_stack_shares_the_provider_its_options_declared() -> None:
    stack = cdk.Stack(cdk.App(), "Shared")
    provider = SolutionUpdateProvider.of(stack, log_level=lambda_.ApplicationLogLevel.WARN)
    first = PersonalizeSolutionUpdate(stack, "First", solution_arn=SOLUTION)
    second = PersonalizeSolutionUpdate(stack, "Second", solution_arn=SOLUTION)
    assert first.function is second.function is provider.function
    again = SolutionUpdateProvider.of(stack, log_level=lambda_.ApplicationLogLevel.WARN)
    assert again is provider


def test_options_that_differ_from_the_declared_providers_are_refused() -> None:
    """The first resource declared the provider with the defaults: options given after it
    cannot apply, and saying so beats a function configured otherwise than asked."""
    stack = cdk.Stack(cdk.App(), "Late")
    PersonalizeSolutionUpdate(stack, "Training", solution_arn=SOLUTION)
    with pytest.raises(ValueError, match=r"^Late: .* already declared") as refused:
        SolutionUpdateProvider.of(
            stack,
            log_level=lambda_.ApplicationLogLevel.DEBUG,
            log_retention=logs.RetentionDays.ONE_MONTH,
            reserved_concurrency=2,
        )
    assert str(refused.value) == (
        "Late: the stack's SolutionUpdateProvider is already declared with "
        "log_level=ApplicationLogLevel.INFO, not ApplicationLogLevel.DEBUG; "
        "reserved_concurrency=None, not 2: give its options once, in SolutionUpdateProvider.of "
        "before the stack's first PersonalizeSolutionUpdate"
    )


@pytest.mark.parametrize("reserved", [0, -1])
def test_a_reserved_concurrency_that_would_stop_the_function_is_refused(reserved: int) -> None:
    with pytest.raises(ValueError, match=r"^Stopped: reserved_concurrency") as refused:
        SolutionUpdateProvider.of(cdk.Stack(cdk.App(), "Stopped"), reserved_concurrency=reserved)
    assert str(refused.value) == (
        f"Stopped: reserved_concurrency {reserved} is not valid; expected a whole number of at "
        "least 1 (0 would stop the function from running), or None for unreserved"
    )


def test_a_second_provider_in_a_stack_is_refused() -> None:
    """Its function would have the first one's name."""
    stack = cdk.Stack(cdk.App(), "Twice")
    with pytest.raises(ValueError, match=r"^Twice: a stack has one SolutionUpdateProvider"):
        SolutionUpdateProvider(stack, "Another")
