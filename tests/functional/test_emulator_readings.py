"""Each reading of what Personalize's docs leave open, played by the emulator, seen through boto3.

Every response is checked against botocore's model; each test shows what its reading does that
the documented default does not, so it fails if the emulator ignores the switch.
"""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import fields, replace
from pathlib import Path

import boto3
import pytest
from botocore.exceptions import ClientError

from localcloud.emulator import READINGS, Reading
from tests.functional.documented import undocumented
from tests.presets import DATASET_GROUP, api_schedule

THREE_DAYS = api_schedule(3)


@pytest.fixture
def solution(world, recorded):
    """An ACTIVE solution created with the defaults, on the simulated clock; every response of
    the test is checked against botocore's model when it ends."""
    yield world.solution()
    assert undocumented(recorded) == []


def apply(world, arn: str, **request) -> dict:
    """UpdateSolution, let the update settle and become visible, and return the solution read."""
    world.outside(arn, **request)
    return world.personalize.describe_solution(solutionArn=arn)["solution"]


def test_documented_default_echoes_the_request_and_the_top_level_follows(
    personalize, emulator, world, solution
):
    """The latest update shows the fields its request sent; the top level shows the settings
    the solution has, the earlier update's included."""
    emulator.reading = READINGS["documented-default"]
    apply(world, solution, solutionUpdateConfig=THREE_DAYS)
    read = apply(world, solution, performIncrementalUpdate=True)
    update = read["latestSolutionUpdate"]
    assert update["status"] == "ACTIVE"
    assert set(update) == {
        "performIncrementalUpdate",
        "status",
        "creationDateTime",
        "lastUpdatedDateTime",
    }
    assert read["solutionConfig"] == THREE_DAYS
    assert (read["performAutoTraining"], read["performIncrementalUpdate"]) == (True, True)


def test_the_readings_are_named_independent_switches(emulator):
    """Each named reading turns on one switch, `hardest` all of them; reset() restores the
    default."""
    switches = [f.name for f in fields(Reading)]
    on = {name: [s for s in switches if getattr(r, s)] for name, r in READINGS.items()}
    assert on.pop("documented-default") == []
    assert on.pop("hardest") == switches
    assert sorted(on.values()) == sorted([s] for s in switches)  # each switch alone, once
    emulator.reading = READINGS["hardest"]
    emulator.reset()
    assert emulator.reading == Reading()


def test_top_level_keeps_creation_values(personalize, emulator, world, solution):
    """The update applies and says so, but the top level still shows what CreateSolution made."""
    created = personalize.describe_solution(solutionArn=solution)["solution"]
    emulator.reading = READINGS["top-level-keeps-creation-values"]
    read = apply(
        world,
        solution,
        performAutoTraining=False,
        performIncrementalUpdate=True,
        solutionUpdateConfig=THREE_DAYS,
    )
    update = read["latestSolutionUpdate"]
    assert (update["status"], update["performAutoTraining"]) == ("ACTIVE", False)
    assert update["solutionUpdateConfig"] == THREE_DAYS
    assert (read["performAutoTraining"], read["performIncrementalUpdate"]) == (True, False)
    assert "solutionConfig" not in read
    assert read["lastUpdatedDateTime"] == created["lastUpdatedDateTime"]
    emulator.reading = READINGS["documented-default"]  # the same solution, read the other way
    now = personalize.describe_solution(solutionArn=solution)["solution"]
    assert (now["performAutoTraining"], now["solutionConfig"]) == (False, THREE_DAYS)


