"""TagResource, UntagResource, ListTagsOfResource: tags of a table, named by its ARN."""

from __future__ import annotations

from typing import Any

from fogbank import arns
from fogbank.core.context import RequestContext
from fogbank.managed import tags
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend, check_arn_account
from fogbank.services.dynamodb.model import Table

INVALID = "One or more parameter values were invalid: "
PAGE = 10  # AWS pages ListTagsOfResource in tens
# DynamoDB's wording of the shared tag rules: every refusal is a ValidationException.
RULES = tags.TagRules(
    reserved=("ValidationException", "Tag Key cannot be prefixed with aws:, Key: {key}"),
    duplicate=("ValidationException", "Duplicate Tag Keys provided as input: Duplicate Tag Key found {key}"),
    quota=("ValidationException", "Number of Tags exceed the current limit for the provided ResourceArn"),
)


def check_tags(given: list[dict[str, str]]) -> dict[str, str]:
    """Tags of TagResource or CreateTable, checked as AWS does; returns them as a dict."""
    return tags.as_dict(tags.check(given, RULES))


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
    check_arn_account(ctx.account_id, ctx.operation, arn)
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
        table.tags = tags.as_dict(tags.merge(tags.as_list(table.tags), tags.check(params["Tags"], RULES), RULES))
        backend.persist(table)
    return None


@operation("UntagResource")
def untag_resource(ctx: RequestContext, params: dict[str, Any]) -> None:
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = table_for_arn(ctx, params["ResourceArn"])
        if not params["TagKeys"]:
            raise validation_error("Atleast one Tag Key needs to be provided as Input.")
        table.tags = tags.as_dict(tags.remove(tags.as_list(table.tags), params["TagKeys"]))
        backend.persist(table)
    return None


@operation("ListTagsOfResource")
def list_tags_of_resource(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table = table_for_arn(ctx, params["ResourceArn"])
    listed = tags.as_list(table.tags)
    start = int(params["NextToken"]) if str(params.get("NextToken", "")).isdigit() else 0
    result: dict[str, Any] = {"Tags": listed[start : start + PAGE]}
    if start + PAGE < len(listed):
        result["NextToken"] = str(start + PAGE)
    return result
