"""CDK (Python) app: the composition of examples/auto-training-to-campaign.yaml, as code.

An existing solution gets its training schedule from the `PersonalizeSolutionUpdate` construct
(`pip install` the cdk-personalize-solution-update wheel: its provider function is declared in this
stack), and a native `CfnCampaign` on `<solution ARN>/$LATEST` follows each new solution version.
The campaign depends on the custom resource, so it is created only after the schedule is in force.
The schedule is a literal `Duration`, checked at synth with the function's own rules.

Synthesize: `python app.py` with `CDK_OUTDIR=cdk.out` (what `cdk synth` sets), or `cdk synth`.
Deploy: `cdk deploy --parameters SolutionArn=arn:aws:personalize:...:solution/my-solution`.
"""

from __future__ import annotations

import aws_cdk as cdk
from aws_cdk import aws_personalize as personalize
from constructs import Construct
from personalize_solution_update_cdk import PersonalizeSolutionUpdate

SOLUTION_ARN_PATTERN = r"arn:([a-z\d-]+):personalize:.*:.*:solution/.+"


class AutoTrainingToCampaign(cdk.Stack):
    """The schedule (our custom resource) and the serving campaign, ordered by a dependency."""

    def __init__(self, scope: Construct, construct_id: str) -> None:
        """Declare the parameters, the custom resource, the campaign and the outputs."""
        super().__init__(
            scope,
            construct_id,
            description="Train an existing Personalize solution on a schedule and serve each new"
            " solution version from a campaign.",
        )
        solution_arn = cdk.CfnParameter(
            self,
            "SolutionArn",
            description="ARN of the existing solution; it needs an ACTIVE solution version.",
            allowed_pattern=SOLUTION_ARN_PATTERN,
            max_length=246,  # the campaign's "<this>/$LATEST" is at most 256
        ).value_as_string
        campaign_name = cdk.CfnParameter(
            self,
            "CampaignName",
            description="Name of the campaign (changing it replaces the campaign).",
            default="auto-training-campaign",
            allowed_pattern=r"^[a-zA-Z0-9][a-zA-Z0-9\-_]*$",
            min_length=1,
            max_length=63,
        ).value_as_string
        tps = cdk.CfnParameter(
            self,
            "MinProvisionedTPS",
            type="Number",
            description="Minimum provisioned TPS, billed whether used or not: start at 1.",
            default=1,
            min_value=1,
        ).value_as_number

        auto_training = PersonalizeSolutionUpdate(
            self,
            "AutoTraining",
            solution_arn=solution_arn,
            perform_auto_training=True,
            schedule=cdk.Duration.days(14),
            # CloudFormation waits this long for the answer; it also bounds the handler's wait.
            service_timeout=cdk.Duration.minutes(15),
            # The solution outlives the stack: deleting it turns automatic training off.
            on_delete="DisableAutoTraining",
        )
        campaign = personalize.CfnCampaign(
            self,
            "Campaign",
            name=campaign_name,
            solution_version_arn=f"{solution_arn}/$LATEST",
            min_provisioned_tps=tps,
            campaign_config=personalize.CfnCampaign.CampaignConfigProperty(
                sync_with_latest_solution_version=True
            ),
        )
        campaign.node.add_dependency(auto_training)
        cdk.Validations.of(campaign).acknowledge(
            cdk.Acknowledgment(
                id="CloudFormation-Validate::F3006",
                reason="aws-cdk-lib's bundled schemas lack this type; cfn-lint validates it.",
            )
        )

        cdk.CfnOutput(
            self,
            "Schedule",
            description="Automatic training schedule now in force.",
            value=auto_training.attr_scheduling_expression,
        )
        cdk.CfnOutput(
            self,
            "CampaignArn",
            description="ARN of the campaign; call GetRecommendations with it.",
            value=campaign.attr_campaign_arn,
        )


def main() -> None:
    """Build the app and write the cloud assembly (cdk.out/ with CDK_OUTDIR, as the CLI sets)."""
    app = cdk.App()
    AutoTrainingToCampaign(app, "PersonalizeAutoTrainingCampaign")
    app.synth()


if __name__ == "__main__":
    main()
