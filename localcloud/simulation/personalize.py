"""Personalize in the simulation: the emulator's own operations (`localcloud.emulator.operations`,
the one model) behind a client shaped as boto3's, so the function's real adapter
(`solution.Boto3Solutions`) reads and classifies what it answers. Calls take virtual time, meet
the faults the history schedules, and are recorded with the request that made them; other
writers' updates go through the same operations. The ground truth (`truth`) is the model's
settings in force, whatever a reading shows.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, NamedTuple

import botocore.session
from botocore.exceptions import ClientError, ConnectTimeoutError, ReadTimeoutError

from localcloud.emulator.faults import Controls
from localcloud.emulator.model import Solution
from localcloud.emulator.operations import Scope, describe_solution, update_solution
from localcloud.emulator.validation import ERROR_STATUS, EmulatorError
from localcloud.simulation.scheduler import Scheduler
from solution_rules.properties import EventParameter, Settings

ACCOUNT = "123456789012"
LATENCY = 0.08  # seconds a call takes when nothing goes wrong
# What a fault does to one call: its error code (answered after LATENCY, nothing applied), or a
# network fault: `timeout` (no connection within connect+read: nothing applied), `lost` (applied,
# then the answer is lost: a read timeout), `refused-lost` (refused, the refusal lost).
ERROR_FAULTS = {
    "throttle": "ThrottlingException",
    "5xx": "InternalFailure",
    "unavailable": "ServiceUnavailable",
    "in-use": "ResourceInUseException",
}
NETWORK_FAULTS = ("timeout", "lost", "refused-lost")
CONNECT, READ = 2.0, 5.0  # budget.PERSONALIZE_CALL's bounds


class Call(NamedTuple):
    """One call the function made: when, which, by which invocation for which request, and how
    it ended (`applied`: an UpdateSolution the model accepted, whatever the caller heard;
    `answer`: what a DescribeSolution answered, as the model rendered it)."""

    at: float
    operation: str
    request_id: str
    invocation: str
    outcome: str
    applied: bool = False
    answer: dict[str, Any] | None = None


@functools.cache
def service_model() -> Any:
    """botocore's Personalize model, loaded once: the adapter checks UpdateSolution is in it."""
    return botocore.session.get_session().get_service_model("personalize")


def _datetimes(value: Any, key: str = "") -> Any:
    """The model's answer as boto3 parses it: every *DateTime an aware datetime."""
    if isinstance(value, dict):
        return {k: _datetimes(v, k) for k, v in value.items()}
    if isinstance(value, list):
        return [_datetimes(v) for v in value]
    if key.endswith("DateTime") and isinstance(value, int | float):
        return datetime.fromtimestamp(value, UTC)
    return value


