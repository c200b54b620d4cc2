"""What each file of events/ must come to, and the one check that every local path applies to what
came back: `make invoke` (Lambda's runtime client, no Docker) and `make test-sam-local` (SAM CLI's
own emulator in a container).

The check: exactly one answer reached the bucket; for a file of events/, its Status and
PhysicalResourceId, the UpdateSolution calls it took, and for a Create or Update the schedule it
asked for in the answer's Data. A failure says which event and what came back.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, NamedTuple

EVENTS = Path(__file__).resolve().parents[1] / "events"
DEMO = "arn:aws:personalize:us-east-1:123456789012:solution/demo"


class Expected(NamedTuple):
    """The answer's status and id, and the UpdateSolution calls it takes."""

    status: str
    physical_id: str
    update_calls: int


# The table of events/ in docs/local-development.md (section "One request, as Lambda runs it").
EXPECTED = {
    "create.json": Expected("SUCCESS", DEMO, 1),
    "update.json": Expected("SUCCESS", DEMO, 1),
    "update-rollback.json": Expected("SUCCESS", DEMO, 1),
    "update-replacement.json": Expected("SUCCESS", f"{DEMO}-v2", 1),
    "delete.json": Expected("SUCCESS", DEMO, 0),
    "delete-disable-training.json": Expected("SUCCESS", DEMO, 1),
    "delete-after-failed-create.json": Expected(
        "SUCCESS", "create-failed-0b6f3c1e-5a2d-4e8f-9c71-1a2b3c4d5e07", 0
    ),
}


def expected_for(path: Path) -> Expected | None:
    """The expectation of a file of events/; None for any other event file."""
    resolved = path.resolve()
    return EXPECTED.get(resolved.name) if resolved.parent == EVENTS else None


def came_back(answers: Sequence[Mapping[str, Any]], calls: Mapping[str, int]) -> str:
    """What came back, in one line: each answer's Status, id and Reason, and the calls made."""
    shown = [
        f"{a.get('Status')} {a.get('PhysicalResourceId')}"
        + (f" ({a['Reason']})" if a.get("Reason") else "")
        for a in answers
    ]
    made = ", ".join(f"{name} x{count}" for name, count in sorted(calls.items()))
    return f"{len(answers)} answer(s) [{'; '.join(shown)}], Personalize calls: {made or 'none'}"


def problem(
    label: str,
    event: Mapping[str, Any],
    answers: Sequence[Mapping[str, Any]],
    calls: Counter[str],
    expected: Expected | None,
) -> str | None:
    """Why what came back for the event named `label` is wrong, naming it and what came back;
    None when it is right."""
    wrong = _first_wrong(event, answers, calls, expected)
    return f"{label}: {wrong}; came back: {came_back(answers, calls)}" if wrong else None


def _first_wrong(
    event: Mapping[str, Any],
    answers: Sequence[Mapping[str, Any]],
    calls: Counter[str],
    expected: Expected | None,
) -> str | None:
    """The first expectation not met, or None."""
    if len(answers) != 1:
        return f"CloudFormation needs exactly one answer, got {len(answers)}"
    if expected is None:
        return None
    (answer,) = answers
    if (answer.get("Status"), answer.get("PhysicalResourceId")) != expected[:2]:
        return f"expected {expected.status} with id {expected.physical_id}"
    if calls["UpdateSolution"] != expected.update_calls:
        return f"expected {expected.update_calls} UpdateSolution call(s)"
    if event["RequestType"] != "Delete":
        asked = event["ResourceProperties"]["SolutionUpdateConfig"]["AutoTrainingConfig"]
        schedule = (answer.get("Data") or {}).get("SchedulingExpression")
        if schedule != asked["SchedulingExpression"]:
            return f"expected Data.SchedulingExpression {asked['SchedulingExpression']}"
    return None
