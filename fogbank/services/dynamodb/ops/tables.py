"""Table operations: CreateTable, DescribeTable, UpdateTable, DeleteTable, ListTables, DescribeLimits, DescribeEndpoints."""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
import time
import uuid
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError, validation_error
from fogbank.protocols.validate import summary
from fogbank.services.base import operation
from fogbank.services.dynamodb.backend import Backend, table_name_of
from fogbank.services.dynamodb.keys import KeySchema
from fogbank.services.dynamodb.model import Index, Table, check_warm, merge_on_demand
from fogbank.services.dynamodb.ops.tags import check_tags
from fogbank.services.dynamodb.policies import check_policy, next_revision
from fogbank.services.dynamodb.replication import leave

INVALID = "One or more parameter values were invalid: "
MAX_THROUGHPUT = 1_000_000_000_000
MAX_LSIS = 5
MAX_GSIS = 20


def not_found(name: str) -> AwsError:
    return AwsError("ResourceNotFoundException", f"Requested resource not found: Table: {name} not found")


def find_table(ctx: RequestContext, name: str) -> Table:
    table = ctx.backend.find(ctx.account_id, ctx.region, table_name_of(name))
    if table is None:
        raise not_found(table_name_of(name))
    return table


def describe(backend: Backend, table: Table, status: str | None = None) -> dict[str, Any]:
    return table.describe(backend.store.stats(table.tid), status)


# -- validation -------------------------------------------------------------------------------------


_NAME = re.compile(r"[a-zA-Z0-9_.-]+")
_GOOD_NAMES: set[str] = set()


def check_table_name(name: str, member: str = "tableName") -> None:
    """The model accepts ARNs (up to 1024 characters) where a table is named; a new table needs a real name."""
    if name in _GOOD_NAMES:
        return
    problems = []
    if len(name) < 3:
        problems.append(
            f"Value '{name}' at '{member}' failed to satisfy constraint: Member must have length greater than or equal to 3"
        )
    if len(name) > 255:
        problems.append(
            f"Value '{name}' at '{member}' failed to satisfy constraint: Member must have length less than or equal to 255"
        )
    if not _NAME.fullmatch(name):
        problems.append(
            f"Value '{name}' at '{member}' failed to satisfy constraint: Member must satisfy regular expression pattern: "
            "[a-zA-Z0-9_.-]+"
        )
    if problems:
        noun = "error" if len(problems) == 1 else "errors"
        raise validation_error(f"{len(problems)} validation {noun} detected: " + "; ".join(problems))
    if len(_GOOD_NAMES) < 4096:
        _GOOD_NAMES.add(name)  # every request names its table: check each name once


def check_throughput(throughput: dict[str, Any]) -> None:
    for field_name in ("ReadCapacityUnits", "WriteCapacityUnits"):
        value = throughput.get(field_name)
        if value is not None and value > MAX_THROUGHPUT:
            raise validation_error(f"Given value {value} for {field_name} is out of bounds")


def check_billing(billing_mode: str | None, throughput: dict[str, Any] | None) -> None:
    if billing_mode == "PAY_PER_REQUEST":
        if throughput:
            raise validation_error(
                INVALID
                + "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"
            )
        return
    if not throughput or not throughput.get("ReadCapacityUnits") or not throughput.get("WriteCapacityUnits"):
        raise validation_error(
            INVALID + "ReadCapacityUnits and WriteCapacityUnits must both be specified when BillingMode is PROVISIONED"
        )
    check_throughput(throughput)


def check_create_members(params: dict[str, Any]) -> None:
    """The members the model no longer marks required (multi-attribute GSI keys loosened it), which a table
    still needs: AWS words their absence, and a table KeySchema longer than 2, as model constraints."""
    problems = []
    if params.get("AttributeDefinitions") is None:
        problems.append("Value null at 'attributeDefinitions' failed to satisfy constraint: Member must not be null")
    key_schema = params.get("KeySchema")
    if key_schema is None:
        problems.append("Value null at 'keySchema' failed to satisfy constraint: Member must not be null")
    elif len(key_schema) > 2:
        # AWS prints each element as its Java class's toString: KeySchemaElement(attributeName=pk, keyType=HASH).
        shown = ", ".join(
            f"KeySchemaElement(attributeName={e.get('AttributeName')}, keyType={e.get('KeyType')})" for e in key_schema
        )
        problems.append(
            f"Value '[{shown}]' at 'keySchema' failed to satisfy constraint: Member must have length less than or "
            "equal to 2"
        )
    if problems:
        raise validation_error(summary(problems))


