"""The solution model: its phases and timings, the readings of the docs it plays, its state.

Data and arithmetic on times only: the time and the timing in force are passed in (the clock and
the timing live on `faults.controls`), so nothing here knows about moto, HTTP or faults.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Timing:
    """How long each phase lasts, in seconds of the emulator's clock."""

    solution_pending: float = 0.1
    solution_in_progress: float = 0.2
    update_pending: float = 0.2
    update_in_progress: float = 0.8
    stale_read: float = 0.3
    # 0: DeleteSolution removes the solution at once; set them to see DELETE PENDING and
    # DELETE IN_PROGRESS before it is gone.
    delete_pending: float = 0.0
    delete_in_progress: float = 0.0


@dataclass(frozen=True)
class Reading:
    """One reading of what the docs leave open, as independent switches (all off: the default).

    - top_level_keeps_creation_values: DescribeSolution's top-level performAutoTraining,
      performIncrementalUpdate, solutionConfig and lastUpdatedDateTime stay what CreateSolution
      made; by default they follow the last update that became ACTIVE.
    - echo_fills_defaults: latestSolutionUpdate shows the fields its request left out with
      service defaults (ECHO_DEFAULTS, the schedule DEFAULT_SCHEDULE when auto-training, and
      EVENT_PARAMETER_DEFAULTS in each event parameter); by default it shows only the fields
      the request sent. Either way the update changes only what the request sent.
    - incremental_not_shown: performIncrementalUpdate, which has no documented default, is
      shown neither at the top level nor in latestSolutionUpdate: a client cannot read it.
    - update_accepted_while_training: UpdateSolution is accepted while a solution version
      trains (the update runs alongside); by default it is refused with ResourceInUseException.
    - echo_fills_incremental_default: latestSolutionUpdate shows performIncrementalUpdate true
      when its request left it out, SolutionUpdateSummary's documented default ("The default is
      true"), whatever the solution has; with echo_fills_defaults too, this is the value filled.
    """

    top_level_keeps_creation_values: bool = False
    echo_fills_defaults: bool = False
    incremental_not_shown: bool = False
    update_accepted_while_training: bool = False
    echo_fills_incremental_default: bool = False


READINGS: dict[str, Reading] = {
    "documented-default": Reading(),
    "top-level-keeps-creation-values": Reading(top_level_keeps_creation_values=True),
    "echo-fills-defaults": Reading(echo_fills_defaults=True),
    "incremental-not-shown": Reading(incremental_not_shown=True),
    "update-accepted-while-training": Reading(update_accepted_while_training=True),
    "echo-fills-documented-incremental-default": Reading(echo_fills_incremental_default=True),
    "hardest": Reading(
        top_level_keeps_creation_values=True,
        echo_fills_defaults=True,
        incremental_not_shown=True,
        update_accepted_while_training=True,
        echo_fills_incremental_default=True,
    ),
}
# Service defaults echo_fills_defaults shows. Documented: performAutoTraining "The default is
# True" and the schedule "The default is every 7 days". Not documented, so chosen here: an event
# parameter's eventValueThreshold 0.0 and weight 1.0, and performIncrementalUpdate false (what
# the solution's own field shows; echo_fills_incremental_default plays the documented true).
ECHO_DEFAULTS = {"performAutoTraining": True, "performIncrementalUpdate": False}
DEFAULT_SCHEDULE = "rate(7 days)"
EVENT_PARAMETER_DEFAULTS = {"eventValueThreshold": 0.0, "weight": 1.0}


@dataclass
class Settings:
    """The auto-training settings an update asks for or a solution has."""

    perform_auto_training: bool
    perform_incremental_update: bool
    config: dict[str, Any]


ASKED = ("performAutoTraining", "performIncrementalUpdate", "solutionUpdateConfig")


def merge_config(base: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    """A solution config with the fields a change sets (those not None) replaced."""
    merged = dict(base)
    merged.update({key: value for key, value in change.items() if value is not None})
    return merged


@dataclass
class Update:
    """One solution update, its phases fixed when it was created: what the request asked (its
    fields as sent, from ASKED) and the settings the solution has once it applies."""

    created: float
    asked: dict[str, Any]
    settings: Settings
    pending: float
    in_progress: float
    failure_reason: str | None

    def status_at(self, now: float) -> tuple[str, float]:
        """Status and the time it was entered."""
        if now < self.created + self.pending:
            return "CREATE PENDING", self.created
        done = self.created + self.pending + self.in_progress
        if now < done:
            return "CREATE IN_PROGRESS", self.created + self.pending
        return ("CREATE FAILED" if self.failure_reason else "ACTIVE"), done


@dataclass(frozen=True)
class Follower:
    """An update someone else makes right after the next accepted one settles (`Controls.follow`):
    its request's fields, how long after, and its failureReason if Personalize is to fail it."""

    asked: dict[str, Any]
    gap: float
    failure_reason: str | None


@dataclass
class Solution:
    """A solution and the history of its updates."""

    name: str
    arn: str
    dataset_group_arn: str
    recipe_arn: str | None
    event_type: str | None
    created: float
    ready: float
    settings: Settings
    solution_config: dict[str, Any]
    updates: list[Update] = field(default_factory=list)
    deleted: float | None = None  # when DeleteSolution was accepted
    creation_failure: str | None = None  # its creation ends CREATE FAILED, for this reason

    def gone(self, now: float, timing: Timing) -> bool:
        """Whether its deletion has finished (it is then not found)."""
        deleting = timing.delete_pending + timing.delete_in_progress
        return self.deleted is not None and now >= self.deleted + deleting

    def status_at(self, now: float, timing: Timing) -> tuple[str, float]:
        """The solution's status and when it was entered: "CREATE PENDING > CREATE IN_PROGRESS >
        ACTIVE -or- CREATE FAILED", and "DELETE PENDING > DELETE IN_PROGRESS" (DescribeSolution)."""
        if self.deleted is not None:
            if now < self.deleted + timing.delete_pending:
                return "DELETE PENDING", self.deleted
            return "DELETE IN_PROGRESS", self.deleted + timing.delete_pending
        if now < self.created + timing.solution_pending:
            return "CREATE PENDING", self.created
        if now < self.ready:
            return "CREATE IN_PROGRESS", self.created + timing.solution_pending
        return ("CREATE FAILED" if self.creation_failure else "ACTIVE"), self.ready

    def latest_status(self, now: float) -> str:
        """The status of the latest update created by now (ACTIVE if there is none)."""
        started = [u for u in self.updates if u.created <= now]
        return started[-1].status_at(now)[0] if started else "ACTIVE"

    def effective(self, now: float) -> Settings:
        """Settings in force: the creation settings, overlaid by each update that became ACTIVE."""
        settings = self.settings
        for update in self.updates:
            if update.status_at(now)[0] == "ACTIVE":
                settings = update.settings
        return settings


@dataclass(frozen=True)
class Training:
    """A solution version being trained (`Controls.train`): CREATE IN_PROGRESS until `until`."""

    arn: str
    created: float
    until: float

    def summary(self, now: float) -> dict[str, Any]:
        """The latestSolutionVersion DescribeSolution shows for it."""
        status, since = (
            ("CREATE IN_PROGRESS", self.created) if now < self.until else ("ACTIVE", self.until)
        )
        return {
            "solutionVersionArn": self.arn,
            "status": status,
            "trainingMode": "FULL",
            "trainingType": "MANUAL",
            "creationDateTime": self.created,
            "lastUpdatedDateTime": since,
        }
