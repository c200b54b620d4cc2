"""EMF metrics (Powertools Metrics) around each operation: updates applied, no-ops skipped,
failures by cause, and how long we waited for Personalize. Written to stdout as CloudWatch
embedded metric format; no request data goes into them."""

from __future__ import annotations

import os

from aws_lambda_powertools import Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from logs import SERVICE_NAME
from outcomes import Applied

NAMESPACE = os.environ.get("POWERTOOLS_METRICS_NAMESPACE", "PersonalizeSolutionUpdate")

metrics = Metrics(namespace=NAMESPACE, service=SERVICE_NAME)


def record(applied: Applied) -> None:
    """Count a successful Create or Update (an update made, or a no-op skipped) and its wait."""
    name = "UpdatesApplied" if applied.updated else "NoOpUpdatesSkipped"
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="WaitSeconds", unit=MetricUnit.Seconds, value=applied.waited)


def count_failure(cause: str) -> None:
    """One Failures metric with its Cause dimension, emitted at once (not with the batch)."""
    with single_metric(
        name="Failures", unit=MetricUnit.Count, value=1, namespace=NAMESPACE
    ) as metric:
        metric.add_dimension(name="service", value=SERVICE_NAME)
        metric.add_dimension(name="Cause", value=cause)


def flush() -> None:
    """Emit what this invocation recorded (nothing, and no warning, when it recorded nothing)."""
    if metrics.metric_set:
        metrics.flush_metrics()
