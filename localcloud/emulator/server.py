"""moto wiring and the server: the solution operations made methods of moto's PersonalizeResponse
(injected faults served first, every call recorded, the result rendered as JSON), and
`EmulatorServer`, moto's threaded server on loopback.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable

from moto.moto_server.threaded_moto_server import ThreadedMotoServer
from moto.personalize.responses import PersonalizeResponse

from localcloud.emulator.faults import Call, act_out, controls, is_network_fault
from localcloud.emulator.operations import OPERATIONS, Operation, Scope
from localcloud.emulator.validation import EmulatorError
from localcloud.throttle import throttle

ACCOUNT_ID = "123456789012"


def _scope(response: PersonalizeResponse) -> Scope:
    """The request's account and region (moto's backend for them), and the process's controls."""
    backend = response.personalize_backend
    # moto's reset() re-creates backends, so the store is attached lazily to each instance.
    store = backend.__dict__.setdefault("_emulated_solutions", {})
    return Scope(backend.account_id, backend.region_name, store, controls)


def _method(name: str, body: Operation) -> Callable[[PersonalizeResponse], str]:
    """Operation `name` as a PersonalizeResponse method: serve injected faults first, record the
    call, render JSON."""

    def handler(response: PersonalizeResponse) -> str:
        params = json.loads(response.body or "{}")
        with controls.lock:
            queued = controls.faults.get(name)
            fault = queued.pop(0) if queued else None
            if fault is None and not throttle.admits(name, controls.clock()):
                fault = "ThrottlingException"  # the account's rate for this operation
            if is_network_fault(fault):
                controls.calls.append(Call(controls.clock(), name, str(fault)))
        if is_network_fault(fault):
            act_out(str(fault), response.normalized_request.environ["werkzeug.socket"])
            fault = None
        with controls.lock:
            now = controls.clock()
            try:
                if fault:
                    raise EmulatorError(fault, f"Injected {fault}")
                result = body(_scope(response), params, now)
            except EmulatorError as error:
                controls.calls.append(Call(now, name, error.error_type))
                raise
            outcome = result.get("solution", {}).get("latestSolutionUpdate", {}).get("status")
            controls.calls.append(Call(now, name, outcome or "ok"))
        return json.dumps(result)

    handler.__name__ = body.__name__
    return handler


def _install_operations() -> None:
    """Make the solution operations methods of moto's PersonalizeResponse, where moto's server
    looks an X-Amz-Target's operation up; setting them again is harmless."""
    for name, body in OPERATIONS.items():
        # moto has no extension point; its docs add an operation as a method of this class.
        setattr(PersonalizeResponse, body.__name__, _method(name, body))


class EmulatorServer:
    """moto's threaded server on loopback; `url` is what AWS_ENDPOINT_URL_PERSONALIZE takes."""

    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        _install_operations()
        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
        self._server = ThreadedMotoServer(ip_address=host, port=port, verbose=False)

    def __enter__(self) -> EmulatorServer:
        controls.stopping.clear()
        self._server.start()
        return self

    def __exit__(self, *exc: object) -> None:
        controls.stopping.set()  # a request still hanging ends now, not after its hang
        self._server.stop()

    @property
    def url(self) -> str:
        host, port = self._server.get_host_and_port()
        return f"http://{host}:{port}"
