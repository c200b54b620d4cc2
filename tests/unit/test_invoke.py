"""`make invoke`'s command line: its whole help, a one-line refusal of a file that holds no
CloudFormation request, and the function's own answer for an ARN the emulator cannot be seeded
with, with the reason it was not."""

from __future__ import annotations

import copy
import json
from collections import Counter
from pathlib import Path

import pytest

import localcloud.invoke
from localcloud.invoke import Result, describe, main, run
from localcloud.seed import seed_solutions, why_not_seeded

ROOT = Path(__file__).resolve().parents[2]
CREATE = json.loads((ROOT / "events/create.json").read_text())
DATASET_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/demo"
OTHER_ACCOUNT = "arn:aws:personalize:us-east-1:111122223333:solution/demo"
OTHER_REGION = "arn:aws:personalize:eu-west-1:123456789012:solution/demo"
DEAD_ENDPOINT = "http://127.0.0.1:9"  # nothing listens: seeding must not call


def create_for(arn: str) -> dict:
    """events/create.json, asking for another SolutionArn."""
    event = copy.deepcopy(CREATE)
    event["ResourceProperties"]["SolutionArn"] = arn
    return event


def test_help_prints_the_whole_description(capsys):
    with pytest.raises(SystemExit) as exited:
        main(["--help"])
    assert exited.value.code == 0
    out = " ".join(capsys.readouterr().out.split())
    assert " ".join(str(localcloud.invoke.__doc__).split()) in out
    assert "and 2 for a file that is not a CloudFormation request." in out


def refusal(path: Path, capsys) -> str:
    """What `make invoke` says of this file, which it must refuse: exit 2, one line on stderr."""
    with pytest.raises(SystemExit) as exited:
        main([str(path)])
    assert exited.value.code == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    [line] = captured.err.splitlines()
    assert line.startswith("python -m localcloud.invoke: ")
    return line


def test_the_sam_settings_file_is_refused_in_one_line(capsys):
    assert refusal(ROOT / "events/env.json", capsys).endswith(
        "events/env.json is not a CloudFormation request: a JSON object with RequestType and"
        " RequestId, as events/create.json is"
    )


@pytest.mark.parametrize(
    ("content", "says"),
    [
        ("Resources: {}\n", "is not a CloudFormation request: not JSON"),
        ('["RequestType", "RequestId"]', "is not a CloudFormation request: a JSON object"),
        ('{"RequestType": "Create"}', "is not a CloudFormation request: a JSON object"),
        (None, "cannot read"),
    ],
)
def test_a_file_without_a_request_is_refused_in_one_line(content, says, tmp_path, capsys):
    path = tmp_path / "event.json"
    if content is not None:
        path.write_text(content)
    line = refusal(path, capsys)
    assert str(path) in line
    assert says in line


@pytest.mark.parametrize(
    ("arn", "says"),
    [
        (DATASET_GROUP, "not a solution ARN, so there is no solution to seed"),
        ("arn:aws:personalize:us-east-1:123456789012:solution/bad name", "not a solution ARN"),
        (OTHER_REGION, "in eu-west-1, not the function's region us-east-1"),
        (OTHER_ACCOUNT, "of account 111122223333, not the emulator's 123456789012"),
    ],
)
def test_an_arn_the_emulator_cannot_hold_is_not_seeded_and_says_why(arn, says):
    assert says in str(why_not_seeded(arn, "us-east-1"))
    assert seed_solutions(DEAD_ENDPOINT, [create_for(arn)], region="us-east-1") == []


def test_a_solution_arn_of_the_emulators_account_and_region_is_seeded():
    assert why_not_seeded(CREATE["ResourceProperties"]["SolutionArn"], "us-east-1") is None


def test_the_answer_shows_why_an_arn_was_not_seeded():
    answer = {"Status": "FAILED", "Reason": "Invalid properties", "PhysicalResourceId": "x"}
    reason = str(why_not_seeded(DATASET_GROUP, "us-east-1"))
    result = Result(
        create_for(DATASET_GROUP), [answer], [], Counter(), [], 0.3, {DATASET_GROUP: reason}
    )
    shown = describe(result)
    assert f"  Not seeded          {DATASET_GROUP}\n" in shown
    assert " ".join(reason.split()) in " ".join(shown.split())
    assert max(len(line) for line in shown.splitlines() if "Not seeded" not in line) <= 100


@pytest.mark.timeout(60)
def test_the_function_answers_for_a_solution_of_another_account():
    result = run(create_for(OTHER_ACCOUNT))
    [answer] = result.answers
    assert answer["Status"] == "FAILED"
    assert OTHER_ACCOUNT in answer["Reason"]
    assert answer["PhysicalResourceId"].startswith("create-failed-")
    assert result.calls["UpdateSolution"] == 0
    assert list(result.unseeded) == [OTHER_ACCOUNT]
