"""Tags, once for every service: checked, merged and removed with AWS's limits.

Each service words the errors its own way (``TagRules``; a message may name the tag's key as
``{key}``); the rules are AWS's: at most 50 tags per resource, keys of 1-128 characters not
starting with ``aws:``, values up to 256. A service that refuses a key repeated in one request
(DynamoDB) says so with ``duplicate``; the others keep the last value given.
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
    quota: tuple[str, str] | None = ("TagQuotaPerResourceExceeded", "Cannot have more than 50 tags on a resource.")
    duplicate: tuple[str, str] | None = None  # None: the last of a repeated key wins


def _error(rule: tuple[str, str], key: str = "") -> AwsError:
    code, message = rule
    return AwsError(code, message.replace("{key}", key))


def check(tags: Iterable[Mapping[str, Any]] | None, rules: TagRules) -> list[Tag]:
    """A request's tag list as ``[{"Key", "Value"}]``."""
    out: dict[str, str] = {}
    for tag in tags or []:
        key = tag.get("Key") or ""
        value = tag.get("Value") or ""
        if not key:
            raise _error(rules.empty_key)
        if key.lower().startswith(rules.reserved_prefix):
            raise _error(rules.reserved, key)
        if rules.too_long and (len(key) > rules.max_key or len(value) > rules.max_value):
            raise _error(rules.too_long, key)
        if rules.duplicate and key in out:
            raise _error(rules.duplicate, key)
        out[key] = value
    return limit([{"Key": k, "Value": v} for k, v in out.items()], rules)


def limit(tags: list[Tag], rules: TagRules) -> list[Tag]:
    if rules.quota and len(tags) > rules.max_tags:
        raise _error(rules.quota)
    return tags


def merge(existing: list[Tag], new: list[Tag], rules: TagRules) -> list[Tag]:
    """``existing`` with ``new`` added or replacing values; the quota applies to the result."""
    merged = {t["Key"]: t["Value"] for t in existing}
    merged.update({t["Key"]: t["Value"] for t in new})
    return limit([{"Key": k, "Value": v} for k, v in merged.items()], rules)


def as_dict(tags: Iterable[Mapping[str, str]]) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags}


def as_list(tags: Mapping[str, str]) -> list[Tag]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def remove(existing: list[Tag], keys: Iterable[str]) -> list[Tag]:
    gone = set(keys)
    return [t for t in existing if t["Key"] not in gone]
