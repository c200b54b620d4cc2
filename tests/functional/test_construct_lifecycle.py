"""The CDK example's synthesized stack, run: its provider function's code (the zip cdk.out holds,
as the construct packaged it) under AWS's runtime interface emulator and Lambda's runtime client
with the settings the synthesized template gives the function, through a stack's life in
CloudFormation's order, with the properties that template sends. Both functions' zips pass the
checks `make build` runs on sam build's function artifact: all they import, and unchecked-hash
bytecode of every module.

Needs `make cdk-synth` (make test runs it first); skipped until then, like the CDK example's checks.
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from localcloud.cloudformation import CloudFormation, StackResource
from localcloud.emulator import controls
from localcloud.function_config import FunctionConfig
from localcloud.invoke import LocalCloud
from localcloud.seed import create_active
from tests.unit.test_examples import (
    APPLICATION,
    CDK_TEMPLATES,
    cdk_function,
    delivered,
    load,
    resources_of_type,
)

FIRST = "arn:aws:personalize:us-east-1:123456789012:solution/cdk-first"
SECOND = "arn:aws:personalize:us-east-1:123456789012:solution/cdk-second"
CHECK_ARTIFACT = Path(__file__).resolve().parents[2] / "tools" / "check_artifact.py"

pytestmark = pytest.mark.skipif(
    not CDK_TEMPLATES, reason="examples/cdk not synthesized: make cdk-synth"
)


def synthesized() -> tuple[Path, dict[str, Any]]:
    """The CDK example's template file and its content."""
    [path] = CDK_TEMPLATES
    return path, load(path)


def provider(template: dict[str, Any]) -> str:
    """The logical id of the construct's provider function."""
    return cdk_function(template, "SolutionUpdateFunction")


def asynchronous(template: dict[str, Any], function: str) -> dict[str, Any]:
    """The asynchronous invocation settings a synthesized template gives the function."""
    [config] = [
        resource["Properties"]
        for resource in resources_of_type(template, "AWS::Lambda::EventInvokeConfig").values()
        if resource["Properties"]["FunctionName"] == {"Ref": function}
    ]
    return config


def asset_of(path: Path, template: dict[str, Any], function: str) -> Path:
    """The zip in cdk.out that holds a function's code: the asset whose S3 key the function's
    Code names, by the stack's asset manifest."""
    key = template["Resources"][function]["Properties"]["Code"]["S3Key"]
    manifest = json.loads(path.with_name(path.name.replace(".template.", ".assets.")).read_text())
    [source] = [
        asset["source"]["path"]
        for asset in manifest["files"].values()
        if any(place["objectKey"] == key for place in asset["destinations"].values())
    ]
    return path.parent / source


def extracted(archive: Path, folder: Path) -> Path:
    """The zip's files extracted into folder, as Lambda makes its task root of them."""
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(folder)
    return folder


@pytest.fixture
def cloud(tmp_path: Path) -> Iterator[LocalCloud]:
    """The local cloud running the synthesized function's code with its synthesized settings."""
    path, template = synthesized()
    config = FunctionConfig.from_template(template=path, logical_id=provider(template))
    task_root = extracted(asset_of(path, template, provider(template)), tmp_path / "task")
    controls.reset()
    with LocalCloud(config=config, task_root=task_root) as running:
        for arn in (FIRST, SECOND):
            create_active(running.emulator.url, arn, {})
        yield running
    controls.reset()


