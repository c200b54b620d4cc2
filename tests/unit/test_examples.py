"""The examples: clean under cfn-lint, only properties the handler accepts, and compositions that
hold together (the campaign follows our resource, the CDK app synthesizes the YAML example's
stack, nested and StackSet templates match the application's parameters and outputs)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest
from cfnlint.api import lint_file
from cfnlint.decode import decode

from localcloud.cloudformation import as_cloudformation_sends
from solution_rules import properties

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
# Written by `make cdk-synth` (python app.py with CDK_OUTDIR); absent until then.
CDK_TEMPLATES = sorted((ROOT / "examples" / "cdk" / "cdk.out").glob("*.template.json"))
TEMPLATES = EXAMPLES + CDK_TEMPLATES
APPLICATION = ROOT / "template.yaml"
CAMPAIGN_EXAMPLE = ROOT / "examples" / "auto-training-to-campaign.yaml"
KNOWN_PROPERTIES = {
    "ServiceToken",
    "ServiceTimeout",
    "SolutionArn",
    "PerformAutoTraining",
    "PerformIncrementalUpdate",
    "SolutionUpdateConfig",
    "OnDelete",
}
SAMPLE_ARN = "arn:aws:personalize:us-east-1:123456789012:solution/example"
SAMPLE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:personalize-solution-update"
# Values for parameters without a default, as a user would pass them.
SAMPLE_PARAMETERS = {
    "SolutionArn": SAMPLE_ARN,
    "ApplicationId": "arn:aws:serverlessrepo:us-east-1:123456789012:applications/psu",
    "ArtifactBucketPrefix": "my-artifacts",
    "InstanceTemplateURL": "https://my-artifacts.s3.amazonaws.com/stackset-instance.yaml",
    "OrganizationalUnitIds": "ou-abcd-11111111",
}
PSEUDO_PARAMETERS = {
    "AWS::Region": "us-east-1",
    "AWS::AccountId": "123456789012",
    "AWS::Partition": "aws",
    "AWS::URLSuffix": "amazonaws.com",
    "AWS::StackName": "example-stack",
}
SUB_VARIABLE = re.compile(r"\$\{([^}!]+)\}")
# The nested application's output that a consumer reads: the function's ARN.
TOKEN_OUTPUT = "Outputs.ServiceToken"
SAMPLE_ATTRIBUTES = {"SolutionArn": SAMPLE_ARN, TOKEN_OUTPUT: SAMPLE_TOKEN}
NESTED_TYPES = {"AWS::Serverless::Application", "AWS::CloudFormation::Stack"}


def load(path: Path) -> dict[str, Any]:
    """The template as CloudFormation reads it (YAML short forms expanded)."""
    template, errors = decode(str(path))
    assert not errors, errors
    return dict(template)


def resources_of_type(template: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    """The resources whose Type starts with prefix, by logical id."""
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"].startswith(prefix)
    }


def custom_resources(template: Mapping[str, Any]) -> dict[str, Any]:
    """The template's Custom:: resources (ours, whatever the name after Custom::)."""
    return resources_of_type(template, "Custom::")


def resolved(
    value: Any, template: Mapping[str, Any], given: Mapping[str, str] | None = None
) -> Any:
    """The value with the template's intrinsics evaluated: Ref to a parameter takes the given value,
    then its Default, then a sample; an import becomes a sample function ARN, an attribute a
    sample (solution ARN, nested ServiceToken) or "<Resource.Attribute>"; Sub and Join apply."""

    def ref(name: str) -> Any:
        if name in PSEUDO_PARAMETERS:
            return PSEUDO_PARAMETERS[name]
        if given and name in given:
            return given[name]
        parameter = template.get("Parameters", {}).get(name)
        if parameter is None:
            return f"<{name}>"  # a resource's Ref
        if "Default" in parameter:
            return parameter["Default"]
        return SAMPLE_PARAMETERS[name]

    def evaluate(value: Any) -> Any:
        if isinstance(value, list):
            return [evaluate(item) for item in value]
        if not isinstance(value, dict):
            return value
        if len(value) != 1:
            return {key: evaluate(item) for key, item in value.items()}
        [(function, argument)] = value.items()
        if function == "Ref":
            return ref(argument)
        if function == "Fn::ImportValue":
            return SAMPLE_TOKEN
        if function == "Fn::GetAtt":
            logical_id, attribute = (
                argument.split(".", 1) if isinstance(argument, str) else argument
            )
            return SAMPLE_ATTRIBUTES.get(attribute, f"<{logical_id}.{attribute}>")
        if function == "Fn::Sub":
            text, variables = (argument, {}) if isinstance(argument, str) else argument
            values = {name: evaluate(item) for name, item in variables.items()}
            return SUB_VARIABLE.sub(
                lambda match: str(values[match[1]] if match[1] in values else ref(match[1])), text
            )
        if function == "Fn::Join":
            separator, items = argument
            return separator.join(str(item) for item in evaluate(items))
        return {function: evaluate(argument)}

    return evaluate(value)


