"""The decisions that save money and tell the truth, on DescribeSolution shapes as sent, under each
reading of the docs: what a read proves, when an update is needed, when our update is settled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest

from port import ServiceRejected
from reconcile import (
    Phase,
    attributes,
    busy_reason,
    differences,
    known_settings,
    progress_of,
    settled_settings,
    unusable_reason,
)
from solution import Boto3Solutions, read_state, update_request
from solution_rules.properties import EventParameter, Settings, schedule_expression

ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"
T0 = datetime(2026, 11, 1, tzinfo=UTC)
CLICK = EventParameter("click", None, 0.5)


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


def update(status="ACTIVE", created=T0, reason=None, days=None, **shown):
    """An update summary showing `shown` (camelCase fields) and, with `days`, a schedule."""
    summary = {
        "status": status,
        "creationDateTime": created,
        "lastUpdatedDateTime": created + timedelta(minutes=3),
        **shown,
    }
    if days is not None:
        summary["solutionUpdateConfig"] = {
            "autoTrainingConfig": {"schedulingExpression": schedule_expression(days)}
        }
    if reason:
        summary["failureReason"] = reason
    return summary


def asks(**fields) -> Settings:
    return Settings(**fields)


def needed(state, asked: Settings) -> list[str]:
    return differences(asked, known_settings(state))


def test_a_never_updated_solution_shows_its_creation_settings_with_documented_defaults():
    state = solution()
    assert needed(state, asks(perform_auto_training=True, schedule_days=7)) == []
    assert needed(state, asks(schedule_days=6)) == ["schedule_days"]
    assert needed(state, asks(event_parameters=())) == []


def test_creation_config_counts_when_never_updated():
    state = solution(
        performAutoTraining=False,
        solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(1 day)"}},
    )
    assert needed(state, asks(perform_auto_training=False, schedule_days=1)) == []


def test_incremental_updates_are_known_only_where_shown():
    """performIncrementalUpdate has no documented default: not shown means not known."""
    assert (
        needed(solution(performIncrementalUpdate=False), asks(perform_incremental_update=False))
        == []
    )
    assert needed(solution(), asks(perform_incremental_update=False)) == [
        "perform_incremental_update"
    ]


def test_after_a_failed_update_nothing_is_known():
    """The solution's own fields may be its creation settings (one reading of the docs), not
    those of the last update that succeeded: a rollback must update, not trust them."""
    state = solution(
        update(status="CREATE FAILED", days=2, reason="x"),
        solutionConfig={"autoTrainingConfig": {"schedulingExpression": "rate(5 days)"}},
    )
    assert needed(state, asks(schedule_days=5)) == ["schedule_days"]


def test_after_an_update_the_solution_own_fields_prove_nothing():
    """They may still be the creation settings: only the latest update's summary counts."""
    state = solution(update(performAutoTraining=False), performAutoTraining=True)
    assert needed(state, asks(schedule_days=7)) == ["schedule_days"]


def test_a_summary_value_no_reading_fills_in_proves_the_field():
    state = solution(update(days=3, performAutoTraining=False))
    assert needed(state, asks(schedule_days=3, perform_auto_training=False)) == []
    assert needed(state, asks(schedule_days=4)) == ["schedule_days"]


@pytest.mark.parametrize(
    ("shown", "asked"),
    [
        ({"performAutoTraining": True}, asks(perform_auto_training=True)),
        ({"performIncrementalUpdate": False}, asks(perform_incremental_update=False)),
        ({}, asks(schedule_days=7)),
    ],
    ids=["auto-training-on", "incremental-off", "seven-days"],
)
def test_a_summary_value_that_may_be_a_filled_in_default_proves_nothing(shown, asked):
    """A summary may show the fields its request left out, with service defaults (a reading the
    docs allow), while the update changed only what it sent: the real value may differ."""
    days = 7 if asked.schedule_days else None
    state = solution(update(days=days, **{"performIncrementalUpdate": False, **shown}))
    assert needed(state, asked) != []


def test_a_summary_may_fill_in_either_value_of_incremental_updates():
    """SolutionUpdateSummary documents "The default is true" for performIncrementalUpdate: a
    summary of someone else's schedule-only update may show true, and the solution's own field,
    which followed that update, shows false."""
    moved = {"lastUpdatedDateTime": T0 + timedelta(minutes=3), "performIncrementalUpdate": False}
    state = solution(update(days=5, performIncrementalUpdate=True), **moved)
    assert needed(state, asks(perform_incremental_update=True)) == ["perform_incremental_update"]