def check_gsi_key_shape(index_name: str, key_schema: list[dict[str, str]]) -> None:
    """AWS now accepts GSI keys of up to four HASH and four RANGE attributes; Fogbank's indexes hold one of
    each, so such an index is refused openly rather than built on the wrong key."""
    kinds = [element.get("KeyType") for element in key_schema]
    if kinds and kinds[0] == "HASH" and (kinds.count("HASH") > 1 or kinds.count("RANGE") > 1):
        raise AwsError(
            "NotImplemented",
            f"Multi-attribute keys (index: {index_name}) are not implemented by Fogbank yet.",
            501,
        )


def check_key_schema(key_schema: list[dict[str, str]], defined: list[str]) -> None:
    keys = [element["AttributeName"] for element in key_schema]
    if any(key not in defined for key in keys):
        raise validation_error(
            INVALID
            + "Some index key attributes are not defined in AttributeDefinitions. "
            + f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(defined)}]"
        )
    if len(keys) == 2 and keys[0] == keys[1]:
        raise validation_error("Both the Hash Key and the Range Key element in the KeySchema have the same name")
    if key_schema[0]["KeyType"] != "HASH":
        raise validation_error("Invalid KeySchema: The first KeySchemaElement is not a HASH key type")
    if len(key_schema) == 2 and key_schema[1]["KeyType"] != "RANGE":
        raise validation_error("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type")


def check_projection(projection: dict[str, Any]) -> dict[str, Any]:
    kind = projection.get("ProjectionType")
    if kind is None:
        raise validation_error(INVALID + "Unknown ProjectionType: null")
    non_key = projection.get("NonKeyAttributes")
    if non_key is not None and kind != "INCLUDE":
        raise validation_error(INVALID + f"ProjectionType is {kind}, but NonKeyAttributes is specified")
    if kind == "INCLUDE" and not non_key:
        raise validation_error(INVALID + "ProjectionType is INCLUDE, but NonKeyAttributes is not specified")
    repeated = next((name for position, name in enumerate(non_key or []) if name in non_key[:position]), None)
    if repeated is not None:
        raise validation_error(INVALID + f"Duplicate element in NonKeyAttributes: {repeated}")
    return {"ProjectionType": kind, **({"NonKeyAttributes": list(non_key)} if non_key else {})}


def check_gsi_throughput(index: dict[str, Any], billing_mode: str, missing: str = "is not") -> dict[str, Any] | None:
    """An index's ProvisionedThroughput; ``missing`` words its absence ("is not" for CreateTable, "must be" for
    UpdateTable, as AWS has them)."""
    throughput = index.get("ProvisionedThroughput")
    if billing_mode == "PAY_PER_REQUEST":
        if throughput:
            raise validation_error(
                INVALID
                + f"ProvisionedThroughput should not be specified for index: {index['IndexName']} "
                + "when BillingMode is PAY_PER_REQUEST"
            )
        return None
    if not throughput:
        raise validation_error(INVALID + f"ProvisionedThroughput {missing} specified for index: {index['IndexName']}")
    check_throughput(throughput)
    return {
        "ReadCapacityUnits": throughput["ReadCapacityUnits"],
        "WriteCapacityUnits": throughput["WriteCapacityUnits"],
        "NumberOfDecreasesToday": 0,
    }


def sse_description(ctx: RequestContext, spec: dict[str, Any] | None) -> dict[str, Any] | None:
    if not spec or not spec.get("Enabled"):
        return None
    key = spec.get("KMSMasterKeyId") or ""
    if not key.startswith("arn:"):
        key = ctx.arn("kms", "key/" + (key.removeprefix("alias/") if key else str(uuid.uuid4())))
    return {"Status": "ENABLED", "SSEType": "KMS", "KMSMasterKeyArn": key}


