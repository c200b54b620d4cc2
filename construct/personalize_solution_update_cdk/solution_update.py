"""`PersonalizeSolutionUpdate`: one Custom::PersonalizeSolutionUpdate resource, answered by the
stack's provider function (or by the shared SAM application's, given its service token).

Literal values are checked at synth by the function's own rule set (solution_rules, the same
modules the function deploys), so a value the function would refuse fails `cdk synth` with the
function's message, all problems at once, a SolutionArn of another region than the stack's
among them. Tokens (values known only at deploy) are passed through for the function to check.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from aws_cdk import CustomResource, Duration, Fn, Stack, Token
from constructs import Construct

from personalize_solution_update_cdk.provider import SolutionUpdateProvider
from personalize_solution_update_cdk.solution_rules.literals import literal_problems
from personalize_solution_update_cdk.solution_rules.properties import (
    SCHEDULE_FORM,
    OnDelete,
)
from personalize_solution_update_cdk.solution_rules.properties import (
    schedule_expression as rate_expression,
)

RESOURCE_TYPE = "Custom::PersonalizeSolutionUpdate"


@dataclass(frozen=True)
class EventParameter:
    """One entry of the events configuration (UpdateSolution's eventParametersList): an event
    type, the value an event must reach to count, and its weight from 0 to 1."""

    event_type: str | None = None
    event_value_threshold: float | None = None
    weight: float | None = None

    def to_property(self) -> dict[str, object]:
        """The entry as the resource's EventParametersList holds it (fields left out omitted)."""
        fields = {
            "EventType": self.event_type,
            "EventValueThreshold": self.event_value_threshold,
            "Weight": self.weight,
        }
        return {key: value for key, value in fields.items() if value is not None}


def schedule_expression(schedule: Duration) -> str:
    """The Duration as a rate expression (`rate(1 day)`, `rate(14 days)`); a token's days go
    into the expression as they are. A Duration that is not whole days is refused."""
    days = schedule.to_days(integral=False)
    if Token.is_unresolved(days):
        return Fn.join("", ["rate(", Token.as_string(days), " days)"])
    if days != int(days):
        raise ValueError(
            f"schedule {schedule.to_human_string()} is not a whole number of days; expected "
            f"{SCHEDULE_FORM}"
        )
    return rate_expression(int(days))


class PersonalizeSolutionUpdate(Construct):
    """Sets an existing Personalize solution's update settings in place and waits until they are
    in force. Settings left as None are not sent: the solution keeps what it has."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        solution_arn: str,
        perform_auto_training: bool | None = None,
        schedule: Duration | None = None,
        perform_incremental_update: bool | None = None,
        event_parameters: Sequence[EventParameter] | None = None,
        service_timeout: Duration | None = None,
        on_delete: str | None = None,
        service_token: str | None = None,
    ) -> None:
        """Check the literal values, then declare the resource (and, unless a service_token is
        given, the stack's provider function on first use).

        solution_arn: the solution to update. schedule: how often it trains automatically, whole
        days from 1 to 30. event_parameters: up to 10 entries. service_timeout: how long
        CloudFormation waits for the answer, up to an hour (its default); it also bounds the
        function's wait. on_delete: what the resource's Delete (the resource removed, its stack
        deleted, or the old solution's after a replacement) does: `Retain` (the default) leaves
        the solution's settings as they are, `DisableAutoTraining` turns its automatic training
        off. service_token: the function of a shared deployment of the SAM application
        (`Fn.import_value("personalize-solution-update-ServiceToken")`); none is created here
        then.
        """
        super().__init__(scope, id)
        update_config: dict[str, object] = {}
        if schedule is not None:
            try:
                expression = schedule_expression(schedule)
            except ValueError as refused:
                raise ValueError(f"{self.node.path}: {refused}") from None
            update_config["AutoTrainingConfig"] = {"SchedulingExpression": expression}
        if event_parameters is not None:
            update_config["EventsConfig"] = {
                "EventParametersList": [entry.to_property() for entry in event_parameters]
            }
        given = {
            "SolutionArn": solution_arn,
            "PerformAutoTraining": perform_auto_training,
            "PerformIncrementalUpdate": perform_incremental_update,
            "SolutionUpdateConfig": update_config or None,
            "OnDelete": on_delete,
        }
        properties = {key: value for key, value in given.items() if value is not None}
        checked: dict[str, object] = dict(properties)
        if service_timeout is not None:
            checked["ServiceTimeout"] = seconds(service_timeout)
        region = Stack.of(self).region
        home = None if Token.is_unresolved(region) else region
        problems = literal_problems(checked, Token.is_unresolved, home)
        if problems:
            raise ValueError(f"{self.node.path}: " + "; ".join(p.text for p in problems))

        provider = None if service_token is not None else SolutionUpdateProvider.of(self)
        #: The stack's provider function, or None when the resource uses a given service_token.
        self.function = provider.function if provider else None
        # "Default": the resource's logical id is the one this construct's id gives (at a stack's
        # top level, that id itself), as a CustomResource of that id would have.
        self.resource = CustomResource(
            self,
            "Default",
            resource_type=RESOURCE_TYPE,
            service_token=provider.function.function_arn if provider else str(service_token),
            service_timeout=service_timeout,
            properties=properties,
        )
        if provider:
            retained = on_delete in (None, OnDelete.RETAIN)  # a Delete that calls nothing
            provider.serve(self.resource, solution_arn, retained=retained)

    def _attribute(self, name: str) -> str:
        """A Fn::GetAtt of the resource (every attribute is a string)."""
        return self.resource.get_att_string(name)

    @property
    def attr_solution_arn(self) -> str:
        """The solution's ARN (also the resource's physical id)."""
        return self._attribute("SolutionArn")

    @property
    def attr_perform_auto_training(self) -> str:
        """`true` / `false` in force, or `unknown` when no read proves it."""
        return self._attribute("PerformAutoTraining")

    @property
    def attr_scheduling_expression(self) -> str:
        """The schedule in force, e.g. `rate(14 days)`, or `unknown`."""
        return self._attribute("SchedulingExpression")

    @property
    def attr_perform_incremental_update(self) -> str:
        """`true` / `false`, or `unknown` when no read proves it."""
        return self._attribute("PerformIncrementalUpdate")

    @property
    def attr_status(self) -> str:
        """The latest update's status (`ACTIVE` once ours settled)."""
        return self._attribute("Status")

    @property
    def attr_last_updated_date_time(self) -> str:
        """ISO 8601 time of that update."""
        return self._attribute("LastUpdatedDateTime")


def seconds(duration: Duration) -> object:
    """A Duration in seconds, as ServiceTimeout takes it: a whole number, a token, or (not whole)
    the fraction, for the function's parser to refuse."""
    value = duration.to_seconds(integral=False)
    return int(value) if not Token.is_unresolved(value) and value == int(value) else value
