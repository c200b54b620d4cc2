"""Our list of AWS partitions is botocore's: a new partition (as aws-eusc was) fails here first.
Ours reads its region patterns in ASCII, and knows its regions from botocore's list, loaded as
botocore's clients load it."""

from __future__ import annotations

import json
from pathlib import Path

import botocore
import pytest
from botocore.endpoint_provider import RuleSetStandardLibrary

from solution_rules.partitions import (
    PARTITIONS,
    RegionsUnavailable,
    home_partition,
    is_region_of,
    is_s3_endpoint,
    regions,
)

BOTOCORE_FILE = Path(botocore.__file__).parent / "data" / "partitions.json"
BOTOCORE = json.loads(BOTOCORE_FILE.read_text())


@pytest.fixture
def fresh_regions():
    """The region list loaded anew in the test, and again after it."""
    regions.cache_clear()
    yield
    regions.cache_clear()


def ascii_form(pattern: str) -> str:
    """botocore's pattern as ours spells it: a region's words are lower-case ASCII letters, its
    number ASCII digits (botocore's \\w and \\d match far more, `_` and other scripts)."""
    return (
        pattern.removeprefix("^").removesuffix("$").replace(r"\w", "[a-z]").replace(r"\d", "[0-9]")
    )


def test_partitions_match_botocore():
    theirs = {
        p["id"]: (p["outputs"]["dnsSuffix"], ascii_form(p["regionRegex"]))
        for p in BOTOCORE["partitions"]
    }
    assert theirs == PARTITIONS


def test_every_region_botocore_lists_is_known_and_matches_its_pattern():
    for partition in BOTOCORE["partitions"]:
        listed = {r for r in partition["regions"] if not r.endswith("-global")}
        assert listed == regions()[partition["id"]]
        assert all(is_region_of(partition["id"], region) for region in listed)


def test_the_list_is_read_as_botocore_reads_it_aws_data_path_first(
    tmp_path, monkeypatch, fresh_regions
):
    data = json.loads(BOTOCORE_FILE.read_text())
    data["partitions"][0]["regions"]["us-west-9"] = {"description": "not yet launched"}
    (tmp_path / "partitions.json").write_text(json.dumps(data))
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    assert is_region_of("aws", "us-west-9")


def test_a_list_that_cannot_be_loaded_is_named_and_leaves_the_pattern(
    tmp_path, monkeypatch, fresh_regions
):
    """app's cold start asks first and fails Create and Update with this reason; a request's
    check then has only the pattern (and the function's own region) to go on."""
    (tmp_path / "partitions.json").write_text("{}")
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    with pytest.raises(RegionsUnavailable, match=r"regions \(partitions\) could not be loaded"):
        regions()
    assert is_region_of("aws", "us-east-1")
    assert not is_region_of("aws", "us-ea_st-1")


@pytest.mark.parametrize(
    "region",
    ["us-east-9", "us-\u00e9ast-1", "us-ea_st-1", "us-east-\u0661", "US-EAST-1", "aws-global"],
)
def test_a_region_that_does_not_exist_or_is_not_ascii_is_not_a_region(region):
    assert not is_region_of("aws", region)


def test_the_function_own_region_is_one_even_before_botocore_lists_it():
    assert not is_region_of("aws", "ap-west-9")
    assert is_region_of("aws", "ap-west-9", home="ap-west-9")
    assert not is_region_of("aws", "ap-we_st-9", home="ap-we_st-9")


@pytest.mark.parametrize("home", ["nz-north-1", "ap-south-central-1"])
def test_the_function_own_region_counts_where_no_pattern_matches_it_in_aws_only(home):
    """A region newer than botocore's patterns (a new prefix, a new shape): botocore's clients
    call it in aws, its default partition, and so does the function. Only there, and only the
    function's own: a neighbour botocore cannot know either is still refused."""
    assert is_region_of("aws", home, home=home)
    assert not is_region_of("aws", home)
    others = PARTITIONS.keys() - {"aws"}
    assert not any(is_region_of(partition, home, home=home) for partition in others)
    assert not is_region_of("aws", "nz-south-1", home=home)


@pytest.mark.parametrize(
    "region",
    ["us-east-1", "us-east-9", "cn-north-1", "us-gov-west-1", "eusc-de-east-1", "nz-north-1"],
)
def test_the_function_own_partition_is_the_one_botocore_calls_its_region_in(region):
    library = RuleSetStandardLibrary(BOTOCORE)
    assert home_partition(region) == library.aws_partition(region)["name"]


@pytest.mark.parametrize(
    ("host", "home", "is_one"),
    [
        ("s3.amazonaws.com", None, True),
        ("s3.us-east-1.amazonaws.com", None, True),
        ("s3-eu-west-1.amazonaws.com", None, True),
        ("s3.dualstack.us-west-2.amazonaws.com", None, True),
        ("s3.cn-north-1.amazonaws.com.cn", None, True),
        ("s3.us-east-9.amazonaws.com", None, False),
        ("s3.us-east-9.amazonaws.com", "us-east-9", True),
        ("s3.nz-north-1.amazonaws.com", "nz-north-1", True),
        ("s3.dualstack.nz-north-1.amazonaws.com", "nz-north-1", True),
        ("s3-ap-south-central-1.amazonaws.com", "ap-south-central-1", True),
        ("s3.nz-north-1.amazonaws.com", None, False),
        ("s3.nz-south-1.amazonaws.com", "nz-north-1", False),
        ("s3.nz-north-1.amazonaws.com.cn", "nz-north-1", False),
        ("s3.nz-north-1.amazonaws.eu", "nz-north-1", False),
        ("s3.us-ea_st-1.amazonaws.com", None, False),
        ("s3.cn-north-1.amazonaws.com", None, False),
    ],
)
def test_an_s3_endpoint_names_a_region_by_the_same_rule_as_an_arn(host, home, is_one):
    assert is_s3_endpoint(host, home) is is_one
