"""The real handler wired for fast local runs: 1 s per-call client timeouts and the waiter on a
simulated clock (shared with the emulator), through the handler's own injection points."""

from __future__ import annotations

from typing import Any

import boto3

from localcloud.simclock import SimulatedClock


def handler_on_clock(clock: SimulatedClock, client: Any = None, **options: Any) -> Any:
    """app.build() with an injected client (by default one with 1 s timeouts) and the updater on
    the simulated clock; options go to the SolutionUpdater (confirm_delay, prompt, patient)."""
    import app
    from solution import bounded_client
    from solution_rules.limits import PERSONALIZE_CALL

    limits = PERSONALIZE_CALL._replace(connect=1.0, read=1.0)
    return app.build(
        client or bounded_client(limits), clock=clock.now, sleep=clock.sleep, call=limits, **options
    )


def client_without_update_solution() -> Any:
    """A Personalize client whose model lacks UpdateSolution, as a botocore older than 1.35.9
    would build: what the handler's cold-start check must turn into clear FAILED answers."""
    from botocore.model import ServiceModel

    client: Any = boto3.client("personalize")  # private attributes below: typing cannot see them
    raw = client.meta.service_model._service_description
    operations = {k: v for k, v in raw["operations"].items() if k != "UpdateSolution"}
    client.meta._service_model = ServiceModel(dict(raw, operations=operations), "personalize")
    return client
