"""The provider's on-failure destination, as template.yaml's OnFailureFunction: Lambda sends it the
event of an invocation of the function that died, or that it dropped, and it answers
CloudFormation for the function. Its code is on_failure.py and the function's rule set, standard
library only; its role may write its own logs and nothing else; the function's role may invoke it
alone."""

from __future__ import annotations

import ast
import json
import re
import sys
import uuid
import zipfile
from pathlib import Path
from typing import Any

import personalize_solution_update_cdk
from personalize_solution_update_cdk.provider import DESTINATION_CODE
from sample import (
    DESTINATION,
    PROVIDER,
    Synthesized,
    bytecode_of,
    code_of,
    function,
    invoke_config,
    role_of,
    statements_of,
    without_unchecked_hash_bytecode,
)

# What CloudFormation resolves AWS::StackId to for a nested application's longest stack name.
STACK_ID = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{'n' * 128}/{uuid.uuid4()}"
LAMBDA_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")


def resolved(value: Any) -> Any:
    """A name as CloudFormation resolves it in STACK_ID's stack: Fn::Join, Fn::Select and
    Fn::Split of AWS::StackId (all the provider's names use)."""
    if isinstance(value, str):
        return value
    [(intrinsic, argument)] = value.items()
    if intrinsic == "Ref":
        assert argument == "AWS::StackId"
        return STACK_ID
    if intrinsic == "Fn::Join":
        delimiter, parts = argument
        return delimiter.join(resolved(part) for part in parts)
    if intrinsic == "Fn::Select":
        index, items = argument
        return resolved(items)[index]
    assert intrinsic == "Fn::Split", intrinsic
    delimiter, text = argument
    return resolved(text).split(delimiter)


def imported_at_load(source: str) -> set[str]:
    """The top-level names of the modules a module imports when it is loaded (a function body's
    import runs only when called); a relative import counts as its package's own."""
    names: set[str] = set()
    pending: list[ast.AST] = [ast.parse(source)]
    while pending:
        node = pending.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module.split(".")[0])
        pending.extend(ast.iter_child_nodes(node))
    return names


def only_log_group_named(synthesized: Synthesized, suffix: str) -> tuple[str, str]:
    """The own stack's log group whose resolved name ends with suffix: (logical id, name)."""
    [(logical_id, name)] = [
        (logical_id, resolved(resource["Properties"]["LogGroupName"]))
        for logical_id, resource in synthesized.own.find_resources("AWS::Logs::LogGroup").items()
        if resolved(resource["Properties"]["LogGroupName"]).endswith(suffix)
    ]
    return logical_id, name


def test_the_destination_is_configured_as_the_sam_applications(synthesized: Synthesized) -> None:
    template = synthesized.own
    log_group, _ = only_log_group_named(synthesized, "-on-failure")
    _, destination = function(template, DESTINATION)
    properties = destination["Properties"]
    expected = {
        "Runtime": "python3.13",
        "Architectures": ["arm64"],
        "MemorySize": 128,
        # its PUT's worst case: 5 attempts of 10 s and the pauses between them (54 s)
        "Timeout": 60,
        "LoggingConfig": {
            "LogFormat": "JSON",
            "ApplicationLogLevel": "INFO",
            "SystemLogLevel": "INFO",
            "LogGroup": {"Ref": log_group},
        },
        # as the function's: CloudFormation's response buckets only
        "Environment": {"Variables": {"RESPONSE_URL_ALLOWED_HOSTS": ""}},
    }
    assert {key: properties.get(key) for key in expected} == expected
    assert "TracingConfig" not in properties
    assert "ReservedConcurrentExecutions" not in properties
    _, own = invoke_config(template, DESTINATION)
    assert (own["MaximumRetryAttempts"], own["MaximumEventAgeInSeconds"]) == (2, 3600)
    assert "DestinationConfig" not in own


def test_the_destination_is_named_after_the_stacks_id_within_lambdas_limit(
    synthesized: Synthesized,
) -> None:
    """psu-<stack UUID>-on-failure (51 characters) whatever the stack's name, and its log group
    /aws/lambda/<that name>, as template.yaml names them."""
    _, provider = function(synthesized.own, PROVIDER)
    _, destination = function(synthesized.own, DESTINATION)
    name = resolved(destination["Properties"]["FunctionName"])
    assert name == f"psu-{STACK_ID.rsplit('/', 1)[1]}-on-failure"
    assert name == f"{resolved(provider['Properties']['FunctionName'])}-on-failure"
    assert LAMBDA_NAME.fullmatch(name), name
    assert only_log_group_named(synthesized, "-on-failure")[1] == f"/aws/lambda/{name}"


def test_the_destinations_role_may_only_write_its_own_log_group(synthesized: Synthesized) -> None:
    template = synthesized.own
    log_group, _ = only_log_group_named(synthesized, "-on-failure")
    _, role = role_of(template, DESTINATION)
    assert statements_of(role) == [
        {
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Effect": "Allow",
            "Resource": {"Fn::GetAtt": [log_group, "Arn"]},
        }
    ]
    assert "ManagedPolicyArns" not in role["Properties"]
    for policy in template.find_resources("AWS::IAM::Policy").values():
        assert policy["Properties"]["Roles"] == [{"Ref": role_of(template, PROVIDER)[0]}]


def test_the_functions_failures_go_to_the_destination_which_its_role_alone_may_invoke(
    synthesized: Synthesized,
) -> None:
    """Lambda sends a failed invocation's record with the function's role: its statement names
    the destination's ARN alone, and no resource policy lets anyone else invoke it."""
    template = synthesized.own
    destination, _ = function(template, DESTINATION)
    _, asynchronous = invoke_config(template, PROVIDER)
    arn = {"Fn::GetAtt": [destination, "Arn"]}
    assert asynchronous["DestinationConfig"] == {"OnFailure": {"Destination": arn}}
    _, role = role_of(template, PROVIDER)
    invoking = [s for s in statements_of(role) if json.dumps(destination) in json.dumps(s)]
    assert invoking == [{"Action": "lambda:InvokeFunction", "Effect": "Allow", "Resource": arn}]
    template.resource_count_is("AWS::Lambda::Permission", 0)


def test_the_destinations_code_is_on_failure_and_the_rule_set_on_the_standard_library(
    synthesized: Synthesized,
) -> None:
    """The asset is the package's destination.zip as it is: on_failure.py and the function's own
    rule set (the symlink followed), with their bytecode and nothing else; nothing either imports
    when loaded is outside the standard library, so it answers whatever broke in the function's
    code or dependencies."""
    _, destination = function(synthesized.own, DESTINATION)
    asset = code_of(synthesized.outdir, destination)
    assert asset.read_bytes() == DESTINATION_CODE.read_bytes()
    with zipfile.ZipFile(asset) as archive:
        sources = {
            name: archive.read(name).decode() for name in archive.namelist() if name.endswith(".py")
        }
        assert without_unchecked_hash_bytecode(archive) == []
        assert set(archive.namelist()) == set(sources) | {bytecode_of(name) for name in sources}
    rules = Path(personalize_solution_update_cdk.__file__).parent / "solution_rules"
    assert set(sources) == {"on_failure.py"} | {
        f"solution_rules/{p.name}" for p in rules.glob("*.py")
    }
    for path in rules.glob("*.py"):
        assert sources[f"solution_rules/{path.name}"] == path.read_text()
    imported = set().union(*(imported_at_load(source) for source in sources.values()))
    assert "solution_rules" in imported
    assert imported - {"solution_rules"} <= sys.stdlib_module_names