def test_where_the_solution_own_fields_moved_and_disagree_with_the_summary_nothing_is_known():
    schedule = {"autoTrainingConfig": {"schedulingExpression": "rate(3 days)"}}
    moved = {"lastUpdatedDateTime": T0 + timedelta(minutes=3), "solutionConfig": schedule}
    assert needed(solution(update(days=5), **moved), asks(schedule_days=5)) == ["schedule_days"]
    created = {**moved, "lastUpdatedDateTime": T0}  # may be the creation settings: no say
    assert needed(solution(update(days=5), **created), asks(schedule_days=5)) == []


def test_event_parameters_in_force_as_integers_equal_the_same_numbers_asked():
    """Another client sent weight 1 and threshold 0 as JSON integers; the template asks "1"
    and "0": no update."""
    listed = [{"eventType": "click", "eventValueThreshold": 0, "weight": 1}]
    state = solution(solutionConfig={"eventsConfig": {"eventParametersList": listed}})
    assert needed(state, asks(event_parameters=(EventParameter("click", 0.0, 1.0),))) == []


FOLLOWING = {  # the solution's own fields after an update they moved with
    "performAutoTraining": True,
    "solutionConfig": {"autoTrainingConfig": {"schedulingExpression": "rate(5 days)"}},
    "lastUpdatedDateTime": T0 + timedelta(minutes=3),
}


def test_own_fields_that_moved_with_the_latest_update_prove_what_they_show():
    """A repeated delivery, or an Update changing only ServiceTimeout: free once the solution's
    own fields moved with the latest update, whoever's it was and whatever it sent, defaults
    only included (a summary that shows only defaults proves nothing by itself)."""
    asked = asks(perform_auto_training=True, schedule_days=5)
    state = solution(update(days=5, performAutoTraining=True), **FOLLOWING)
    assert needed(state, asked) == []
    defaults_only = solution(update(performAutoTraining=True), **FOLLOWING)
    assert needed(defaults_only, asks(perform_auto_training=True)) == []
    assert needed(defaults_only, asks(perform_auto_training=True, schedule_days=5)) == []


def test_a_partial_outside_update_filled_in_is_not_taken_for_our_request():
    """Someone turned training off, then sent only a schedule; a summary that fills in the
    defaults shows training on. The solution's own fields, following updates, show it off."""
    asked = asks(perform_auto_training=True, schedule_days=5)
    shows_off = {**FOLLOWING, "performAutoTraining": False}
    state = solution(update(days=5, performAutoTraining=True), **shows_off)
    assert needed(state, asked) == ["perform_auto_training"]


def test_without_own_fields_that_moved_with_the_update_only_proven_values_count():
    """The solution's own fields may be its creation settings: they confirm nothing."""
    asked = asks(perform_auto_training=True, schedule_days=5)
    frozen = {**FOLLOWING, "lastUpdatedDateTime": T0}
    state = solution(update(days=5, performAutoTraining=True), **frozen)
    assert needed(state, asked) == ["perform_auto_training"]


def test_a_request_of_defaults_only_cannot_be_told_from_filled_in_defaults():
    state = solution(update(days=7, performAutoTraining=True, performIncrementalUpdate=False))
    assert needed(state, asks(perform_auto_training=True, schedule_days=7)) != []


def test_a_request_whose_field_the_summary_does_not_show_is_not_proven():
    """incremental updates may be shown nowhere: a request that sets them cannot be recognised,
    so asking for them updates."""
    asked = asks(perform_incremental_update=True, schedule_days=5)
    state = solution(update(days=5))
    assert needed(state, asked) == ["perform_incremental_update"]


def test_event_parameters_compare_regardless_of_order_and_omitted_sub_fields_count():
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
    assert needed(state, asks(event_parameters=same)) == []
    other = (EventParameter("click", None, 0.4),)
    assert needed(state, asks(event_parameters=other)) == ["event_parameters"]
    # an omitted weight is the service's default, whose value is not documented
    unweighted = (EventParameter("buy", 1.0, None), EventParameter("click", None, 0.3))
    assert needed(state, asks(event_parameters=unweighted)) == ["event_parameters"]


