"""The construct's tests run in their own venv (make construct-test): the wheel as installed,
aws-cdk-lib and pytest, nothing of the repository (this folder has no __init__.py, so the source
tree's package is never imported instead of the installed one). The app is synthesized once per
session, as jsii runs the CDK's core in Node and that is slow."""

from __future__ import annotations

import os
from pathlib import Path

import aws_cdk as cdk
import pytest
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_personalize as personalize
from aws_cdk.assertions import Template
from personalize_solution_update_cdk import (
    EventParameter,
    PersonalizeSolutionUpdate,
    SolutionUpdateProvider,
)
from sample import SHARED_TOKEN, SOLUTION, Synthesized


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    """The app, synthesized once into CONSTRUCT_SYNTH (where make construct-test runs cfn-lint
    on it) or a temporary directory."""
    outdir = Path(os.environ.get("CONSTRUCT_SYNTH") or tmp_path_factory.mktemp("cdk.out"))
    app = cdk.App(outdir=str(outdir))
    own = cdk.Stack(app, "TwoSolutions")
    second = cdk.CfnParameter(own, "SecondSolutionArn", min_length=1).value_as_string
    PersonalizeSolutionUpdate(
        own,
        "FirstTraining",
        solution_arn=SOLUTION,
        perform_auto_training=True,
        schedule=cdk.Duration.days(14),
        event_parameters=[
            EventParameter(event_type="click", event_value_threshold=0.5, weight=0.3)
        ],
        service_timeout=cdk.Duration.minutes(15),
    )
    PersonalizeSolutionUpdate(
        own,
        "SecondTraining",
        solution_arn=second,
        schedule=cdk.Duration.days(1),
        on_delete="DisableAutoTraining",
    )
    configured = cdk.Stack(app, "Configured")
    SolutionUpdateProvider.of(
        configured,
        log_level=lambda_.ApplicationLogLevel.DEBUG,
        log_retention=logs.RetentionDays.ONE_WEEK,
        tracing=lambda_.Tracing.ACTIVE,
        reserved_concurrency=5,
    )
    solution = personalize.CfnSolution(
        configured,
        "Solution",
        name="declared",
        dataset_group_arn="arn:aws:personalize:us-east-1:123456789012:dataset-group/sample",
    )
    parameter = cdk.CfnParameter(configured, "ParameterSolutionArn", min_length=1)
    for construct_id, arn in [
        ("Literal", SOLUTION),
        ("Declared", solution.attr_solution_arn),
        ("Parameter", parameter.value_as_string),
    ]:
        PersonalizeSolutionUpdate(configured, construct_id, solution_arn=arn)
    chained = cdk.Stack(app, "Chained")
    first = PersonalizeSolutionUpdate(chained, "Named", solution_arn=SOLUTION)
    PersonalizeSolutionUpdate(chained, "ByAttribute", solution_arn=first.attr_solution_arn)
    PersonalizeSolutionUpdate(
        chained,
        "BySub",
        solution_arn=cdk.Fn.sub(
            "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}:solution/sub"
        ),
    )
    shared = cdk.Stack(app, "SharedFunction")
    PersonalizeSolutionUpdate(
        shared,
        "Training",
        solution_arn=SOLUTION,
        perform_auto_training=False,
        service_token=cdk.Fn.import_value(SHARED_TOKEN),
    )
    assembly = app.synth()
    return Synthesized(
        own=Template.from_json(assembly.get_stack_by_name("TwoSolutions").template),
        configured=Template.from_json(assembly.get_stack_by_name("Configured").template),
        chained=Template.from_json(assembly.get_stack_by_name("Chained").template),
        shared=Template.from_json(assembly.get_stack_by_name("SharedFunction").template),
        outdir=outdir,
    )
