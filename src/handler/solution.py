"""The Personalize adapter behind the updater's port (port.PersonalizeSolutions), on boto3: read a
solution's effective settings, start an update, classify errors.

It is the only module that speaks to Personalize (continuation.py holds the Lambda client of the
hand-off). Errors come out as the kinds the wait policy understands: SolutionGone (stop now),
SolutionBusy/Transient (wait and retry; Uncertain where the call may have taken effect),
ServiceRejected (stop now).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import boto3
import botocore
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, HTTPClientError
from botocore.exceptions import ConnectionError as BotoConnectionError

from logs import logger
from port import (
    PersonalizeError,
    ServiceRejected,
    SolutionBusy,
    SolutionGone,
    SolutionState,
    Transient,
    Uncertain,
    UpdateRecord,
)
from solution_rules.limits import CallLimits
from solution_rules.properties import EventParameter, Settings, schedule_expression

if TYPE_CHECKING:
    from mypy_boto3_personalize import PersonalizeClient

THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "ThrottledException",
        "TooManyRequestsException",
        "RequestLimitExceeded",
    }
)
TRANSIENT_CODES = THROTTLING_CODES | frozenset(
    {
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


def _schedule_days(config: Mapping[str, Any] | None) -> int | None:
    """The days of a config's autoTrainingConfig.schedulingExpression, None if it has none."""
    expression = ((config or {}).get("autoTrainingConfig") or {}).get("schedulingExpression")
    if not isinstance(expression, str):
        return None
    digits = "".join(ch for ch in expression if ch.isdigit())
    return int(digits) if digits else None


def _events(config: Mapping[str, Any] | None) -> tuple[EventParameter, ...] | None:
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


def _shown(fields: Mapping[str, Any], config: Mapping[str, Any] | None) -> Settings:
    """The settings a solution or an update summary shows; None for each one it does not."""
    return Settings(
        perform_auto_training=fields.get("performAutoTraining"),
        perform_incremental_update=fields.get("performIncrementalUpdate"),
        schedule_days=_schedule_days(config),
        event_parameters=_events(config),
    )


def read_state(solution: Mapping[str, Any]) -> SolutionState:
    """Reduce a DescribeSolution `solution` to what it shows, without guessing what it does not."""
    latest = solution.get("latestSolutionUpdate")
    record = None
    if latest:
        record = UpdateRecord(
            status=latest.get("status", ""),
            created=latest["creationDateTime"],
            last_updated=latest.get("lastUpdatedDateTime", latest["creationDateTime"]),
            failure_reason=latest.get("failureReason"),
            shown=_shown(latest, latest.get("solutionUpdateConfig")),
        )
    return SolutionState(
        arn=solution["solutionArn"],
        status=solution.get("status", ""),
        last_updated=solution.get("lastUpdatedDateTime") or solution["creationDateTime"],
        top_level=_shown(solution, solution.get("solutionConfig")),
        latest_update=record,
    )


def update_request(arn: str, sent: Settings) -> dict[str, Any]:
    """The UpdateSolution arguments that send `sent`: a field that is None is not sent."""
    request: dict[str, Any] = {"solutionArn": arn}
    if sent.perform_auto_training is not None:
        request["performAutoTraining"] = sent.perform_auto_training
    if sent.perform_incremental_update is not None:
        request["performIncrementalUpdate"] = sent.perform_incremental_update
    config: dict[str, Any] = {}
    if sent.schedule_days is not None:
        config["autoTrainingConfig"] = {
            "schedulingExpression": schedule_expression(sent.schedule_days)
        }
    if sent.event_parameters is not None:
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
                for item in sent.event_parameters
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
        throttled = code in THROTTLING_CODES or status == 429
        if status >= 500 and not throttled:
            return Uncertain(text)
        if code in TRANSIENT_CODES or throttled:
            return Transient(text, throttled=throttled)
        return ServiceRejected(f"Personalize rejected the request ({text})")
    text = f"{type(error).__name__}: {error}"
    if isinstance(error, HTTPClientError):  # sent, its answer lost: a reset, a read timeout
        return Uncertain(text)
    if isinstance(error, BotoConnectionError):  # nothing sent: no connection, DNS
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


class Boto3Solutions:
    """port.PersonalizeSolutions through an injectable boto3 Personalize client."""

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
            state = read_state(answer["solution"])
        except KeyError as error:  # a field every documented answer has: not worth an hour's retry
            raise ServiceRejected(
                f"DescribeSolution answered without {error}, which this function needs"
            ) from None
        latest = state.latest_update
        logger.debug(
            "Read the solution",
            extra={
                "status": state.status,
                "latest_update_status": latest.status if latest else None,
                "settings": state.top_level._asdict(),
            },
        )
        return state

    def update(self, arn: str, sent: Settings) -> None:
        """UpdateSolution sending `sent` alone; each call may start a training run."""
        try:
            self._client.update_solution(**update_request(arn, sent))
        except (ClientError, BotoCoreError) as error:
            raise _classify(error, arn) from None
