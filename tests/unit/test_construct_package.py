"""The construct library is released with the application: one version, named alike wherever a
user is told what to install."""

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
