"""The emulator speaks Personalize's JSON protocol as botocore models it: shapes, errors, statuses.

Every raw response body of a scenario that exercises each operation and its error paths is checked
against the operation's output shape (or its declared error shapes), member by member.
"""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from localcloud.emulator import READINGS
from tests.functional.documented import undocumented
from tests.presets import DATASET_GROUP, SEMANTIC_SIMILARITY, USER_PERSONALIZATION_V2

EVENTS = {"eventsConfig": {"eventParametersList": [{"eventType": "click", "weight": 0.5}]}}


@pytest.fixture(autouse=True)
def documented_default(emulator):
    """These tests hold the emulator to the docs where they are clear, so they play the
    documented default reading whatever the run's (test_emulator_readings plays the others)."""
    emulator.reading = READINGS["documented-default"]


def test_every_response_matches_the_botocore_model(personalize, recorded, emulator, world):
    arn = personalize.create_solution(
        name="fidelity",
        datasetGroupArn=DATASET_GROUP,
        recipeArn=USER_PERSONALIZATION_V2,
        eventType="click",
        solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}},
    )["solutionArn"]
    with pytest.raises(ClientError, match="ResourceInUseException"):
        personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    world.clock.advance(0.15)
    personalize.update_solution(
        solutionArn=arn,
        performAutoTraining=True,
        performIncrementalUpdate=False,
        solutionUpdateConfig={
            "autoTrainingConfig": {"schedulingExpression": "rate(1 day)"},
            "eventsConfig": {"eventParametersList": [{"eventType": "click", "weight": 0.5}]},
        },
    )
    with pytest.raises(ClientError, match="ResourceInUseException"):
        personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    statuses = set()
    for _ in range(60):
        solution = personalize.describe_solution(solutionArn=arn)["solution"]
        statuses.add(solution.get("latestSolutionUpdate", {}).get("status"))
        if "ACTIVE" in statuses:
            break
        world.clock.advance(0.05)
    emulator.fail_next_update("Not enough data")
    personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    world.clock.advance(1.3)
    failed = personalize.describe_solution(solutionArn=arn)["solution"]["latestSolutionUpdate"]
    assert (failed["status"], failed["failureReason"]) == ("CREATE FAILED", "Not enough data")
    for bad in ("rate(0 days)", "rate(31 days)", "rate(2 weeks)"):
        with pytest.raises(ClientError, match="InvalidInputException"):
            personalize.update_solution(
                solutionArn=arn,
                solutionUpdateConfig={"autoTrainingConfig": {"schedulingExpression": bad}},
            )
    missing = arn + "-missing"
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        personalize.describe_solution(solutionArn=missing)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        personalize.update_solution(solutionArn=missing, performAutoTraining=True)
    with pytest.raises(ClientError, match="ResourceAlreadyExistsException"):
        personalize.create_solution(name="fidelity", datasetGroupArn=DATASET_GROUP)
    personalize.create_solution(name="second", datasetGroupArn=DATASET_GROUP)
    page = personalize.list_solutions(maxResults=1)
    assert page["nextToken"]
    assert len(personalize.list_solutions(nextToken=page["nextToken"])["solutions"]) == 1
    emulator.inject("DescribeSolution", "ThrottlingException", times=1)
    personalize.describe_solution(solutionArn=arn)
    personalize.delete_solution(solutionArn=arn)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        personalize.describe_solution(solutionArn=arn)

    assert {"CREATE IN_PROGRESS", "ACTIVE"} <= statuses
    assert undocumented(recorded) == []
    operations = {operation.name for operation, _, _ in recorded}
    expected = {"CreateSolution", "DescribeSolution", "UpdateSolution", "ListSolutions"}
    assert operations >= expected | {"DeleteSolution"}


def test_5xx_has_its_real_status_and_is_retried_by_botocore(
    personalize, recorded, make_solution, emulator
):
    arn = make_solution()
    emulator.inject("DescribeSolution", "InternalFailure", times=1)
    response = personalize.describe_solution(solutionArn=arn)
    assert response["ResponseMetadata"]["RetryAttempts"] == 1
    assert [status for _, status, _ in recorded][-2:] == [500, 200]


def test_a_read_right_after_an_update_can_be_stale(personalize, emulator, world):
    arn = world.solution()
    emulator.timing.stale_read = 0.5
    personalize.update_solution(solutionArn=arn, performAutoTraining=False)
    right_after = personalize.describe_solution(solutionArn=arn)["solution"]
    assert "latestSolutionUpdate" not in right_after
    world.clock.advance(0.6)
    later = personalize.describe_solution(solutionArn=arn)["solution"]
    assert later["latestSolutionUpdate"]["performAutoTraining"] is False


@pytest.fixture
def active(world):
    """A solution on the world's simulated clock, already ACTIVE; its ARN."""
    return world.solution("clocked")


def test_an_applied_update_is_when_the_solution_was_last_updated(
    personalize, emulator, world, active
):
    """DescribeSolution: lastUpdatedDateTime is "the date and time (in Unix time) that the
    solution was last updated". An update that became ACTIVE updated it; a failed one did not."""
    before = personalize.describe_solution(solutionArn=active)["solution"]
    personalize.update_solution(solutionArn=active, performAutoTraining=False)
    world.settle()
    applied = personalize.describe_solution(solutionArn=active)["solution"]
    update = applied["latestSolutionUpdate"]
    assert update["status"] == "ACTIVE"
    assert applied["lastUpdatedDateTime"] == update["lastUpdatedDateTime"]
    assert applied["lastUpdatedDateTime"] > before["lastUpdatedDateTime"]
    emulator.fail_next_update("Not enough data")
    personalize.update_solution(solutionArn=active, performAutoTraining=True)
    world.settle()
    failed = personalize.describe_solution(solutionArn=active)["solution"]
    assert failed["latestSolutionUpdate"]["status"] == "CREATE FAILED"
    assert failed["lastUpdatedDateTime"] == applied["lastUpdatedDateTime"]