def delivered(
    template: Mapping[str, Any], logical_id: str, given: Mapping[str, str] | None = None
) -> Any:
    """What CloudFormation would send for a resource's properties: intrinsics evaluated and
    every scalar a string."""
    resource = template["Resources"][logical_id]
    return as_cloudformation_sends(resolved(resource["Properties"], template, given))


def cdk_function(template: Mapping[str, Any], application_function: str) -> str:
    """The logical id of the CDK synth's function that is template.yaml's function of that
    logical id (SolutionUpdateFunction, or OnFailureFunction, its on-failure destination): the
    one with its handler."""
    handler = load(APPLICATION)["Resources"][application_function]["Properties"]["Handler"]
    [function] = [
        name
        for name, resource in resources_of_type(template, "AWS::Lambda::Function").items()
        if resource["Properties"]["Handler"] == handler
    ]
    return function


def depends_on(resource: Mapping[str, Any]) -> set[str]:
    """The logical ids named in a resource's DependsOn (a string or a list)."""
    names = resource.get("DependsOn", [])
    return {names} if isinstance(names, str) else set(names)


def campaign_composition(template: Mapping[str, Any]) -> tuple[str, str]:
    """The logical ids of the one custom resource and the one campaign of a campaign template."""
    [schedule] = custom_resources(template)
    [campaign] = resources_of_type(template, "AWS::Personalize::Campaign")
    return schedule, campaign


def consumers() -> list[Path]:
    """Every template that declares our custom resource."""
    return [path for path in TEMPLATES if custom_resources(load(path))]


def template_ids(path: Path) -> str:
    """A short test id: the file name."""
    return path.name


def test_known_properties_are_the_handlers():
    """The property list these tests pin the examples to is the handler's own."""
    assert set(properties.TOP_LEVEL) == KNOWN_PROPERTIES


def test_every_composition_has_an_example():
    """The plain examples, the campaign, the nested application and the StackSet are all here."""
    names = {path.name for path in EXAMPLES}
    assert {
        "new-solution-with-auto-training.yaml",
        "turn-off-auto-training.yaml",
        "auto-training-to-campaign.yaml",
        "nested-application.yaml",
        "stackset.yaml",
        "stackset-instance.yaml",
    } <= names


@pytest.mark.parametrize("path", TEMPLATES, ids=template_ids)
def test_example_is_clean_under_cfn_lint(path):
    """cfn-lint finds nothing, warnings included."""
    matches = lint_file(path)
    assert not matches, "\n".join(str(match) for match in matches)


@pytest.mark.parametrize("path", consumers(), ids=template_ids)
def test_example_custom_resource_uses_only_known_properties(path):
    """Our resource is given only properties the handler knows, and the two it needs."""
    for name, resource in custom_resources(load(path)).items():
        given = set(resource["Properties"])
        assert given <= KNOWN_PROPERTIES, f"{name}: unknown {sorted(given - KNOWN_PROPERTIES)}"
        assert {"ServiceToken", "SolutionArn"} <= given


