"""What `make test-sam-local` listens on: the Docker bridge's own address, never every interface,
loopback or an address that is not this machine's."""

from __future__ import annotations

import argparse

import pytest

from localcloud.sam_local import bridge_address


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ("", "an empty host would listen on every interface"),
        ("docker0", "is not an IP address"),
        ("0.0.0.0", "not a private address"),  # noqa: S104 (the refused case)
        ("127.0.0.1", "not a private address"),
        ("8.8.8.8", "not a private address"),
        # TEST-NET-2: private by ipaddress's table, and on no interface of this machine.
        ("198.51.100.7", "is not an address of this machine"),
    ],
)
def test_a_bridge_address_that_is_not_the_bridge_is_refused_with_why(given, says):
    with pytest.raises(argparse.ArgumentTypeError, match=says):
        bridge_address(given)