def test_a_training_run_is_the_latest_solution_version(
    personalize, recorded, emulator, world, active
):
    """DescribeSolution: latestSolutionVersion "describes the latest version of the solution,
    including the status and the ARN"; a version in training is CREATE IN_PROGRESS, then ACTIVE."""
    emulator.train(active, 60)
    training = personalize.describe_solution(solutionArn=active)["solution"]
    version = training["latestSolutionVersion"]
    assert version["status"] == "CREATE IN_PROGRESS"
    assert version["solutionVersionArn"].startswith(active + "/")
    with pytest.raises(ClientError, match="ResourceInUseException"):
        personalize.update_solution(solutionArn=active, performAutoTraining=False)
    world.clock.advance(60)
    trained = personalize.describe_solution(solutionArn=active)["solution"]["latestSolutionVersion"]
    assert (trained["solutionVersionArn"], trained["status"]) == (
        version["solutionVersionArn"],
        "ACTIVE",
    )
    assert trained["lastUpdatedDateTime"] > version["lastUpdatedDateTime"]
    personalize.update_solution(solutionArn=active, performAutoTraining=False)
    assert undocumented(recorded) == []


def test_a_solution_is_not_deleted_while_a_version_trains(personalize, emulator, world, active):
    """DeleteSolution: "You can't delete a solution if an associated SolutionVersion is in the
    CREATE PENDING or IN PROGRESS state." """
    emulator.train(active, 60)
    with pytest.raises(ClientError, match="ResourceInUseException"):
        personalize.delete_solution(solutionArn=active)
    assert personalize.describe_solution(solutionArn=active)["solution"]["status"] == "ACTIVE"
    world.clock.advance(60)
    personalize.delete_solution(solutionArn=active)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        personalize.describe_solution(solutionArn=active)


def test_a_deleted_solution_passes_the_documented_delete_states(
    personalize, recorded, emulator, world, active
):
    """DescribeSolution: a solution can be in "DELETE PENDING > DELETE IN_PROGRESS"; it is in
    use (no update, no second delete) until it is gone."""
    emulator.timing.delete_pending, emulator.timing.delete_in_progress = 1.0, 2.0
    personalize.delete_solution(solutionArn=active)
    assert personalize.describe_solution(solutionArn=active)["solution"]["status"] == (
        "DELETE PENDING"
    )
    for call in (
        lambda: personalize.update_solution(solutionArn=active, performAutoTraining=False),
        lambda: personalize.delete_solution(solutionArn=active),
    ):
        with pytest.raises(ClientError, match="ResourceInUseException"):
            call()
    world.clock.advance(1.0)
    [listed] = personalize.list_solutions(datasetGroupArn=DATASET_GROUP)["solutions"]
    assert (listed["solutionArn"], listed["status"]) == (active, "DELETE IN_PROGRESS")
    world.clock.advance(2.0)
    with pytest.raises(ClientError, match="ResourceNotFoundException"):
        personalize.describe_solution(solutionArn=active)
    assert personalize.list_solutions(datasetGroupArn=DATASET_GROUP)["solutions"] == []
    assert undocumented(recorded) == []


def test_a_solution_is_held_to_what_its_recipe_supports(personalize, recorded, emulator, world):
    """performIncrementalUpdate "is supported only for solutions that use the semantic-similarity
    recipe", an events configuration only with User-Personalization-v2 or Personalized-Ranking-v2:
    anything else is refused with InvalidInputException, at creation and on update; false
    incremental updates are fine anywhere, and a solution without a recipeArn is held to
    neither."""
    similar = world.solution("similar", recipeArn=SEMANTIC_SIMILARITY)
    personal = world.solution("personal", recipeArn=USER_PERSONALIZATION_V2)
    refused = [
        lambda: personalize.update_solution(solutionArn=personal, performIncrementalUpdate=True),
        lambda: personalize.update_solution(solutionArn=similar, solutionUpdateConfig=EVENTS),
        lambda: personalize.create_solution(
            name="refused",
            datasetGroupArn=DATASET_GROUP,
            recipeArn=USER_PERSONALIZATION_V2,
            performIncrementalUpdate=True,
        ),
        lambda: personalize.create_solution(
            name="refused",
            datasetGroupArn=DATASET_GROUP,
            recipeArn=SEMANTIC_SIMILARITY,
            solutionConfig=EVENTS,
        ),
    ]
    for call in refused:
        with pytest.raises(ClientError, match=r"InvalidInputException.*supported only") as error:
            call()
        assert "recipe" in error.value.response["Error"]["Message"]
    assert emulator.count("UpdateSolution", "ok") == 0
    personalize.update_solution(solutionArn=similar, performIncrementalUpdate=True)
    personalize.update_solution(
        solutionArn=personal, performIncrementalUpdate=False, solutionUpdateConfig=EVENTS
    )
    world.settle()
    unknown = world.solution("unknown")
    personalize.update_solution(
        solutionArn=unknown, performIncrementalUpdate=True, solutionUpdateConfig=EVENTS
    )
    assert emulator.count("UpdateSolution", "ok") == 3
    assert undocumented(recorded) == []