@pytest.mark.parametrize("path", consumers(), ids=template_ids)
def test_example_properties_are_accepted_by_the_handler(path):
    """As delivered (strings, intrinsics resolved), the properties parse, with the example's
    ServiceTimeout and a solution ARN."""
    template = load(path)
    for name, resource in custom_resources(template).items():
        request = properties.parse_properties(delivered(template, name))
        assert request.settings.solution_arn == SAMPLE_ARN
        assert request.service_timeout == int(resource["Properties"]["ServiceTimeout"])


@pytest.mark.parametrize("path", [CAMPAIGN_EXAMPLE, *CDK_TEMPLATES], ids=template_ids)
def test_campaign_follows_the_solution_after_the_schedule(path):
    """The campaign serves "<solution ARN>/$LATEST" with sync on, after our resource answered,
    at a MinProvisionedTPS parameter that defaults to 1; the schedule is on and parses, and
    deleting the stack turns the training off (the solution outlives the campaign)."""
    template = load(path)
    schedule, campaign = campaign_composition(template)
    assert schedule in depends_on(template["Resources"][campaign])
    request = properties.parse_properties(delivered(template, schedule))
    assert request.on_delete is properties.OnDelete.DISABLE_AUTO_TRAINING
    settings = request.settings
    assert settings.asked.perform_auto_training is True
    assert settings.asked.schedule_days == 14
    served = delivered(template, campaign)
    assert served["SolutionVersionArn"] == f"{settings.solution_arn}/$LATEST"
    assert served["CampaignConfig"] == {"SyncWithLatestSolutionVersion": "true"}
    tps = template["Resources"][campaign]["Properties"]["MinProvisionedTPS"]
    assert template["Parameters"][tps["Ref"]]["Default"] in (1, "1")


# The YAML example's parameters that the CDK app does without: its construct declares the stack's
# own function (no export to import), and its schedule is a literal Duration, checked at synth.
CDK_UNNEEDED_PARAMETERS = {"SolutionUpdateStackName", "SchedulingExpression"}


@pytest.mark.skipif(not CDK_TEMPLATES, reason="examples/cdk not synthesized: make cdk-synth")
@pytest.mark.parametrize("path", CDK_TEMPLATES, ids=template_ids)
def test_cdk_app_deploys_the_yaml_composition(path):
    """CloudFormation would send the same properties to our resource (its ServiceToken the
    stack's provider function, not the import) and to the campaign, and the stack takes the
    same parameters with the same defaults, but for the two the construct makes unneeded."""
    cdk, yaml = load(path), load(CAMPAIGN_EXAMPLE)
    function = cdk_function(cdk, "SolutionUpdateFunction")
    for logical_id in campaign_composition(yaml):
        from_cdk, from_yaml = delivered(cdk, logical_id), delivered(yaml, logical_id)
        if "ServiceToken" in from_yaml:
            assert from_yaml.pop("ServiceToken") == SAMPLE_TOKEN
            assert from_cdk.pop("ServiceToken") == f"<{function}.Arn>"
        assert from_cdk == from_yaml
    cdk_parameters = {
        name: parameter.get("Default")
        for name, parameter in cdk["Parameters"].items()
        if name != "BootstrapVersion"  # the CDK's own check of its bootstrap stack
    }
    yaml_parameters = {
        name: p.get("Default")
        for name, p in yaml["Parameters"].items()
        if name not in CDK_UNNEEDED_PARAMETERS
    }
    assert as_cloudformation_sends(cdk_parameters) == as_cloudformation_sends(yaml_parameters)


def test_nested_application_is_located_by_parameters():
    """The SAR application's ApplicationId and SemanticVersion come from the parameters, and our
    resource takes its ServiceToken from the nested stack's output."""
    template = load(ROOT / "examples" / "nested-application.yaml")
    [(name, application)] = resources_of_type(template, "AWS::Serverless::Application").items()
    assert application["Properties"]["Location"] == {
        "ApplicationId": {"Ref": "ApplicationId"},
        "SemanticVersion": {"Ref": "SemanticVersion"},
    }
    for resource in custom_resources(template).values():
        assert resource["Properties"]["ServiceToken"] == {"Fn::GetAtt": [name, TOKEN_OUTPUT]}


