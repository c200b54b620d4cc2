"""crhelper's flaws stay neutralised: no event logging, no random ids, no sleep, one answer."""

from __future__ import annotations

import logging
import threading
import time

from cfn_resource import WATCHDOG_LEAD, CustomResource, envelope_problem, fallback_physical_id
from lifecycle import Carried, Continue, SolutionUpdater
from localcloud.cloudformation import LambdaContext
from localcloud.receiver import Receiver
from telemetry import flush, observed


def test_crhelper_cannot_log_the_event_even_with_root_at_debug():
    CustomResource(extra_hosts=())
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        # crhelper calls logger.debug(event) on every request; the event carries the ResponseURL.
        assert not logging.getLogger("crhelper.resource_helper").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("crhelper.utils").isEnabledFor(logging.INFO)
    finally:
        logging.getLogger().setLevel(logging.WARNING)


def request(bucket: Receiver, request_type: str, request_id: str) -> dict:
    """A CloudFormation request whose answer goes to bucket."""
    return {
        "RequestType": request_type,
        "ResponseURL": bucket.url_for(request_id),
        "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
        "RequestId": request_id,
        "LogicalResourceId": "L",
        "ResourceProperties": {},
    }


def test_delete_answers_at_once():
    """crhelper sleeps (and bills) 120 s before answering a Delete unless told otherwise."""
    with Receiver() as bucket:
        event = request(bucket, "Delete", "r-delete")
        event["PhysicalResourceId"] = "arn:aws:personalize:us-east-1:123456789012:solution/s"
        resource = CustomResource(("127.0.0.1",))
        resource.serve(unreachable, unreachable, SolutionUpdater.delete, reserve=0.0)
        run = threading.Thread(target=resource, args=(event, LambdaContext(timeout=200)))
        run.daemon = True  # if it sleeps anyway, the test still ends
        run.start()
        run.join(timeout=5)
        [response] = bucket.responses_for("r-delete")
    assert not run.is_alive()
    assert response.body["Status"] == "SUCCESS"


def unreachable(event, time_left):
    raise AssertionError("only Delete is delivered")


def test_failed_create_ids_are_derived_not_random():
    event = {"RequestId": "r-1", "LogicalResourceId": "L", "StackId": "s"}
    resource = CustomResource(extra_hosts=())
    assert resource.generate_physical_id(event) == "create-failed-r-1"
    assert resource.generate_physical_id(event) == fallback_physical_id(event)
    assert fallback_physical_id({**event, "PhysicalResourceId": "keep"}) == "keep"


def test_envelope_problems_name_the_field():
    good = {"RequestType": "Create", "StackId": "s", "RequestId": "r", "LogicalResourceId": "l"}
    assert envelope_problem(good) is None
    assert "PhysicalResourceId" in envelope_problem({**good, "RequestType": "Delete"})
    assert "Unsupported RequestType" in envelope_problem({**good, "RequestType": None})
    assert "StackId" in envelope_problem({**good, "StackId": 5})


def test_the_wait_deadline_passes_before_the_watchdog_can_answer():
    """No Personalize call starts after the wait's deadline, which comes RESPONSE_RESERVE
    before the end; the watchdog answers WATCHDOG_LEAD before it. So the watchdog never answers
    while a call may still be started (an UpdateSolution after FAILED would train for nothing)."""
    import app

    assert app.RESPONSE_RESERVE > WATCHDOG_LEAD


def test_after_the_watchdog_answers_the_wait_is_not_handed_on():
    """A call that overran its budget: the watchdog answered FAILED, then the handler's own
    deadline passes. Handing off now would start a chain that answers a second time."""
    handed_off: list[Carried] = []
    with Receiver() as bucket:
        event = request(bucket, "Create", "r-race")

        def overrunning(event, time_left):
            deadline = time.monotonic() + 10
            while not bucket.responses_for("r-race") and time.monotonic() < deadline:
                time.sleep(0.05)  # stuck in a call while the watchdog answers
            raise Continue("Gave up after 1 s waiting for x", Carried(first=0.0))

        resource = CustomResource(
            ("127.0.0.1",), hand_off=lambda e, c, carried: handed_off.append(carried)
        )
        resource.serve(overrunning, overrunning, SolutionUpdater.delete, reserve=0.0)
        resource(event, LambdaContext(timeout=WATCHDOG_LEAD + 0.3))
        responses = bucket.responses_for("r-race")
    assert [r.body["Status"] for r in responses] == ["FAILED"]
    assert "ran out of time" in responses[0].body["Reason"]
    assert handed_off == []


def test_an_unexpected_error_still_gets_a_reason_a_person_can_act_on(capsys):
    """crhelper would answer with str(error), empty for KeyError('') and cryptic for most."""

    def broken(event, time_left):
        raise KeyError("")

    with Receiver() as bucket:
        event = request(bucket, "Create", "r-bug")
        resource = CustomResource(("127.0.0.1",))
        resource.serve(observed(broken), observed(broken), SolutionUpdater.delete, reserve=0.0)
        resource(event, LambdaContext(timeout=30))
        [response] = bucket.responses_for("r-bug")
    assert response.body["Status"] == "FAILED"
    assert response.body["Reason"] == "Internal error (KeyError); see the function's logs"
    flush()
    assert '"Cause":"InternalError"' in capsys.readouterr().out
