"""PutResourcePolicy, GetResourcePolicy, DeleteResourcePolicy: the policy of a table or of one of its streams.

Stored on the table (policies.py), checked and answered as AWS does; not enforced until Fogbank authorizes
requests (the IAM issue). Each change is visible at once, where AWS's are eventually consistent.
"""

from __future__ import annotations

from typing import Any

from fogbank import arns
from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.services.base import operation
from fogbank.services.dynamodb import policies
from fogbank.services.dynamodb.backend import Backend
from fogbank.services.dynamodb.model import Table
from fogbank.services.dynamodb.ops.tables import not_found
from fogbank.services.dynamodb.streams import streams_in

INVALID = policies.INVALID


def policy_target(ctx: RequestContext, arn: str) -> tuple[Table, str]:
    """The table a ResourceArn names and the policy's key on it ("" for the table, a stream's label), with
    AWS's refusals in AWS's order: the ARN's form, its owner, its region, then the table and stream."""
    if not arn.startswith("arn:"):
        raise validation_error(f"{INVALID}ARNs must start with 'arn:': {arn}")
    parts = arns.parse(arn)
    if parts is None or parts["service"] != "dynamodb" or not parts["resource"].startswith("table/"):
        raise validation_error(f"{INVALID}Provided Arn is not a DynamoDB resource arn: {arn}")
    resource = parts["resource"].split("/")
    if len(resource) == 4 and resource[2] == "index":
        raise validation_error(
            f"{INVALID}Invalid resource arn provided, only table or stream is accepted. Provided resource arn: {arn}"
        )
    if len(resource) not in (2, 4) or (len(resource) == 4 and resource[2] != "stream") or not resource[-1]:
        raise validation_error(f"{INVALID}Provided Arn is not a DynamoDB resource arn: {arn}")
    if parts["account"] != ctx.account_id:
        raise validation_error("This action is only supported by accounts that match the resource owner’s account.")
    if parts["region"] != ctx.region or parts["partition"] != arns.partition(ctx.region):
        raise validation_error(f"{INVALID}Invalid resource Arn: {arn}")
    name = resource[1]
    table = ctx.backend.find(ctx.account_id, ctx.region, name)
    if table is None or table.status == "CREATING":
        raise not_found(name)
    if len(resource) == 2:
        return table, ""
    label = resource[3]
    # A stream of this table, not of an earlier table of the same name (its streams outlive it for 24 hours).
    streams = streams_in(ctx.backend.store, ctx.account_id, ctx.region, name)
    if not any(stream.label == label and stream.created >= table.created for stream in streams):
        raise AwsError(
            "ResourceNotFoundException", f"Requested resource not found: Stream: {label} not found for Table: {name}"
        )
    return table, label


def check_expected(expected: str | None, current: dict[str, str] | None, table: Table, arn: str) -> None:
    """ExpectedRevisionId: the revision the change is meant for, or NO_POLICY for "none may exist yet"."""
    if expected is None:
        return
    if expected == policies.NO_POLICY:
        if current is not None:
            raise policies.policy_exists(table.name, current["RevisionId"])
        return
    if current is None:
        raise policies.policy_not_found(arn)
    if current["RevisionId"] != expected:
        raise policies.revision_mismatch(expected, table.name, current["RevisionId"])


@operation("PutResourcePolicy")
def put_resource_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    arn, text = params["ResourceArn"], params["Policy"]
    with backend.store.lock:
        table, key = policy_target(ctx, arn)
        policies.check_policy(text, for_stream=bool(key))
        current = table.policies.get(key)
        check_expected(params.get("ExpectedRevisionId"), current, table, arn)
        if current is not None and current["Policy"] == text:
            return {"RevisionId": current["RevisionId"]}  # the same document again changes nothing, as on AWS
        if policies.denies_self_policy_change(text, ctx.account_id) and not params.get(
            "ConfirmRemoveSelfResourceAccess"
        ):
            raise validation_error(
                f"{INVALID}The policy would deny you dynamodb:PutResourcePolicy on this resource; set "
                "ConfirmRemoveSelfResourceAccess to true to confirm that you want to remove your own access."
            )
        revision = policies.next_revision(current["RevisionId"] if current else None)
        table.policies[key] = {"Policy": text, "RevisionId": revision}
        backend.persist(table)
    return {"RevisionId": revision}


@operation("GetResourcePolicy")
def get_resource_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    table, key = policy_target(ctx, params["ResourceArn"])
    current = table.policies.get(key)
    if current is None:
        raise policies.policy_not_found(params["ResourceArn"])
    return {"Policy": current["Policy"], "RevisionId": current["RevisionId"]}


@operation("DeleteResourcePolicy")
def delete_resource_policy(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    arn = params["ResourceArn"]
    with backend.store.lock:
        table, key = policy_target(ctx, arn)
        current = table.policies.get(key)
        expected = params.get("ExpectedRevisionId")
        if current is None:
            if expected is not None:
                raise policies.policy_not_found(arn)
            return {}  # AWS: deleting the policy of a resource that has none succeeds, with an empty answer
        check_expected(expected, current, table, arn)
        del table.policies[key]
        backend.persist(table)
    return {"RevisionId": current["RevisionId"]}
