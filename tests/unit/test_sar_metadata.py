"""The template's Serverless Application Repository metadata: the repository's published field
rules (tools/release.py holds them, each with its source), and SemanticVersion = CHANGELOG's latest
release. Every bad variant goes through the same validator the template passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from tools.release import ReleaseError, latest_release, metadata_problems, template_metadata

ROOT = Path(__file__).resolve().parents[2]
MISSING = object()  # a variant without the field


@pytest.fixture(scope="module")
def metadata():
    return template_metadata(ROOT / "template.yaml")


def test_the_template_metadata_follows_every_rule(metadata):
    assert metadata_problems(metadata, ROOT) == []


def test_semantic_version_is_the_changelogs_latest_release(metadata):
    assert metadata["SemanticVersion"] == latest_release((ROOT / "CHANGELOG.md").read_text())


BAD = [
    ("Author", "personalize-solution-update authors"),  # a space
    ("Author", "Personalize"),  # capitals
    ("Author", "double--dash"),
    ("Author", "-leading-dash"),
    ("Author", "trailing-dash-"),
    ("Author", "a" * 128),
    ("Author", MISSING),
    ("Name", "personalize solution update"),
    ("Name", "personalize_solution_update"),
    ("Name", "n" * 141),
    ("Name", ""),
    ("Name", {"Fn::Sub": "${AWS::StackName}"}),  # intrinsic functions are not supported
    ("Description", "d" * 257),
    ("Description", ""),
    ("Description", MISSING),
    ("SemanticVersion", "0.1"),
    ("SemanticVersion", "v0.1.0"),
    ("SemanticVersion", "01.0.0"),
    ("SemanticVersion", MISSING),
    ("Labels", ["custom resource"]),
    ("Labels", ["l" * 128]),
    ("Labels", [f"label-{n}" for n in range(11)]),
    ("Labels", "personalize"),
    ("LicenseUrl", "NO-SUCH-LICENSE"),
    ("ReadmeUrl", "docs"),  # a folder, not a file
    ("HomePageUrl", "https://www.example.com/personalize-solution-update"),
    ("SourceCodeUrl", "https://github.com/example/personalize-solution-update"),
    ("Lables", ["personalize"]),  # a typo SAM would silently ignore
]


@pytest.mark.parametrize(("field", "value"), BAD, ids=lambda v: str(v)[:30])
def test_a_bad_value_is_refused_and_named(metadata, field, value):
    variant = {key: item for key, item in metadata.items() if key != field}
    if value is not MISSING:
        variant[field] = value
    problems = metadata_problems(variant, ROOT)
    assert problems
    assert all(field.rstrip("s") in problem for problem in problems), problems


def test_the_limits_themselves_are_accepted(metadata):
    edge = {
        **metadata,
        "Author": "a" * 127,
        "Name": "N" * 140,
        "Description": "d" * 256,
        "SemanticVersion": "10.20.30-rc.1+build.5",
        "Labels": [f"l{n}" for n in range(9)] + ["a+b-c_d:e/f@g"],
        "SourceCodeUrl": "https://github.com/someone/personalize-solution-update",
    }
    assert metadata_problems(edge, ROOT) == []


def test_latest_release_is_the_first_released_heading_below_unreleased():
    changelog = "## [Unreleased]\n\n- soon\n\n## [1.4.0] - 2026-12-01\n\n## [1.3.9] - 2026-11-01\n"
    assert latest_release(changelog) == "1.4.0"


@pytest.mark.parametrize(
    "changelog",
    ["## [Unreleased]\n\n- nothing released yet\n", "## [1.4] - 2026-12-01\n", "## 1.4.0\n"],
)
def test_a_changelog_without_a_semantic_release_is_refused(changelog):
    with pytest.raises(ReleaseError):
        latest_release(changelog)


def test_a_readme_over_the_repositorys_5_mb_is_refused(metadata, tmp_path):
    readme = tmp_path / "README.md"
    with readme.open("wb") as sparse:
        sparse.truncate(5_000_000)
    variant = {**metadata, "LicenseUrl": "s3://bucket/LICENSE", "ReadmeUrl": "README.md"}
    assert metadata_problems(variant, tmp_path) == []
    with readme.open("ab") as grow:
        grow.write(b"!")
    assert metadata_problems(variant, tmp_path) == [
        "ReadmeUrl 'README.md' is larger than the repository's 5 MB"
    ]
