"""The network a managed resource is placed in, without EC2: VPCs and subnets taken as given.

Fogbank serves no EC2, so a subnet group's subnets are accepted when their ids are well formed,
each placed in one of the region's zones a, b, c (derived from its id, so the same subnet always
lands in the same zone), and the VPC is derived from the subnets. Every account and region has a
default VPC with one subnet per zone, as AWS accounts do; the ``default`` subnet groups of RDS
and ElastiCache stand for it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable

from fogbank.protocols.errors import AwsError

SUBNET_ID = re.compile(r"^subnet-[0-9a-f]{8,17}$")


def _digest(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()[:17]


def default_vpc(account: str, region: str) -> str:
    return "vpc-" + _digest(f"{account}/{region}")


def default_subnets(account: str, region: str) -> list[list[str]]:
    """[subnet id, availability zone] of the default VPC: one per zone a, b, c."""
    return [["subnet-" + _digest(f"{account}/{region}/{zone}"), f"{region}{zone}"] for zone in "abc"]


def zone_of(region: str, subnet_id: str) -> str:
    return region + "abc"[int(hashlib.sha1(subnet_id.encode()).hexdigest(), 16) % 3]


def place(
    account: str,
    region: str,
    subnet_ids: list[str],
    missing: Callable[[], AwsError],
    invalid: Callable[[str], AwsError],
) -> tuple[str, list[list[str]]]:
    """The VPC and [subnet, zone] pairs of a subnet group's ``SubnetIds`` (each id once), or the
    service's error for none (``missing``) or a malformed id (``invalid``)."""
    if not subnet_ids:
        raise missing()
    for subnet_id in subnet_ids:
        if not isinstance(subnet_id, str) or not SUBNET_ID.match(subnet_id):
            raise invalid(str(subnet_id))
    vpc = "vpc-" + _digest(f"{account}/{sorted(subnet_ids)[0]}")
    return vpc, [[subnet_id, zone_of(region, subnet_id)] for subnet_id in dict.fromkeys(subnet_ids)]