def test_echo_fills_defaults_the_request_left_out(personalize, emulator, world, solution):
    """The echo shows service defaults for fields the request left out, although the update
    changed only what the request sent: here the echo says auto-training is on, and it is off."""
    emulator.reading = READINGS["echo-fills-defaults"]
    off = apply(world, solution, performAutoTraining=False)
    assert off["latestSolutionUpdate"]["performAutoTraining"] is False
    assert off["latestSolutionUpdate"]["performIncrementalUpdate"] is False
    assert "solutionUpdateConfig" not in off["latestSolutionUpdate"]  # no schedule without training
    events = {"eventsConfig": {"eventParametersList": [{"eventType": "click", "weight": 0.5}]}}
    read = apply(world, solution, solutionUpdateConfig=events)
    update = read["latestSolutionUpdate"]
    assert (update["performAutoTraining"], update["performIncrementalUpdate"]) == (True, False)
    assert update["solutionUpdateConfig"] == {
        "autoTrainingConfig": {"schedulingExpression": "rate(7 days)"},
        "eventsConfig": {
            "eventParametersList": [
                {"eventType": "click", "eventValueThreshold": 0.0, "weight": 0.5}
            ]
        },
    }
    assert read["performAutoTraining"] is False
    assert read["solutionConfig"] == events


def test_incremental_not_shown_anywhere(personalize, emulator, world, solution):
    """performIncrementalUpdate is applied but neither the top level nor the echo shows it."""
    emulator.reading = READINGS["incremental-not-shown"]
    read = apply(world, solution, performIncrementalUpdate=True)
    assert read["latestSolutionUpdate"]["status"] == "ACTIVE"
    assert "performIncrementalUpdate" not in read
    assert "performIncrementalUpdate" not in read["latestSolutionUpdate"]
    emulator.reading = READINGS["documented-default"]
    assert personalize.describe_solution(solutionArn=solution)["solution"][
        "performIncrementalUpdate"
    ]


def test_update_accepted_while_training(personalize, emulator, world, solution):
    """UpdateSolution is accepted while a version trains; the update settles while the
    training goes on. DeleteSolution stays refused, as documented."""
    emulator.reading = READINGS["documented-default"]  # refused while training, then accepted
    emulator.train(solution, 60)
    with pytest.raises(ClientError, match="ResourceInUseException"):
        personalize.update_solution(solutionArn=solution, performAutoTraining=False)
    emulator.reading = READINGS["update-accepted-while-training"]
    read = apply(world, solution, performAutoTraining=False)
    assert read["latestSolutionUpdate"]["status"] == "ACTIVE"
    assert read["performAutoTraining"] is False
    assert read["latestSolutionVersion"]["status"] == "CREATE IN_PROGRESS"
    with pytest.raises(ClientError, match="ResourceInUseException"):
        personalize.delete_solution(solutionArn=solution)


def test_echo_fills_the_documented_incremental_default(personalize, emulator, world, solution):
    """A schedule-only update's summary shows performIncrementalUpdate true, its documented
    default, while the solution's own field shows the false it still has; a value sent is
    shown as sent."""
    emulator.reading = READINGS["echo-fills-documented-incremental-default"]
    read = apply(world, solution, solutionUpdateConfig=THREE_DAYS)
    assert read["latestSolutionUpdate"]["performIncrementalUpdate"] is True
    assert read["performIncrementalUpdate"] is False
    read = apply(world, solution, performIncrementalUpdate=False)
    assert read["latestSolutionUpdate"]["performIncrementalUpdate"] is False
    emulator.reading = replace(READINGS["echo-fills-defaults"], echo_fills_incremental_default=True)
    read = apply(world, solution, performAutoTraining=False)
    assert read["latestSolutionUpdate"]["performIncrementalUpdate"] is True


@pytest.mark.parametrize("failure", [None, "theirs"], ids=["theirs-active", "theirs-failed"])
def test_someone_else_updates_right_after_ours(personalize, emulator, world, solution, failure):
    """With `follow`, someone else's update is created right after the next accepted one
    settles; a read once both settled shows only theirs, and the solution has both applied
    (theirs only if it did not fail)."""
    emulator.reading = READINGS["documented-default"]
    emulator.follow(failure_reason=failure, performIncrementalUpdate=True)
    world.outside(solution, solutionUpdateConfig=THREE_DAYS)
    world.settle()
    read = personalize.describe_solution(solutionArn=solution)["solution"]
    update = read["latestSolutionUpdate"]
    assert update.get("failureReason") == failure
    assert update.get("solutionUpdateConfig") is None
    assert read["solutionConfig"] == THREE_DAYS
    assert read["performIncrementalUpdate"] is (failure is None)


