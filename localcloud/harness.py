"""The real handler wired for fast local runs: 1 s per-call client timeouts and the waiter on a
simulated clock (shared with the emulator), through the handler's own injection points."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from localcloud.simclock import SimulatedClock


def handler_on_clock(clock: SimulatedClock, client: Any = None) -> Any:
    """app.build() with an injected client and a SolutionUpdater on the simulated clock."""
    import app
    from lifecycle import SolutionUpdater
    from solution import PersonalizeSolutions

    client = client or boto3.client(
        "personalize", config=app.CLIENT_CONFIG.merge(Config(read_timeout=1, connect_timeout=1))
    )
    updater = SolutionUpdater(PersonalizeSolutions(client), clock=clock.now, sleep=clock.sleep)
    return app.build(personalize_client=client, updater=updater)
