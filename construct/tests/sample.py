"""What the construct's tests share: sample values and the synthesized app's shape."""

from __future__ import annotations

import json
import posixpath
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk.assertions import Template

CUSTOM = "Custom::PersonalizeSolutionUpdate"
SOLUTION = "arn:aws:personalize:us-east-1:123456789012:solution/first"
SHARED_TOKEN = "personalize-solution-update-ServiceToken"  # noqa: S105 - an export name
# The handlers of the provider's two functions: the function's and its on-failure destination's.
PROVIDER = "app.lambda_handler"
DESTINATION = "on_failure.lambda_handler"
# Lambda's python3.13: the tag in its bytecode files' names, and a PEP 552 header's flags for
# unchecked-hash bytecode (hash-based, its source never read to check it).
CACHE_TAG = "cpython-313"
UNCHECKED_HASH = (0b01).to_bytes(4, "little")


@dataclass
class Synthesized:
    """The stacks of the test app, as synthesized: `own` declares two resources (and so one
    provider function, with the default options), `configured` a provider with every option set
    and resources naming three known solutions, `chained` resources naming a literal solution,
    another resource's attribute and an Fn::Sub, `shared` one resource that uses the shared
    stack's exported function."""

    own: Template
    configured: Template
    chained: Template
    shared: Template
    outdir: Path


def only(resources: Mapping[str, Any]) -> tuple[str, Any]:
    """The one (logical id, resource) of a find_resources answer."""
    [(logical_id, resource)] = resources.items()
    return logical_id, resource


def function(template: Template, handler: str) -> tuple[str, Any]:
    """The stack's one function with that handler (PROVIDER or DESTINATION): (logical id,
    resource)."""
    return only(
        template.find_resources("AWS::Lambda::Function", {"Properties": {"Handler": handler}})
    )


def role_of(template: Template, handler: str) -> tuple[str, Any]:
    """The role the function with that handler runs with: (logical id, resource)."""
    _, found = function(template, handler)
    [role, _] = found["Properties"]["Role"]["Fn::GetAtt"]
    return role, template.find_resources("AWS::IAM::Role")[role]


def statements_of(role: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The statements of a role's one inline policy."""
    [policy] = role["Properties"]["Policies"]
    statements: list[dict[str, Any]] = policy["PolicyDocument"]["Statement"]
    return statements


def invoke_config(template: Template, handler: str) -> tuple[str, Any]:
    """The asynchronous invocation settings of the function with that handler: (logical id,
    properties)."""
    function_id, _ = function(template, handler)
    logical_id, config = only(
        template.find_resources(
            "AWS::Lambda::EventInvokeConfig", {"Properties": {"FunctionName": {"Ref": function_id}}}
        )
    )
    return logical_id, config["Properties"]


def code_of(outdir: Path, resource: Mapping[str, Any]) -> Path:
    """The file in cdk.out holding a function's code, a zip: the asset its Code's S3 key names,
    by the stacks' asset manifests."""
    key = resource["Properties"]["Code"]["S3Key"]
    sources: set[str] = {
        asset["source"]["path"]
        for manifest in outdir.glob("*.assets.json")
        for asset in json.loads(manifest.read_text())["files"].values()
        if any(place["objectKey"] == key for place in asset["destinations"].values())
    }
    [source] = sources
    return outdir / source


def bytecode_of(source: str) -> str:
    """The name, in a zip, of the python3.13 bytecode of the module named `source` there."""
    folder, _, name = source.rpartition("/")
    return posixpath.join(folder, "__pycache__", f"{name.removesuffix('.py')}.{CACHE_TAG}.pyc")


def without_unchecked_hash_bytecode(archive: zipfile.ZipFile) -> list[str]:
    """The zip's modules that lack unchecked-hash python3.13 bytecode, which Lambda's Python uses
    instead of compiling them at each cold start (the wheel's build checks, with that Python,
    that each one is of its module's current source)."""
    names = set(archive.namelist())
    return sorted(
        source
        for source in names
        if source.endswith(".py")
        and (
            bytecode_of(source) not in names
            or archive.read(bytecode_of(source))[4:8] != UNCHECKED_HASH
        )
    )
