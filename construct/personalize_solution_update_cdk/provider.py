"""The provider function: one per stack, shared by every PersonalizeSolutionUpdate in it.

Configured as the SAM application's template.yaml configures its function: python3.13 on arm64,
256 MB, 900 s, no asynchronous retry, JSON logs into its own log group, and a role that may write
to that group alone, update and read the solutions the stack's resources name, invoke the
function itself (a long wait continues in a new invocation) and its on-failure destination. What
template.yaml's parameters let a user change (log level, log retention, tracing, reserved
concurrency) are the options of `SolutionUpdateProvider.of`. The self-invoke statement names the
function by an ARN built from its fixed name, `psu-<stack UUID>`: a reference to the function's
own ARN in its role's policy would be a dependency cycle (cfn-lint E3004).

The on-failure destination, `psu-<stack UUID>-on-failure`, is template.yaml's OnFailureFunction:
Lambda sends it the event of an invocation that died, or that it dropped, and it answers
CloudFormation for the function, so that the stack does not wait out ServiceTimeout.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import NamedTuple

from aws_cdk import (
    ArnFormat,
    Aws,
    CfnParameter,
    CfnResource,
    Duration,
    Fn,
    RemovalPolicy,
    Stack,
    Token,
)
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_destinations as destinations
from aws_cdk import aws_logs as logs
from constructs import Construct

# The function's code as deployed, zipped into this package when the wheel is built: what sam
# build makes of it, src/handler and its locked requirements for aarch64, with unchecked-hash
# python3.13 bytecode of every module (Lambda's read-only task root, its files dated by the zip,
# lets Python use no other: without it, every module would be compiled at each cold start). A zip,
# so that pip, which compiles and rewrites the bytecode of a package's modules, leaves it as built;
# its asset is uploaded as it is.
CODE = Path(__file__).resolve().parent / "function.zip"
# The on-failure destination's, zipped likewise: src/destination, its solution_rules symlink
# followed (standard library only), and its bytecode.
DESTINATION_CODE = Path(__file__).resolve().parent / "destination.zip"
# This id and its children's fix the logical ids: a change would declare a second function of the
# same name (psu-<stack UUID>) beside the first, which CloudFormation refuses.
PROVIDER_ID = "PersonalizeSolutionUpdateProvider"
SERVICE_NAME = "personalize-solution-update"
SOLUTION_ACTIONS = ["personalize:UpdateSolution", "personalize:DescribeSolution"]
SOLUTION_TYPE = "AWS::Personalize::Solution"
# Lambda writes a function's lines to CloudWatch Logs with the function's role: each role may do
# this in its function's own log group (AWSLambdaBasicExecutionRole would allow every group).
LOG_ACTIONS = ["logs:CreateLogStream", "logs:PutLogEvents"]
# How long Lambda keeps an event of either function: as long as CloudFormation may wait for an
# answer (ServiceTimeout's largest value, counted from before Lambda queued the event).
MAXIMUM_EVENT_AGE = Duration.hours(1)


class LoggedFunction(NamedTuple):
    """A function declared by `logged_function`: the function, its role, and the role's inline
    policy (mutable until synth: statements added later are in it)."""

    function: lambda_.Function
    role: iam.Role
    policy: iam.PolicyDocument


def logged_function(
    scope: Construct,
    *,
    name: str,
    policy_name: str,
    log_level: lambda_.ApplicationLogLevel,
    log_retention: logs.RetentionDays,
    code: Path,
    handler: str,
    description: str,
    memory_size: int,
    timeout: Duration,
    environment: Mapping[str, str],
    tracing: lambda_.Tracing | None = None,
    reserved_concurrency: int | None = None,
) -> LoggedFunction:
    """Declare, in `scope`, a python3.13 arm64 function named `name` with what the provider's
    functions share: JSON logs at `log_level` into a log group of its own, `/aws/lambda/<name>`,
    kept `log_retention` and deleted with the stack, and a role whose policy `policy_name` may
    write to that group alone (the caller adds any other statement to `policy`). Its ids
    (LogGroup, Role, RoleArn, Function) fix its resources' logical ids."""
    log_group = logs.LogGroup(
        scope,
        "LogGroup",
        log_group_name=f"/aws/lambda/{name}",
        retention=log_retention,
        removal_policy=RemovalPolicy.DESTROY,
    )
    policy = iam.PolicyDocument(
        statements=[iam.PolicyStatement(actions=LOG_ACTIONS, resources=[log_group.log_group_arn])]
    )
    role = iam.Role(
        scope,
        "Role",
        assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
        inline_policies={policy_name: policy},
    )
    function = lambda_.Function(
        scope,
        "Function",
        function_name=name,
        description=description,
        code=lambda_.Code.from_asset(str(code)),
        handler=handler,
        runtime=lambda_.Runtime.PYTHON_3_13,
        architecture=lambda_.Architecture.ARM_64,
        memory_size=memory_size,
        timeout=timeout,
        # By reference: the function's one link to the role is then its Arn, where CDK would add
        # a DependsOn that repeats it (cfn-lint W3005). The policies are the role's own: a grant
        # to this immutable role (such as a Lambda destination's) adds nothing.
        role=iam.Role.from_role_arn(scope, "RoleArn", role.role_arn, mutable=False),
        log_group=log_group,
        logging_format=lambda_.LoggingFormat.JSON,
        # Lambda drops the function's lines below this level and passes it on to the function
        # (AWS_LAMBDA_LOG_LEVEL), whose logger follows it, as template.yaml's LogLevel does.
        application_log_level_v2=log_level,
        system_log_level_v2=lambda_.SystemLogLevel.INFO,
        tracing=tracing,
        reserved_concurrent_executions=reserved_concurrency,
        environment=dict(environment),
    )
    return LoggedFunction(function, role, policy)


