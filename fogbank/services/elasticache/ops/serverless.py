"""Serverless caches and their snapshots: Create, Describe, Modify, Delete (``elasticache/serverless.py``)."""

from __future__ import annotations

import re
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.engines.catalog import EngineNotInstalled
from fogbank.managed import ports
from fogbank.managed.records import Record, Scope
from fogbank.managed.tags import check as check_tags
from fogbank.protocols import paging
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.elasticache import serverless, snapshots, users
from fogbank.services.elasticache.backend import SERVICE, Backend
from fogbank.services.elasticache.model import ADDRESS, check_identifier
from fogbank.services.elasticache.ops.common import TAG_RULES, backend
from fogbank.services.elasticache.serverless import LIFECYCLE, SERVERLESS, SERVERLESS_SNAPSHOT, ServerlessPrivate
from fogbank.services.elasticache.snapshots import SNAPSHOT, SNAPSHOT_LIFECYCLE, SnapshotPrivate

ENGINES = ("valkey", "redis")
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValue", message)


def not_found(name: str) -> AwsError:
    return AwsError("ServerlessCacheNotFoundFault", f"Serverless cache {name} not found.")


def snapshot_not_found(name: str) -> AwsError:
    return AwsError("ServerlessCacheSnapshotNotFoundFault", f"Serverless cache snapshot {name} not found.")


def _cache(scope: Scope, name: Any) -> Record[ServerlessPrivate]:
    record = scope.get(SERVERLESS, name.lower()) if isinstance(name, str) else None
    if record is None:
        raise not_found(name)
    return record


