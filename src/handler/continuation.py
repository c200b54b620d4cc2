"""Carrying a wait into a new invocation: the marker that travels in the event, and the function
invoking itself asynchronously with it.

Chosen over crhelper's poller (an EventBridge rule, target and Lambda permission per request):
nothing is created, so nothing can be left behind on success, failure or a timeout; the next
invocation starts at once instead of on a minutes schedule; IAM is one action on one ARN
(lambda:InvokeFunction on this function); and a chain lasts at most ServiceTimeout (3600 s), a
handful of invocations, far below Lambda's recursive-loop detection threshold.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError, HTTPClientError

from budget import CLOCK_SKEW, HAND_OFF_CALL, MAX_MARKER_AGE
from reconcile import Sighting
from solution_rules.envelope import CARRY_KEY
from solution_rules.records import NamedTuple

MARKER_FIELDS = frozenset({"first", "updated", "baseline", "hops"})
# Optional, so that a chain handed on by the previous version still reads.
OPTIONAL_FIELDS = frozenset({"seen"})
# The largest whole number a float (and so JSON's readers) holds exactly: the bound on an integer.
MAX_NUMBER = 2.0**53
ISO_LENGTH = 40  # longer than any ISO 8601 time with an offset and microseconds


class ForgedMarker(ValueError):
    """The event carries a marker this function would not have written; the message says why."""


class Carried(NamedTuple):
    """A wait carried into the next invocation: when the first one began (CloudFormation's
    ServiceTimeout counts from there), whether UpdateSolution was already called, the stale-read
    baseline (the creation time of the update seen before ours), how many invocations came
    before, and the first update created after the baseline that a check saw (which one is
    ours). Small and JSON-able."""

    first: float
    updated: bool = False
    baseline: datetime | None = None
    hops: int = 0
    seen: Sighting | None = None

    def after_update(self, baseline: datetime | None) -> Carried:
        """The same wait, once UpdateSolution has been called after an update created at
        `baseline` (None: the solution had never been updated)."""
        return self._replace(updated=True, baseline=baseline)

    def next_hop(self, seen: Sighting | None = None) -> Carried:
        """The state the next invocation of the chain receives, with what the checks saw."""
        return self._replace(hops=self.hops + 1, seen=seen or self.seen)

    def to_json(self) -> dict[str, Any]:
        """The form that travels in the event."""
        return {
            "first": self.first,
            "updated": self.updated,
            "baseline": self.baseline.isoformat() if self.baseline else None,
            "hops": self.hops,
            "seen": {"created": self.seen.created.isoformat(), "ours": self.seen.ours}
            if self.seen
            else None,
        }


def read_marker(event: Mapping[str, Any], now: float) -> Carried | None:
    """The carried state of a continued invocation, None for a request from CloudFormation.

    Anyone allowed to invoke the function can put a marker in an event, so every field is
    checked: a negative hop count would make an endless chain, a start in the future would
    extend CloudFormation's deadline (budget.plan clamps one within CLOCK_SKEW to the present),
    a start older than any chain lasts (0, -1e308) would only put an absurd number in the
    Reason, and the sighting decides which update is ours. Raises ForgedMarker with the
    reason."""
    raw = event.get(CARRY_KEY)
    if raw is None:
        return None
    if (
        not isinstance(raw, Mapping)
        or not MARKER_FIELDS <= set(raw) <= MARKER_FIELDS | OPTIONAL_FIELDS
    ):
        fields = ", ".join(sorted(MARKER_FIELDS))
        optional = ", ".join(sorted(OPTIONAL_FIELDS))
        raise ForgedMarker(
            f"{CARRY_KEY} must be a map of exactly {fields}, and optionally {optional}"
        )
    first, updated, baseline, hops = raw["first"], raw["updated"], raw["baseline"], raw["hops"]
    if not _finite_number(first):
        raise ForgedMarker(f"{CARRY_KEY}.first is not a time")
    if first > now + CLOCK_SKEW:
        raise ForgedMarker(f"{CARRY_KEY}.first is in the future")
    if first < now - MAX_MARKER_AGE:
        hours = MAX_MARKER_AGE / 3600
        raise ForgedMarker(f"{CARRY_KEY}.first is more than {hours:.0f} hours in the past")
    if not isinstance(updated, bool):
        raise ForgedMarker(f"{CARRY_KEY}.updated is not a boolean")
    if isinstance(hops, bool) or not isinstance(hops, int) or hops < 0:
        raise ForgedMarker(f"{CARRY_KEY}.hops is not a whole number of at least 0")
    if baseline is not None and (not updated or not isinstance(baseline, str)):
        raise ForgedMarker(f"{CARRY_KEY}.baseline is set without an update, or not a string")
    when = _time("baseline", baseline) if baseline else None
    seen = _sighting(raw.get("seen"), updated, when, now)
    return Carried(first=float(first), updated=updated, baseline=when, hops=hops, seen=seen)


def _finite_number(value: Any) -> bool:
    """Whether `value` is a finite JSON number. An integer is bounded first: math.isfinite
    raises OverflowError on one too large for a float."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    if isinstance(value, int):
        return -MAX_NUMBER <= value <= MAX_NUMBER
    return math.isfinite(value)