LABEL_FORMAT = "%Y-%m-%dT%H:%M:%S.%f"


def stream_label(previous: str | None = None) -> str:
    """A new stream's label, its creation time to the millisecond: always after the table's previous one, so
    a stream re-enabled within the same millisecond still gets an ARN of its own."""
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    if previous is not None:
        try:
            now = max(now, dt.datetime.strptime(previous, LABEL_FORMAT) + dt.timedelta(milliseconds=1))
        except ValueError:
            pass
    return now.strftime(LABEL_FORMAT)[:-3]


# -- CreateTable ------------------------------------------------------------------------------------


@operation("CreateTable")
def create_table(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    name = params["TableName"]
    check_table_name(name)
    check_create_members(params)
    definitions = params["AttributeDefinitions"]
    key_schema = params["KeySchema"]
    billing_mode = params.get("BillingMode")
    throughput = params.get("ProvisionedThroughput")
    check_billing(billing_mode, throughput)
    tags = check_tags(params.get("Tags") or [])
    policy = params.get("ResourcePolicy")
    if policy is not None:
        check_policy(policy, for_stream=False)
    billing_mode = billing_mode or "PROVISIONED"
    defined = [d["AttributeName"] for d in definitions]
    keys = [element["AttributeName"] for element in key_schema]
    duplicated = next((name for position, name in enumerate(defined) if name in defined[:position]), None)
    if duplicated is not None:
        raise validation_error(f"Attribute Name is duplicated: {duplicated}")
    if len(keys) > len(defined):
        raise validation_error("Invalid KeySchema: Some index key attribute have no definition")
    if any(key not in defined for key in keys):
        raise validation_error(
            INVALID
            + "Some index key attributes are not defined in AttributeDefinitions. "
            + f"Keys: [{', '.join(keys)}], AttributeDefinitions: [{', '.join(defined)}]"
        )
    check_key_schema(key_schema, defined)
    lsi_params = params.get("LocalSecondaryIndexes")
    gsi_params = params.get("GlobalSecondaryIndexes")
    if lsi_params is None and gsi_params is None and len(keys) != len(defined):
        raise validation_error(
            INVALID
            + "Number of attributes in KeySchema does not exactly match number of attributes defined in AttributeDefinitions"
        )
    schema = KeySchema.from_api(key_schema, definitions)
    names: set[str] = set()
    indexes: list[Index] = []
    used = set(keys)
    if lsi_params is not None:
        if not lsi_params:
            raise validation_error(INVALID + "List of LocalSecondaryIndexes is empty")
        if schema.sort is None:
            raise validation_error(
                INVALID
                + "Table KeySchema does not have a range key, which is required when specifying a LocalSecondaryIndex"
            )
        for lsi in lsi_params:
            check_key_schema(lsi["KeySchema"], defined)
            index_name = lsi["IndexName"]
            if len(lsi["KeySchema"]) != 2:
                raise validation_error(INVALID + f"Index KeySchema does not have a range key for index: {index_name}")
            index_hash = lsi["KeySchema"][0]["AttributeName"]
            if index_hash != schema.partition:
                raise validation_error(
                    INVALID
                    + "Index KeySchema does not have the same leading hash key as table KeySchema for index: "
                    + f"{index_name}. index hash key: {index_hash}, table hash key: {schema.partition}"
                )
            projection = check_projection(lsi["Projection"])
            if index_name in names:
                raise validation_error(INVALID + f"Duplicate index name: {index_name}")
            names.add(index_name)
            used.update(element["AttributeName"] for element in lsi["KeySchema"])
            index_schema = KeySchema.from_api(lsi["KeySchema"], definitions)
            indexes.append(Index(index_name, len(indexes) + 1, True, index_schema, projection, schema))
        if len(lsi_params) > MAX_LSIS:
            raise validation_error(INVALID + f"Number of LocalSecondaryIndexes exceeds per-table limit of {MAX_LSIS}")
    if gsi_params is not None:
        if not gsi_params:
            raise validation_error(INVALID + "List of GlobalSecondaryIndexes is empty")
        for gsi in gsi_params:
            check_gsi_key_shape(gsi["IndexName"], gsi["KeySchema"])
            check_key_schema(gsi["KeySchema"], defined)
            index_name = gsi["IndexName"]
            projection = check_projection(gsi["Projection"])
            index_throughput = check_gsi_throughput(gsi, billing_mode)
            if index_name in names:
                raise validation_error(INVALID + f"Duplicate index name: {index_name}")
            names.add(index_name)
            used.update(element["AttributeName"] for element in gsi["KeySchema"])
            index_schema = KeySchema.from_api(gsi["KeySchema"], definitions)
            indexes.append(
                Index(
                    index_name,
                    len(indexes) + 1,
                    False,
                    index_schema,
                    projection,
                    schema,
                    throughput=index_throughput,
                    on_demand=merge_on_demand(gsi.get("OnDemandThroughput"), None),
                )
            )
        if len(gsi_params) > MAX_GSIS:
            raise validation_error(INVALID + f"GlobalSecondaryIndex count exceeds the per-table limit of {MAX_GSIS}")
    if len(set(defined)) != len(defined) or used != set(defined):
        raise validation_error(
            INVALID
            + f"Some AttributeDefinitions are not used. AttributeDefinitions: [{', '.join(defined)}], "
            + f"keys used: [{', '.join(sorted(used, key=defined.index))}]"
        )
    stream = params.get("StreamSpecification")
    if stream and stream.get("StreamEnabled") and not stream.get("StreamViewType"):
        raise validation_error(INVALID + "Table is being created with a stream enabled, UpdateViewType is required")
    if stream and not stream.get("StreamEnabled") and stream.get("StreamViewType"):
        raise validation_error(
            INVALID + "Table is being created with a stream disabled, UpdateViewType should not be specified"
        )
    with backend.store.lock:
        if backend.find(ctx.account_id, ctx.region, name) is not None:
            raise AwsError("ResourceInUseException", f"Table already exists: {name}")
        tid = backend.store.next_tid()
        now = time.time()
        table = Table(
            tid=tid,
            account=ctx.account_id,
            region=ctx.region,
            name=name,
            arn=ctx.arn("dynamodb", f"table/{name}"),
            schema=schema,
            attribute_definitions=[
                {"AttributeName": d["AttributeName"], "AttributeType": d["AttributeType"]} for d in definitions
            ],
            billing_mode=billing_mode,
            billing_mode_explicit=False,  # a PROVISIONED table shows no BillingModeSummary until it switches
            last_pay_per_request=now if billing_mode == "PAY_PER_REQUEST" else None,
            throughput=(
                {
                    "ReadCapacityUnits": throughput["ReadCapacityUnits"],
                    "WriteCapacityUnits": throughput["WriteCapacityUnits"],
                    "NumberOfDecreasesToday": 0,
                }
                if throughput
                else {}
            ),
            indexes=indexes,
            status="ACTIVE",
            created=now,
            tags=tags,
            stream=dict(stream) if stream and stream.get("StreamEnabled") else None,
            stream_label=stream_label() if stream and stream.get("StreamEnabled") else None,
            sse=sse_description(ctx, params.get("SSESpecification")),
            table_class=params.get("TableClass"),
            deletion_protection=bool(params.get("DeletionProtectionEnabled")),
            warm=check_warm(params.get("WarmThroughput"), None),
            on_demand=merge_on_demand(params.get("OnDemandThroughput"), None),
            policies={"": {"Policy": policy, "RevisionId": next_revision(None)}} if policy is not None else {},
        )
        # CreateTable answers CREATING as AWS does; the table is usable at once so waiters finish on their
        # first DescribeTable instead of sleeping 20 seconds.
        backend.persist(table)
        backend.tables[(ctx.account_id, ctx.region, name)] = table
    description = table.describe({}, "CREATING")
    for index in description.get("GlobalSecondaryIndexes", ()):
        index["IndexStatus"] = "CREATING"
    # The answer is what AWS has at this instant: no WarmThroughput unless one was asked for (then being
    # applied), and no time of the switch to on-demand yet.
    if params.get("WarmThroughput"):
        description["WarmThroughput"]["Status"] = "UPDATING"
    else:
        description.pop("WarmThroughput", None)
    description.get("BillingModeSummary", {}).pop("LastUpdateToPayPerRequestDateTime", None)
    return {"TableDescription": description}


# -- DescribeTable / ListTables ---------------------------------------------------------------------


@operation("DescribeTable")
def describe_table(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {"Table": describe(ctx.backend, find_table(ctx, params["TableName"]))}


@operation("ListTables")
def list_tables(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    names = sorted(table.name for table in ctx.backend.in_region(ctx.account_id, ctx.region))
    start = params.get("ExclusiveStartTableName")
    if start is not None:
        names = [name for name in names if name > start]
    limit = params.get("Limit") or 100
    page = names[:limit]
    result: dict[str, Any] = {"TableNames": page}
    if len(names) > limit:
        result["LastEvaluatedTableName"] = page[-1]
    return result


# -- DeleteTable ------------------------------------------------------------------------------------


@operation("DeleteTable")
def delete_table(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    backend: Backend = ctx.backend
    with backend.store.lock:
        table = find_table(ctx, params["TableName"])
        if table.deletion_protection:
            raise validation_error(
                "Resource cannot be deleted as it is currently protected against deletion. "
                "Disable deletion protection first."
            )
        if table.status != "ACTIVE":
            raise AwsError(
                "ResourceInUseException",
                f"Attempt to change a resource which is still in use: Table is being updated: {table.name}",
            )
        if table.backing_up:  # AWS: the source table of a backup in progress cannot be deleted
            raise AwsError(
                "ResourceInUseException",
                f"Attempt to change a resource which is still in use: Table is being backed up: {table.name}",
            )
        description = describe(backend, table, "DELETING")
        table.status = "DELETING"
        table.stream = None  # its stream is DISABLED, readable for 24 hours more, as on AWS
        system = None
        with backend.store.write() as writer:
            leave(backend, writer, table)  # a replica's DeleteTable removes it from its global table
            backend.save(writer, table)
            if table.pitr is not None:  # AWS keeps a system backup of a deleted PITR table for 35 days
                system = backend.backups.catalog(writer, table, f"{table.name}$DeletedTableBackup", "SYSTEM")
        del backend.tables[(table.account, table.region, table.name)]
    drop = functools.partial(backend.drop_rows, table.tid)
    if system is not None:
        backend.backups.start_copy_then_drop(system, drop)
    else:
        threading.Thread(target=drop, name="dynamodb-drop", daemon=True).start()
    return {"TableDescription": {key: value for key, value in description.items() if key not in NOT_IN_DELETE}}


# DeleteTable answers a short description: no key schema, definitions, creation time, indexes or warm throughput.
NOT_IN_DELETE = frozenset(
    (
        "AttributeDefinitions",
        "KeySchema",
        "CreationDateTime",
        "LocalSecondaryIndexes",
        "GlobalSecondaryIndexes",
        "WarmThroughput",
    )
)


# -- UpdateTable ------------------------------------------------------------------------------------


@operation("UpdateTable")
def update_table(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    from fogbank.services.dynamodb.ops.table_updates import apply_update

    return apply_update(ctx, params)


# -- DescribeLimits / DescribeEndpoints -------------------------------------------------------------


@operation("DescribeLimits")
def describe_limits(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    return {
        "AccountMaxReadCapacityUnits": 80000,
        "AccountMaxWriteCapacityUnits": 80000,
        "TableMaxReadCapacityUnits": 40000,
        "TableMaxWriteCapacityUnits": 40000,
    }


@operation("DescribeEndpoints")
def describe_endpoints(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    # Endpoint discovery must lead clients back here, not to AWS.
    host = ctx.request.header("host") or f"dynamodb.{ctx.region}.amazonaws.com"
    return {"Endpoints": [{"Address": host, "CachePeriodInMinutes": 1440}]}
