"""An in-memory Personalize behind the updater's port (port.PersonalizeSolutions), behaving as
the service does under the documented-default reading: an update is CREATE PENDING, then CREATE
IN_PROGRESS, then ACTIVE (or CREATE FAILED) as the fake clock moves; its summary shows the fields
it sent; the solution's own fields follow it once ACTIVE; a read may lag an update; UpdateSolution
is refused with ResourceInUse while an update runs (someone else's too: append it to `updates`);
calls can be throttled, and an UpdateSolution's answer lost after it took effect."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from port import SolutionBusy, SolutionGone, SolutionState, Transient, Uncertain, UpdateRecord
from solution_rules.properties import Settings

ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"
START = 1_800_000_000.0


@dataclass
class Clock:
    """The fake time the updater sleeps on and the fake solution ages by."""

    now: float = START

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += max(0.0, seconds)


def merged(base: Settings, sent: Settings) -> Settings:
    """`base` with every field `sent` sets."""
    return base._replace(**{k: v for k, v in sent._asdict().items() if v is not None})


def _time(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


@dataclass
class Update:
    """One UpdateSolution: what it sent and when."""

    sent: Settings
    created: float
    fails_with: str | None = None


@dataclass
class FakeSolutions:
    """One solution (ARN) and the calls made to it; the knobs are the faults to play."""

    clock: Clock
    settings: Settings = field(
        default_factory=lambda: Settings(perform_auto_training=True, schedule_days=7)
    )
    pending: float = 60.0  # seconds CREATE PENDING, then as long CREATE IN_PROGRESS
    lagging_reads: int = 0  # reads after each update that still show the solution before it
    throttle_next: int = 0  # calls (of either kind) answered with ThrottlingException
    next_failure: str | None = None  # the failureReason of the next update
    lose_next_answer: bool = False  # the next update is made, but its answer times out
    exists: bool = True
    status: str = "ACTIVE"  # the solution's own status (CREATE FAILED, DELETE PENDING, ...)
    updates: list[Update] = field(default_factory=list)
    describes: int = 0
    refused: int = 0
    lagging_now: int = 0  # reads left that still show the solution before its last update

    def _call(self, arn: str) -> None:
        """What every call meets first: throttling, then a solution that is gone."""
        if self.throttle_next:
            self.throttle_next -= 1
            raise Transient("ThrottlingException: Rate exceeded", throttled=True)
        if not self.exists or arn != ARN:
            raise SolutionGone(f"Solution {arn} was not found")

    def _status(self, update: Update) -> str:
        age = self.clock() - update.created
        if age < self.pending:
            return "CREATE PENDING"
        if age < 2 * self.pending:
            return "CREATE IN_PROGRESS"
        return "CREATE FAILED" if update.fails_with else "ACTIVE"

    def in_force(self) -> Settings:
        """The settings the solution has now: its first ones, then each ACTIVE update's."""
        settings = self.settings
        for update in self.updates:
            if self._status(update) == "ACTIVE":
                settings = merged(settings, update.sent)
        return settings

    def describe(self, arn: str) -> SolutionState:
        self._call(arn)
        self.describes += 1
        shown = self.updates
        if self.lagging_now:
            self.lagging_now -= 1
            shown = self.updates[:-1]
        latest = None
        if shown:
            update = shown[-1]
            status = self._status(update)
            latest = UpdateRecord(
                status=status,
                created=_time(update.created),
                last_updated=_time(self.clock() if status == "ACTIVE" else update.created),
                failure_reason=update.fails_with if status == "CREATE FAILED" else None,
                shown=update.sent,
            )
        return SolutionState(ARN, self.status, _time(START), self.in_force(), latest)

    def update(self, arn: str, sent: Settings) -> None:
        self._call(arn)
        running = ("CREATE PENDING", "CREATE IN_PROGRESS")
        if self.updates and self._status(self.updates[-1]) in running:
            self.refused += 1
            raise SolutionBusy("ResourceInUseException: the solution is being updated")
        self.updates.append(Update(sent, self.clock(), self.next_failure))
        self.next_failure = None
        self.lagging_now = self.lagging_reads
        if self.lose_next_answer:
            self.lose_next_answer = False
            raise Uncertain("ReadTimeoutError: Read timeout on endpoint URL")
