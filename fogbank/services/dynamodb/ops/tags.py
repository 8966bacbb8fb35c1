"""TagResource, UntagResource, ListTagsOfResource: tags of a table, named by its ARN."""

from __future__ import annotations

from typing import Any

from fogbank import arns
from fogbank.gateway.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.model import Table
from fogbank.services.dynamodb.service import service

MAX_TAGS = 50
PAGE = 10  # AWS pages ListTagsOfResource in tens


def table_for_arn(ctx: RequestContext, arn: str) -> Table:
    parts = arns.parse(arn)
    if parts is None or parts["service"] != "dynamodb" or not parts["resource"].startswith("table/"):
        raise validation_error(f"Invalid TableArn: Invalid ResourceArn provided as input {arn}")
    name = parts["resource"].split("/")[1]
    table = ctx.backend.find(parts["account"], parts["region"], name)
    if table is None or parts["account"] != ctx.account_id or parts["region"] != ctx.region:
        raise AwsError("ResourceNotFoundException", f"Requested resource not found: ResourcArn: {arn} not found")
    return table


@service.operation("TagResource")
def tag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = table_for_arn(ctx, params["ResourceArn"])
        tags = dict(table.tags)
        for tag in params["Tags"]:
            if tag["Key"].startswith("aws:"):
                raise validation_error("One or more parameter values were invalid: Tag key cannot start with aws:")
            tags[tag["Key"]] = tag["Value"]
        if len(tags) > MAX_TAGS:
            raise AwsError("LimitExceededException", "One or more parameter values were invalid: too many tags")
        table.tags = tags
        backend.persist(table)
    return None


@service.operation("UntagResource")
def untag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = table_for_arn(ctx, params["ResourceArn"])
        table.tags = {key: value for key, value in table.tags.items() if key not in set(params["TagKeys"])}
        backend.persist(table)
    return None


@service.operation("ListTagsOfResource")
def list_tags_of_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table = table_for_arn(ctx, params["ResourceArn"])
    tags = [{"Key": key, "Value": value} for key, value in table.tags.items()]
    start = int(params["NextToken"]) if str(params.get("NextToken", "")).isdigit() else 0
    result: dict[str, Any] = {"Tags": tags[start : start + PAGE]}
    if start + PAGE < len(tags):
        result["NextToken"] = str(start + PAGE)
    return result
