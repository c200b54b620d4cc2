"""What Personalize refuses before it acts: malformed ARNs, names, schedules and event parameters,
and settings the solution's recipe does not support; and the error every refusal is answered with.
"""

from __future__ import annotations

import re
from typing import Any

from moto.core.exceptions import JsonRESTError

ARN_PATTERN = re.compile(r"arn:([a-z\d-]+):personalize:.*:.*:.+")
NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9\-_]*")
SCHEDULE_PATTERN = re.compile(r"rate\((\d+) days?\)")
ERROR_STATUS = {"InternalFailure": 500, "ServiceUnavailable": 503}
# What a recipe allows (by the recipe's name, the end of its ARN). performIncrementalUpdate: "This
# parameter is supported only for solutions that use the semantic-similarity recipe"
# (UpdateSolution); events configuration: "If you use the User-Personalization-v2 recipe or
# Personalized-Ranking-v2 recipe, you can optimize an Amazon Personalize solution with an events
# configuration" (the developer guide). A solution created without a recipeArn is held to neither:
# the emulator cannot tell which recipe Personalize would pick.
INCREMENTAL_RECIPES = ("aws-semantic-similarity",)
EVENTS_RECIPES = ("aws-user-personalization-v2", "aws-personalized-ranking-v2")


class EmulatorError(JsonRESTError):
    """An AWS JSON-protocol error; 5xx codes get their real HTTP status."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(code, message)
        self.code = ERROR_STATUS.get(code, 400)


def invalid(message: str) -> EmulatorError:
    """InvalidInputException, what Personalize answers a request it refuses to read."""
    return EmulatorError("InvalidInputException", message)


def check_name(name: object) -> str:
    """A solution name as CreateSolution's model constrains it."""
    if not isinstance(name, str) or len(name) > 63 or not NAME_PATTERN.fullmatch(name):
        raise invalid(f"Invalid solution name {name!r}")
    return name


def check_arn(arn: object, name: str) -> str:
    """An ARN parameter as the model constrains it, in botocore's validation wording."""
    if not isinstance(arn, str) or len(arn) > 256 or not ARN_PATTERN.fullmatch(arn):
        raise invalid(
            f"1 validation error detected: Value '{arn}' at '{name}' failed to satisfy constraint"
        )
    return arn


def check_config(config: dict[str, Any]) -> None:
    """A solution config's schedule (rate(N days), N 1-30) and event parameters (at most 10,
    weights 0-1)."""
    expression = (config.get("autoTrainingConfig") or {}).get("schedulingExpression")
    if expression is not None:
        match = SCHEDULE_PATTERN.fullmatch(expression)
        if not match or not 1 <= int(match.group(1)) <= 30:
            raise invalid(f"Invalid schedulingExpression {expression}: use rate(N days), N 1-30")
    events = (config.get("eventsConfig") or {}).get("eventParametersList")
    if events is not None:
        if len(events) > 10:
            raise invalid("eventParametersList can contain at most 10 entries")
        for item in events:
            weight = item.get("weight")
            if weight is not None and not 0 <= weight <= 1:
                raise invalid(f"Invalid weight {weight}: must be between 0 and 1")


def check_recipe(recipe_arn: str | None, incremental: object, config: dict[str, Any]) -> None:
    """Refuse what the solution's recipe does not support, as Personalize does."""
    if recipe_arn is None:
        return
    recipe = recipe_arn.rsplit("/", 1)[-1]
    if incremental is True and recipe not in INCREMENTAL_RECIPES:
        raise invalid(
            f"performIncrementalUpdate is supported only for solutions that use the "
            f"{' or '.join(INCREMENTAL_RECIPES)} recipe, not {recipe}"
        )
    if config.get("eventsConfig") is not None and recipe not in EVENTS_RECIPES:
        raise invalid(
            f"eventsConfig is supported only for solutions that use the "
            f"{' or '.join(EVENTS_RECIPES)} recipe, not {recipe}"
        )
