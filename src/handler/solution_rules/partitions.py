"""The AWS partitions: each one's id, DNS suffix and region-name pattern, as botocore's
partitions.json lists them (a unit test compares the two, so a new partition is noticed), and the
regions botocore knows in each. SolutionArn is checked against them, and so is the host of a
ResponseURL. The function's own region counts even where botocore predates it, in the partition
botocore's clients call it in.

The patterns are ASCII on purpose: botocore's `\\w` and `\\d` also match non-ASCII letters and
digits (and `_`), which no region name holds. The region list is read once, when first needed:
from `regions.json` beside this module where a package built it from botocore's data (the
construct's and the cfn-lint rules' wheels, which need no botocore), else through botocore's own
loader, as its clients read it (AWS_DATA_PATH, a .json.gz). In the function, app's cold-start
guard asks first, so a file that cannot be loaded fails Create and Update with a Reason instead
of failing the import.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
# Botocore's partition for a region no partition lists or matches (its aws.partition rule).
DEFAULT_PARTITION = "aws"
# A region name of any partition, known or not: lower-case ASCII words joined by hyphens.
REGION_NAME = r"[a-z0-9]+(?:-[a-z0-9]+)+"


class RegionsUnavailable(Exception):
    """botocore's partitions data could not be loaded (a broken or trimmed botocore)."""


# Written by a package's build (tools/regions.py), never by hand; the function ships without it.
PACKAGED_REGIONS = Path(__file__).with_name("regions.json")


def botocore_partitions() -> Mapping[str, Any]:
    """partitions.json as packaged beside this module, else as botocore's clients load it
    (botocore/client.py does the same). botocore is imported only here, when first needed: the
    wheels and the on-failure destination ship without it."""
    if PACKAGED_REGIONS.is_file():
        packaged: Mapping[str, Any] = json.loads(PACKAGED_REGIONS.read_text(encoding="utf-8"))
        return packaged
    import botocore.loaders  # only where no packaged list exists

    loader = botocore.loaders.create_loader(os.environ.get("AWS_DATA_PATH"))  # as a session
    data: Mapping[str, Any] = loader.load_data("partitions")
    return data


def known_regions() -> dict[str, frozenset[str]]:
    """The regions botocore lists per partition (its pseudo-regions such as aws-global left out,
    since they match no pattern). botocore ships pinned with the function, so this is the list
    of the release it was built with: a region launched since is unknown to it. Raises
    RegionsUnavailable, naming the cause, when the data cannot be loaded or read."""
    try:
        listed = botocore_partitions()["partitions"]
        return {
            p["id"]: frozenset(
                region
                for region in p["regions"]
                if p["id"] in PARTITIONS and re.fullmatch(PARTITIONS[p["id"]][1], region)
            )
            for p in listed
        }
    except Exception as error:  # whatever the cause (missing, unreadable, reshaped), no list
        raise RegionsUnavailable(
            f"botocore's list of regions (partitions) could not be loaded: "
            f"{type(error).__name__}: {error}"
        ) from error


@functools.cache
def s3_host(partition: str) -> re.Pattern[str]:
    """An S3 endpoint host of `partition`, with or without a region (s3.<region>.<suffix>,
    s3-<region>.<suffix>, s3.dualstack.<region>.<suffix>, s3.<suffix>); is_region_of judges the
    region. Compiled when first asked for, not at import: a ResponseURL's host is usually of the
    first partition tried, so the others are seldom needed."""
    dns = PARTITIONS[partition][0]
    return re.compile(
        rf"s3(?:[.-](?:dualstack\.)?(?P<region>{REGION_NAME}))?\.{re.escape(dns)}", re.ASCII
    )


@functools.cache
def regions() -> dict[str, frozenset[str]]:
    """botocore's regions, loaded on first use and kept (a failed load is not kept: it raises
    RegionsUnavailable again next time)."""
    return known_regions()


def home_partition(home: str) -> str:
    """The partition the function's region `home` is in: the one botocore's clients call it in,
    the function's Personalize client among them (botocore's aws.partition rule: the first that
    lists it or whose pattern matches it, else aws; it lists no region its pattern misses but
    pseudo-regions). A region newer than botocore's patterns (a new prefix or shape) is thus in
    aws, where the function's own calls go."""
    matching = (p for p, (_, pattern) in PARTITIONS.items() if re.fullmatch(pattern, home))
    return next(matching, DEFAULT_PARTITION)


def is_region_of(partition: str, region: str, home: str | None = None) -> bool:
    """Whether `region` names a region of `partition` that exists: one botocore lists, or the
    function's own (`home`: it exists, since the function runs there, even where botocore
    predates it or none of its patterns matches it), in the partition botocore calls it in.
    Without botocore's list only the pattern is checked: app's cold start has then failed
    Create and Update with the reason already. False for an unknown partition."""
    known = PARTITIONS.get(partition)
    if known is None:
        return False
    if region == home and re.fullmatch(REGION_NAME, region, re.ASCII):
        return partition == home_partition(home)
    if re.fullmatch(known[1], region) is None:
        return False
    try:
        return region in regions().get(partition, frozenset())
    except RegionsUnavailable:
        return True


def is_s3_endpoint(host: str, home: str | None = None) -> bool:
    """Whether `host` is an S3 endpoint of a partition, its region (if it names one) a region of
    that partition by the same rule as a SolutionArn's."""
    for partition in PARTITIONS:
        match = s3_host(partition).fullmatch(host)
        if match and (match["region"] is None or is_region_of(partition, match["region"], home)):
            return True
    return False
