"""The example consumer stacks: clean under cfn-lint, and only properties the handler knows."""

from __future__ import annotations

from pathlib import Path

import pytest
from cfnlint.api import lint_file
from cfnlint.decode import decode

import properties
from localcloud.cloudformation import as_cloudformation_sends

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
KNOWN_PROPERTIES = {
    "ServiceToken",
    "ServiceTimeout",
    "SolutionArn",
    "PerformAutoTraining",
    "PerformIncrementalUpdate",
    "SolutionUpdateConfig",
}
SAMPLE_ARN = "arn:aws:personalize:us-east-1:123456789012:solution/example"
SAMPLE_TOKEN = "arn:aws:lambda:us-east-1:123456789012:function:personalize-solution-update"


def load(path):
    template, errors = decode(str(path))
    assert not errors, errors
    return template


def custom_resources(template):
    return {
        name: resource
        for name, resource in template["Resources"].items()
        if resource["Type"].startswith("Custom::")
    }


def resolved(value):
    """The example's intrinsics replaced by sample values (ImportValue, Ref, GetAtt)."""
    if isinstance(value, dict):
        if len(value) == 1 and next(iter(value)) == "Fn::ImportValue":
            return SAMPLE_TOKEN
        if len(value) == 1 and next(iter(value)) in {"Ref", "Fn::GetAtt"}:
            return SAMPLE_ARN
        return {key: resolved(item) for key, item in value.items()}
    if isinstance(value, list):
        return [resolved(item) for item in value]
    return value


def as_delivered(value):
    """Roughly what CloudFormation sends: intrinsics resolved, every scalar a string."""
    return as_cloudformation_sends(resolved(value))


def test_there_are_examples():
    assert len(EXAMPLES) >= 2


def test_known_properties_are_the_handlers():
    assert set(properties.TOP_LEVEL) == KNOWN_PROPERTIES


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_is_clean_under_cfn_lint(path):
    matches = lint_file(path)
    assert not matches, "\n".join(str(match) for match in matches)


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_custom_resource_uses_only_known_properties(path):
    resources = custom_resources(load(path))
    assert resources, f"{path.name} has no Custom:: resource"
    for name, resource in resources.items():
        given = set(resource["Properties"])
        assert given <= KNOWN_PROPERTIES, f"{name}: unknown {sorted(given - KNOWN_PROPERTIES)}"
        assert {"ServiceToken", "SolutionArn"} <= given


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda path: path.name)
def test_example_properties_are_accepted_by_the_handler(path):
    for resource in custom_resources(load(path)).values():
        delivered = as_delivered(resource["Properties"])
        request = properties.parse_properties(delivered)
        assert request.settings.solution_arn == SAMPLE_ARN
        assert request.service_timeout == int(resource["Properties"]["ServiceTimeout"])
