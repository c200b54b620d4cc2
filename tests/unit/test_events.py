"""The inputs in events/ (for make invoke and sam local invoke): well-formed requests, the solution
state each is seeded with, and an env file SAM will apply."""

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

from localcloud import seed
from solution_rules import properties
from tests.presets import api_schedule

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


def test_one_delete_asks_to_turn_training_off_and_the_others_retain():
    deletes = {path.name: read(path) for path in EVENTS if read(path)["RequestType"] == "Delete"}
    asked = {
        name: properties.on_delete_of(event["ResourceProperties"])
        for name, event in deletes.items()
    }
    assert asked == {
        "delete.json": properties.OnDelete.RETAIN,
        "delete-after-failed-create.json": properties.OnDelete.RETAIN,
        "delete-disable-training.json": properties.OnDelete.DISABLE_AUTO_TRAINING,
    }


def test_env_file_only_sets_variables_the_template_declares():
    template, errors = decode(str(ROOT / "template.yaml"))
    assert not errors, errors
    declared = template["Resources"][FUNCTION]["Properties"]["Environment"]["Variables"]
    env = read(ROOT / "events" / "env.json")
    assert set(env) == {FUNCTION}
    assert env[FUNCTION]
    undeclared = set(env[FUNCTION]) - set(declared)
    assert not undeclared, f"SAM ignores variables the template does not declare: {undeclared}"


def seeded(name):
    """The solutions `--seed events/<name>` creates, and the CreateSolution settings of each."""
    return {
        arn: seed.creation_settings(properties)
        for arn, properties in seed.solutions_named(read(ROOT / "events" / name)).items()
    }


DEMO = "arn:aws:personalize:us-east-1:123456789012:solution/demo"
DEFAULTS: dict = {}  # a new solution: the service's defaults (training on, every 7 days)


def every_days(days):
    """CreateSolution's settings for automatic training every `days` days."""
    return {"performAutoTraining": True, "solutionConfig": api_schedule(days)}


@pytest.mark.parametrize(
    ("name", "solutions"),
    [
        # Create: the stack has just created the solution; the request changes its schedule.
        ("create.json", {DEMO: DEFAULTS}),
        # Update: the last SUCCESS left the old properties' settings.
        ("update.json", {DEMO: every_days(5)}),
        # The rollback Update after another resource failed: this one's update had applied.
        ("update-rollback.json", {DEMO: every_days(3)}),
        # Replacement: the old solution as it was, the new one just created.
        ("update-replacement.json", {DEMO: every_days(5), f"{DEMO}-v2": DEFAULTS}),
        ("delete.json", {DEMO: every_days(5)}),
        ("delete-after-failed-create.json", {DEMO: every_days(5)}),
        # The Delete asked to turn training off finds it on, as the last SUCCESS left it.
        ("delete-disable-training.json", {DEMO: every_days(5)}),
    ],
)
def test_seed_creates_the_solutions_each_event_expects(name, solutions):
    assert seeded(name) == solutions


def test_seed_sends_createsolution_the_types_its_model_wants():
    properties = {
        "PerformAutoTraining": "FALSE",
        "PerformIncrementalUpdate": "true",
        "SolutionUpdateConfig": {
            "EventsConfig": {
                "EventParametersList": [
                    {"EventType": "click", "EventValueThreshold": "0.5", "Weight": "0.3"}
                ]
            }
        },
    }
    assert seed.creation_settings(properties) == {
        "performAutoTraining": False,
        "performIncrementalUpdate": True,
        "solutionConfig": {
            "eventsConfig": {
                "eventParametersList": [
                    {"eventType": "click", "eventValueThreshold": 0.5, "weight": 0.3}
                ]
            }
        },
    }
