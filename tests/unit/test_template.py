"""The SAM template: least privilege, and the function settings the wait design depends on."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import pytest
from cfnlint.decode import decode
from cfnlint.schema import PROVIDER_SCHEMA_MANAGER

from localcloud.lambda_service import MAXIMUM_EVENT_AGE
from solution_rules.limits import DEFAULT_SERVICE_TIMEOUT
from solution_rules.response import PUT_ATTEMPT_TIMEOUT, PUT_ATTEMPTS, PUT_FIRST_PAUSE

ROOT = Path(__file__).resolve().parents[2]
SOLUTIONS_HERE = (
    "arn:${AWS::Partition}:personalize:${AWS::Region}:${AWS::AccountId}:"
    "solution/${ManagedSolutions}"
)
STACK_UUID = {"StackUuid": {"Fn::Select": [2, {"Fn::Split": ["/", {"Ref": "AWS::StackId"}]}]}}
THIS_FUNCTION = [
    "arn:${AWS::Partition}:lambda:${AWS::Region}:${AWS::AccountId}:function:psu-${StackUuid}",
    STACK_UUID,
]
RESOURCE_OF = {
    "personalize:UpdateSolution": SOLUTIONS_HERE,
    "personalize:DescribeSolution": SOLUTIONS_HERE,
    "lambda:InvokeFunction": THIS_FUNCTION,
}


@pytest.fixture(scope="module")
def template():
    decoded, errors = decode(str(ROOT / "template.yaml"))
    assert not errors
    return decoded


def statements(template):
    for resource in template["Resources"].values():
        for policy in resource.get("Properties", {}).get("Policies", []):
            yield from policy.get("Statement", [])


def test_iam_is_exactly_what_the_code_calls_on_this_accounts_solutions(template):
    found = list(statements(template))
    assert found, "the function has no inline policy"
    actions = set()
    for statement in found:
        assert statement["Effect"] == "Allow"
        listed = (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
        assert not any("*" in action for action in listed)
        actions.update(listed)
        for action in listed:
            assert statement["Resource"] == {"Fn::Sub": RESOURCE_OF[action]}, action
    assert actions == set(RESOURCE_OF)


def test_the_actions_granted_are_the_calls_the_code_makes():
    def calls(module: str) -> set[str]:
        source = (ROOT / "src/handler" / module).read_text()
        return {part.split("(")[0] for part in source.split("self._client.")[1:]}

    assert calls("solution.py") == {"update_solution", "describe_solution"}
    assert calls("continuation.py") == {"invoke"}


@pytest.mark.parametrize(
    ("function", "log_group", "suffix"),
    [
        ("SolutionUpdateFunction", "SolutionUpdateLogGroup", ""),
        ("OnFailureFunction", "OnFailureLogGroup", "-on-failure"),
    ],
)
def test_the_function_names_fit_lambdas_limit_and_match_their_logs(
    template, function, log_group, suffix
):
    resources = template["Resources"]
    name = resources[function]["Properties"]["FunctionName"]
    assert name == {"Fn::Sub": [f"psu-${{StackUuid}}{suffix}", STACK_UUID]}
    # What CloudFormation resolves for a nested application's longest stack name:
    stack_id = f"arn:aws:cloudformation:us-east-1:123456789012:stack/{'n' * 128}/{uuid.uuid4()}"
    select = STACK_UUID["StackUuid"]["Fn::Select"]
    resolved = "psu-" + stack_id.split(select[1]["Fn::Split"][0])[select[0]] + suffix
    assert re.fullmatch(r"[a-zA-Z0-9-_]{1,64}", resolved), resolved
    group = resources[log_group]["Properties"]["LogGroupName"]
    assert group == {"Fn::Sub": [f"/aws/lambda/psu-${{StackUuid}}{suffix}", STACK_UUID]}
    assert resources[function]["Properties"]["LoggingConfig"]["LogGroup"] == {"Ref": log_group}


def test_function_settings(template):
    function = template["Resources"]["SolutionUpdateFunction"]["Properties"]
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    assert function["Handler"] == "app.lambda_handler"
    assert (ROOT / function["CodeUri"] / "app.py").is_file()
    assert function["Timeout"] == 900
    asynchronous = function["EventInvokeConfig"]
    # a retry after the watchdog's FAILED would start the request afresh, after the rollback
    assert asynchronous["MaximumRetryAttempts"] == 0
    # kept as long as CloudFormation may wait (the longest ServiceTimeout), as the stand-ins keep it
    assert asynchronous["MaximumEventAgeInSeconds"] == DEFAULT_SERVICE_TIMEOUT == MAXIMUM_EVENT_AGE
    on_failure = asynchronous["DestinationConfig"]["OnFailure"]
    assert on_failure == {
        "Type": "Lambda",
        "Destination": {"Fn::GetAtt": ["OnFailureFunction", "Arn"]},
    }
    variables = function["Environment"]["Variables"]
    assert variables["RESPONSE_URL_ALLOWED_HOSTS"] == ""
    exported = template["Outputs"]["ServiceToken"]
    assert exported["Value"] == {"Fn::GetAtt": ["SolutionUpdateFunction", "Arn"]}


def test_lambdas_log_controls_are_the_only_level_setting(template):
    # The values Lambda accepts, from CloudFormation's own schema of AWS::Lambda::Function.
    schema = PROVIDER_SCHEMA_MANAGER.get_resource_schema("us-east-1", "AWS::Lambda::Function")
    accepted = schema.schema["definitions"]["LoggingConfig"]["properties"]
    parameter = template["Parameters"]["LogLevel"]
    assert parameter["AllowedValues"] == accepted["ApplicationLogLevel"]["enum"]
    assert parameter["Default"] == "INFO"
    function = template["Resources"]["SolutionUpdateFunction"]["Properties"]
    logging_config = function["LoggingConfig"]
    assert logging_config["LogFormat"] == "JSON"  # Lambda filters levels of JSON logs only
    assert logging_config["ApplicationLogLevel"] == {"Ref": "LogLevel"}
    assert logging_config["SystemLogLevel"] == "INFO"
    assert logging_config["SystemLogLevel"] in accepted["SystemLogLevel"]["enum"]
    # Lambda's AWS_LAMBDA_LOG_LEVEL overrides these in Powertools Logger: a second knob would lie.
    variables = function["Environment"]["Variables"]
    assert not {"POWERTOOLS_LOG_LEVEL", "LOG_LEVEL"} & set(variables)


def locked(path: Path) -> dict[str, tuple[str, list[str]]]:
    """Map each package of a pip requirements file to its pinned version and its hashes."""
    entries = {}
    logical_lines = path.read_text().replace("\\\n", " ").splitlines()
    for line in logical_lines:
        words = line.split("#")[0].split()
        if words:
            name, version = words[0].split("==")
            hashes = [word.removeprefix("--hash=") for word in words[1:]]
            entries[name.lower()] = (version, hashes)
    return entries


def test_the_function_lock_pins_every_package_with_hashes():
    lock = locked(ROOT / "src/handler/requirements.txt")
    assert {"boto3", "botocore", "s3transfer", "urllib3", "wrapt"} <= set(lock)  # transitive too
    for name, (version, hashes) in lock.items():
        assert version, name
        assert hashes, name
        assert all(re.fullmatch(r"sha256:[0-9a-f]{64}", digest) for digest in hashes), name
    # wrapt has compiled wheels: the lock holds every file's hash, arm64 ones included
    assert len(lock["wrapt"][1]) > 2


def test_the_lock_keeps_the_pins_of_requirements_in():
    lock = locked(ROOT / "src/handler/requirements.txt")
    wanted = {
        name.lower(): version
        for name, (version, _) in locked(ROOT / "src/handler/requirements.in").items()
    }
    assert wanted
    assert {name: lock[name][0] for name in wanted} == wanted


def test_sam_validate_lints_with_the_cfn_lint_that_make_templates_runs():
    pins = [
        locked(ROOT / name)["cfn-lint"][0]
        for name in ("requirements-dev.txt", "requirements-sam.txt")
    ]
    assert pins[0] == pins[1]


@pytest.mark.parametrize(
    ("pattern", "accepted"),
    [
        ("*", True),
        ("team-a-*", True),
        ("recs_v?", True),
        ("a/b", False),
        ("", False),
        ("arn:aws:personalize:*", False),
        ("x" * 64, False),
    ],
)
def test_managed_solutions_narrow_the_role_to_a_name_pattern(template, pattern, accepted):
    """The default is every solution of the account and region; a pattern names only solutions
    (no path, no ARN: it ends the role's solution/ resource)."""
    parameter = template["Parameters"]["ManagedSolutions"]
    assert parameter["Default"] == "*"
    assert bool(re.fullmatch(parameter["AllowedPattern"], pattern)) is accepted


def test_the_on_failure_destination_ships_its_code_and_may_only_write_its_logs(template):
    resources = template["Resources"]
    function = resources["OnFailureFunction"]["Properties"]
    assert function["Runtime"] == "python3.13"
    assert function["Architectures"] == ["arm64"]
    module, _ = function["Handler"].split(".")
    code = ROOT / function["CodeUri"]
    assert (code / f"{module}.py").is_file()
    # sam build copies what the symlink points to: the package the function reads too
    assert (code / "solution_rules").resolve() == (ROOT / "src/handler/solution_rules").resolve()
    assert function["Role"] == {"Fn::GetAtt": ["OnFailureRole", "Arn"]}
    [policy] = resources["OnFailureRole"]["Properties"]["Policies"]
    assert policy["PolicyDocument"]["Statement"] == [
        {
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": {"Fn::GetAtt": ["OnFailureLogGroup", "Arn"]},
        }
    ]
    main = resources["SolutionUpdateFunction"]["Properties"]
    assert function["Environment"] == {
        "Variables": {
            "RESPONSE_URL_ALLOWED_HOSTS": main["Environment"]["Variables"][
                "RESPONSE_URL_ALLOWED_HOSTS"
            ]
        }
    }
    for key in ("LogFormat", "ApplicationLogLevel", "SystemLogLevel"):
        assert function["LoggingConfig"][key] == main["LoggingConfig"][key], key
    # its PUT's worst case (every attempt to its timeout, and the pauses between) fits its own
    pauses = sum(PUT_FIRST_PAUSE * 2**n for n in range(PUT_ATTEMPTS - 1))
    assert function["Timeout"] >= PUT_ATTEMPTS * PUT_ATTEMPT_TIMEOUT + pauses
