"""TagResource, UntagResource, ListTagsOfResource: tags of a table, named by its ARN."""

from __future__ import annotations

from typing import Any

from fogbank import arns
from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.model import Table

MAX_TAGS = 50
INVALID = "One or more parameter values were invalid: "
TOO_MANY = "Number of Tags exceed the current limit for the provided ResourceArn"  # a ValidationException on AWS
PAGE = 10  # AWS pages ListTagsOfResource in tens


def check_tags(given: list[dict[str, str]]) -> dict[str, str]:
    """Tags of TagResource or CreateTable, checked as AWS does; returns them as a dict."""
    tags: dict[str, str] = {}
    for tag in given:
        if tag["Key"].startswith("aws:"):
            raise validation_error(f"Tag Key cannot be prefixed with aws:, Key: {tag['Key']}")
        if tag["Key"] in tags:
            raise validation_error(f"Duplicate Tag Keys provided as input: Duplicate Tag Key found {tag['Key']}")
        tags[tag["Key"]] = tag["Value"]
    if len(tags) > MAX_TAGS:
        raise validation_error(TOO_MANY)
    return tags


def table_for_arn(ctx: RequestContext, arn: str) -> Table:
    if not arn.startswith("arn:"):
        raise validation_error(f"{INVALID}ARNs must start with 'arn:': {arn}")
    parts = arns.parse(arn)
    if parts is None:
        raise validation_error(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    if parts["service"] != "dynamodb":
        raise validation_error(f"{INVALID}Provided Arn is not a DynamoDB resource arn: {arn}")
    resource = parts["resource"].split("/")
    if resource[0] != "table" or len(resource) not in (2, 4) or (len(resource) == 4 and resource[2] != "stream"):
        raise validation_error(
            f"{INVALID}Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
        )
    if parts["region"] != ctx.region:
        raise validation_error(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    name = parts["resource"].split("/")[1]
    table = ctx.backend.find(parts["account"], parts["region"], name)
    if table is None or parts["account"] != ctx.account_id or parts["region"] != ctx.region:
        raise AwsError("ResourceNotFoundException", f"Requested resource not found: ResourcArn: {arn} not found")
    return table


@operation("TagResource")
def tag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = table_for_arn(ctx, params["ResourceArn"])
        if not params["Tags"]:
            raise validation_error("Atleast one Tag needs to be provided as Input.")
        tags = {**table.tags, **check_tags(params["Tags"])}
        if len(tags) > MAX_TAGS:
            raise validation_error(TOO_MANY)
        table.tags = tags
        backend.persist(table)
    return None


@operation("UntagResource")
def untag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = table_for_arn(ctx, params["ResourceArn"])
        if not params["TagKeys"]:
            raise validation_error("Atleast one Tag Key needs to be provided as Input.")
        table.tags = {key: value for key, value in table.tags.items() if key not in set(params["TagKeys"])}
        backend.persist(table)
    return None


@operation("ListTagsOfResource")
def list_tags_of_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table = table_for_arn(ctx, params["ResourceArn"])
    tags = [{"Key": key, "Value": value} for key, value in table.tags.items()]
    start = int(params["NextToken"]) if str(params.get("NextToken", "")).isdigit() else 0
    result: dict[str, Any] = {"Tags": tags[start : start + PAGE]}
    if start + PAGE < len(tags):
        result["NextToken"] = str(start + PAGE)
    return result
