"""The local cloud for functional tests: the Personalize emulator, the response bucket and the
Lambda stand-in on loopback, in real time or on a simulated clock (`world`)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace

import boto3
import pytest

from localcloud.cloudformation import CloudFormation, StackResource
from localcloud.emulator import READINGS, EmulatorServer, controls
from localcloud.lambda_service import LambdaService
from localcloud.receiver import Receiver
from localcloud.seed import wait_active
from localcloud.simclock import SimulatedClock
from tests.functional import matrix
from tests.functional.world import World
from tests.presets import DATASET_GROUP, FAST, REAL_TIME


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    with EmulatorServer() as server:
        yield server.url


@pytest.fixture(scope="session")
def lambda_service() -> Iterator[LambdaService]:
    with LambdaService() as running:
        yield running


@pytest.fixture(scope="session", autouse=True)
def fault_matrix_summary(request):
    """The fault matrix's summary line, once the session is over (if any of its cells ran)."""
    yield
    line = matrix.summary()
    if line is not None:
        request.config.summary_lines = [*getattr(request.config, "summary_lines", []), line]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with Receiver() as running:
        yield running
        assert running.leaks() == [], "a Reason carried the presigned ResponseURL"


@pytest.fixture
def emulator(
    emulator_url: str,
    lambda_service: LambdaService,
    monkeypatch: pytest.MonkeyPatch,
    request: pytest.FixtureRequest,
):
    """A fresh emulator state playing the run's reading (--emulator-reading) with real-time
    timings, and boto3 pointed at it by its standard variable."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", emulator_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", lambda_service.url)
    lambda_service.reset()
    monkeypatch.setenv("RESPONSE_URL_ALLOWED_HOSTS", "127.0.0.1")
    controls.reset()
    controls.reading = READINGS[request.config.getoption("--emulator-reading")]
    controls.timing = replace(REAL_TIME)  # a copy: a test may change its own
    yield controls
    controls.reset()


@pytest.fixture
def personalize(emulator):
    return boto3.client("personalize")


@pytest.fixture
def make_solution(personalize, emulator):
    """Create an ACTIVE solution in the emulator (in real time) and return its ARN."""

    def make(name: str = "tests", **settings) -> str:
        arn = personalize.create_solution(name=name, datasetGroupArn=DATASET_GROUP, **settings)[
            "solutionArn"
        ]
        wait_active(personalize, arn, pause=0.02)
        return arn

    return make


@pytest.fixture
def world(personalize, emulator, receiver, lambda_service) -> World:
    """The local cloud on a simulated clock, with the FAST timings (a test may change them)."""
    clock = SimulatedClock()
    emulator.clock = clock.now
    receiver.clock = clock.now  # the URLs it signs are dated on the handler's clock
    emulator.timing = replace(FAST)
    return World(personalize, emulator, clock, receiver, lambda_service)


@pytest.fixture
def recorded(personalize):
    """Raw (operation, HTTP status, body) of every response the client receives."""
    seen = []

    def record(operation_model, response_dict, **_):
        body = json.loads(response_dict["body"] or b"{}")
        seen.append((operation_model, response_dict["status_code"], body))

    personalize.meta.events.register("before-parse.personalize.*", record)
    return seen


@pytest.fixture
def handler(emulator):
    """The real handler, built as the Lambda runtime would, after the environment is set."""
    import app

    return app.build()


@pytest.fixture
def cloudformation(handler, receiver, lambda_service) -> CloudFormation:
    # 60 s: a start (two reads, the confirm delay, UpdateSolution at their 7 s worst) needs 31 s.
    return CloudFormation(handler, receiver, function_timeout=60.0, lambda_service=lambda_service)


@pytest.fixture
def stack_resource(cloudformation) -> StackResource:
    return StackResource(cloudformation, "AutoTraining")