# Where the examples name a release: a deploy's SemanticVersion=, a processed template's key.
NAMED_RELEASE = re.compile(r"SemanticVersion=(\S+)|personalize-solution-update/(\d+\.\d+\.\d+)/")


def test_examples_name_the_current_release():
    """Every release the examples name, and the nested example's default, is the application's
    own SemanticVersion: an older one would deploy the bugs the current release fixed."""
    current = load(APPLICATION)["Metadata"]["AWS::ServerlessRepo::Application"]["SemanticVersion"]
    nested = load(ROOT / "examples" / "nested-application.yaml")
    named = [nested["Parameters"]["SemanticVersion"]["Default"]]
    for path in [*EXAMPLES, ROOT / "examples" / "README.md"]:
        named += [a or b for a, b in NAMED_RELEASE.findall(path.read_text())]
    assert len(named) > 5
    assert set(named) == {current}


def nested_uses(template: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every ("parameter"|"output", name) the template uses of its nested application."""
    nested = {
        name for name, resource in template["Resources"].items() if resource["Type"] in NESTED_TYPES
    }
    uses = [
        ("parameter", parameter)
        for name in nested
        for parameter in template["Resources"][name]["Properties"].get("Parameters", {})
    ]

    def outputs(value: Any) -> None:
        if isinstance(value, dict):
            attribute = value.get("Fn::GetAtt")
            if attribute and attribute[0] in nested and attribute[1].startswith("Outputs."):
                uses.append(("output", attribute[1].removeprefix("Outputs.")))
            for item in value.values():
                outputs(item)
        elif isinstance(value, list):
            for item in value:
                outputs(item)

    outputs({"Resources": template["Resources"], "Outputs": template.get("Outputs", {})})
    return uses


@pytest.mark.parametrize("name", ["nested-application.yaml", "stackset-instance.yaml"], ids=str)
def test_nested_application_parameters_and_outputs_exist(name):
    """Every parameter passed to, and output read from, the nested application is one that
    template.yaml declares."""
    application = load(APPLICATION)
    uses = nested_uses(load(ROOT / "examples" / name))
    assert ("output", "ServiceToken") in uses
    for kind, used in uses:
        declared = application["Parameters" if kind == "parameter" else "Outputs"]
        assert used in declared, f"{name}: template.yaml has no {kind} {used}"


def test_stackset_instances_export_the_name_consumers_import():
    """Each stack instance exports the ServiceToken under the fixed name that the consumer
    examples import by default, whatever name StackSets gives the instance's stack."""
    instance = load(ROOT / "examples" / "stackset-instance.yaml")
    export = resolved(instance["Outputs"]["ServiceToken"]["Export"]["Name"], instance)
    consumer = load(ROOT / "examples" / "auto-training-to-campaign.yaml")
    imported = resolved(
        consumer["Resources"]["AutoTraining"]["Properties"]["ServiceToken"]["Fn::ImportValue"],
        consumer,
    )
    assert export == imported == "personalize-solution-update-ServiceToken"


def test_stackset_is_service_managed_and_passes_only_instance_parameters():
    """Service-managed, deploying to OUs automatically, with no macro capability (StackSets with
    service-managed permissions refuse macros), passing parameters the instance template has."""
    stackset = load(ROOT / "examples" / "stackset.yaml")
    instance = load(ROOT / "examples" / "stackset-instance.yaml")
    [resource] = resources_of_type(stackset, "AWS::CloudFormation::StackSet").values()
    props = resource["Properties"]
    assert props["PermissionModel"] == "SERVICE_MANAGED"
    assert props["AutoDeployment"]["Enabled"] is True
    assert props["Capabilities"] == ["CAPABILITY_IAM"]
    assert "Transform" not in instance
    passed = {parameter["ParameterKey"] for parameter in props["Parameters"]}
    assert passed <= set(instance["Parameters"])
    [group] = props["StackInstancesGroup"]
    assert "OrganizationalUnitIds" in group["DeploymentTargets"]