def test_a_read_showing_the_previous_update_is_pending_not_success():
    previous = solution(update(days=5, created=T0))
    asked = asks(schedule_days=3)
    assert progress_of(previous, asked, baseline=T0).phase is Phase.PENDING
    ours = solution(update(days=3, created=T0 + timedelta(seconds=1)))
    assert progress_of(ours, asked, baseline=T0).phase is Phase.SUCCEEDED


def test_our_update_is_recognised_through_filled_in_defaults_and_unshown_fields():
    """A summary that fills in a threshold we did not send, or does not show incremental
    updates at all, is still ours (a false FAILED would follow otherwise)."""
    asked = asks(
        event_parameters=(CLICK,), perform_incremental_update=True, perform_auto_training=True
    )
    filled = update(
        created=T0 + timedelta(seconds=1),
        performAutoTraining=True,
        solutionUpdateConfig={
            "eventsConfig": {
                "eventParametersList": [
                    {"eventType": "click", "eventValueThreshold": 0.0, "weight": 0.5}
                ]
            }
        },
    )
    assert progress_of(solution(filled), asked, baseline=T0).phase is Phase.SUCCEEDED


def checked_twice(state, asked: Settings, baseline=T0):
    """What two checks of the same read conclude (the first may see a lagging read)."""
    first = progress_of(state, asked, baseline)
    return progress_of(state, asked, baseline, first.seen)


def test_a_later_update_that_overwrote_ours_is_not_ours_and_answers_on_the_next_check():
    """Someone overwrote our schedule after ours settled: no wait to the deadline for an
    update that will never be visible, but a FAILED that says so, once a second read shows the
    same (one read may lag)."""
    other = solution(update(days=5, created=T0 + timedelta(seconds=1)))
    assert progress_of(other, asks(schedule_days=3), baseline=T0).phase is Phase.PENDING
    progress = checked_twice(other, asks(schedule_days=3))
    assert progress.phase is Phase.REPLACED
    assert "another update" in progress.status


def test_an_older_update_with_other_settings_is_not_ours_even_without_baseline():
    """The read we took the baseline from may itself have been stale (no update visible): a
    read that shows an older update, then one that shows ours, is ours."""
    asked = asks(schedule_days=3)
    older = progress_of(solution(update(days=5, created=T0)), asked, baseline=None)
    assert older.phase is Phase.PENDING
    ours = solution(update(days=3, created=T0 + timedelta(seconds=1)))
    assert progress_of(ours, asked, None, older.seen).phase is Phase.SUCCEEDED


LATER = T0 + timedelta(seconds=2)  # created after ours (T0 + 1 s), which no check saw settle


@pytest.mark.parametrize(
    "shown",
    [
        {"performIncrementalUpdate": False},  # the summary shows what its request sent
        {"performAutoTraining": True, "performIncrementalUpdate": False, "days": 7},  # filled in
        {},  # performIncrementalUpdate shown nowhere
    ],
    ids=["echo", "filled-in", "incremental-not-shown"],
)
def test_an_update_right_after_ours_that_does_not_send_our_fields_is_not_ours(shown):
    """Ours (rate(5 days)) ended CREATE FAILED unseen; someone else's update setting only
    incremental updates is ACTIVE. It is not ours, and proves nothing of the schedule."""
    state = solution(update(created=LATER, **shown))
    assert checked_twice(state, asks(schedule_days=5)).phase is Phase.REPLACED


def test_a_failed_update_right_after_ours_does_not_lend_its_failure_reason():
    state = solution(update("CREATE FAILED", LATER, "theirs", performIncrementalUpdate=True))
    progress = checked_twice(state, asks(schedule_days=5))
    assert (progress.phase, progress.failure_reason) == (Phase.REPLACED, None)


def test_only_the_first_update_after_the_baseline_can_be_ours():
    """A check saw ours (created T0 + 1 s) pending; the next read shows a later update whose
    summary would fit our request only through a filled-in value: it is not ours, and proves
    nothing of automatic training."""
    ours = update("CREATE IN_PROGRESS", T0 + timedelta(seconds=1), days=3, performAutoTraining=True)
    pending = solution(ours)
    asked = asks(perform_auto_training=True, schedule_days=3)
    seen = progress_of(pending, asked, baseline=T0)
    assert (seen.phase, seen.seen.created) == (Phase.PENDING, T0 + timedelta(seconds=1))
    later = solution(update(created=LATER, days=3, performAutoTraining=True))
    assert progress_of(later, asked, baseline=T0).phase is Phase.SUCCEEDED  # first seen: ours
    assert progress_of(later, asked, T0, seen.seen).phase is Phase.REPLACED


