"""One answer per request, whoever asks first: the operation, the watchdog or a hand-off; and a
Reason a person can act on when something unexpected happens."""

from __future__ import annotations

import threading
import time

import pytest

from budget import WATCHDOG_LEAD
from continuation import Carried, HandOffUncertain
from dispatcher import Apply, Dispatcher
from lifecycle import SolutionUpdater
from localcloud.cloudformation import LambdaContext
from localcloud.receiver import Receiver
from outcomes import Applied, Continue, RequestFailed
from protocol import Request
from telemetry import flush
from tests.unit.fake_solutions import Clock, FakeSolutions

ARN = "arn:aws:personalize:us-east-1:123456789012:solution/s"
CARRIED = Carried(first=1_800_000_000.0, updated=True, hops=3)


def request(bucket: Receiver, request_type: str, request_id: str, **fields) -> dict:
    """A CloudFormation request whose answer goes to bucket."""
    return {
        "RequestType": request_type,
        "ResponseURL": bucket.url_for(request_id),
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": request_id,
        "LogicalResourceId": "L",
        "ResourceProperties": {"SolutionArn": ARN},
        **fields,
    }


def unreachable(settings, plan, carried) -> Applied:
    raise AssertionError("the operation must not run")


def dispatcher(apply=unreachable, hand_off=None) -> Dispatcher:
    return Dispatcher(apply, extra_hosts=("127.0.0.1",), hand_off=hand_off)


def statuses(bucket: Receiver, request_id: str) -> list[tuple[str, str]]:
    return [(r.body["Status"], r.body["Reason"]) for r in bucket.responses_for(request_id)]


def test_delete_answers_at_once_without_the_operation():
    """crhelper sleeps (and bills) 120 s before answering a Delete unless told otherwise."""
    with Receiver() as bucket:
        event = request(bucket, "Delete", "r-delete", PhysicalResourceId=ARN)
        run = threading.Thread(target=dispatcher(), args=(event, LambdaContext(timeout=200)))
        run.daemon = True  # if it sleeps anyway, the test still ends
        run.start()
        run.join(timeout=5)
        [response] = bucket.responses_for("r-delete")
    assert not run.is_alive()
    assert (response.body["Status"], response.body["PhysicalResourceId"]) == ("SUCCESS", ARN)


@pytest.mark.parametrize("status", ["CREATE FAILED", "DELETE PENDING", "DELETE IN_PROGRESS"])
def test_a_solution_that_can_never_train_fails_a_create_and_is_done_for_a_delete(status):
    """Such a solution cannot be updated, so a Create fails; but it never trains again, so a
    Delete that would turn its training off has nothing left to do."""
    solutions = FakeSolutions(Clock(time.time()), status=status)
    clock = solutions.clock
    handler = dispatcher(SolutionUpdater(solutions, clock=clock, sleep=clock.sleep).apply)
    with Receiver() as bucket:
        handler(request(bucket, "Create", "r-create"), LambdaContext(timeout=30))
        asked = {"SolutionArn": ARN, "OnDelete": "DisableAutoTraining"}
        delete = request(bucket, "Delete", "r-delete", PhysicalResourceId=ARN)
        handler({**delete, "ResourceProperties": asked}, LambdaContext(timeout=30))
        assert statuses(bucket, "r-create") == [
            ("FAILED", f"Solution {ARN} is in status {status} and cannot be updated")
        ]
        assert statuses(bucket, "r-delete") == [("SUCCESS", "")]
    assert solutions.updates == []


def test_after_the_watchdog_answers_the_wait_is_not_handed_on():
    """A call that overran its budget: the watchdog answered FAILED, then the handler's own
    deadline passes. Handing off now would start a chain that answers a second time."""
    handed_off: list[object] = []
    with Receiver() as bucket:

        def overrunning(settings, plan, carried) -> Applied:
            deadline = time.monotonic() + 10
            while not bucket.responses_for("r-race") and time.monotonic() < deadline:
                time.sleep(0.05)  # stuck in a call while the watchdog answers
            raise Continue("Gave up after 1 s waiting for x", Carried(first=0.0))

        handler = dispatcher(overrunning, hand_off=lambda *args: handed_off.append(args))
        handler(request(bucket, "Create", "r-race"), LambdaContext(timeout=WATCHDOG_LEAD + 0.3))
        answers = statuses(bucket, "r-race")
        [body] = [r.body for r in bucket.responses_for("r-race")]
    assert [status for status, _ in answers] == ["FAILED"]
    assert "ran out of time" in answers[0][1]
    assert handed_off == []
    # The call still running, or a duplicate delivery, may update the solution: named, the
    # rollback's Delete applies OnDelete to it.
    assert body["PhysicalResourceId"] == ARN
    assert "the rollback's Delete applies OnDelete to it" in answers[0][1]


def test_an_unexpected_error_still_gets_a_reason_a_person_can_act_on(capsys):
    """crhelper would answer with str(error), empty for KeyError('') and cryptic for most."""

    def broken(settings, plan, carried) -> Applied:
        raise KeyError("")

    with Receiver() as bucket:
        dispatcher(broken)(request(bucket, "Create", "r-bug"), LambdaContext(timeout=30))
        answers = statuses(bucket, "r-bug")
    assert answers == [("FAILED", "Internal error (KeyError); see the function's logs")]
    flush()
    assert '"Cause":"InternalError"' in capsys.readouterr().out


