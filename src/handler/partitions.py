"""The AWS partitions: each one's id, DNS suffix and region-name pattern, as botocore's
partitions.json lists them (a unit test compares the two, so a new partition is noticed), and the
regions botocore knows in each. SolutionArn is checked against them, and so is the host of a
ResponseURL.

The patterns are ASCII on purpose: botocore's `\\w` and `\\d` also match non-ASCII letters and
digits (and `_`), which no region name holds.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import botocore

# id: (DNS suffix, region-name pattern)
PARTITIONS: dict[str, tuple[str, str]] = {
    "aws": ("amazonaws.com", r"(us|eu|ap|sa|ca|me|af|il|mx)\-[a-z]+\-[0-9]+"),
    "aws-cn": ("amazonaws.com.cn", r"cn\-[a-z]+\-[0-9]+"),
    "aws-eusc": ("amazonaws.eu", r"eusc\-(de)\-[a-z]+\-[0-9]+"),
    "aws-iso": ("c2s.ic.gov", r"us\-iso\-[a-z]+\-[0-9]+"),
    "aws-iso-b": ("sc2s.sgov.gov", r"us\-isob\-[a-z]+\-[0-9]+"),
    "aws-iso-e": ("cloud.adc-e.uk", r"eu\-isoe\-[a-z]+\-[0-9]+"),
    "aws-iso-f": ("csp.hci.ic.gov", r"us\-isof\-[a-z]+\-[0-9]+"),
    "aws-us-gov": ("amazonaws.com", r"us\-gov\-[a-z]+\-[0-9]+"),
}
BOTOCORE_PARTITIONS = Path(botocore.__file__).parent / "data" / "partitions.json"


def known_regions(path: Path = BOTOCORE_PARTITIONS) -> dict[str, frozenset[str]]:
    """The regions botocore lists per partition (its pseudo-regions such as aws-global left out,
    since they match no pattern). botocore ships pinned with the function, so this is the list
    of the release it was built with: a region launched since is unknown to it."""
    listed = json.loads(path.read_text())["partitions"]
    return {
        p["id"]: frozenset(
            region
            for region in p["regions"]
            if p["id"] in PARTITIONS and re.fullmatch(PARTITIONS[p["id"]][1], region)
        )
        for p in listed
    }


REGIONS = known_regions()
# An S3 endpoint host of any partition, with or without its region (s3.<region>.<suffix>,
# s3-<region>.<suffix>, s3.dualstack.<region>.<suffix>, s3.<suffix>); a region only with its own
# partition's suffix.
S3_ENDPOINT = (
    "(?:"
    + "|".join(
        rf"s3(?:[.-](?:dualstack\.)?(?:{region}))?\.{re.escape(dns)}"
        for dns, region in PARTITIONS.values()
    )
    + ")"
)


def is_region_of(partition: str, region: str, home: str | None = None) -> bool:
    """Whether `region` names a region of `partition` that exists: one botocore lists, or the
    function's own (`home`, from AWS_REGION: it exists, since the function runs there, even
    where botocore predates it). False for an unknown partition."""
    known = PARTITIONS.get(partition)
    if known is None or re.fullmatch(known[1], region) is None:
        return False
    return region == home or region in REGIONS.get(partition, frozenset())
