"""The Personalize adapter: read a solution's effective settings, start an update, classify errors.

It is the only module that speaks boto3. Errors come out as three kinds the wait policy understands:
SolutionGone (stop now), SolutionBusy/Transient (wait and retry), ServiceRejected (stop now).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, NamedTuple

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from budget import CallLimits
from properties import DesiredSettings, EventParameter, schedule_expression

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

DEFAULT_AUTO_TRAINING = True  # "The default is True ... every 7 days" (DescribeSolution docs)
DEFAULT_SCHEDULE_DAYS = 7
DEFAULT_INCREMENTAL_UPDATE = False
ACTIVE = "ACTIVE"
CREATE_FAILED = "CREATE FAILED"
TRANSIENT_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
        "LimitExceededException",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "InternalFailure",
        "InternalServerError",
        "InternalServerException",
        "RequestTimeout",
        "RequestTimeoutException",
    }
)


class PersonalizeError(Exception):
    """Base of the adapter's errors; the message is fit for a CloudFormation Reason."""


class SolutionGone(PersonalizeError):
    """The solution does not exist (any more)."""


class SolutionBusy(PersonalizeError):
    """Personalize refused because the solution is busy (an update or a training in progress)."""


class Transient(PersonalizeError):
    """Throttling, a 5xx or a network fault: worth retrying later."""


class ServiceRejected(PersonalizeError):
    """Personalize rejected the request itself (InvalidInputException and the like)."""


class Settings(NamedTuple):
    """The settings in force on a solution, with the documented defaults filled in."""

    perform_auto_training: bool
    perform_incremental_update: bool
    schedule_days: int
    event_parameters: tuple[EventParameter, ...]


class UpdateRecord(NamedTuple):
    """latestSolutionUpdate: one update's status, timestamps and the settings it carries."""

    status: str
    created: datetime
    last_updated: datetime
    failure_reason: str | None
    settings: Settings


class SolutionState(NamedTuple):
    """One DescribeSolution read, reduced to what the handler decides on."""

    arn: str
    status: str
    last_updated: datetime
    settings: Settings
    latest_update: UpdateRecord | None


