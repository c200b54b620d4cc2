"""The updater's port to Personalize, free of boto3: what a read gives (`SolutionState`), the
errors a call may raise, and the `PersonalizeSolutions` interface that solution.py's adapter (in
Lambda) and an in-memory fake (in tests) implement.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from solution_rules.properties import Settings
from solution_rules.records import NamedTuple

ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"


class PersonalizeError(Exception):
    """Base of the adapter's errors; the message is fit for a CloudFormation Reason."""


class SolutionGone(PersonalizeError):
    """The solution does not exist (any more)."""


class SolutionBusy(PersonalizeError):
    """Personalize refused because the solution is busy (an update or a training in progress)."""


class Transient(PersonalizeError):
    """Throttling, a 5xx or a network fault: worth retrying later. `throttled`: Personalize
    asked us to slow down (the account's rate is spent), not a passing fault."""

    def __init__(self, message: str, *, throttled: bool = False) -> None:
        super().__init__(message)
        self.throttled = throttled


class Uncertain(Transient):
    """A fault after the request went out (a 5xx, a dropped connection, a read timeout): worth
    retrying, but the call may have taken effect (an UpdateSolution may have started its
    update)."""


class ServiceRejected(PersonalizeError):
    """Personalize rejected the request itself (InvalidInputException and the like)."""


class UpdateRecord(NamedTuple):
    """latestSolutionUpdate: one update's status, timestamps, and the settings its summary shows
    (which may be only the fields its request sent, or those and service defaults)."""

    status: str
    created: datetime
    last_updated: datetime
    failure_reason: str | None
    shown: Settings


class SolutionState(NamedTuple):
    """One DescribeSolution read, reduced to what the handler decides on: the solution's own
    settings as shown (`top_level`) and its latest update, if it was ever updated."""

    arn: str
    status: str
    last_updated: datetime
    top_level: Settings
    latest_update: UpdateRecord | None


class PersonalizeSolutions(Protocol):
    """What the updater reads and changes; each call raises one of the errors above."""

    def describe(self, arn: str) -> SolutionState:
        """DescribeSolution, reduced to what the updater decides on."""
        ...

    def update(self, arn: str, sent: Settings) -> None:
        """UpdateSolution sending the fields of `sent` that are not None."""
        ...
