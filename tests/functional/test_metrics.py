"""The metrics the function emits (CloudWatch embedded metric format on stdout), counted over a
stack's requests through the real handler, over HTTP to the emulator and the bucket (on a simulated
clock)."""

from __future__ import annotations

import json
from typing import Any

from localcloud.cloudformation import StackResource
from localcloud.emulator import READINGS
from tests.presets import auto_training


def emf_records(text: str) -> list[dict[str, Any]]:
    """The embedded-metric-format records among the lines the function printed."""
    return [
        json.loads(line) for line in text.splitlines() if line.startswith("{") and '"_aws"' in line
    ]


def test_metrics_count_updates_no_ops_and_failures_by_cause(world, emulator, capsys):
    """The metrics' own bookkeeping, under the reading where the no-ops here are provable."""
    emulator.reading = READINGS["documented-default"]
    arn = world.solution()
    stack_resource = StackResource(world.stand_in(), "AutoTraining")
    stack_resource.create({"SolutionArn": arn, **auto_training(5)})
    stack_resource.update({"SolutionArn": arn, **auto_training(5), "ServiceTimeout": "900"})
    stack_resource.update({"SolutionArn": arn, "PerformAutoTraining": "sometimes"})
    records = emf_records(capsys.readouterr().out)

    def values(name: str) -> list[float]:
        found = [r[name] for r in records if name in r]
        return [v for item in found for v in (item if isinstance(item, list) else [item])]

    assert values("UpdatesApplied") == [1.0]
    assert values("NoOpUpdatesSkipped") == [1.0, 1.0]  # the no-op, and the rollback
    assert values("Failures") == [1.0]
    assert [r["Cause"] for r in records if "Failures" in r] == ["InvalidProperties"]
    assert values("WaitSeconds")[0] > 0.5  # the update was waited for
    assert all(
        r["_aws"]["CloudWatchMetrics"][0]["Namespace"] == "PersonalizeSolutionUpdate"
        for r in records
    )
    assert all(arn not in json.dumps(r["_aws"]) for r in records)
