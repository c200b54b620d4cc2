"""Correct under every reading of the docs: the real handler, against the emulator playing each
reading the docs leave open, on solutions with a history, judged against the truth (the settings
the emulator applied). Never a false no-op, never a false SUCCESS, never a false FAILED, and no
attribute that states a value the solution does not have.

The module ends with one summary line: the UpdateSolution calls each reading cost.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import pytest

from localcloud.emulator import READINGS
from tests.functional.world import World
from tests.presets import SEMANTIC_SIMILARITY, USER_PERSONALIZATION_V2, api_schedule, schedule

COSTS: dict[str, int] = {}


Step = Callable[[World, str], None]


def outside(**request: Any) -> Step:
    """An update made outside the stack (the console, another tool), then settled."""
    return lambda world, arn: world.outside(arn, **request)


def failed(**request: Any) -> Step:
    """An update made outside the stack that Personalize ends CREATE FAILED."""

    def step(world: World, arn: str) -> None:
        world.emulator.fail_next_update("rejected")
        world.outside(arn, **request)

    return step


def training(seconds: float) -> Step:
    """A solution version trains for `seconds`."""
    return lambda world, arn: world.emulator.train(arn, seconds)


class Scenario(NamedTuple):
    """The solution's history, then what the stack asks: a Create, or an Update from the `old`
    properties it applied first; the solution's recipe allows what they send (the emulator
    refuses the rest, as Personalize does)."""

    name: str
    asks: dict[str, Any]
    history: tuple[Step, ...] = ()
    old: dict[str, Any] | None = None
    recipe: str = USER_PERSONALIZATION_V2


SCENARIOS = [
    Scenario(
        "event-parameters-without-threshold",
        {
            "SolutionUpdateConfig": {
                "EventsConfig": {"EventParametersList": [{"EventType": "click", "Weight": 0.5}]}
            }
        },
    ),
    Scenario("incremental-on", {"PerformIncrementalUpdate": True}, recipe=SEMANTIC_SIMILARITY),
    Scenario(
        "incremental-on-after-schedule-only-update",
        {"PerformIncrementalUpdate": True},
        (outside(solutionUpdateConfig=api_schedule(5)),),
        recipe=SEMANTIC_SIMILARITY,
    ),
    Scenario(
        "incremental-off-after-on",
        {"PerformIncrementalUpdate": False},
        (outside(performIncrementalUpdate=True),),
        recipe=SEMANTIC_SIMILARITY,
    ),
    Scenario(
        "schedule-after-partial-update",
        {"PerformAutoTraining": False, "SolutionUpdateConfig": schedule(7)},
        (outside(solutionUpdateConfig=api_schedule(5)), outside(performAutoTraining=False)),
    ),
    Scenario(
        "schedule-after-failed-update",
        {"SolutionUpdateConfig": schedule(7)},
        (
            outside(solutionUpdateConfig=api_schedule(5)),
            failed(solutionUpdateConfig=api_schedule(2)),
        ),
    ),
    Scenario(
        "filled-in-schedule",
        {"SolutionUpdateConfig": schedule(7)},
        (outside(solutionUpdateConfig=api_schedule(5)), outside(performIncrementalUpdate=False)),
    ),
    Scenario(
        "filled-in-auto-training",
        {"PerformAutoTraining": True},
        (outside(performAutoTraining=False), outside(performIncrementalUpdate=False)),
    ),
    Scenario(
        "partial-outside-update-filled-in-as-ours",
        {"PerformAutoTraining": True, "SolutionUpdateConfig": schedule(3)},
        (outside(performAutoTraining=False), outside(solutionUpdateConfig=api_schedule(3))),
    ),
    Scenario(
        "partial-outside-update-hides-incremental",
        {"PerformIncrementalUpdate": False, "SolutionUpdateConfig": schedule(3)},
        (outside(performIncrementalUpdate=True), outside(solutionUpdateConfig=api_schedule(3))),
        recipe=SEMANTIC_SIMILARITY,
    ),
    Scenario("training-in-progress", {"SolutionUpdateConfig": schedule(3)}, (training(120),)),
    Scenario(
        "rollback-after-failed-update",
        {"PerformAutoTraining": True, "SolutionUpdateConfig": schedule(5)},
        (
            outside(performAutoTraining=True, solutionUpdateConfig=api_schedule(5)),
            failed(solutionUpdateConfig=api_schedule(3)),
        ),
    ),
    Scenario(
        "update-changing-only-service-timeout",
        {"PerformAutoTraining": False, "SolutionUpdateConfig": schedule(5), "ServiceTimeout": 600},
        old={"PerformAutoTraining": False, "SolutionUpdateConfig": schedule(5)},
    ),
    Scenario(
        "update-adding-incremental",
        {"SolutionUpdateConfig": schedule(5), "PerformIncrementalUpdate": True},
        old={"SolutionUpdateConfig": schedule(5)},
        recipe=SEMANTIC_SIMILARITY,
    ),
]


def truth(world: World, arn: str) -> dict[str, Any]:
    """The settings the emulator applied, read as the documented-default reading shows them
    (everything shown, following the last update that became ACTIVE)."""
    saved = world.emulator.reading
    world.emulator.reading = READINGS["documented-default"]
    try:
        solution = world.personalize.describe_solution(solutionArn=arn)["solution"]
    finally:
        world.emulator.reading = saved
    config = solution.get("solutionConfig", {})
    expression = config.get("autoTrainingConfig", {}).get("schedulingExpression", "rate(7 days)")
    return {
        "PerformAutoTraining": str(solution["performAutoTraining"]).lower(),
        "PerformIncrementalUpdate": str(solution["performIncrementalUpdate"]).lower(),
        "SchedulingExpression": expression,
        "EventParametersList": config.get("eventsConfig", {}).get("eventParametersList"),
    }


def asked(properties: dict[str, Any]) -> dict[str, Any]:
    """What the properties ask, in the truth's terms."""
    wants: dict[str, Any] = {
        name: str(properties[name]).lower()
        for name in ("PerformAutoTraining", "PerformIncrementalUpdate")
        if name in properties
    }
    config = properties.get("SolutionUpdateConfig", {})
    if "AutoTrainingConfig" in config:
        wants["SchedulingExpression"] = config["AutoTrainingConfig"]["SchedulingExpression"]
    if "EventsConfig" in config:
        wants["EventParametersList"] = [
            {"eventType": p["EventType"], "weight": p["Weight"]}
            for p in config["EventsConfig"]["EventParametersList"]
        ]
    return wants