def _time(name: str, value: str) -> datetime:
    """A marker's ISO 8601 time with its offset (ours always carry one)."""
    try:
        when = datetime.fromisoformat(value) if len(value) <= ISO_LENGTH else None
    except ValueError:
        when = None
    if when is None:
        raise ForgedMarker(f"{CARRY_KEY}.{name} is not an ISO 8601 time")
    if when.tzinfo is None:
        raise ForgedMarker(f"{CARRY_KEY}.{name} has no time zone")
    return when


def _sighting(raw: Any, updated: bool, baseline: datetime | None, now: float) -> Sighting | None:
    """The carried sighting of the first update after the baseline: only after an update,
    later than the baseline, and not from the future (it would decide which update is ours)."""
    if raw is None:
        return None
    if not updated or not isinstance(raw, Mapping) or set(raw) != {"created", "ours"}:
        raise ForgedMarker(
            f"{CARRY_KEY}.seen is set without an update, or not a map of created, ours"
        )
    created, ours = raw["created"], raw["ours"]
    if not isinstance(created, str) or not isinstance(ours, bool):
        raise ForgedMarker(f"{CARRY_KEY}.seen.created is not a string, or .ours not a boolean")
    when = _time("seen.created", created)
    if (baseline is not None and when <= baseline) or when.timestamp() > now + CLOCK_SKEW:
        raise ForgedMarker(f"{CARRY_KEY}.seen.created is not between the baseline and now")
    return Sighting(when, ours)


class HandOffUncertain(Exception):
    """The Invoke request was sent but no status came back: it may have been queued, and the
    new invocation will answer. Another answer from here could contradict it."""


class SelfInvoker:
    """Re-delivers the event, with the carried state, to the function's own ARN."""

    def __init__(self, client_factory: Callable[[], Any] | None = None) -> None:
        self._factory = client_factory or (
            lambda: boto3.client("lambda", config=Config(**HAND_OFF_CALL.botocore_options()))
        )
        self._client: Any = None  # built on first use: most invocations never need it

    def __call__(self, payload: Mapping[str, Any], function_arn: str) -> None:
        """Invoke asynchronously (InvocationType Event). Raises what proves the event was not
        queued: Lambda refused it (a 4xx), or no request went out (no connection, no
        credentials). What may come after Lambda queued it (a read timeout, a dropped
        connection, a 5xx) raises HandOffUncertain."""
        if self._client is None:
            self._client = self._factory()
        body = json.dumps(payload).encode()
        try:
            self._client.invoke(FunctionName=function_arn, InvocationType="Event", Payload=body)
        except ClientError as error:
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
            if 400 <= status < 500:
                raise
            raise HandOffUncertain(str(error)) from None
        except HTTPClientError as error:  # the request was sent, or may have been
            raise HandOffUncertain(str(error)) from None


def hands_off(environ: Mapping[str, str]) -> bool:
    """Whether a long wait may continue in a new invocation. In Lambda, always. Under SAM CLI
    (AWS_SAM_LOCAL) only when boto3's AWS_ENDPOINT_URL_LAMBDA names a Lambda to invoke, such as
    `sam local start-lambda`; `sam local invoke` alone has none, so the function waits in one
    run."""
    return not environ.get("AWS_SAM_LOCAL") or bool(environ.get("AWS_ENDPOINT_URL_LAMBDA"))