class SolutionUpdateProvider(Construct):
    """The stack's provider function and what it needs: its role, its log group, its on-failure
    destination. Declared by `of`, once per stack, and shared by every PersonalizeSolutionUpdate
    of the stack."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        log_level: lambda_.ApplicationLogLevel = lambda_.ApplicationLogLevel.INFO,
        log_retention: logs.RetentionDays = logs.RetentionDays.ONE_MONTH,
        tracing: lambda_.Tracing = lambda_.Tracing.DISABLED,
        reserved_concurrency: int | None = None,
    ) -> None:
        """Declare the function and its destination, each with its log group and role (use
        `of`: one per stack)."""
        if construct_id != PROVIDER_ID or not Stack.is_stack(scope):
            raise ValueError(
                f"{scope.node.path}: a stack has one SolutionUpdateProvider, its function named "
                "after the stack; declare it with SolutionUpdateProvider.of(scope, ...)"
            )
        refused = concurrency_problem(reserved_concurrency)
        if refused:
            raise ValueError(f"{scope.node.path}: {refused}")
        super().__init__(scope, construct_id)
        #: The options in force, by name (None: concurrency left unreserved).
        self.options: Mapping[str, object] = {
            "log_level": log_level,
            "log_retention": log_retention,
            "tracing": tracing,
            "reserved_concurrency": reserved_concurrency,
        }
        # psu-<stack UUID>, 40 characters whatever the stack's name (Lambda allows 64).
        name = Fn.join("", ["psu-", Fn.select(2, Fn.split("/", Aws.STACK_ID))])
        traced = tracing == lambda_.Tracing.ACTIVE
        provider = logged_function(
            self,
            name=name,
            policy_name="SolutionUpdates",
            log_level=log_level,
            log_retention=log_retention,
            code=CODE,
            handler="app.lambda_handler",
            description="Updates Amazon Personalize solutions in place for "
            "Custom::PersonalizeSolutionUpdate.",
            memory_size=256,
            # The handler waits up to its remaining time less 15 s and carries a longer wait into
            # a new invocation: give it Lambda's maximum.
            timeout=Duration.seconds(900),
            environment={
                "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
                "POWERTOOLS_TRACE_DISABLED": "false" if traced else "true",
                # Empty: CloudFormation's S3 response buckets only, the real Personalize and
                # Lambda endpoints (set only by local runs, such as SAM CLI's on a CDK template).
                "RESPONSE_URL_ALLOWED_HOSTS": "",
                "AWS_ENDPOINT_URL_PERSONALIZE": "",
                "AWS_ENDPOINT_URL_LAMBDA": "",
            },
            tracing=tracing,
            reserved_concurrency=reserved_concurrency,
        )
        self.role, self.function, self._policy = provider.role, provider.function, provider.policy
        # The on-failure destination (psu-<stack UUID>-on-failure, 51 characters): its code is
        # on_failure.py and the rule set, standard library only, so it answers whatever broke in
        # the function's code or dependencies. It calls no AWS API (it answers the presigned
        # ResponseURL): its role may write its own log group, nothing else.
        destination = logged_function(
            Construct(self, "OnFailure"),
            name=f"{name}-on-failure",
            policy_name="OwnLogs",
            log_level=log_level,
            log_retention=log_retention,
            code=DESTINATION_CODE,
            handler="on_failure.lambda_handler",
            description="Answers CloudFormation for a Custom::PersonalizeSolutionUpdate request "
            "the function died on.",
            memory_size=128,
            # One PUT to the ResponseURL: at most 5 attempts of 10 s and their pauses (54 s).
            timeout=Duration.seconds(60),
            # As the function's: the hosts it may answer besides CloudFormation's response buckets.
            environment={"RESPONSE_URL_ALLOWED_HOSTS": ""},
        )
        #: The on-failure destination's function.
        self.on_failure = destination.function
        # A retry (after a death of its own) can only give the same answer again; a record older
        # than CloudFormation's longest wait has no one left to answer.
        self.on_failure.configure_async_invoke(retry_attempts=2, max_event_age=MAXIMUM_EVENT_AGE)

        stack = Stack.of(self)
        self._policy.add_statements(
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
            # Lambda sends a failed invocation's record to the destination with the function's
            # role. Stated here, as SAM states it: LambdaDestination's grant goes to the role by
            # reference, which keeps nothing, and would allow its versions (`<ARN>:*`) too.
            iam.PolicyStatement(
                actions=["lambda:InvokeFunction"], resources=[self.on_failure.function_arn]
            ),
        )
        if traced:
            # Lambda sends the active tracing's segments with the function's role. X-Ray has no
            # resource-level permissions for these actions, hence `*`.
            self._policy.add_statements(
                iam.PolicyStatement(
                    actions=["xray:PutTraceSegments", "xray:PutTelemetryRecords"], resources=["*"]
                )
            )
        # The statement naming the solutions of resources that `serve` scopes the role to,
        # added to the role's policy with the first of them.
        self._named_solutions: iam.PolicyStatement | None = None

        # No retry: a retry would start the request afresh, with a later deadline, after the
        # handler had answered; an invocation that dies, or an event Lambda drops, goes to the
        # destination, which answers for it (template.yaml says more).
        self.no_retry = lambda_.EventInvokeConfig(
            self,
            "NoRetry",
            function=self.function,
            retry_attempts=0,
            max_event_age=MAXIMUM_EVENT_AGE,
            on_failure=destinations.LambdaDestination(self.on_failure),
        )

    @classmethod
    def of(
        cls,
        scope: Construct,
        *,
        log_level: lambda_.ApplicationLogLevel | None = None,
        log_retention: logs.RetentionDays | None = None,
        tracing: lambda_.Tracing | None = None,
        reserved_concurrency: int | None = None,
    ) -> SolutionUpdateProvider:
        """The provider of scope's stack, declared on first use with these options, which
        template.yaml's parameters set for the application's function: log_level, the level of
        the function's and its destination's log lines that reach CloudWatch Logs (LogLevel,
        INFO); log_retention, how long their log groups keep them (LogRetentionInDays, one
        month); tracing, ACTIVE for X-Ray tracing of the function (EnableTracing; Lambda's
        PassThrough otherwise); reserved_concurrency, to cap the function's concurrency
        (ReservedConcurrency; unreserved when None).

        Every PersonalizeSolutionUpdate of the stack (without a service_token) shares it, so call
        this with the options before the first one. A later call asking an option other than
        the one in force raises ValueError naming each: the function has one configuration.
        """
        asked = {
            "log_level": log_level,
            "log_retention": log_retention,
            "tracing": tracing,
            "reserved_concurrency": reserved_concurrency,
        }
        given = {option: value for option, value in asked.items() if value is not None}
        stack = Stack.of(scope)
        found = stack.node.try_find_child(PROVIDER_ID)
        if not isinstance(found, SolutionUpdateProvider):
            return cls(stack, PROVIDER_ID, **given)
        conflicts = [
            f"{option}={found.options[option]}, not {value}"
            for option, value in given.items()
            if found.options[option] != value
        ]
        if conflicts:
            raise ValueError(
                f"{scope.node.path}: the stack's SolutionUpdateProvider is already declared with "
                f"{'; '.join(conflicts)}: give its options once, in SolutionUpdateProvider.of "
                "before the stack's first PersonalizeSolutionUpdate"
            )
        return found

    def serve(self, resource: Construct, solution_arn: str, *, retained: bool) -> None:
        """Make `resource` wait until the function's retries are off, its failures go to the
        on-failure destination, and its role allows the resource's solution.

        The role's own statement names the solution when it is known: a literal ARN, or a token
        that refers only to the stack's parameters, pseudo parameters, imports and
        AWS::Personalize::Solution resources (another resource's attribute could depend on this
        provider: a cycle). Otherwise, and when the resource's Delete may act on a solution the
        template no longer names (`retained` False: its OnDelete is not Retain, so after a
        replacement or a parameter's new value the old solution's Delete turns training off),
        the resource waits for a policy of every solution of the stack's account and region,
        which CloudFormation deletes only after the resources that wait for it.
        """
        # Its first request only once retries are off and failures go to the destination (the
        # function itself it references).
        resource.node.add_dependency(self.no_retry)
        if not (retained and self._known(solution_arn)):
            resource.node.add_dependency(self._every_solution())
            return
        if self._named_solutions is None:
            self._named_solutions = iam.PolicyStatement(actions=SOLUTION_ACTIONS)
            self._policy.add_statements(self._named_solutions)
        self._named_solutions.add_resources(solution_arn)

    def _known(self, solution_arn: str) -> bool:
        """Whether the role can name this solution (see `serve`)."""
        if not Token.is_unresolved(solution_arn):
            return True
        stack = Stack.of(self)
        referable = {
            stack.resolve(element.logical_id)
            for element in stack.node.find_all()
            if (
                isinstance(element, CfnParameter)
                or (isinstance(element, CfnResource) and element.cfn_resource_type == SOLUTION_TYPE)
            )
            and element.stack.node.path == stack.node.path
        }
        return refers_only_to(stack.resolve(solution_arn), referable)

    def _every_solution(self) -> iam.Policy:
        """The policy allowing every solution of the stack's account and region, declared on
        first use."""
        found = self.node.try_find_child("EverySolution")
        if isinstance(found, iam.Policy):
            return found
        every = Stack.of(self).format_arn(
            service="personalize", resource="solution", resource_name="*"
        )
        return iam.Policy(
            self,
            "EverySolution",
            roles=[self.role],
            statements=[iam.PolicyStatement(actions=SOLUTION_ACTIONS, resources=[every])],
        )


def refers_only_to(value: object, names: set[str]) -> bool:
    """Whether a resolved CloudFormation value refers (Ref, Fn::GetAtt) to nothing but pseudo
    parameters and `names`; an Fn::Sub, whose references hide in its string, refers elsewhere."""
    if isinstance(value, list):
        return all(refers_only_to(item, names) for item in value)
    if not isinstance(value, dict):
        return True
    if "Ref" in value:
        return str(value["Ref"]).startswith("AWS::") or value["Ref"] in names
    if "Fn::GetAtt" in value:
        return value["Fn::GetAtt"][0] in names
    if "Fn::Sub" in value:
        return False
    return all(refers_only_to(item, names) for item in value.values())


def concurrency_problem(reserved: int | None) -> str | None:
    """What is wrong with a literal reserved concurrency, or None. Zero, which template.yaml's
    parameter reads as unreserved, would stop Lambda from running the function at all."""
    if reserved is None or Token.is_unresolved(reserved):
        return None
    if isinstance(reserved, bool) or not isinstance(reserved, int) or reserved < 1:
        return (
            f"reserved_concurrency {reserved!r} is not valid; expected a whole number of at "
            "least 1 (0 would stop the function from running), or None for unreserved"
        )
    return None
