"""The construct library is released with the application: one version, named alike wherever a
user is told what to install; and it is tested on what it tells users it runs on."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from tests.unit.test_examples import APPLICATION, load

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTION = "cdk-personalize-solution-update"


def test_the_construct_has_the_applications_version_everywhere_it_is_named():
    project = tomllib.loads((ROOT / "construct" / "pyproject.toml").read_text())["project"]
    current = load(APPLICATION)["Metadata"]["AWS::ServerlessRepo::Application"]["SemanticVersion"]
    assert (project["name"], project["version"]) == (DISTRIBUTION, current)
    wheels = re.findall(
        r"cdk_personalize_solution_update-([\d.]+)-py3", (ROOT / "README.md").read_text()
    )
    pinned = re.findall(
        rf"^{DISTRIBUTION}==(\S+)$",
        (ROOT / "examples" / "cdk" / "requirements.txt").read_text(),
        re.M,
    )
    assert wheels
    assert pinned
    assert set(wheels) | set(pinned) == {current}


def test_the_construct_is_tested_on_its_oldest_python_and_a_node_its_readmes_name():
    """requires-python's floor is the Python make's construct venv runs; the Node.js the CDK
    targets install is a release jsii supports, the one the READMEs tell CDK users to use."""
    project = tomllib.loads((ROOT / "construct" / "pyproject.toml").read_text())["project"]
    makefile = (ROOT / "Makefile").read_text()
    [floor] = re.findall(r"^>=(\d+\.\d+)$", project["requires-python"])
    assert re.findall(r"^CONSTRUCT_PYTHON \?= python(\S+)$", makefile, re.M) == [floor]
    [node] = re.findall(r"^NODE_VERSION := (\d+)\.\d+\.\d+$", makefile, re.M)
    assert node in {"22", "24"}
    for readme in (ROOT / "README.md", ROOT / "construct" / "README.md"):
        assert "Node.js 22 or 24" in readme.read_text()


def test_every_package_and_example_names_the_changelogs_latest_release():
    """One version everywhere: the application's, both wheels', the examples' and the
    CHANGELOG's latest release, with nothing left unreleased above it."""
    current = load(APPLICATION)["Metadata"]["AWS::ServerlessRepo::Application"]["SemanticVersion"]
    lint = tomllib.loads((ROOT / "lint-rules" / "pyproject.toml").read_text())["project"]
    assert lint["version"] == current
    changelog = (ROOT / "CHANGELOG.md").read_text()
    [first] = re.findall(r"^## \[([^\]]+)\]", changelog, re.M)[:1]
    assert first == current
    named = re.findall(
        r"(?:_update-|SemanticVersion=|Default: |personalize-solution-update/)(\d+\.\d+\.\d+)",
        "".join(
            path.read_text()
            for path in (
                ROOT / "README.md",
                ROOT / "lint-rules" / "README.md",
                ROOT / "examples" / "README.md",
                ROOT / "examples" / "nested-application.yaml",
                ROOT / "examples" / "stackset.yaml",
                ROOT / "examples" / "stackset-instance.yaml",
            )
        ),
    )
    assert len(named) >= 8
    assert set(named) == {current}
