"""The rule set as the construct and the cfn-lint rules use it: importable on Python 3.9 with the
standard library alone, and judging literal values only (what a token or an intrinsic function
gives is left to the function, except a wrong property name)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from solution_rules import partitions
from solution_rules.literals import literal_problems, problem_path

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "src" / "handler" / "solution_rules"
ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"


def is_intrinsic(value: object) -> bool:
    return isinstance(value, dict) and len(value) == 1 and next(iter(value)).startswith("Fn::")


def texts(properties, home=None) -> list[str]:
    return [problem.text for problem in literal_problems(properties, is_intrinsic, home)]


def test_it_imports_and_judges_on_python_3_9_without_botocore(tmp_path):
    """cfn-lint's floor: a copy of the package alone, no site-packages (-I -S), no botocore."""
    python = shutil.which("python3.9")
    if python is None:
        pytest.fail("python3.9 (pyenv) is needed: the rule set's floor is tested on it")
    shutil.copytree(
        RULES, tmp_path / "vendored" / "rules", ignore=shutil.ignore_patterns("__pycache__")
    )
    (tmp_path / "vendored" / "__init__.py").write_text("")
    script = (
        "import sys; sys.path.insert(0, sys.argv[1])\n"
        "from vendored.rules.literals import literal_problems\n"
        "found = literal_problems({'SolutionArn': 'arn:aws:personalize:eu-west-1:123456789012:"
        "solution/s', 'PerformAutoTrainig': {'Fn::If': []}, 'OnDelete': 'Retain'},\n"
        "    lambda v: isinstance(v, dict) and 'Fn::If' in v, 'us-east-1')\n"
        "print(sys.version_info[:2], 'botocore' in sys.modules, [p.kind for p in found])\n"
    )
    env = {**os.environ, "PYENV_VERSION": "3.9"}
    run = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [python, "-I", "-S", "-c", script, str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "(3, 9) False ['name', 'region']"


def test_a_wrong_name_is_reported_whatever_its_value():
    config = {"AutoTrainingConfig": {"SchedulingExpresion": {"Fn::Sub": "rate(${Days} days)"}}}
    [problem] = literal_problems({"SolutionArn": ARN, "SolutionUpdateConfig": config}, is_intrinsic)
    assert "did you mean SchedulingExpression?" in problem.text
    assert problem_path(problem) == [
        "SolutionUpdateConfig",
        "AutoTrainingConfig",
        "SchedulingExpresion",
    ]


def test_what_an_intrinsic_gives_is_left_to_the_function():
    config = {"Fn::If": ["Weekly", {"AutoTrainingConfig": {}}, {"Ref": "AWS::NoValue"}]}
    properties = {
        "SolutionArn": {"Fn::Sub": "arn:aws:personalize:${AWS::Region}:x"},
        "PerformAutoTraining": {"Fn::If": ["On", "true", "false"]},
        "SolutionUpdateConfig": config,
    }
    assert texts(properties) == []


def test_a_transform_may_bring_the_required_properties():
    properties = {"Fn::Transform": {"Name": "AWS::Include", "Parameters": {"Location": "s3://b/k"}}}
    assert texts(properties) == []
    assert texts({**properties, "Colour": "red"}) == [
        "Property Colour: is not a known property; expected one of ServiceToken, ServiceTimeout, "
        "SolutionArn, PerformAutoTraining, PerformIncrementalUpdate, SolutionUpdateConfig, OnDelete"
    ]


def test_every_problem_comes_at_once_the_region_among_them():
    arn = "arn:aws:personalize:eu-west-1:123456789012:solution/s"
    assert texts({"SolutionArn": arn, "ServiceTimeout": 20}, home="us-east-1") == [
        "SolutionArn is in eu-west-1; this function serves us-east-1: deploy the application in "
        "eu-west-1",
        "Property ServiceTimeout: '20' is too short: reading, confirming and updating the solution "
        "and answering take more than 27 s; expected a whole number of seconds from 28 to 3600",
    ]
    assert texts({"SolutionArn": arn}) == []  # no region known: not judged


def test_a_packaged_region_list_is_read_without_botocore(tmp_path, monkeypatch):
    """The wheels carry regions.json, written from botocore's data at build time."""
    packaged = tmp_path / "regions.json"
    packaged.write_text('{"partitions": [{"id": "aws", "regions": {"us-east-7": {}}}]}')
    monkeypatch.setattr(partitions, "PACKAGED_REGIONS", packaged)
    partitions.regions.cache_clear()
    try:
        assert partitions.is_region_of("aws", "us-east-7")
        assert not partitions.is_region_of("aws", "us-east-1")
    finally:
        partitions.regions.cache_clear()
