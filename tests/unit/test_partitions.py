"""Our list of AWS partitions is botocore's: a new partition (as aws-eusc was) fails here first.
Ours reads its region patterns in ASCII, and knows its regions from botocore's list."""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore
import pytest

from partitions import PARTITIONS, REGIONS, S3_ENDPOINT, is_region_of

BOTOCORE = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())


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
        assert listed == REGIONS[partition["id"]]
        assert all(is_region_of(partition["id"], region) for region in listed)


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


def test_s3_hosts_are_ascii():
    assert re.fullmatch(S3_ENDPOINT, "s3.us-east-1.amazonaws.com")
    assert not re.fullmatch(S3_ENDPOINT, "s3.us-ea_st-1.amazonaws.com")
