"""The campaign example's deployment, played through the local cloud in CloudFormation's order.

The properties and the order come from examples/auto-training-to-campaign.yaml itself: our
resource goes through the real handler over HTTP against the Personalize emulator, and the native
campaign is a modelled step that CloudFormation would start only once everything it depends on
answered SUCCESS. What a user relies on: the schedule is in force before the campaign exists, a
failed schedule change leaves no campaign, and redeploying the same properties trains nothing.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pytest
from cfnlint.template import Template

from localcloud.cloudformation import CloudFormation, StackResource
from tests.presets import asking_again_costs
from tests.unit.test_examples import (
    CAMPAIGN_EXAMPLE,
    campaign_composition,
    delivered,
    load,
)

LATEST = "/$LATEST"


def dependencies(template: Mapping[str, Any]) -> dict[str, set[str]]:
    """For each resource, the resources CloudFormation waits for before starting it, from
    cfn-lint's graph of the template (DependsOn, and Ref, Fn::GetAtt and Fn::Sub references)."""
    graph = Template("template", dict(template), ["us-east-1"]).graph.graph
    resources = set(template["Resources"])
    return {name: set(graph.successors(name)) & resources for name in resources}


@dataclass
class Deployment:
    """Creates a template's resources as CloudFormation orders them: each round starts, together,
    every resource whose dependencies all succeeded, and nothing new starts after a failure (the
    stack rolls back instead). Custom resources are answered by the real handler; a campaign is
    modelled as the CreateCampaign request it would make."""

    template: Mapping[str, Any]
    parameters: Mapping[str, str]
    cloudformation: CloudFormation
    personalize: Any
    started: dict[str, float] = field(default_factory=dict)
    succeeded: dict[str, float] = field(default_factory=dict)
    custom: dict[str, StackResource] = field(default_factory=dict)
    campaigns: list[dict[str, Any]] = field(default_factory=list)

    def create(self) -> bool:
        """Play the stack's creation; whether every resource succeeded."""
        needs = dependencies(self.template)
        pending = set(needs)
        while pending:
            ready = sorted(name for name in pending if needs[name] <= set(self.succeeded))
            assert ready, f"a dependency cycle or a failed dependency holds {sorted(pending)}"
            round_start = time.monotonic()
            outcomes = []
            for name in ready:  # started together: one failing does not stop the others
                self.started[name] = round_start
                outcomes.append(self.create_resource(name))
            if not all(outcomes):
                return False
            pending -= set(ready)
        return True

    def properties(self, logical_id: str) -> dict[str, Any]:
        """What CloudFormation sends for the resource; the stand-in adds its own ServiceToken."""
        sent = delivered(self.template, logical_id, self.parameters)
        sent.pop("ServiceToken", None)
        return sent

    def create_resource(self, logical_id: str) -> bool:
        """Create one resource; whether it succeeded (and when it did)."""
        kind = self.template["Resources"][logical_id]["Type"]
        if kind.startswith("Custom::"):
            resource = StackResource(self.cloudformation, logical_id)
            [created, *_rollback] = resource.create(self.properties(logical_id))
            if created.response["Status"] != "SUCCESS":
                return False
            self.custom[logical_id] = resource
            self.succeeded[logical_id] = created.responses[0].at
            return True
        assert kind == "AWS::Personalize::Campaign", f"no model for {kind}"
        self.create_campaign(self.properties(logical_id))
        self.succeeded[logical_id] = time.monotonic()
        return True

    def create_campaign(self, request: dict[str, Any]) -> None:
        """CreateCampaign as modelled here: the solution behind "<solution ARN>/$LATEST" must
        exist and be ACTIVE; the request is recorded."""
        version = request["SolutionVersionArn"]
        assert version.endswith(LATEST), version
        solution_arn = version.removesuffix(LATEST)
        solution = self.personalize.describe_solution(solutionArn=solution_arn)["solution"]
        assert solution["status"] == "ACTIVE"
        self.campaigns.append(request)


@pytest.fixture
def deploy(world):
    """A function that deploys the campaign example for a new ACTIVE solution in the emulator,
    on the world's simulated clock."""

    def deploy_example() -> tuple[Deployment, str]:
        arn = world.solution()
        deployment = Deployment(
            load(CAMPAIGN_EXAMPLE), {"SolutionArn": arn}, world.stand_in(), world.personalize
        )
        return deployment, arn

    return deploy_example


def test_schedule_is_in_force_before_the_campaign_is_created(deploy, personalize, emulator):
    """Our SUCCESS reaches CloudFormation before the campaign starts, the campaign serves the
    solution's latest version with sync on, and the solution now trains every 14 days."""
    deployment, arn = deploy()
    schedule, campaign = campaign_composition(deployment.template)
    assert deployment.create()
    assert deployment.succeeded[schedule] < deployment.started[campaign]
    assert emulator.count("UpdateSolution", "ok") == 1
    [request] = deployment.campaigns
    assert request["SolutionVersionArn"] == f"{arn}/$LATEST"
    assert request["CampaignConfig"] == {"SyncWithLatestSolutionVersion": "true"}
    assert request["MinProvisionedTPS"] == "1"
    update = personalize.describe_solution(solutionArn=arn)["solution"]["latestSolutionUpdate"]
    assert update["status"] == "ACTIVE"
    assert update["solutionUpdateConfig"]["autoTrainingConfig"]["schedulingExpression"] == (
        "rate(14 days)"
    )


def test_failed_schedule_change_leaves_no_campaign(deploy, emulator):
    """If Personalize fails the update, the stack rolls back before any campaign exists."""
    deployment, _ = deploy()
    emulator.fail_next_update("training data is missing")
    assert not deployment.create()
    assert deployment.campaigns == []
    _, campaign = campaign_composition(deployment.template)
    assert campaign not in deployment.started


def test_redeploying_the_same_properties_makes_no_update_call(deploy, emulator):
    """An Update with the example's properties unchanged answers SUCCESS with the same physical
    id and makes no UpdateSolution call, so it starts no training run (one where the reading
    leaves nothing to confirm a value an update's summary may have filled in)."""
    deployment, arn = deploy()
    assert deployment.create()
    schedule, _ = campaign_composition(deployment.template)
    resource = deployment.custom[schedule]
    calls = emulator.count("UpdateSolution")
    [update] = resource.update(deployment.properties(schedule))
    assert update.response["Status"] == "SUCCESS"
    assert update.response["PhysicalResourceId"] == arn
    assert update.response["Data"]["SchedulingExpression"] == "rate(14 days)"
    assert emulator.count("UpdateSolution") == calls + asking_again_costs(emulator.reading)
