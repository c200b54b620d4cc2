"""The provider function: one per stack, shared by every PersonalizeSolutionUpdate in it.

Configured as the SAM application's template.yaml configures its function: python3.13 on arm64,
256 MB, 900 s, no asynchronous retry, JSON logs at INFO into its own log group, and a role that may
write to that group alone, update and read the solutions of its account and region, and invoke the
function itself (a long wait continues in a new invocation). The self-invoke statement names the
function by an ARN built from its fixed name, `psu-<stack UUID>`: a reference to the function's own
ARN in its role's policy would be a dependency cycle (cfn-lint E3004).
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import ArnFormat, Aws, Duration, Fn, RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

# The function's code as deployed: src/handler and its locked requirements for aarch64, put in
# this package when the wheel is built.
CODE = Path(__file__).resolve().parent / "function"
# This id and its children's fix the logical ids: a change would declare a second function of the
# same name (psu-<stack UUID>) beside the first, which CloudFormation refuses.
PROVIDER_ID = "PersonalizeSolutionUpdateProvider"
# Caches the installer and the runtime may leave in the package; never part of the asset.
NOT_CODE = ["**/__pycache__", "**/*.pyc"]
SERVICE_NAME = "personalize-solution-update"


class SolutionUpdateProvider(Construct):
    """The stack's provider function and what it needs: its role, its log group."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        """Declare the log group, the role and the function (use `of` to share one)."""
        super().__init__(scope, construct_id)
        # psu-<stack UUID>, 40 characters whatever the stack's name (Lambda allows 64).
        name = Fn.join("", ["psu-", Fn.select(2, Fn.split("/", Aws.STACK_ID))])
        log_group = logs.LogGroup(
            self,
            "LogGroup",
            log_group_name=f"/aws/lambda/{name}",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        stack = Stack.of(self)
        statements = [
            # Its own log group only (AWSLambdaBasicExecutionRole would allow every group).
            iam.PolicyStatement(
                actions=["logs:CreateLogStream", "logs:PutLogEvents"],
                resources=[log_group.log_group_arn],
            ),
            # Any solution of this account and region: each resource names its own.
            iam.PolicyStatement(
                actions=["personalize:UpdateSolution", "personalize:DescribeSolution"],
                resources=[
                    stack.format_arn(service="personalize", resource="solution", resource_name="*")
                ],
            ),
            # A wait longer than one invocation continues in a new one, invoked asynchronously.
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"],
                resources=[
                    stack.format_arn(
                        service="lambda",
                        resource="function",
                        resource_name=name,
                        arn_format=ArnFormat.COLON_RESOURCE_NAME,
                    )
                ],
            ),
        ]
        role = iam.Role(
            self,
            "Role",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            inline_policies={"SolutionUpdates": iam.PolicyDocument(statements=statements)},
        )
        self.function = lambda_.Function(
            self,
            "Function",
            function_name=name,
            description="Updates Amazon Personalize solutions in place for "
            "Custom::PersonalizeSolutionUpdate.",
            code=lambda_.Code.from_asset(str(CODE), exclude=NOT_CODE),
            handler="app.lambda_handler",
            runtime=lambda_.Runtime.PYTHON_3_13,
            architecture=lambda_.Architecture.ARM_64,
            memory_size=256,
            # The handler waits up to its remaining time less 15 s and carries a longer wait into
            # a new invocation: give it Lambda's maximum.
            timeout=Duration.seconds(900),
            # By reference: the function's one link to the role is then its Arn, where CDK would add
            # a DependsOn that repeats it (cfn-lint W3005). The policies are the role's own.
            role=iam.Role.from_role_arn(self, "RoleArn", role.role_arn, mutable=False),
            log_group=log_group,
            logging_format=lambda_.LoggingFormat.JSON,
            application_log_level_v2=lambda_.ApplicationLogLevel.INFO,
            system_log_level_v2=lambda_.SystemLogLevel.INFO,
            environment={
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_TRACE_DISABLED": "true",
                # Empty: CloudFormation's S3 response buckets only, the real Personalize and
                # Lambda endpoints (set only by local runs, such as SAM CLI's on a CDK template).
                "RESPONSE_URL_ALLOWED_HOSTS": "",
                "AWS_ENDPOINT_URL_PERSONALIZE": "",
                "AWS_ENDPOINT_URL_LAMBDA": "",
            },
        )

        # No retry: a retry would start the request afresh, with a later deadline, after the
        # handler had answered (template.yaml says more).
        self.no_retry = lambda_.EventInvokeConfig(
            self,
            "NoRetry",
            function=self.function,
            retry_attempts=0,
            max_event_age=Duration.seconds(900),
        )

    @classmethod
    def of(cls, scope: Construct) -> SolutionUpdateProvider:
        """The provider of scope's stack, declared on first use."""
        stack = Stack.of(scope)
        found = stack.node.try_find_child(PROVIDER_ID)
        if isinstance(found, SolutionUpdateProvider):
            return found
        return cls(stack, PROVIDER_ID)
