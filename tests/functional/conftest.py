"""The local cloud for lifecycle tests: Personalize emulator and response bucket on loopback."""

from __future__ import annotations

from collections.abc import Iterator

import boto3
import pytest

from localcloud.cloudformation import CloudFormation, StackResource
from localcloud.emulator import READINGS, EmulatorServer, Timing, controls
from localcloud.lambda_service import LambdaService
from localcloud.receiver import Receiver

DATASET_GROUP = "arn:aws:personalize:us-east-1:123456789012:dataset-group/tests"


@pytest.fixture(scope="session")
def emulator_url() -> Iterator[str]:
    with EmulatorServer() as server:
        yield server.url


@pytest.fixture(scope="session")
def lambda_service() -> Iterator[LambdaService]:
    with LambdaService() as running:
        yield running


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
    """A fresh emulator state playing the run's reading (--emulator-reading), fast timings, and
    boto3 pointed at it by its standard variable."""
    monkeypatch.setenv("AWS_ENDPOINT_URL_PERSONALIZE", emulator_url)
    monkeypatch.setenv("AWS_ENDPOINT_URL_LAMBDA", lambda_service.url)
    lambda_service.queued.clear()
    lambda_service.refuse_next, lambda_service.late_next = False, 0.0
    monkeypatch.setenv("RESPONSE_URL_ALLOWED_HOSTS", "127.0.0.1")
    controls.reset()
    controls.reading = READINGS[request.config.getoption("--emulator-reading")]
    controls.timing = Timing(
        solution_pending=0.05,
        solution_in_progress=0.05,
        update_pending=0.2,
        update_in_progress=0.6,
        stale_read=0.4,
    )
    yield controls
    controls.reset()


@pytest.fixture
def personalize(emulator):
    return boto3.client("personalize")


@pytest.fixture
def make_solution(personalize, emulator):
    """Create an ACTIVE solution in the emulator and return its ARN."""
    import time

    def make(name: str = "tests", **settings) -> str:
        arn = personalize.create_solution(name=name, datasetGroupArn=DATASET_GROUP, **settings)[
            "solutionArn"
        ]
        while personalize.describe_solution(solutionArn=arn)["solution"]["status"] != "ACTIVE":
            time.sleep(0.02)
        return arn

    return make


@pytest.fixture
def handler(emulator):
    """The real handler, built as the Lambda runtime would, after the environment is set."""
    import app

    return app.build()


@pytest.fixture
def cloudformation(handler, receiver, lambda_service) -> CloudFormation:
    return CloudFormation(handler, receiver, function_timeout=30.0, lambda_service=lambda_service)


@pytest.fixture
def stack_resource(cloudformation) -> StackResource:
    return StackResource(cloudformation, "AutoTraining")
