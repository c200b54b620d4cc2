"""PersonalizeSolutionUpdate as a CDK user meets it: one provider function per stack, configured
as the SAM application's, answering every resource; the properties the function will be sent,
tokens among them; the shared stack's function by its service token."""

from __future__ import annotations

import zipfile

import aws_cdk as cdk
from aws_cdk.assertions import Match, Template
from personalize_solution_update_cdk import EventParameter, PersonalizeSolutionUpdate
from personalize_solution_update_cdk.provider import CODE
from sample import (
    CUSTOM,
    DESTINATION,
    PROVIDER,
    SHARED_TOKEN,
    SOLUTION,
    Synthesized,
    code_of,
    function,
    invoke_config,
    only,
    without_unchecked_hash_bytecode,
)


def test_one_provider_function_answers_every_resource_of_the_stack(
    synthesized: Synthesized,
) -> None:
    """Each waits for the function's asynchronous settings: no retry, and failures sent to the
    on-failure destination."""
    template = synthesized.own
    template.resource_count_is(CUSTOM, 2)
    template.resource_count_is("AWS::Lambda::Function", 2)  # the function and its destination
    provider, _ = function(template, PROVIDER)
    no_retry, _ = invoke_config(template, PROVIDER)
    for resource in template.find_resources(CUSTOM).values():
        assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [provider, "Arn"]}
        assert no_retry in resource["DependsOn"]


def test_the_function_is_configured_as_the_sam_applications(synthesized: Synthesized) -> None:
    template = synthesized.own
    template.has_resource_properties(
        "AWS::Lambda::Function",
        {
            "Runtime": "python3.13",
            "Architectures": ["arm64"],
            "Handler": "app.lambda_handler",
            "MemorySize": 256,
            "Timeout": 900,
            "LoggingConfig": {
                "LogFormat": "JSON",
                "ApplicationLogLevel": "INFO",
                "SystemLogLevel": "INFO",
                "LogGroup": {"Ref": Match.any_value()},
            },
            "Environment": {
                "Variables": {
                    "POWERTOOLS_SERVICE_NAME": "personalize-solution-update",
                    "POWERTOOLS_TRACE_DISABLED": "true",
                    "RESPONSE_URL_ALLOWED_HOSTS": "",
                    "AWS_ENDPOINT_URL_PERSONALIZE": "",
                    "AWS_ENDPOINT_URL_LAMBDA": "",
                }
            },
            "TracingConfig": Match.absent(),
            "ReservedConcurrentExecutions": Match.absent(),
        },
    )
    provider, _ = function(template, PROVIDER)
    destination, _ = function(template, DESTINATION)
    _, asynchronous = invoke_config(template, PROVIDER)
    assert asynchronous == {
        "FunctionName": {"Ref": provider},
        "Qualifier": "$LATEST",
        "MaximumRetryAttempts": 0,
        # as long as CloudFormation may wait for the answer (ServiceTimeout's largest value)
        "MaximumEventAgeInSeconds": 3600,
        "DestinationConfig": {"OnFailure": {"Destination": {"Fn::GetAtt": [destination, "Arn"]}}},
    }
    for log_group in template.find_resources("AWS::Logs::LogGroup").values():
        assert log_group["Properties"]["RetentionInDays"] == 30


def test_properties_are_what_the_function_is_sent(synthesized: Synthesized) -> None:
    resources = synthesized.own.find_resources(CUSTOM)
    first = resources["FirstTraining"]["Properties"]
    assert {key: value for key, value in first.items() if key != "ServiceToken"} == {
        "ServiceTimeout": "900",
        "SolutionArn": SOLUTION,
        "PerformAutoTraining": True,
        "SolutionUpdateConfig": {
            "AutoTrainingConfig": {"SchedulingExpression": "rate(14 days)"},
            "EventsConfig": {
                "EventParametersList": [
                    {"EventType": "click", "EventValueThreshold": 0.5, "Weight": 0.3}
                ]
            },
        },
    }
    second = resources["SecondTraining"]["Properties"]
    assert second["SolutionArn"] == {"Ref": "SecondSolutionArn"}  # a token: left to the function
    assert second["SolutionUpdateConfig"] == {
        "AutoTrainingConfig": {"SchedulingExpression": "rate(1 day)"}
    }
    assert second["OnDelete"] == "DisableAutoTraining"
    assert "ServiceTimeout" not in second  # CloudFormation's default, an hour
    assert "OnDelete" not in first  # Retain, the function's default


