"""The real handler wired for fast local runs: 1 s per-call client timeouts and the waiter on a
simulated clock (shared with the emulator), through the handler's own injection points."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from localcloud.simclock import SimulatedClock


def handler_on_clock(clock: SimulatedClock, client: Any = None, **options: Any) -> Any:
    """app.build() with an injected client and a SolutionUpdater on the simulated clock; options
    go to the SolutionUpdater (confirm_delay, policy, ...)."""
    import app
    from lifecycle import SolutionUpdater
    from solution import PersonalizeSolutions

    config = app.CLIENT_CONFIG.merge(Config(read_timeout=1, connect_timeout=1))
    client = client or boto3.client("personalize", config=config)
    updater = SolutionUpdater(
        PersonalizeSolutions(client),
        clock=clock.now,
        sleep=clock.sleep,
        call_budget=app.call_budget(config),
        **options,
    )
    return app.build(personalize_client=client, updater=updater)


def client_without_update_solution() -> Any:
    """A Personalize client whose model lacks UpdateSolution, as a botocore older than 1.35.9
    would build: what the handler's cold-start check must turn into clear FAILED answers."""
    from botocore.model import ServiceModel

    client: Any = boto3.client("personalize")  # private attributes below: typing cannot see them
    raw = client.meta.service_model._service_description
    operations = {k: v for k, v in raw["operations"].items() if k != "UpdateSolution"}
    client.meta._service_model = ServiceModel(dict(raw, operations=operations), "personalize")
    return client
