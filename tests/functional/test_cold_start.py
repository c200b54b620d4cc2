"""A cold start that cannot complete, as Lambda runs it (its runtime client): a deployment
package whose botocore lacks its partitions data (trimmed, as people trim botocore's data to
shrink a package) must still answer every request, as the README's cold-start row says."""

from __future__ import annotations

import json
from pathlib import Path

import botocore
import pytest

from localcloud.emulator import controls
from localcloud.function_config import HANDLER_DIR
from localcloud.invoke import run

EVENTS = Path(__file__).resolve().parents[2] / "events"


def mirror(source: Path, target: Path, leave_out: frozenset[str] = frozenset()) -> None:
    """`target` holds a symbolic link to each entry of `source`, less those left out."""
    target.mkdir()
    for entry in source.iterdir():
        if entry.name not in leave_out:
            (target / entry.name).symlink_to(entry)


@pytest.fixture
def trimmed_package(tmp_path: Path) -> Path:
    """The function's code with a botocore whose data folder has no partitions.json."""
    root = tmp_path / "package"
    mirror(HANDLER_DIR, root)
    real = Path(botocore.__file__).parent
    mirror(real, root / "botocore", frozenset({"data"}))
    mirror(real / "data", root / "botocore" / "data", frozenset({"partitions.json"}))
    return root


@pytest.fixture(autouse=True)
def fresh_emulator():
    """Each local cloud starts from an empty emulator."""
    controls.reset()
    yield
    controls.reset()


@pytest.mark.parametrize(
    ("name", "status"),
    [("create.json", "FAILED"), ("update.json", "FAILED"), ("delete.json", "SUCCESS")],
)
def test_a_botocore_without_its_partitions_data_still_answers(trimmed_package, name, status):
    result = run(json.loads((EVENTS / name).read_text()), task_root=trimmed_package)
    (answer,) = result.answers
    assert answer["Status"] == status, answer
    if status == "FAILED":
        assert answer["Reason"].startswith(
            "The function could not start: botocore's list of regions (partitions) could not "
            "be loaded"
        ), answer["Reason"]
    assert not result.calls
