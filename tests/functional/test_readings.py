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
from tests.presets import api_schedule, schedule

COSTS: dict[str, int] = {}


class Scenario(NamedTuple):
    """A history, then what the stack asks: `history(world, arn)` acts and returns the request's
    properties; `kind` is Create, or Update (from `old` properties it applied first)."""

    name: str
    history: Callable[[World, str], dict[str, Any]]
    old: dict[str, Any] | None = None


def failed_outside(world: World, arn: str, **request: Any) -> None:
    """An update made outside the stack that Personalize ends CREATE FAILED."""
    world.emulator.fail_next_update("rejected")
    world.outside(arn, **request)


SCENARIOS = [
    Scenario(
        "event-parameters-without-threshold",
        lambda w, arn: {
            "SolutionUpdateConfig": {
                "EventsConfig": {"EventParametersList": [{"EventType": "click", "Weight": 0.5}]}
            }
        },
    ),
    Scenario("incremental-on", lambda w, arn: {"PerformIncrementalUpdate": True}),
    Scenario(
        "incremental-off-after-on",
        lambda w, arn: (
            w.outside(arn, performIncrementalUpdate=True),
            {"PerformIncrementalUpdate": False},
        )[1],
    ),
    Scenario(
        "schedule-after-partial-update",
        lambda w, arn: (
            w.outside(arn, solutionUpdateConfig=api_schedule(5)),
            w.outside(arn, performAutoTraining=False),
            {"PerformAutoTraining": False, "SolutionUpdateConfig": schedule(7)},
        )[2],
    ),
    Scenario(
        "schedule-after-failed-update",
        lambda w, arn: (
            w.outside(arn, solutionUpdateConfig=api_schedule(5)),
            failed_outside(w, arn, solutionUpdateConfig=api_schedule(2)),
            {"SolutionUpdateConfig": schedule(7)},
        )[2],
    ),
    Scenario(
        "filled-in-schedule",
        lambda w, arn: (
            w.outside(arn, solutionUpdateConfig=api_schedule(5)),
            w.outside(arn, performIncrementalUpdate=False),
            {"SolutionUpdateConfig": schedule(7)},
        )[2],
    ),
    Scenario(
        "filled-in-auto-training",
        lambda w, arn: (
            w.outside(arn, performAutoTraining=False),
            w.outside(arn, performIncrementalUpdate=False),
            {"PerformAutoTraining": True},
        )[2],
    ),
    Scenario(
        "training-in-progress",
        lambda w, arn: (w.emulator.train(arn, 120), {"SolutionUpdateConfig": schedule(3)})[1],
    ),
    Scenario(
        "rollback-after-failed-update",
        lambda w, arn: (
            w.outside(arn, performAutoTraining=True, solutionUpdateConfig=api_schedule(5)),
            failed_outside(w, arn, solutionUpdateConfig=api_schedule(3)),
            {"PerformAutoTraining": True, "SolutionUpdateConfig": schedule(5)},
        )[2],
    ),
    Scenario(
        "update-changing-only-service-timeout",
        lambda w, arn: {
            "PerformAutoTraining": False,
            "SolutionUpdateConfig": schedule(5),
            "ServiceTimeout": 600,
        },
        old={"PerformAutoTraining": False, "SolutionUpdateConfig": schedule(5)},
    ),
    Scenario(
        "update-adding-incremental",
        lambda w, arn: {"SolutionUpdateConfig": schedule(5), "PerformIncrementalUpdate": True},
        old={"SolutionUpdateConfig": schedule(5)},
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
    arn = world.solution()
    emulator.reading = READINGS[reading]
    properties = {"SolutionArn": arn, "ServiceTimeout": 300, **scenario.history(world, arn)}
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
    now = truth(world, arn)
    wants = asked(properties)
    assert body["Status"] == "SUCCESS", body["Reason"]
    for name, value in wants.items():
        if name == "EventParametersList":
            assert [{k: p.get(k) for k in ("eventType", "weight")} for p in now[name]] == value
        else:
            assert now[name] == value, f"{name}: asked {value}, the solution has {now[name]}"
    for name in ("PerformAutoTraining", "PerformIncrementalUpdate", "SchedulingExpression"):
        assert body["Data"][name] in ("unknown", now[name]), f"attribute {name} is not the truth"
