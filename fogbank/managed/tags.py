"""Tags, once for every service: checked, merged and removed with AWS's limits.

Each service words the errors its own way (``TagRules``); the rules are AWS's: at most 50 tags
per resource, keys of 1-128 characters not starting with ``aws:``, values up to 256.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from fogbank.protocols.errors import AwsError

Tag = dict[str, str]


@dataclass(frozen=True)
class TagRules:
    max_tags: int = 50
    max_key: int = 128
    max_value: int = 256
    reserved_prefix: str = "aws:"
    empty_key: tuple[str, str] = ("InvalidParameterValue", "Tag key must not be empty.")
    reserved: tuple[str, str] = ("InvalidParameterValue", "Tag keys must not begin with the reserved prefix aws:.")
    too_long: tuple[str, str] | None = None  # None: lengths are left to the model's constraints
    quota: tuple[str, str] = ("TagQuotaPerResourceExceeded", "Cannot have more than 50 tags on a resource.")


def check(tags: Iterable[Mapping[str, Any]] | None, rules: TagRules) -> list[Tag]:
    """A request's tag list as ``[{"Key", "Value"}]``, the last of a repeated key winning."""
    out: dict[str, str] = {}
    for tag in tags or []:
        key = tag.get("Key") or ""
        value = tag.get("Value") or ""
        if not key:
            raise AwsError(*rules.empty_key)
        if key.lower().startswith(rules.reserved_prefix):
            raise AwsError(*rules.reserved)
        if rules.too_long and (len(key) > rules.max_key or len(value) > rules.max_value):
            raise AwsError(*rules.too_long)
        out[key] = value
    return limit([{"Key": k, "Value": v} for k, v in out.items()], rules)


def limit(tags: list[Tag], rules: TagRules) -> list[Tag]:
    if len(tags) > rules.max_tags:
        raise AwsError(*rules.quota)
    return tags


def merge(existing: list[Tag], new: list[Tag], rules: TagRules) -> list[Tag]:
    """``existing`` with ``new`` added or replacing values; the quota applies to the result."""
    merged = {t["Key"]: t["Value"] for t in existing}
    merged.update({t["Key"]: t["Value"] for t in new})
    return limit([{"Key": k, "Value": v} for k, v in merged.items()], rules)


def remove(existing: list[Tag], keys: Iterable[str]) -> list[Tag]:
    gone = set(keys)
    return [t for t in existing if t["Key"] not in gone]
