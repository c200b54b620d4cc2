"""The sam local invoke inputs in events/: well-formed requests, and an env file SAM will apply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from aws_lambda_powertools.utilities.parser.models import (
    CloudFormationCustomResourceCreateModel,
    CloudFormationCustomResourceDeleteModel,
    CloudFormationCustomResourceUpdateModel,
)
from cfnlint.decode import decode

import properties

ROOT = Path(__file__).resolve().parents[2]
EVENTS = sorted(path for path in (ROOT / "events").glob("*.json") if path.name != "env.json")
MODELS = {
    "Create": CloudFormationCustomResourceCreateModel,
    "Update": CloudFormationCustomResourceUpdateModel,
    "Delete": CloudFormationCustomResourceDeleteModel,
}
FUNCTION = "SolutionUpdateFunction"


def read(path):
    return json.loads(path.read_text())


def test_there_is_an_event_per_request_type():
    assert {read(path)["RequestType"] for path in EVENTS} == set(MODELS)


@pytest.mark.parametrize("path", EVENTS, ids=lambda path: path.name)
def test_event_is_a_custom_resource_request(path):
    event = read(path)
    model = MODELS[event["RequestType"]].model_validate(event)
    assert model.resource_type.startswith("Custom::")
    assert model.resource_properties["ServiceToken"] == model.service_token


@pytest.mark.parametrize("path", EVENTS, ids=lambda path: path.name)
def test_event_properties_are_accepted_by_the_handler(path):
    event = read(path)
    request = properties.parse_properties(event["ResourceProperties"])
    assert request.settings.solution_arn == event["ResourceProperties"]["SolutionArn"]
    if "OldResourceProperties" in event:
        properties.parse_properties(event["OldResourceProperties"])


def test_env_file_only_sets_variables_the_template_declares():
    template, errors = decode(str(ROOT / "template.yaml"))
    assert not errors, errors
    declared = template["Resources"][FUNCTION]["Properties"]["Environment"]["Variables"]
    env = read(ROOT / "events" / "env.json")
    assert set(env) == {FUNCTION}
    assert env[FUNCTION]
    undeclared = set(env[FUNCTION]) - set(declared)
    assert not undeclared, f"SAM ignores variables the template does not declare: {undeclared}"
