"""The decisions that save money and tell the truth, on DescribeSolution shapes as sent."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from properties import DesiredSettings, EventParameter
from reconcile import Phase, attributes, busy_reason, differences, progress_of, unusable_reason
from solution import PersonalizeSolutions, ServiceRejected, read_state, update_request

ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"
T0 = datetime(2026, 11, 1, tzinfo=UTC)


def solution(latest=None, **fields):
    body = {
        "solutionArn": ARN,
        "status": "ACTIVE",
        "creationDateTime": T0,
        "lastUpdatedDateTime": T0,
    }
    body.update(fields)
    if latest:
        body["latestSolutionUpdate"] = latest
    return read_state(body)


def update(status="ACTIVE", days=5, created=T0, auto=True, reason=None):
    summary = {
        "status": status,
        "performAutoTraining": auto,
        "solutionUpdateConfig": {
            "autoTrainingConfig": {"schedulingExpression": f"rate({days} days)"}
        },
        "creationDateTime": created,
        "lastUpdatedDateTime": created + timedelta(minutes=3),
    }
    if reason:
        summary["failureReason"] = reason
    return summary


def wants(**fields) -> DesiredSettings:
    return DesiredSettings(solution_arn=ARN, **fields)


def test_never_updated_solution_has_the_documented_defaults():
    state = solution()
    assert differences(wants(perform_auto_training=True, schedule_days=7), state.settings) == []
    assert differences(wants(perform_incremental_update=False), state.settings) == []
    assert differences(wants(schedule_days=6), state.settings) == ["SchedulingExpression"]


def test_creation_config_counts_when_never_updated():
    state = solution(
        performAutoTraining=False,
        solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(1 day)"}},
    )
    assert differences(wants(perform_auto_training=False, schedule_days=1), state.settings) == []


def test_active_update_overrides_creation_settings():
    state = solution(update(days=3), performAutoTraining=False)
    assert differences(wants(perform_auto_training=True, schedule_days=3), state.settings) == []


def test_failed_update_is_not_in_force():
    state = solution(update(status="CREATE FAILED", days=2, reason="x"))
    assert state.settings.schedule_days == 7
    assert differences(wants(schedule_days=2), state.settings) == ["SchedulingExpression"]


def test_omitted_properties_are_never_compared():
    state = solution(update(days=3, auto=False))
    assert differences(wants(), state.settings) == []


def test_event_parameters_compare_regardless_of_order():
    config = {
        "eventsConfig": {
            "eventParametersList": [
                {"eventType": "click", "weight": 0.3},
                {"eventType": "buy", "eventValueThreshold": 1.0, "weight": 1.0},
            ]
        }
    }
    state = solution(solutionConfig=config)
    same = (EventParameter("buy", 1.0, 1.0), EventParameter("click", None, 0.3))
    assert differences(wants(event_parameters=same), state.settings) == []
    other = (EventParameter("click", None, 0.4),)
    assert differences(wants(event_parameters=other), state.settings) == ["EventParametersList"]


def test_a_read_showing_the_previous_update_is_pending_not_success():
    previous = solution(update(days=5, created=T0))
    asked = wants(schedule_days=3)
    assert progress_of(previous, asked, baseline=T0).phase is Phase.PENDING
    ours = solution(update(days=3, created=T0 + timedelta(seconds=1)))
    assert progress_of(ours, asked, baseline=T0).phase is Phase.SUCCEEDED


def test_an_older_update_with_other_settings_is_not_ours_even_without_baseline():
    """The read we took the baseline from may itself have been stale (no update visible)."""
    older = solution(update(days=5, created=T0))
    assert progress_of(older, wants(schedule_days=3), baseline=None).phase is Phase.PENDING


def test_no_update_visible_yet_is_pending():
    assert progress_of(solution(), wants(schedule_days=3), baseline=None).phase is Phase.PENDING


def test_our_update_in_progress_is_pending_with_its_status():
    state = solution(update(status="CREATE IN_PROGRESS", days=3, created=T0))
    progress = progress_of(state, wants(schedule_days=3), baseline=None)
    assert (progress.phase, progress.status) == (Phase.PENDING, "CREATE IN_PROGRESS")


def test_our_failed_update_carries_its_reason():
    state = solution(update(status="CREATE FAILED", days=3, reason="No data", created=T0))
    progress = progress_of(state, wants(schedule_days=3), baseline=None)
    assert (progress.phase, progress.failure_reason) == (Phase.FAILED, "No data")


def test_busy_and_unusable():
    assert busy_reason(solution(status="CREATE IN_PROGRESS")) is not None
    assert busy_reason(solution(update(status="CREATE PENDING"))) is not None
    assert busy_reason(solution(update(status="CREATE FAILED", reason="x"))) is None
    assert busy_reason(solution(update())) is None
    assert unusable_reason(solution(status="CREATE FAILED")) is not None
    assert unusable_reason(solution(status="DELETE PENDING")) is not None
    assert unusable_reason(solution()) is None


def test_attributes_are_strings_from_the_settled_state():
    data = attributes(solution(update(days=1)))
    assert data == {
        "SolutionArn": ARN,
        "PerformAutoTraining": "true",
        "SchedulingExpression": "rate(1 day)",
        "PerformIncrementalUpdate": "false",
        "Status": "ACTIVE",
        "LastUpdatedDateTime": "2026-11-01T00:03:00+00:00",
    }
    assert attributes(solution())["Status"] == "ACTIVE"


def test_update_request_sends_only_what_is_asked():
    assert update_request(wants()) == {"solutionArn": ARN}
    full = update_request(
        wants(
            perform_auto_training=True,
            perform_incremental_update=False,
            schedule_days=1,
            event_parameters=(EventParameter("click", None, 0.5),),
        )
    )
    assert full == {
        "solutionArn": ARN,
        "performAutoTraining": True,
        "performIncrementalUpdate": False,
        "solutionUpdateConfig": {
            "autoTrainingConfig": {"schedulingExpression": "rate(1 day)"},
            "eventsConfig": {"eventParametersList": [{"eventType": "click", "weight": 0.5}]},
        },
    }


class AnswersWithout:
    """A client whose DescribeSolution answer lacks a documented field."""

    meta = boto3.client("personalize").meta  # the real model, for the start-up API check

    def __init__(self, missing: str) -> None:
        self.missing = missing

    def describe_solution(self, solutionArn: str) -> dict:
        solution = {
            "solutionArn": solutionArn,
            "status": "ACTIVE",
            "creationDateTime": datetime(2026, 1, 1, tzinfo=UTC),
        }
        del solution[self.missing]
        return {"solution": solution}


def test_an_answer_without_a_documented_field_is_refused_at_once_not_re_read():
    arn = "arn:aws:personalize:us-east-1:123456789012:solution/s"
    with pytest.raises(ServiceRejected, match="answered without 'creationDateTime'"):
        PersonalizeSolutions(AnswersWithout("creationDateTime")).describe(arn)


def test_a_null_event_parameter_list_reads_as_empty():
    state = read_state(
        {
            "solutionArn": "arn:aws:personalize:us-east-1:123456789012:solution/s",
            "creationDateTime": datetime(2026, 1, 1, tzinfo=UTC),
            "solutionConfig": {"eventsConfig": {"eventParametersList": None}},
        }
    )
    assert state.settings.event_parameters == ()
