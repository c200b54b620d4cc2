"""Each reading of what Personalize's docs leave open, played by the emulator, seen through boto3.

Every response is checked against botocore's model; each test shows what its reading does that
the documented default does not, so it fails if the emulator ignores the switch.
"""

from __future__ import annotations

import pytest
from test_emulator_fidelity import recorded, undocumented  # noqa: F401 (recorded: a fixture)

from localcloud.simclock import SimulatedClock

DATASET_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/readings"
THREE_DAYS = {"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}}


@pytest.fixture
def clock(emulator):
    """The emulator on a simulated clock: phases pass when the test says, not in real time."""
    clock = SimulatedClock()
    emulator.clock = clock.now
    return clock


@pytest.fixture
def solution(personalize, emulator, clock, recorded):  # noqa: F811 (the imported fixture)
    """An ACTIVE solution created with the defaults, every response checked against the model
    when the test ends."""
    arn = personalize.create_solution(name="readings", datasetGroupArn=DATASET_GROUP)["solutionArn"]
    clock.advance(emulator.timing.solution_pending + emulator.timing.solution_in_progress)
    yield arn
    assert undocumented(recorded) == []


def apply(personalize, emulator, clock, arn: str, **request) -> dict:
    """UpdateSolution, let the update settle and become visible, and return the solution read."""
    personalize.update_solution(solutionArn=arn, **request)
    timing = emulator.timing
    clock.advance(timing.update_pending + timing.update_in_progress + timing.stale_read + 0.01)
    return personalize.describe_solution(solutionArn=arn)["solution"]


def test_documented_default_echoes_the_request_and_the_top_level_follows(
    personalize, emulator, clock, solution
):
    """The latest update shows the fields its request sent; the top level shows the settings
    the solution has, the earlier update's included."""
    apply(personalize, emulator, clock, solution, solutionUpdateConfig=THREE_DAYS)
    read = apply(personalize, emulator, clock, solution, performIncrementalUpdate=True)
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
