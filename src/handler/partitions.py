"""The AWS partitions: each one's id, DNS suffix and region names, as botocore's partitions.json
lists them (a unit test compares the two, so a new partition is noticed). SolutionArn is checked
against them, and so is the host of a ResponseURL."""

from __future__ import annotations

import re

# id: (DNS suffix, region-name pattern)
PARTITIONS: dict[str, tuple[str, str]] = {
    "aws": ("amazonaws.com", r"(us|eu|ap|sa|ca|me|af|il|mx)\-\w+\-\d+"),
    "aws-cn": ("amazonaws.com.cn", r"cn\-\w+\-\d+"),
    "aws-eusc": ("amazonaws.eu", r"eusc\-(de)\-\w+\-\d+"),
    "aws-iso": ("c2s.ic.gov", r"us\-iso\-\w+\-\d+"),
    "aws-iso-b": ("sc2s.sgov.gov", r"us\-isob\-\w+\-\d+"),
    "aws-iso-e": ("cloud.adc-e.uk", r"eu\-isoe\-\w+\-\d+"),
    "aws-iso-f": ("csp.hci.ic.gov", r"us\-isof\-\w+\-\d+"),
    "aws-us-gov": ("amazonaws.com", r"us\-gov\-\w+\-\d+"),
}
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


def is_region_of(partition: str, region: str) -> bool:
    """Whether `region` names a region of `partition` (False for an unknown partition)."""
    known = PARTITIONS.get(partition)
    return known is not None and re.fullmatch(known[1], region) is not None