@pytest.fixture(scope="module", autouse=True)
def cost_summary(request):
    yield
    line = "readings: UpdateSolution calls per reading over the scenarios: " + ", ".join(
        f"{name} {calls}" for name, calls in COSTS.items()
    )
    request.config.summary_lines = [*getattr(request.config, "summary_lines", []), line]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
@pytest.mark.parametrize("reading", list(READINGS))
def test_every_reading_gets_the_truth(world, reading, scenario):
    emulator = world.emulator
    arn = world.solution(recipeArn=scenario.recipe)
    emulator.reading = READINGS[reading]
    for step in scenario.history:
        step(world, arn)
    properties = {"SolutionArn": arn, "ServiceTimeout": 300, **scenario.asks}
    cloudformation = world.stand_in()
    if scenario.old is not None:
        old = {"SolutionArn": arn, **scenario.old}
        assert cloudformation.send("Create", "R", old).response["Status"] == "SUCCESS"
        world.settle()
    before = emulator.count("UpdateSolution", "ok")
    if scenario.old is None:
        exchange = cloudformation.send("Create", "R", properties)
    else:
        exchange = cloudformation.send(
            "Update", "R", properties, old_properties=old, physical_id=arn
        )
    calls = emulator.count("UpdateSolution", "ok") - before
    COSTS[reading] = COSTS.get(reading, 0) + calls
    body = exchange.response
    assert body["Status"] == "SUCCESS", body["Reason"]
    assert_the_truth(world, arn, properties, body)


def assert_the_truth(world: World, arn: str, properties: dict[str, Any], body: dict) -> None:
    """The solution has what the properties ask, and no attribute states another value."""
    now = truth(world, arn)
    for name, value in asked(properties).items():
        if name == "EventParametersList":
            assert [{k: p.get(k) for k in ("eventType", "weight")} for p in now[name]] == value
        else:
            assert now[name] == value, f"{name}: asked {value}, the solution has {now[name]}"
    for name in ("PerformAutoTraining", "PerformIncrementalUpdate", "SchedulingExpression"):
        assert body["Data"][name] in ("unknown", now[name]), f"attribute {name} is not the truth"


class Interleaved(NamedTuple):
    """Someone else's update (`theirs`, UpdateSolution fields) made right after ours settles,
    and settled before our first check; `ours_fails`/`theirs_fails`: Personalize fails it."""

    name: str
    ours_fails: bool
    theirs: dict[str, Any]
    theirs_fails: bool
    replaced: bool  # the answer is FAILED: another update replaced ours (else SUCCESS)


INTERLEAVED = [
    Interleaved(
        "ours-failed-theirs-active", True, {"performIncrementalUpdate": False}, False, True
    ),
    Interleaved(
        "ours-active-theirs-failed", False, {"performIncrementalUpdate": False}, True, True
    ),
    Interleaved(
        "theirs-overwrites-our-schedule",
        False,
        {"solutionUpdateConfig": api_schedule(3)},
        False,
        True,
    ),
    Interleaved(
        "ours-failed-theirs-sends-our-schedule",
        True,
        {"solutionUpdateConfig": api_schedule(5)},
        False,
        False,
    ),
]


@pytest.mark.parametrize("case", INTERLEAVED, ids=[case.name for case in INTERLEAVED])
@pytest.mark.parametrize("reading", list(READINGS))
def test_an_update_right_after_ours_is_not_taken_for_ours(world, reading, case):
    """A Create asks rate(5 days); whatever became of ours, someone else's update hid it. The
    answer is SUCCESS only with the schedule in force, else FAILED saying that another update
    replaced ours, on a check soon after, not at the deadline."""
    emulator = world.emulator
    arn = world.solution(recipeArn=USER_PERSONALIZATION_V2)
    emulator.reading = READINGS[reading]
    if case.ours_fails:
        emulator.fail_next_update("ours failed")
    emulator.follow(failure_reason="theirs failed" if case.theirs_fails else None, **case.theirs)
    properties = {"SolutionArn": arn, "ServiceTimeout": 300, "SolutionUpdateConfig": schedule(5)}
    began = world.clock.now()
    body = world.stand_in().send("Create", "R", properties).response
    assert world.clock.now() - began < 30, "the answer waited for the deadline"
    if case.replaced:
        assert body["Status"] == "FAILED"
        assert "replaced ours" in body["Reason"], body["Reason"]
    else:
        assert body["Status"] == "SUCCESS", body["Reason"]
        assert_the_truth(world, arn, properties, body)
