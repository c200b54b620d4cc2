"""Seeding the Personalize emulator with the solutions that CloudFormation events name.

An event only makes sense against the solution state that CloudFormation's previous step left:
- Create: a solution the stack has just created, with the service's defaults (automatic training
  on, every 7 days), which the Create then changes;
- Update: the solution at the settings of OldResourceProperties (the last request answered
  SUCCESS set them); when the Update changes SolutionArn (a replacement), the new solution is a
  fresh one, as for a Create;
- Delete: the solution at the settings of ResourceProperties.

Each solution is created through boto3's CreateSolution, as a user would, and is ready once ACTIVE.
It gets a recipe, so the emulator refuses what Personalize would refuse of it (incremental updates
only with aws-semantic-similarity, an events configuration only with the v2 recipes): by default
aws-user-personalization-v2, the recipe of the solutions whose automatic training this resource
manages most (it takes an events configuration, not incremental updates); `recipe` chooses another.

An ARN that names no solution the emulator could hold is not seeded (`why_not_seeded` says why), so
that the function's own answer to it can be seen: not a solution ARN, another region than the
function's, another account than the emulator's.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from localcloud.emulator.server import ACCOUNT_ID
from localcloud.emulator.validation import EmulatorError, check_name

DATASET_GROUP = "arn:{partition}:personalize:{region}:{account}:dataset-group/seeded"
SOLUTION_ARN = re.compile(
    r"arn:[a-z\d-]+:personalize:(?P<region>[^:]*):(?P<account>\d{12}):solution/(?P<name>.*)"
)
RECIPE_ARN = "arn:{partition}:personalize:::recipe/{name}"
DEFAULT_RECIPE = "aws-user-personalization-v2"
READY_WITHIN = 10.0  # seconds for a seeded solution to become ACTIVE


def creation_settings(properties: Mapping[str, Any] | None) -> dict[str, Any]:
    """CreateSolution's settings for the resource properties (CloudFormation sends strings);
    None stands for a new solution, which gets the service's defaults."""
    if properties is None:
        return {}
    settings: dict[str, Any] = {}
    for flag in ("PerformAutoTraining", "PerformIncrementalUpdate"):
        if flag in properties:
            settings[flag[0].lower() + flag[1:]] = str(properties[flag]).lower() == "true"
    update = properties.get("SolutionUpdateConfig") or {}
    config: dict[str, Any] = {}
    schedule = (update.get("AutoTrainingConfig") or {}).get("SchedulingExpression")
    if schedule is not None:
        config["autoTrainingConfig"] = {"schedulingExpression": schedule}
    events = (update.get("EventsConfig") or {}).get("EventParametersList")
    if events is not None:
        config["eventsConfig"] = {
            "eventParametersList": [
                {
                    "eventType": item["EventType"],
                    "eventValueThreshold": float(item["EventValueThreshold"]),
                    "weight": float(item["Weight"]),
                }
                for item in events
            ]
        }
    if config:
        settings["solutionConfig"] = config
    return settings


def solutions_named(event: Mapping[str, Any]) -> dict[str, Mapping[str, Any] | None]:
    """Each solution ARN the event names, with the properties whose settings it should have
    (None: a new solution with the service's defaults)."""
    new = event.get("ResourceProperties") or {}
    old = event.get("OldResourceProperties") or {}
    request_type = event.get("RequestType")
    named: dict[str, Mapping[str, Any] | None] = {}
    if request_type == "Update" and isinstance(old.get("SolutionArn"), str):
        named[old["SolutionArn"]] = old
    if isinstance(new.get("SolutionArn"), str):
        named.setdefault(new["SolutionArn"], new if request_type == "Delete" else None)
    return named


