"""crhelper's flaws stay neutralised: no event logging, no random ids, no sleep, one answer."""

from __future__ import annotations

import logging

from cfn_resource import CustomResource, envelope_problem, fallback_physical_id


def test_crhelper_cannot_log_the_event_even_with_root_at_debug():
    CustomResource(extra_hosts=())
    logging.getLogger().setLevel(logging.DEBUG)
    try:
        # crhelper calls logger.debug(event) on every request; the event carries the ResponseURL.
        assert not logging.getLogger("crhelper.resource_helper").isEnabledFor(logging.DEBUG)
        assert not logging.getLogger("crhelper.utils").isEnabledFor(logging.INFO)
    finally:
        logging.getLogger().setLevel(logging.WARNING)


def test_no_sleep_on_delete():
    assert CustomResource(extra_hosts=())._sleep_on_delete == 0


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
