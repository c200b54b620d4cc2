"""The demo: each request line names what changed, the solution included; every line fits in 100
characters; each step says whether what it claims held; the OnDelete step turns training off."""

from __future__ import annotations

import io
from pathlib import Path
from types import SimpleNamespace

import pytest

from localcloud.cloudformation import StackResource
from localcloud.demo import (
    LEGEND,
    WIDTH,
    Expect,
    Timeline,
    Trains,
    create_solutions,
    delete_turning_training_off,
    local_cloud,
    say,
    trains,
)
from localcloud.emulator import Timing
from tests.unit.test_template import locked

ROOT = Path(__file__).resolve().parents[2]
OLD = "arn:aws:personalize:us-east-1:123456789012:solution/demo"
NEW = f"{OLD}-v2"
FAILED_ID = "create-failed-0b6f3c1e-5a2d-4e8f-9c71-1a2b3c4d5e01"
LONG_REASON = (
    "Invalid properties: Property SolutionUpdateConfig.AutoTrainingConfig.SchedulingExpression:"
    " 'rate(45 days)' is out of range 1..30; expected rate(N day) or rate(N days) with N a whole"
    " number from 1 to 30"
)


def exchange(event: dict, answer: dict, timeline: Timeline) -> SimpleNamespace:
    """An exchange of this event answered at once with this body, as CloudFormation's stand-in
    returns one."""
    received = SimpleNamespace(wall=timeline.started, at=0.0, body=answer)
    return SimpleNamespace(event=event, responses=[received], started=0.0, response=answer)


def printed(event: dict, answer: dict, capsys, expect: Expect | None = None) -> list[str]:
    """The lines the timeline prints for an exchange of this event and answer."""
    timeline = Timeline(calls=list)
    expect = expect or Expect(answer["Status"], answer["PhysicalResourceId"], 0)
    timeline.show(exchange(event, answer, timeline), expect)
    return capsys.readouterr().out.splitlines()


def shown(event: dict, answer_id: str, capsys) -> str:
    """The request line the timeline prints for an exchange of this event."""
    answer = {"Status": "SUCCESS", "PhysicalResourceId": answer_id, "Data": {}}
    [line] = [line for line in printed(event, answer, capsys) if " -> " in line]
    return line.split(" -> ", 1)[1]


def test_a_replacement_shows_the_new_solution_arn(capsys):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": OLD,
        "ResourceProperties": {
            "ServiceToken": "x",
            "SolutionArn": NEW,
            "PerformAutoTraining": "true",
        },
    }
    assert shown(event, NEW, capsys) == (
        "Update solution/demo SolutionArn=solution/demo-v2 PerformAutoTraining=true"
    )


def test_an_update_in_place_shows_the_id_alone(capsys):
    event = {
        "RequestType": "Update",
        "PhysicalResourceId": OLD,
        "ResourceProperties": {"SolutionArn": OLD, "PerformAutoTraining": "false"},
    }
    assert shown(event, OLD, capsys) == "Update solution/demo PerformAutoTraining=false"


def test_a_create_shows_the_solution_it_is_for(capsys):
    event = {"RequestType": "Create", "ResourceProperties": {"SolutionArn": OLD}}
    assert shown(event, OLD, capsys) == "Create SolutionArn=solution/demo"


def test_a_long_request_and_reason_wrap_within_the_width_and_lose_nothing(capsys):
    event = {
        "RequestType": "Delete",
        "PhysicalResourceId": FAILED_ID,
        "ResourceProperties": {
            "SolutionArn": NEW,
            "PerformAutoTraining": "true",
            "SolutionUpdateConfig": {
                "AutoTrainingConfig": {"SchedulingExpression": "rate(45 days)"}
            },
            "OnDelete": "DisableAutoTraining",
        },
    }
    answer = {"Status": "FAILED", "PhysicalResourceId": FAILED_ID, "Reason": LONG_REASON}
    lines = printed(event, answer, capsys)
    assert max(len(line) for line in lines) <= WIDTH
    text = " ".join(" ".join(lines).split())
    assert f"Reason: {LONG_REASON}" in text
    assert "SchedulingExpression=rate(45 days) OnDelete=DisableAutoTraining" in text
    # a value's words stay on one line
    assert not any(line.rstrip().endswith("rate(45") for line in lines)


def test_the_legend_fits_the_width_and_explains_the_statuses_shown(capsys):
    for paragraph in LEGEND:
        say(paragraph, indent=4)
    out = capsys.readouterr().out
    assert max(len(line) for line in out.splitlines()) <= WIDTH
    text = " ".join(out.split())
    assert '"no update yet": the solution was never updated' in text
    assert '"latest update CREATE IN_PROGRESS": Personalize is applying an update' in text


def test_a_step_whose_solution_is_not_as_claimed_is_not_proven(capsys):
    timeline = Timeline(calls=list, read=lambda arn: Trains(True, "rate(5 days)"))
    timeline.scene("Stack deletion")
    timeline.proven("training off", {NEW: Trains(False)})
    out = capsys.readouterr().out
    assert "the demo reads solution/demo-v2: automatic training on, rate(5 days)" in out
    assert "NOT proven: training off" in out
    assert timeline.mismatches


def test_a_success_before_the_update_is_active_is_a_mismatch(capsys):
    calls = [
        SimpleNamespace(at=0.0, operation="UpdateSolution", outcome="ok"),
        SimpleNamespace(at=0.0, operation="DescribeSolution", outcome="CREATE IN_PROGRESS"),
    ]
    timeline = Timeline(calls=lambda: calls)
    event = {"RequestType": "Update", "PhysicalResourceId": OLD, "ResourceProperties": {}}
    answer = {"Status": "SUCCESS", "PhysicalResourceId": OLD}
    timeline.show(exchange(event, answer, timeline), Expect("SUCCESS", OLD, 1))
    out = capsys.readouterr().out
    assert "DescribeSolution: latest update CREATE IN_PROGRESS" in out
    assert "MISMATCH: SUCCESS before a read showed the update ACTIVE" in out


@pytest.mark.timeout(30)
def test_the_on_delete_step_turns_training_off_and_says_so(capsys):
    with local_cloud(io.StringIO()) as stage:
        stage.controls.timing = Timing(update_pending=0.1, update_in_progress=0.5, stale_read=0.2)
        [arn] = create_solutions(stage.personalize, ("demo",))
        before = trains(stage.personalize, arn)
        stage.timeline.begin()
        resource = StackResource(stage.cloudformation, "AutoTraining", arn, {"SolutionArn": arn})
        delete_turning_training_off(stage, resource, before)
        after = trains(stage.personalize, arn)
    out = capsys.readouterr().out
    assert before.on
    assert after == Trains(False)
    assert stage.timeline.mismatches == []
    deletion = out.split("== 2. Stack deletion")[1]
    assert "-> Delete solution/demo OnDelete=DisableAutoTraining" in deletion
    assert "UpdateSolution: accepted" in deletion
    assert "<- SUCCESS id=solution/demo" in deletion
    assert "the demo reads solution/demo: automatic training off" in deletion
    assert "proven: one UpdateSolution (performAutoTraining false)" in deletion


def test_the_demo_runs_the_emulator_on_the_moto_the_tests_run():
    demo = locked(ROOT / "requirements-demo.txt")
    assert demo["moto"][0] == locked(ROOT / "requirements-dev.txt")["moto[server]"][0]
