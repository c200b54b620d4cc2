"""Every way a request can end. `Dispatcher.conclude` turns each into the one answer:

- `Succeeded`: SUCCESS with the resource's id and attributes (the settings proven in force, or a
  Delete done);
- `Failure`: FAILED with a Reason a person can act on and a `cause` for metrics, with the
  request's own id (`protocol`'s failure_id) unless it names another (a Create that started an
  update: the solution's). Made by a refusal before any call (`protocol`), a `RequestFailed`
  raised by an operation, a hand-off Lambda refused, the watchdog (out of time), or a bug
  (internal error);
- `Handover`: no answer from this invocation: the next one, started with the carried wait, gives
  it (raised as `Continue`);
- `NoAnswer` (`solution_rules.response`, raised by `protocol.read_request`): the event names no
  ResponseURL we may answer, so nothing is done and nothing is answered.

A Reason is cut to `MAX_REASON_BYTES` (`solution_rules.envelope.fitted`) where it is made, so that
every answer fits CloudFormation's 4096-byte body (`protocol` bounds the ids) and no later step
changes a decided status.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from solution_rules.envelope import fitted
from solution_rules.records import NamedTuple

if TYPE_CHECKING:
    from continuation import Carried

OUT_OF_TIME = (
    "The function ran out of time while waiting for Personalize to answer; see the function's "
    "logs, and retry the stack operation"
)


class Succeeded(NamedTuple):
    """SUCCESS: the resource's id, its Fn::GetAtt attributes, and what was applied (for
    metrics; None when no solution was acted on)."""

    physical_id: str
    data: dict[str, str]
    applied: Applied | None = None


class Failure(NamedTuple):
    """FAILED with `reason`; `cause` names it for metrics (InvalidProperties, UpdateFailed, ...);
    `physical_id`, the id to answer with when it is not the request's failure id (None). Build
    it with `failure()`, which fits the Reason."""

    reason: str
    cause: str
    physical_id: str | None = None


def failure(reason: str, cause: str, physical_id: str | None = None) -> Failure:
    """A Failure whose Reason fits the response body."""
    return Failure(fitted(reason), cause, physical_id)


def internal_error(name: str) -> Failure:
    """The Failure of a bug (an exception named `name`): a Reason a person can act on."""
    return failure(f"Internal error ({name}); see the function's logs", "InternalError")


class Handover(NamedTuple):
    """The wait goes on in a new invocation with `carried`; `reason` is the Reason to fail with
    if Lambda refuses to start it; `update_started`: an update of the request was accepted, or
    may have been, or a twin of it runs (so a Create's failure names the solution)."""

    reason: str
    carried: Carried
    update_started: bool = False


class Applied(NamedTuple):
    """What applying a request did: the Fn::GetAtt attributes, whether UpdateSolution was called,
    and the seconds since the request's first invocation began."""

    data: dict[str, str]
    updated: bool
    waited: float


Outcome = Succeeded | Failure | Handover


class RequestFailed(Exception):
    """Raised for FAILED (crhelper's way): the message is the fitted Reason. `update_started`:
    an UpdateSolution of this request was accepted, or may have been (its answer was lost), and
    its update is not known to have failed, so the solution's settings may have changed or may
    yet change."""

    def __init__(
        self,
        reason: str,
        cause: str,
        *,
        physical_id: str | None = None,
        update_started: bool = False,
    ) -> None:
        self.failure = failure(reason, cause, physical_id)
        self.update_started = update_started
        super().__init__(self.failure.reason)

    @property
    def cause(self) -> str:
        """The failure's name for metrics."""
        return self.failure.cause


class Continue(Exception):
    """Raised when this invocation's time is nearly up and CloudFormation's is not."""

    def __init__(self, reason: str, carried: Carried, *, update_started: bool = False) -> None:
        self.handover = Handover(fitted(reason), carried, update_started)
        super().__init__(self.handover.reason)