def _limits(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    storage, ecpu = value.get("DataStorage"), value.get("ECPUPerSecond")
    if storage is not None:
        if storage.get("Unit") != "GB":
            raise invalid("CacheUsageLimits.DataStorage.Unit must be GB.")
        low, high = storage.get("Minimum"), storage.get("Maximum")
        for bound in (low, high):
            if bound is not None and not 1 <= bound <= 5000:
                raise invalid("CacheUsageLimits.DataStorage must be between 1 and 5000 GB.")
        if low is not None and high is not None and low > high:
            raise invalid("CacheUsageLimits.DataStorage.Minimum must not exceed its Maximum.")
    if ecpu is not None:
        low, high = ecpu.get("Minimum"), ecpu.get("Maximum")
        for bound in (low, high):
            if bound is not None and not 1000 <= bound <= 15_000_000:
                raise invalid("CacheUsageLimits.ECPUPerSecond must be between 1000 and 15000000.")
        if low is not None and high is not None and low > high:
            raise invalid("CacheUsageLimits.ECPUPerSecond.Minimum must not exceed its Maximum.")
    return {k: v for k, v in value.items() if v is not None}


def _retention(params: dict[str, Any]) -> None:
    limit = params.get("SnapshotRetentionLimit")
    if limit is not None and not 0 <= limit <= 35:
        raise invalid("SnapshotRetentionLimit must be between 0 and 35.")
    daily = params.get("DailySnapshotTime")
    if daily is not None and not _TIME.match(daily):
        raise invalid(f"Invalid DailySnapshotTime: {daily}. The format is HH:MM (UTC).")


def _user_group(scope: Scope, group_id: Any, engine: str) -> str:
    found = users.group(scope, group_id)
    if found.status != "active":
        raise AwsError("InvalidUserGroupState", f"User group {found.identifier} is not in active state.")
    if engine == "redis" and found.fields["Engine"] != "redis":
        raise AwsError("InvalidParameterCombination", f"User group {found.identifier} is for engine "
                       f"{found.fields['Engine']}, not redis.")  # fmt: skip
    return found.identifier


def _version(be: Backend, engine: str, major: str | None) -> Any:
    try:
        versions = be.catalog.versions(SERVICE, engine)
    except KeyError:
        versions = []
    chosen = [v for v in versions if major is None or v.version.split(".")[0] == major]
    if not chosen:
        if major is not None:
            raise invalid(f"Invalid MajorEngineVersion {major} for engine {engine}.")
        try:
            be.catalog.resolve(SERVICE, engine, None)
        except EngineNotInstalled as error:
            raise invalid(str(error)) from None
    return chosen[0]


def render(record: Record[ServerlessPrivate]) -> dict[str, Any]:
    f = record.fields
    out: dict[str, Any] = {
        "ServerlessCacheName": record.identifier,
        "Description": f.get("Description", ""),
        "CreateTime": serverless_time(record.created),
        "Status": record.status,
        "Engine": f["Engine"],
        "MajorEngineVersion": f["MajorEngineVersion"],
        "FullEngineVersion": f["FullEngineVersion"],
        "CacheUsageLimits": f.get("CacheUsageLimits") or None,
        "SecurityGroupIds": f.get("SecurityGroupIds", []),
        "ARN": record.arn,
        "UserGroupId": f.get("UserGroupId"),
        "SubnetIds": f.get("SubnetIds", []),
        "SnapshotRetentionLimit": f.get("SnapshotRetentionLimit", 0),
        "DailySnapshotTime": f.get("DailySnapshotTime", "00:00"),
        "NetworkType": "ipv4",
    }
    if record.status not in ("creating", "create-failed"):
        out["Endpoint"] = {"Address": ADDRESS, "Port": record.private.port}
        out["ReaderEndpoint"] = {"Address": ADDRESS, "Port": record.private.reader_port}
    return {k: v for k, v in out.items() if v is not None}


def serverless_time(value: str | None) -> Any:
    import datetime as dt

    return dt.datetime.fromisoformat(value) if value else None


def _page(params: dict[str, Any], items: list[Any]) -> tuple[list[Any], str | None]:
    size = params.get("MaxResults")
    if size is None:
        size = 100
    elif not 1 <= size <= 100:
        raise invalid(f"Invalid value {size} for MaxResults. Must be between 1 and 100")
    token = params.get("NextToken")
    return paging.page(items, size, token, key=lambda r: r.identifier,
                       invalid=lambda: invalid(f"Invalid NextToken: {token}"))  # fmt: skip


@operation("CreateServerlessCache")
def create_serverless_cache(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    name = check_identifier(params.get("ServerlessCacheName") or "", "ServerlessCacheName", max_length=40)
    engine = (params.get("Engine") or "").lower()
    if engine not in ENGINES:
        raise invalid(f"Invalid engine: {params.get('Engine')}. Valid engines for serverless caches are: valkey, redis")
    version = _version(be, engine, params.get("MajorEngineVersion"))
    limits = _limits(params.get("CacheUsageLimits"))
    _retention(params)
    tags = check_tags(params.get("Tags"), TAG_RULES)
    for member in ("KmsKeyId", "Integrations"):
        if params.get(member):
            raise invalid(f"{member} is not supported by Fogbank (no encryption at rest or integrations are served).")
    with be.store.lock:
        if scope.get(SERVERLESS, name) is not None:
            raise AwsError("ServerlessCacheAlreadyExistsFault", f"Serverless cache {name} already exists.")
        group_id = _user_group(scope, params["UserGroupId"], engine) if params.get("UserGroupId") else None
        restore = ""
        for arn in params.get("SnapshotArnsToRestore") or []:
            source = scope.by_arn(arn) if isinstance(arn, str) else None
            if source is None or source.kind not in (SNAPSHOT, SERVERLESS_SNAPSHOT):
                raise invalid(f"Snapshot {arn} not found.")
            if source.status != "available":
                raise snapshots.invalid_state(source)
            restore = f"{source.kind}:{source.identifier}"
        if len(params.get("SnapshotArnsToRestore") or []) > 1:
            raise invalid("Fogbank restores a serverless cache from one snapshot.")
        fields = {
            "Description": params.get("Description", ""),
            "Engine": engine,
            "MajorEngineVersion": version.version.split(".")[0],
            "FullEngineVersion": version.version,
            "CacheUsageLimits": limits,
            "SecurityGroupIds": params.get("SecurityGroupIds") or [],
            "SubnetIds": params.get("SubnetIds") or [],
            "SnapshotRetentionLimit": params.get("SnapshotRetentionLimit", 0),
            "DailySnapshotTime": params.get("DailySnapshotTime") or "00:00",
            "UserGroupId": group_id,
        }
        private = ServerlessPrivate(ports.allocate(be.supervisor, None), ports.allocate(be.supervisor, 6379),
                                    ports.allocate(be.supervisor, 6380), restore)  # fmt: skip
        record = Record(SERVERLESS, name, ctx.arn("elasticache", f"serverlesscache:{name}"), private,
                        fields=fields, status="creating", tags=tags)  # fmt: skip
        scope.add(record)
        if group_id:
            users.attach(scope, group_id, "ServerlessCaches", name)
        be.save(scope)
        out = {"ServerlessCache": render(record)}
    be.jobs.submit(record.resource_id, lambda: serverless.create(be, scope, record))
    return out


@operation("DescribeServerlessCaches")
def describe_serverless_caches(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        if params.get("ServerlessCacheName"):
            items = [_cache(scope, params["ServerlessCacheName"])]
        else:
            items = list(scope.of(SERVERLESS).values())
        chunk, token = _page(params, items)
        return {"ServerlessCaches": [render(r) for r in chunk], "NextToken": token}


@operation("ModifyServerlessCache")
def modify_serverless_cache(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    _retention(params)
    limits = _limits(params.get("CacheUsageLimits")) if params.get("CacheUsageLimits") is not None else None
    if params.get("RemoveUserGroup") and params.get("UserGroupId"):
        raise AwsError("InvalidParameterCombination", "UserGroupId and RemoveUserGroup cannot both be specified.")
    for member in ("Engine", "MajorEngineVersion"):
        if params.get(member) is not None:
            raise invalid(f"Changing {member} of a serverless cache is not supported by Fogbank yet.")
    with be.store.lock:
        record = _cache(scope, params.get("ServerlessCacheName"))
        if record.status != "available":
            raise AwsError("InvalidServerlessCacheStateFault", f"Serverless cache {record.identifier} is not in "
                           f"available state (it is {record.status}).")  # fmt: skip
        changes: dict[str, Any] = {}
        group_id = record.fields.get("UserGroupId")
        if params.get("UserGroupId"):
            new_group = _user_group(scope, params["UserGroupId"], record.fields["Engine"])
            if new_group != group_id:
                users.detach(scope, group_id, "ServerlessCaches", record.identifier)
                users.attach(scope, new_group, "ServerlessCaches", record.identifier)
                record.fields["UserGroupId"] = new_group
                changes["users"] = True
        elif params.get("RemoveUserGroup") and group_id:
            users.detach(scope, group_id, "ServerlessCaches", record.identifier)
            record.fields["UserGroupId"] = None
            changes["users"] = True
        if limits is not None:
            record.fields["CacheUsageLimits"] = limits
            changes["memory"] = True
        for member in ("Description", "SecurityGroupIds", "SnapshotRetentionLimit", "DailySnapshotTime"):
            if params.get(member) is not None:
                record.fields[member] = params[member]
        if changes:
            LIFECYCLE.move(record, "modifying")
        be.save(scope)
        out = {"ServerlessCache": render(record)}
    if changes:
        be.jobs.submit(record.resource_id, lambda: serverless.apply(be, scope, record, changes))
    return out


def _new_snapshot(ctx: RequestContext, be: Backend, scope: Scope, name: Any, cache: Record[ServerlessPrivate],
                  tags: list[dict[str, str]]) -> Record[SnapshotPrivate]:  # fmt: skip
    name = snapshots.check_name(name, "ServerlessCacheSnapshotName")
    if scope.get(SERVERLESS_SNAPSHOT, name) is not None:
        raise AwsError("ServerlessCacheSnapshotAlreadyExistsFault", f"Serverless cache snapshot {name} already exists.")
    version = serverless._version(be, cache)
    fields = {"ServerlessCacheConfiguration": {"ServerlessCacheName": cache.identifier,
                                               "Engine": cache.fields["Engine"],
                                               "MajorEngineVersion": cache.fields["MajorEngineVersion"]}}  # fmt: skip
    record = Record(SERVERLESS_SNAPSHOT, name, ctx.arn("elasticache", f"serverlesscachesnapshot:{name}"),
                    SnapshotPrivate("manual", version.binary.version), fields=fields, status="creating",
                    tags=tags)  # fmt: skip
    scope.add(record)
    return record


@operation("DeleteServerlessCache")
def delete_serverless_cache(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        record = _cache(scope, params.get("ServerlessCacheName"))
        if record.status not in ("available", "create-failed"):
            raise AwsError("InvalidServerlessCacheStateFault", f"Serverless cache {record.identifier} is not in "
                           f"available state (it is {record.status}).")  # fmt: skip
        final = None
        if params.get("FinalSnapshotName"):
            if record.status != "available":
                raise AwsError("InvalidServerlessCacheStateFault", f"Serverless cache {record.identifier} is not "
                               "available: no final snapshot can be taken.")  # fmt: skip
            final = _new_snapshot(ctx, be, scope, params["FinalSnapshotName"], record, [])
        LIFECYCLE.move(record, "deleting")
        be.save(scope)
        out = {"ServerlessCache": render(record)}
    be.jobs.submit(record.resource_id, lambda: serverless.delete(be, scope, record, final))
    return out


def render_snapshot(record: Record[SnapshotPrivate]) -> dict[str, Any]:
    size = sum(int(node["CacheSize"]) for node in record.private.nodes)
    out: dict[str, Any] = {
        "ServerlessCacheSnapshotName": record.identifier,
        "ARN": record.arn,
        "SnapshotType": "manual" if record.private.source == "manual" else "automated",
        "Status": record.status,
        "CreateTime": serverless_time(record.created),
        "BytesUsedForCache": str(size),
        "ServerlessCacheConfiguration": record.fields["ServerlessCacheConfiguration"],
    }
    if record.fields.get("KmsKeyId"):
        out["KmsKeyId"] = record.fields["KmsKeyId"]
    return out


def _snapshot(scope: Scope, name: Any) -> Record[SnapshotPrivate]:
    record = scope.get(SERVERLESS_SNAPSHOT, name) if isinstance(name, str) else None
    if record is None:
        raise snapshot_not_found(name)
    return record


@operation("CreateServerlessCacheSnapshot")
def create_serverless_cache_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    tags = check_tags(params.get("Tags"), TAG_RULES)
    with be.store.lock:
        cache = _cache(scope, params.get("ServerlessCacheName"))
        if cache.status != "available":
            raise AwsError("InvalidServerlessCacheStateFault", f"Serverless cache {cache.identifier} is not in "
                           f"available state (it is {cache.status}).")  # fmt: skip
        record = _new_snapshot(ctx, be, scope, params.get("ServerlessCacheSnapshotName"), cache, tags)
        be.save(scope)
        out = {"ServerlessCacheSnapshot": render_snapshot(record)}
    be.jobs.submit(cache.resource_id, lambda: serverless.snapshot(be, scope, cache, record))
    return out


@operation("CopyServerlessCacheSnapshot")
def copy_serverless_cache_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    tags = check_tags(params.get("Tags"), TAG_RULES)
    name = snapshots.check_name(params.get("TargetServerlessCacheSnapshotName"), "TargetServerlessCacheSnapshotName")
    with be.store.lock:
        source = _snapshot(scope, params.get("SourceServerlessCacheSnapshotName"))
        if source.status != "available":
            raise AwsError("InvalidServerlessCacheSnapshotStateFault", f"Serverless cache snapshot "
                           f"{source.identifier} is not in available state (it is {source.status}).")  # fmt: skip
        if scope.get(SERVERLESS_SNAPSHOT, name) is not None:
            raise AwsError(
                "ServerlessCacheSnapshotAlreadyExistsFault", f"Serverless cache snapshot {name} already exists."
            )
        private = SnapshotPrivate(
            "manual", source.private.binary_version, [dict(node) for node in source.private.nodes]
        )
        fields = {"ServerlessCacheConfiguration": dict(source.fields["ServerlessCacheConfiguration"])}
        if params.get("KmsKeyId"):
            fields["KmsKeyId"] = params["KmsKeyId"]
        target = Record(SERVERLESS_SNAPSHOT, name, ctx.arn("elasticache", f"serverlesscachesnapshot:{name}"), private,
                        fields=fields, status="creating", tags=tags)  # fmt: skip
        scope.add(target)
        be.save(scope)
        out = {"ServerlessCacheSnapshot": render_snapshot(target)}
    be.jobs.submit(target.resource_id, lambda: serverless.copy_snapshot(be, scope, source, target))
    return out


@operation("DescribeServerlessCacheSnapshots")
def describe_serverless_cache_snapshots(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    kind = params.get("SnapshotType")
    if kind is not None and kind not in ("automated", "manual"):
        raise invalid(f"Invalid SnapshotType: {kind}. Valid values are: automated, manual")
    with be.store.lock:
        items = list(scope.of(SERVERLESS_SNAPSHOT).values())
        if params.get("ServerlessCacheSnapshotName"):
            items = [_snapshot(scope, params["ServerlessCacheSnapshotName"])]
        if params.get("ServerlessCacheName"):
            wanted = params["ServerlessCacheName"].lower()
            items = [r for r in items if r.fields["ServerlessCacheConfiguration"]["ServerlessCacheName"] == wanted]
            if not items and scope.get(SERVERLESS, wanted) is None:
                raise not_found(wanted)
        if kind is not None:
            items = [r for r in items if render_snapshot(r)["SnapshotType"] == kind]
        size = params.get("MaxResults")
        if size is not None and not 1 <= size <= 50:
            raise invalid(f"Invalid value {size} for MaxResults. Must be between 1 and 50")
        token = params.get("NextToken")
        chunk, next_token = paging.page(items, size or 50, token, key=lambda r: r.identifier,
                                        invalid=lambda: invalid(f"Invalid NextToken: {token}"))  # fmt: skip
        return {"ServerlessCacheSnapshots": [render_snapshot(r) for r in chunk], "NextToken": next_token}


@operation("DeleteServerlessCacheSnapshot")
def delete_serverless_cache_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        record = _snapshot(scope, params.get("ServerlessCacheSnapshotName"))
        if record.status not in ("available", "failed"):
            raise AwsError("InvalidServerlessCacheSnapshotStateFault", f"Serverless cache snapshot "
                           f"{record.identifier} is not in available state (it is {record.status}).")  # fmt: skip
        SNAPSHOT_LIFECYCLE.move(record, "deleting")
        be.save(scope)
        out = {"ServerlessCacheSnapshot": render_snapshot(record)}
    be.jobs.submit(record.resource_id, lambda: snapshots.delete(be, scope, record))
    return out


@operation("ExportServerlessCacheSnapshot")
def export_serverless_cache_snapshot(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, scope = backend(ctx)
    with be.store.lock:
        _snapshot(scope, params.get("ServerlessCacheSnapshotName"))
    raise invalid("Exporting a snapshot to Amazon S3 is not supported by Fogbank (it serves no S3); the snapshot's "
                  f"RDB is in {be.root / 'snapshots'}.")  # fmt: skip
