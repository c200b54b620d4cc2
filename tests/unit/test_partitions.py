"""Our list of AWS partitions is botocore's: a new partition (as aws-eusc was) fails here first."""

from __future__ import annotations

import json
from pathlib import Path

import botocore

from partitions import PARTITIONS


def test_partitions_match_botocore():
    data = json.loads((Path(botocore.__file__).parent / "data" / "partitions.json").read_text())
    theirs = {
        p["id"]: (p["outputs"]["dnsSuffix"], p["regionRegex"].removeprefix("^").removesuffix("$"))
        for p in data["partitions"]
    }
    assert theirs == PARTITIONS