def test_hardest_plays_every_reading_at_once(personalize, emulator, world, solution):
    """Accepted while training, the top level as created, the echo with defaults and without
    performIncrementalUpdate."""
    emulator.reading = READINGS["hardest"]
    emulator.train(solution, 60)
    read = apply(
        world,
        solution,
        performIncrementalUpdate=True,
        solutionUpdateConfig=THREE_DAYS,
    )
    update = read["latestSolutionUpdate"]
    assert update == {
        "performAutoTraining": True,
        "solutionUpdateConfig": THREE_DAYS,
        "status": "ACTIVE",
        "creationDateTime": update["creationDateTime"],
        "lastUpdatedDateTime": update["lastUpdatedDateTime"],
    }
    assert read["performAutoTraining"] is True
    assert "solutionConfig" not in read
    assert "performIncrementalUpdate" not in read
    assert read["latestSolutionVersion"]["status"] == "CREATE IN_PROGRESS"


@pytest.mark.parametrize("name", list(READINGS))
def test_every_reading_answers_in_the_documented_shapes(
    personalize, emulator, world, solution, name
):
    """A life with every kind of answer (pending, in progress, failed, applied, training,
    listing) under each reading: the fixture checks every response against the model, and a
    failure reason comes only with CREATE FAILED."""
    emulator.reading = READINGS[name]
    # Stale reads shorter than the pending phase, reads 0.1 s apart: CREATE PENDING is seen.
    emulator.timing = replace(
        emulator.timing, update_pending=0.2, update_in_progress=0.6, stale_read=0.1
    )
    events = [{"eventType": "click", "eventValueThreshold": 2.5}, {"eventType": "buy"}]
    personalize.update_solution(
        solutionArn=solution,
        performIncrementalUpdate=True,
        solutionUpdateConfig={**THREE_DAYS, "eventsConfig": {"eventParametersList": events}},
    )
    seen = []
    for _ in range(12):
        world.clock.advance(0.1)
        seen.append(personalize.describe_solution(solutionArn=solution)["solution"])
    emulator.fail_next_update("Not enough data")
    failed = apply(world, solution, performAutoTraining=False)
    emulator.train(solution, 5)
    seen += [failed, personalize.describe_solution(solutionArn=solution)["solution"]]
    personalize.list_solutions(datasetGroupArn=DATASET_GROUP)
    updates = [s["latestSolutionUpdate"] for s in seen if "latestSolutionUpdate" in s]
    assert {u["status"] for u in updates} >= {"CREATE PENDING", "CREATE IN_PROGRESS", "ACTIVE"}
    assert failed["latestSolutionUpdate"]["failureReason"] == "Not enough data"
    assert all(("failureReason" in u) == (u["status"] == "CREATE FAILED") for u in updates)


def test_the_command_line_plays_the_reading_it_is_given():
    """`python -m localcloud.emulator --reading NAME` serves that reading."""
    root = Path(__file__).resolve().parents[2]
    command = [sys.executable, "-u", "-m", "localcloud.emulator", "--port", "0"]
    server = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
        [*command, "--reading", "incremental-not-shown"],
        cwd=root,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = re.search(r"http://\S+", server.stdout.readline()).group(0)
        client = boto3.client("personalize", endpoint_url=url)
        arn = client.create_solution(name="cli", datasetGroupArn=DATASET_GROUP)["solutionArn"]
        read = client.describe_solution(solutionArn=arn)["solution"]
        assert read["performAutoTraining"] is True
        assert "performIncrementalUpdate" not in read
    finally:
        server.terminate()
        server.wait(timeout=10)
        server.stdout.close()
