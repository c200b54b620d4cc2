"""What the tests share: the dataset group their solutions belong to, the emulator's timings, and
properties as a template writes them (and as the API takes them)."""

from __future__ import annotations

from typing import Any

from localcloud.emulator import Reading, Timing

DATASET_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/tests"
# Recipes that allow what a test asks: incremental updates, or an events configuration.
SEMANTIC_SIMILARITY = "arn:aws:personalize:::recipe/aws-semantic-similarity"
USER_PERSONALIZATION_V2 = "arn:aws:personalize:::recipe/aws-user-personalization-v2"

# Phases short enough for tests that wait in real time, long enough to be seen between reads.
REAL_TIME = Timing(
    solution_pending=0.05,
    solution_in_progress=0.05,
    update_pending=0.2,
    update_in_progress=0.6,
    stale_read=0.4,
)
# On a simulated clock: the handler's sleeps pass at once, so only the phases' order matters.
FAST = Timing(
    solution_pending=0.02,
    solution_in_progress=0.02,
    update_pending=0.05,
    update_in_progress=0.25,
    stale_read=0.2,
)
# An update longer than an invocation of 60 s, on a simulated clock.
LONG = Timing(update_pending=2.0, update_in_progress=150.0, stale_read=1.0)


def schedule(days: int) -> dict[str, Any]:
    """SolutionUpdateConfig with a schedule, as a template writes it."""
    return {"AutoTrainingConfig": {"SchedulingExpression": f"rate({days} days)"}}


def api_schedule(days: int) -> dict[str, Any]:
    """solutionUpdateConfig with a schedule, as UpdateSolution takes it."""
    return {"autoTrainingConfig": {"schedulingExpression": f"rate({days} days)"}}


def auto_training(days: int) -> dict[str, Any]:
    """Properties that turn automatic training on, every `days` days."""
    return {"PerformAutoTraining": True, "SolutionUpdateConfig": schedule(days)}


def asking_again_costs(reading: Reading) -> int:
    """UpdateSolution calls a request pays to ask again for a value an update's summary may
    have filled in (automatic training on, every 7 days): one where the reading keeps the
    solution's own fields as created, since nothing then confirms such a value; none where
    they follow updates and agree."""
    return 1 if reading.top_level_keeps_creation_values else 0