def test_a_service_token_uses_the_shared_function_and_declares_none(
    synthesized: Synthesized,
) -> None:
    template = synthesized.shared
    template.resource_count_is("AWS::Lambda::Function", 0)
    template.resource_count_is("AWS::IAM::Role", 0)
    _, resource = only(template.find_resources(CUSTOM))
    assert resource["Properties"]["ServiceToken"] == {"Fn::ImportValue": SHARED_TOKEN}
    assert resource["Properties"]["PerformAutoTraining"] is False


def test_the_function_code_is_the_packaged_zip_with_bytecode_of_every_module(
    synthesized: Synthesized,
) -> None:
    """The asset cdk.out holds is the package's function.zip as it is: the handler and its
    dependencies, with the unchecked-hash bytecode sam build ships, so that Lambda's Python
    compiles none of them at a cold start."""
    _, provider = function(synthesized.own, PROVIDER)
    asset = code_of(synthesized.outdir, provider)
    assert asset.read_bytes() == CODE.read_bytes()
    with zipfile.ZipFile(asset) as archive:
        names = set(archive.namelist())
        assert {"app.py", "boto3/__init__.py", "crhelper/__init__.py"} <= names
        assert without_unchecked_hash_bytecode(archive) == []


def test_attributes_are_the_resources_get_att_values() -> None:
    stack = cdk.Stack(cdk.App(), "Attributes")
    training = PersonalizeSolutionUpdate(stack, "Training", solution_arn=SOLUTION)
    attributes = {
        "SolutionArn": training.attr_solution_arn,
        "PerformAutoTraining": training.attr_perform_auto_training,
        "SchedulingExpression": training.attr_scheduling_expression,
        "PerformIncrementalUpdate": training.attr_perform_incremental_update,
        "Status": training.attr_status,
        "LastUpdatedDateTime": training.attr_last_updated_date_time,
    }
    for name, token in attributes.items():
        assert stack.resolve(token) == {"Fn::GetAtt": ["Training", name]}


def test_tokens_pass_through_for_the_function_to_check() -> None:
    stack = cdk.Stack(cdk.App(), "Tokens")
    days = cdk.CfnParameter(stack, "Days", type="Number").value_as_number
    weight = cdk.CfnParameter(stack, "Weight", type="Number").value_as_number
    PersonalizeSolutionUpdate(
        stack,
        "Training",
        solution_arn=cdk.CfnParameter(stack, "Arn").value_as_string,
        schedule=cdk.Duration.days(days),
        event_parameters=[EventParameter(event_type="click", weight=weight)],
        service_timeout=cdk.Duration.seconds(
            cdk.CfnParameter(stack, "Wait", type="Number").value_as_number
        ),
        on_delete=cdk.CfnParameter(stack, "OnDelete").value_as_string,
        service_token=SHARED_TOKEN,  # no function: this synth copies no asset
    )
    sent = Template.from_stack(stack).find_resources(CUSTOM)["Training"]["Properties"]
    assert sent["SolutionArn"] == {"Ref": "Arn"}
    assert sent["ServiceTimeout"] == {"Ref": "Wait"}
    assert sent["OnDelete"] == {"Ref": "OnDelete"}
    assert sent["SolutionUpdateConfig"]["AutoTrainingConfig"]["SchedulingExpression"] == {
        "Fn::Join": ["", ["rate(", {"Ref": "Days"}, " days)"]]
    }
    assert sent["SolutionUpdateConfig"]["EventsConfig"]["EventParametersList"] == [
        {"EventType": "click", "Weight": {"Ref": "Weight"}}
    ]
