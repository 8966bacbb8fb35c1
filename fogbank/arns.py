"""ARNs, built in one place for every service."""

from __future__ import annotations

# Services whose ARNs carry no region (global services).
_GLOBAL = {"iam", "sts"}


def partition(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def arn(service: str, region: str, account_id: str, resource: str) -> str:
    """``arn:aws:<service>:<region>:<account>:<resource>``, e.g. resource ``table/Music`` or ``db:mydb``."""
    region_part = "" if service in _GLOBAL else region
    return f"arn:{partition(region)}:{service}:{region_part}:{account_id}:{resource}"


def parse(value: str) -> dict[str, str] | None:
    """The parts of an ARN, or None when the text is not one."""
    parts = value.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return None
    return {
        "partition": parts[1],
        "service": parts[2],
        "region": parts[3],
        "account": parts[4],
        "resource": parts[5],
    }
