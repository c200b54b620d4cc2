"""The timing numbers the property rules share with the function's budget: how long one
Personalize call may take, how long a start needs before its UpdateSolution call, and thus the
shortest ServiceTimeout a Create or Update can be served in. Pure arithmetic, Python 3.9+, so the
construct and the cfn-lint rules apply the function's floor before deploy.
"""

from __future__ import annotations

import math
from typing import Any

from .records import NamedTuple

# Per-call bounds, in botocore's standard retry mode.
MAX_BACKOFF = 20.0  # standard mode's cap on the pause before a retry
RETRY_AFTER_ALLOWANCE = 5.0  # botocore honours an x-amz-retry-after header of up to 5 s more
# CloudFormation's ServiceTimeout clock starts before the first invocation does.
CLOUDFORMATION_MARGIN = 5.0
DEFAULT_SERVICE_TIMEOUT = 3600  # CloudFormation's, and the most it accepts
CONFIRM_DELAY = 1.0  # between the two reads that must agree before an UpdateSolution call


class CallLimits(NamedTuple):
    """How one AWS call is bounded: attempts, and the connect and read timeout of each."""

    attempts: int
    connect: float
    read: float

    def worst_case(self) -> float:
        """The most the call can take against a server that stops answering: every attempt
        connecting and reading to its timeout, plus the backoff before each retry n (up to
        2^(n-1) s, at most 20, plus an x-amz-retry-after allowance). A server that trickles
        bytes can take longer (read timeouts are per socket read); the watchdog answers then."""
        backoff = sum(
            min(MAX_BACKOFF, 2.0**n) + RETRY_AFTER_ALLOWANCE for n in range(self.attempts - 1)
        )
        return self.attempts * (self.connect + self.read) + backoff

    def botocore_options(self) -> dict[str, Any]:
        """The botocore Config arguments that impose these limits. `total_max_attempts`, not
        `max_attempts`: the latter counts retries, not attempts."""
        return {
            "retries": {"mode": "standard", "total_max_attempts": self.attempts},
            "connect_timeout": self.connect,
            "read_timeout": self.read,
        }


# Short per-call bounds: the waiter retries across calls and watches the deadline between them.
PERSONALIZE_CALL = CallLimits(attempts=1, connect=2.0, read=5.0)  # 7 s at worst


def start_lead(call: CallLimits = PERSONALIZE_CALL) -> float:
    """Seconds from the first read of a start to the moment its UpdateSolution call may begin:
    the read, the confirm delay and the confirming read (lifecycle's "update needed" proof)."""
    return 2 * call.worst_case() + CONFIRM_DELAY


def start_floor(call: CallLimits = PERSONALIZE_CALL) -> float:
    """Seconds of ServiceTimeout a request needs before the function can read, confirm and
    update the solution and answer: a ServiceTimeout of this or less is refused at once."""
    return start_lead(call) + call.worst_case() + CLOUDFORMATION_MARGIN


# The shortest ServiceTimeout, in whole seconds, that a Create or Update is served in.
MIN_SERVICE_TIMEOUT = math.floor(start_floor()) + 1