def test_a_bug_while_concluding_still_gets_an_answer(monkeypatch):
    """Before the answer is claimed, concluding may fail too (here: building the hand-off's
    event): FAILED rather than silence until CloudFormation's timeout."""

    def broken(self, carried) -> dict:
        raise TypeError("not JSON")

    monkeypatch.setattr(Request, "continued", broken)
    with Receiver() as bucket:
        handler = dispatcher(lambda *a: _continue(), hand_off=lambda *args: None)
        handler(request(bucket, "Create", "r-conclude"), LambdaContext(timeout=30))
        answers = statuses(bucket, "r-conclude")
    assert answers == [("FAILED", "Internal error; see the function's logs")]


def test_a_hand_off_that_may_have_been_queued_is_asked_again_until_lambda_says():
    """The Invoke's 202 was lost: it is asked again (a second chain would be a duplicate
    delivery), and once Lambda queues it, the new invocation answers."""
    tries: list[str] = []

    def lost_once(payload, function_arn) -> None:
        tries.append(payload["RequestId"])
        if len(tries) == 1:
            raise HandOffUncertain("Read timeout on endpoint URL")

    with Receiver() as bucket:
        handler = dispatcher(lambda *a: _continue(), hand_off=lost_once)
        handler(request(bucket, "Create", "r-lost"), LambdaContext(timeout=30))
        assert statuses(bucket, "r-lost") == []
    assert tries == ["r-lost", "r-lost"]


def test_a_hand_off_never_known_to_be_queued_answers_failed_before_the_end():
    """Silence would leave CloudFormation waiting the whole ServiceTimeout: once too little time
    is left to ask again, the answer is FAILED (a chain queued after all answers later, and
    CloudFormation ignores that)."""

    def uncertain(payload, function_arn) -> None:
        raise HandOffUncertain("Read timeout on endpoint URL")

    with Receiver() as bucket:
        handler = dispatcher(lambda *a: _continue(), hand_off=uncertain)
        handler(request(bucket, "Create", "r-lost"), LambdaContext(timeout=30))
        [(status, reason)] = statuses(bucket, "r-lost")
    assert status == "FAILED"
    assert "could not continue in a new invocation (Read timeout on endpoint URL)" in reason


def test_a_refused_hand_off_answers_failed_saying_why(capsys):
    def refused(payload, function_arn) -> None:
        raise PermissionError("AccessDeniedException: not allowed")

    with Receiver() as bucket:
        handler = dispatcher(lambda *a: _continue(), hand_off=refused)
        handler(request(bucket, "Create", "r-refused"), LambdaContext(timeout=30))
        [(status, reason)] = statuses(bucket, "r-refused")
    assert status == "FAILED"
    assert "could not continue in a new invocation (AccessDeniedException" in reason
    flush()
    assert '"Cause":"HandOffFailed"' in capsys.readouterr().out


def test_a_handed_off_wait_carries_the_event_and_the_wait_state():
    sent: list[tuple[dict, str]] = []
    with Receiver() as bucket:
        event = request(bucket, "Create", "r-on")
        handler = dispatcher(lambda *a: _continue(), hand_off=lambda *args: sent.append(args))
        handler(event, LambdaContext(timeout=30))
        assert statuses(bucket, "r-on") == []
    [(payload, function_arn)] = sent
    assert payload["RequestId"] == "r-on"
    assert payload["PersonalizeSolutionUpdateWait"] == CARRIED.to_json()
    assert function_arn == LambdaContext(timeout=1).invoked_function_arn


def test_a_create_that_failed_after_starting_an_update_answers_with_the_solution_arn():
    """The rollback's Delete then names the solution, and OnDelete applies to it; a Create that
    failed before any update keeps create-failed-<RequestId>, and its Delete does nothing."""

    def gave_up(started: bool) -> Apply:
        def apply(settings, plan, carried) -> Applied:
            raise RequestFailed("Gave up after 50 s", "Timeout", update_started=started)

        return apply

    with Receiver() as bucket:
        dispatcher(gave_up(True))(request(bucket, "Create", "r-started"), LambdaContext(30))
        dispatcher(gave_up(False))(request(bucket, "Create", "r-untouched"), LambdaContext(30))
        [started] = bucket.responses_for("r-started")
        [untouched] = bucket.responses_for("r-untouched")
    assert (started.body["Status"], started.body["PhysicalResourceId"]) == ("FAILED", ARN)
    assert untouched.body["PhysicalResourceId"] == "create-failed-r-untouched"


def test_forged_crhelper_poll_events_are_refused_without_running_the_operation():
    """crhelper would run a poll function (there is none) or answer with the forged Data."""
    with Receiver() as bucket:
        forged = request(bucket, "Create", "r-forged", CrHelperPoll=True, CrHelperData=["x"])
        dispatcher()(forged, LambdaContext(timeout=30))
        [response] = bucket.responses_for("r-forged")
    assert response.body["Status"] == "FAILED"
    assert "crhelper polling keys" in response.body["Reason"]
    assert response.body["Data"] == {}


def _continue() -> Applied:
    """An operation whose invocation ran out of time with CloudFormation's deadline far off."""
    raise Continue("Gave up after 800 s waiting for the solution update", CARRIED)