def client_error(code: str, message: str, operation: str, status: int | None = None) -> ClientError:
    """botocore's error for an AWS error code, with its HTTP status (Personalize's, unless
    given)."""
    status = status or ERROR_STATUS.get(code, 400)
    response: Any = {
        "Error": {"Code": code, "Message": message},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    return ClientError(response, operation)


class Meta(NamedTuple):
    """What the adapter reads of a boto3 client's meta."""

    region_name: str
    service_model: Any


class SimPersonalize:
    """A boto3 Personalize client's two calls the function makes, over the shared model."""

    def __init__(
        self,
        scheduler: Scheduler,
        scope: Scope,
        faults: list[str | None],
        failing: set[int],
        caller: Callable[[], tuple[str, str]],
    ) -> None:
        self.meta = Meta(scope.region, service_model())
        self._scheduler = scheduler
        self._scope = scope
        self._faults = faults  # consumed one per call, in order
        self._failing = failing  # indices of our accepted updates that end CREATE FAILED
        self._caller = caller  # (request id, invocation) of the running process
        self.calls: list[Call] = []
        self.accepted = 0
        self.listeners: list[Callable[[Call], None]] = []

    def describe_solution(self, **params: Any) -> dict[str, Any]:
        """DescribeSolution."""
        return self._call("DescribeSolution", params)

    def update_solution(self, **params: Any) -> dict[str, Any]:
        """UpdateSolution."""
        return self._call("UpdateSolution", params)

    def _call(self, operation: str, params: dict[str, Any]) -> dict[str, Any]:
        """One call: its fault, its effect on the model, its time."""
        fault = self._faults.pop(0) if self._faults else None
        if fault == "in-use" and operation != "UpdateSolution":
            fault = None  # DescribeSolution's documented errors do not include it
        who = self._caller()
        now = self._scheduler.now()
        if fault == "timeout":
            self._record(Call(now, operation, *who, "timeout"))
            self._scheduler.sleep(CONNECT)
            raise ConnectTimeoutError(endpoint_url="https://personalize.sim")
        if fault in ERROR_FAULTS:
            self._record(Call(now, operation, *who, ERROR_FAULTS[fault]))
            self._scheduler.sleep(LATENCY)
            raise client_error(ERROR_FAULTS[fault], f"Injected {fault}", operation)
        try:
            result, applied = self._apply(operation, params, now, refuse=fault == "refused-lost")
        except EmulatorError as error:
            self._record(Call(now, operation, *who, error.error_type))
            if fault == "refused-lost":
                self._scheduler.sleep(READ)
                raise ReadTimeoutError(endpoint_url="https://personalize.sim") from None
            self._scheduler.sleep(LATENCY)
            raise client_error(error.error_type, error.message, operation) from None
        answer = result.get("solution") if operation == "DescribeSolution" else None
        self._record(Call(now, operation, *who, "ok", applied, answer))
        if fault in ("lost", "refused-lost"):
            self._scheduler.sleep(READ)
            raise ReadTimeoutError(endpoint_url="https://personalize.sim")
        self._scheduler.sleep(LATENCY)
        parsed: dict[str, Any] = _datetimes(result)
        return parsed

    def _apply(
        self, operation: str, params: dict[str, Any], now: float, *, refuse: bool
    ) -> tuple[dict[str, Any], bool]:
        """The operation on the model; an UpdateSolution refused by the fault is ResourceInUse."""
        if operation == "DescribeSolution":
            return describe_solution(self._scope, params, now), False
        if refuse:
            raise EmulatorError("ResourceInUseException", "Injected refusal, answer lost")
        reason = "Injected failure of our update" if self.accepted in self._failing else None
        result = update(self._scope, params, now, reason)
        self.accepted += 1
        return result, True

    def _record(self, call: Call) -> None:
        self.calls.append(call)
        for listener in self.listeners:
            listener(call)


def update(scope: Scope, params: dict[str, Any], now: float, failure: str | None) -> dict[str, Any]:
    """UpdateSolution on the model, the update ending CREATE FAILED with `failure` if given."""
    controls = scope.controls
    controls.failing_updates[:] = [failure] if failure else []
    try:
        return update_solution(scope, params, now)
    finally:
        controls.failing_updates.clear()


def new_scope(controls: Controls, region: str) -> Scope:
    """An empty account in `region` of the model under these controls."""
    return Scope(ACCOUNT, region, {}, controls)


def truth(solution: Solution, now: float) -> Settings:
    """The settings in force on the model, as the function's Settings: the documented default
    schedule (every 7 days) where none is set, no event parameters where none are."""
    settings = solution.effective(now)
    config = settings.config
    expression = (config.get("autoTrainingConfig") or {}).get("schedulingExpression")
    days = int("".join(ch for ch in expression if ch.isdigit())) if expression else 7
    events = (config.get("eventsConfig") or {}).get("eventParametersList") or ()
    return Settings(
        perform_auto_training=settings.perform_auto_training,
        perform_incremental_update=settings.perform_incremental_update,
        schedule_days=days,
        event_parameters=tuple(
            EventParameter(p.get("eventType"), p.get("eventValueThreshold"), p.get("weight"))
            for p in events
        ),
    )
