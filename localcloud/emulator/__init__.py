"""A Personalize emulator on moto's server: the solution operations moto lacks, real JSON protocol.

moto 5.2 ships Personalize schemas only. CreateSolution, DescribeSolution, UpdateSolution,
ListSolutions and DeleteSolution are added to moto's PersonalizeResponse (requests already route
there) when an `EmulatorServer` is built, and keep their state on moto's PersonalizeBackend, one
per account and region. Behaviour follows botocore's model and the docs; where they are silent it
is the harder case for a client:
- the documented states CREATE PENDING > CREATE IN_PROGRESS > ACTIVE -or- CREATE FAILED,
  with durations from `Timing`, evaluated against an injectable clock (no background threads);
- ResourceInUseException while the solution is not ACTIVE, an update is pending, or a solution
  version trains (`Controls.train`; DescribeSolution shows it as the latestSolutionVersion);
- stale reads: for `Timing.stale_read` seconds after UpdateSolution, DescribeSolution still shows
  the solution as it was before the update;
- injectable faults per operation (throttling, 5xx, any error code), failing updates, and
  someone else's update right after the next one (`Controls.follow`);
- InvalidInputException for what a solution's recipe does not support (INCREMENTAL_RECIPES,
  EVENTS_RECIPES);
- where the docs allow several readings, each is a named `Reading` (READINGS), played when set
  as `controls.reading` (or with `--reading NAME`); `controls.reset()` restores the default.

One job a module: `model` (the solution model and the readings), `faults` (the controls and
network faults), `validation` (what Personalize refuses), `view` (what DescribeSolution shows),
`operations` (the five operations), `server` (moto wiring and `EmulatorServer`), `__main__` (the
command line). Run on its own: `python -m localcloud.emulator --port 4566`.
"""

from __future__ import annotations

from localcloud.emulator.faults import Call, Controls, controls
from localcloud.emulator.model import READINGS, Reading, Timing
from localcloud.emulator.server import EmulatorServer

__all__ = ["READINGS", "Call", "Controls", "EmulatorServer", "Reading", "Timing", "controls"]