def why_not_seeded(arn: str, region: str | None = None) -> str | None:
    """Why no solution is seeded for `arn`, or None when one is. The emulator holds solutions of
    account ACCOUNT_ID only; with `region` (the function's), only those in it: the function
    refuses any other region before calling Personalize."""
    match = SOLUTION_ARN.fullmatch(arn)
    if match is None or not is_solution_name(match["name"]):
        return (
            "not a solution ARN, so there is no solution to seed: the function checks"
            " SolutionArn before it calls Personalize"
        )
    if region is not None and match["region"] != region:
        return (
            f"in {match['region']}, not the function's region {region}: the function refuses it"
            " before it calls Personalize"
        )
    if match["account"] != ACCOUNT_ID:
        return (
            f"of account {match['account']}, not the emulator's {ACCOUNT_ID}: the emulator finds"
            " no such solution (ResourceNotFoundException); deployed, the call is refused"
            " (AccessDeniedException), as the function's role reaches its own account's"
            " solutions only"
        )
    return None


def is_solution_name(name: str) -> bool:
    """Whether the emulator's CreateSolution takes this name, as Personalize's does."""
    try:
        check_name(name)
    except EmulatorError:
        return False
    return True


def seed_solutions(
    endpoint_url: str,
    events: Iterable[Mapping[str, Any]],
    region: str | None = None,
    recipe: str = DEFAULT_RECIPE,
) -> list[str]:
    """Create the solutions the events name, each once (as the first event naming it needs it),
    with `recipe`, and wait until they are ACTIVE; returns their ARNs. Those `why_not_seeded`
    has a reason for are left out: seeding one could only fail, and hide the function's answer."""
    wanted: dict[str, Mapping[str, Any] | None] = {}
    for event in events:
        for arn, properties in solutions_named(event).items():
            if why_not_seeded(arn, region) is None:
                wanted.setdefault(arn, properties)
    for arn, properties in wanted.items():
        create_active(endpoint_url, arn, creation_settings(properties), recipe)
    return list(wanted)


def create_active(
    endpoint_url: str, arn: str, settings: Mapping[str, Any], recipe: str = DEFAULT_RECIPE
) -> None:
    """CreateSolution with `recipe` (a recipe's name) in the ARN's region and account, then wait
    until it is ACTIVE. Raises ValueError when the emulator refuses the solution (settings the
    recipe does not support, as Personalize would refuse them)."""
    _, partition, _, region, account, resource = arn.split(":", 5)
    client = boto3.client(
        "personalize",
        endpoint_url=endpoint_url,
        region_name=region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # noqa: S106 - the emulator's fake credentials
        config=Config(retries={"mode": "standard"}, connect_timeout=2, read_timeout=5),
    )
    group = DATASET_GROUP.format(partition=partition, region=region, account=account)
    try:
        created = client.create_solution(
            name=resource.removeprefix("solution/"),
            datasetGroupArn=group,
            recipeArn=RECIPE_ARN.format(partition=partition, name=recipe),
            **settings,
        )["solutionArn"]
    except ClientError as refused:  # the state the event expects cannot exist with this recipe
        message = refused.response["Error"].get("Message", "")
        raise ValueError(f"seeding {arn} with recipe {recipe} was refused: {message}") from None
    if created != arn:
        raise ValueError(f"the emulator created {created}, not {arn}: use account {ACCOUNT_ID}")
    wait_active(client, arn)


def wait_active(client: Any, arn: str, pause: float = 0.05) -> None:
    """Wait until the emulator shows the solution ACTIVE, at most READY_WITHIN seconds."""
    give_up = time.monotonic() + READY_WITHIN
    while client.describe_solution(solutionArn=arn)["solution"]["status"] != "ACTIVE":
        if time.monotonic() > give_up:
            raise TimeoutError(f"{arn} did not become ACTIVE within {READY_WITHIN:.0f} s")
        time.sleep(pause)


def read_events(paths: Iterable[str | Path]) -> list[dict[str, Any]]:
    """The events in these JSON files."""
    return [json.loads(Path(path).read_text()) for path in paths]