def _schedule_days(config: dict[str, Any] | None) -> int | None:
    """The days of a config's autoTrainingConfig.schedulingExpression, None if it has none."""
    expression = ((config or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
    if not isinstance(expression, str):
        return None
    digits = "".join(ch for ch in expression if ch.isdigit())
    return int(digits) if digits else None


def _events(config: dict[str, Any] | None) -> tuple[EventParameter, ...] | None:
    """A config's eventsConfig as EventParameters, None if it has none."""
    events = (config or {}).get("eventsConfig")
    if events is None:
        return None
    return tuple(
        EventParameter(
            event_type=item.get("eventType"),
            event_value_threshold=item.get("eventValueThreshold"),
            weight=item.get("weight"),
        )
        for item in events.get("eventParametersList") or ()
    )


def _first(*values: Any) -> Any:
    """The first value that is not None (update, then solution, then documented default)."""
    return next((value for value in values if value is not None), None)


def _settings(update: Mapping[str, Any], solution: Mapping[str, Any]) -> Settings:
    """Settings read from an update summary, falling back to the solution's, then the defaults."""
    config = solution.get("solutionConfig")
    update_config = update.get("solutionUpdateConfig")
    events = _first(_events(update_config), _events(config))
    return Settings(
        perform_auto_training=_first(
            update.get("performAutoTraining"),
            solution.get("performAutoTraining"),
            DEFAULT_AUTO_TRAINING,
        ),
        perform_incremental_update=_first(
            update.get("performIncrementalUpdate"),
            solution.get("performIncrementalUpdate"),
            DEFAULT_INCREMENTAL_UPDATE,
        ),
        schedule_days=_first(
            _schedule_days(update_config), _schedule_days(config), DEFAULT_SCHEDULE_DAYS
        ),
        event_parameters=events or (),
    )


def read_state(solution: Mapping[str, Any]) -> SolutionState:
    """Reduce a DescribeSolution `solution`; an ACTIVE latest update overrides its own values."""
    latest = solution.get("latestSolutionUpdate")
    record = None
    if latest:
        record = UpdateRecord(
            status=latest.get("status", ""),
            created=latest["creationDateTime"],
            last_updated=latest.get("lastUpdatedDateTime", latest["creationDateTime"]),
            failure_reason=latest.get("failureReason"),
            settings=_settings(latest, solution),
        )
    return SolutionState(
        arn=solution["solutionArn"],
        status=solution.get("status", ""),
        last_updated=solution.get("lastUpdatedDateTime") or solution["creationDateTime"],
        settings=record.settings if record and record.status == ACTIVE else _settings({}, solution),
        latest_update=record,
    )


def update_request(settings: DesiredSettings) -> dict[str, Any]:
    """The UpdateSolution arguments for what is asked; omitted properties are not sent."""
    request: dict[str, Any] = {"solutionArn": settings.solution_arn}
    if settings.perform_auto_training is not None:
        request["performAutoTraining"] = settings.perform_auto_training
    if settings.perform_incremental_update is not None:
        request["performIncrementalUpdate"] = settings.perform_incremental_update
    config: dict[str, Any] = {}
    if settings.schedule_days is not None:
        config["autoTrainingConfig"] = {
            "schedulingExpression": schedule_expression(settings.schedule_days)
        }
    if settings.event_parameters is not None:
        config["eventsConfig"] = {
            "eventParametersList": [
                {
                    key: value
                    for key, value in (
                        ("eventType", item.event_type),
                        ("eventValueThreshold", item.event_value_threshold),
                        ("weight", item.weight),
                    )
                    if value is not None
                }
                for item in settings.event_parameters
            ]
        }
    if config:
        request["solutionUpdateConfig"] = config
    return request


def _classify(error: Exception, arn: str) -> PersonalizeError:
    """Map a botocore error onto the adapter's error kinds, with a message a person can act on."""
    if isinstance(error, ClientError):
        code = error.response.get("Error", {}).get("Code", "")
        message = error.response.get("Error", {}).get("Message", "") or code
        status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
        text = f"{code}: {message}"
        if code == "ResourceNotFoundException":
            return SolutionGone(f"Solution {arn} was not found ({text})")
        if code == "ResourceInUseException":
            return SolutionBusy(text)
        if code in TRANSIENT_CODES or status >= 500 or status == 429:
            return Transient(text)
        return ServiceRejected(f"Personalize rejected the request ({text})")
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, BotoConnectionError | HTTPClientError):  # resets, timeouts, DNS
        return Transient(text)
    # No credentials or region, a parameter botocore refuses: waiting will not change it.
    return ServiceRejected(f"Could not call Personalize ({text})")


def bounded_client(limits: CallLimits) -> PersonalizeClient:
    """A Personalize client whose calls are bounded by `limits`; its endpoint follows boto3's own
    AWS_ENDPOINT_URL_PERSONALIZE / AWS_ENDPOINT_URL variables."""
    config = Config(**limits.botocore_options(), user_agent_extra="personalize-solution-update")
    return boto3.client("personalize", config=config)


def require_update_api(client: Any) -> None:
    """Refuse a botocore that predates what we call, with a reason that says what to do."""
    model = client.meta.service_model
    if "UpdateSolution" not in model.operation_names:
        raise RuntimeError(
            f"botocore {botocore.__version__} has no personalize UpdateSolution (needs 1.35.9 or "
            "newer); deploy with the pinned requirements.txt"
        )
    config = model.shape_for("SolutionUpdateConfig").members
    members = model.operation_model("UpdateSolution").input_shape.members
    if "performIncrementalUpdate" not in members or "eventsConfig" not in config:
        raise RuntimeError(
            f"botocore {botocore.__version__} lacks performIncrementalUpdate/eventsConfig on "
            "UpdateSolution; deploy with the pinned requirements.txt"
        )


class PersonalizeSolutions:
    """Reads and updates solutions through an injectable Personalize client."""

    def __init__(self, client: PersonalizeClient) -> None:
        require_update_api(client)
        self._client = client

    def describe(self, arn: str) -> SolutionState:
        """DescribeSolution, reduced; raises a PersonalizeError kind on failure."""
        try:
            answer = self._client.describe_solution(solutionArn=arn)
        except (ClientError, BotoCoreError) as error:
            raise _classify(error, arn) from None
        try:
            return read_state(answer["solution"])
        except KeyError as error:  # a field every documented answer has: not worth an hour's retry
            raise ServiceRejected(
                f"DescribeSolution answered without {error}, which this function needs"
            ) from None

    def update(self, settings: DesiredSettings) -> None:
        """UpdateSolution with only the asked-for settings; each call may start a training run."""
        try:
            self._client.update_solution(**update_request(settings))
        except (ClientError, BotoCoreError) as error:
            raise _classify(error, settings.solution_arn) from None