@pytest.mark.parametrize(
    ("function", "package"),
    [("SolutionUpdateFunction", "function"), ("OnFailureFunction", "destination")],
)
def test_the_synthesized_functions_code_carries_unchecked_hash_bytecode_of_every_module(
    function, package, tmp_path
):
    """tools/check_artifact.py, as `make build` runs it on sam build's artifact: the code imports
    in a clean python3.13 from the zip's files alone, compiling none of them (Lambda's Python
    would compile every module without usable bytecode at each cold start), and every module has
    unchecked-hash bytecode of its source as the zip holds it."""
    path, template = synthesized()
    code = extracted(asset_of(path, template, cdk_function(template, function)), tmp_path / "code")
    checked = subprocess.run(  # noqa: S603 - this interpreter, the repository's own tool
        [sys.executable, str(CHECK_ARTIFACT), str(code), package],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "import ok, 0 of its modules compiled at import" in checked.stdout


@pytest.mark.parametrize("function", ["SolutionUpdateFunction", "OnFailureFunction"])
def test_the_synthesized_function_has_the_sam_applications_settings(function):
    """Handler, memory, timeout, log format and level, environment: as template.yaml's, for the
    function and its on-failure destination."""
    path, template = synthesized()
    assert FunctionConfig.from_template(
        template=path, logical_id=cdk_function(template, function)
    ) == FunctionConfig.from_template(logical_id=function)


@pytest.mark.parametrize("function", ["SolutionUpdateFunction", "OnFailureFunction"])
def test_the_synthesized_functions_asynchronous_settings_are_the_sam_applications(function):
    """Retries, maximum event age, and the on-failure destination (the synth's own, for the
    function): as template.yaml's EventInvokeConfig."""
    _, template = synthesized()
    expected = load(APPLICATION)["Resources"][function]["Properties"]["EventInvokeConfig"]
    config = asynchronous(template, cdk_function(template, function))
    for setting in ("MaximumRetryAttempts", "MaximumEventAgeInSeconds"):
        assert config[setting] == expected[setting], setting
    destination = expected.get("DestinationConfig", {}).get("OnFailure")
    if destination is None:
        assert "DestinationConfig" not in config
    else:
        [target, attribute] = destination["Destination"]["Fn::GetAtt"]
        arn = {"Fn::GetAtt": [cdk_function(template, target), attribute]}
        assert config["DestinationConfig"] == {"OnFailure": {"Destination": arn}}


def test_the_synthesized_function_runs_a_stack_life(cloud):
    """Create, a redeploy that changes nothing, a replacement onto another solution (and the
    Delete of the old id), and the stack's deletion: each answered once, as the function's own
    tests expect, with the properties the synthesized template sends."""
    _, template = synthesized()
    properties = delivered(template, "AutoTraining", {"SolutionArn": FIRST})
    properties.pop("ServiceToken")
    cloudformation = CloudFormation(
        lambda event, _context: cloud.function.invoke(event),
        cloud.receiver,
        function_timeout=cloud.config.timeout,
        lambda_service=cloud.invoked,
    )
    resource = StackResource(cloudformation, "AutoTraining")

    def answers(exchanges: list[Any]) -> list[tuple[str, str]]:
        return [(e.response["Status"], e.response["PhysicalResourceId"]) for e in exchanges]

    def updates() -> int:
        return controls.count("UpdateSolution")

    [created] = resource.create(properties)
    assert (created.response["Status"], created.response["PhysicalResourceId"]) == (
        "SUCCESS",
        FIRST,
    ), created.response
    assert created.response["Data"]["SchedulingExpression"] == "rate(14 days)"
    assert created.response["Data"]["PerformAutoTraining"] == "true"
    assert updates() == 1

    assert answers(resource.update(dict(properties))) == [("SUCCESS", FIRST)]
    assert updates() == 1, "a redeploy of the same properties must not call UpdateSolution"

    moved = {**properties, "SolutionArn": SECOND}
    assert answers(resource.update(moved)) == [("SUCCESS", SECOND), ("SUCCESS", FIRST)]
    assert updates() == 3, "SECOND's update, and FIRST's training turned off (on_delete)"

    assert answers(resource.delete()) == [("SUCCESS", SECOND)]
    assert updates() == 4, "on_delete turns SECOND's training off too"
    lines = [json.loads(line) for line in cloud.function.output]
    assert {line["level"] for line in lines if "level" in line} <= {"INFO", "WARN", "ERROR"}