def test_a_later_update_that_proves_the_settings_asked_succeeds():
    state = solution(update(created=LATER, days=3, performAutoTraining=False))
    assert checked_twice(state, asks(perform_auto_training=False)).phase is Phase.SUCCEEDED


def test_a_later_update_in_progress_is_waited_for_and_a_lagging_read_is_pending():
    running = solution(update("CREATE PENDING", LATER, days=4))
    assert checked_twice(running, asks(schedule_days=3)).phase is Phase.PENDING
    pending = solution(update("CREATE IN_PROGRESS", T0 + timedelta(seconds=1), days=3))
    seen = progress_of(pending, asks(schedule_days=3), T0).seen
    lagging = solution(update("CREATE IN_PROGRESS", T0 + timedelta(milliseconds=500), days=3))
    progress = progress_of(lagging, asks(schedule_days=3), T0, seen)
    assert (progress.phase, progress.status) == (Phase.PENDING, "not yet visible")


def test_no_update_visible_yet_is_pending():
    assert progress_of(solution(), asks(schedule_days=3), baseline=None).phase is Phase.PENDING


def test_our_update_in_progress_is_pending_with_its_status():
    state = solution(update(status="CREATE IN_PROGRESS", days=3, created=T0))
    progress = progress_of(state, asks(schedule_days=3), baseline=None)
    assert (progress.phase, progress.status) == (Phase.PENDING, "CREATE IN_PROGRESS")


def test_our_failed_update_carries_its_reason():
    state = solution(update(status="CREATE FAILED", days=3, reason="No data", created=T0))
    progress = progress_of(state, asks(schedule_days=3), baseline=None)
    assert (progress.phase, progress.failure_reason) == (Phase.FAILED, "No data")


def test_busy_and_unusable():
    assert busy_reason(solution(status="CREATE IN_PROGRESS")) is not None
    assert busy_reason(solution(update(status="CREATE PENDING"))) is not None
    assert busy_reason(solution(update(status="CREATE FAILED", reason="x"))) is None
    assert busy_reason(solution(update())) is None
    assert unusable_reason(solution(status="CREATE FAILED")) is not None
    assert unusable_reason(solution(status="DELETE PENDING")) is not None
    assert unusable_reason(solution()) is None


def test_attributes_report_what_is_known_and_say_unknown_for_the_rest():
    state = solution(update(days=1))
    data = attributes(state, settled_settings(state, asks(schedule_days=1)))
    assert data == {
        "SolutionArn": ARN,
        "PerformAutoTraining": "unknown",
        "SchedulingExpression": "rate(1 day)",
        "PerformIncrementalUpdate": "unknown",
        "Status": "ACTIVE",
        "LastUpdatedDateTime": "2026-11-01T00:03:00+00:00",
    }
    never = solution(performIncrementalUpdate=False)
    assert attributes(never, known_settings(never)) == {
        **data,
        "PerformAutoTraining": "true",
        "SchedulingExpression": "rate(7 days)",
        "PerformIncrementalUpdate": "false",
        "LastUpdatedDateTime": "2026-11-01T00:00:00+00:00",
    }


def test_update_request_sends_only_what_is_asked():
    assert update_request(ARN, asks()) == {"solutionArn": ARN}
    full = update_request(
        ARN,
        asks(
            perform_auto_training=True,
            perform_incremental_update=False,
            schedule_days=1,
            event_parameters=(CLICK,),
        ),
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
    with pytest.raises(ServiceRejected, match="answered without 'creationDateTime'"):
        Boto3Solutions(AnswersWithout("creationDateTime")).describe(ARN)


def test_a_null_event_parameter_list_reads_as_empty():
    state = read_state(
        {
            "solutionArn": ARN,
            "creationDateTime": datetime(2026, 1, 1, tzinfo=UTC),
            "solutionConfig": {"eventsConfig": {"eventParametersList": None}},
        }
    )
    assert state.top_level.event_parameters == ()
