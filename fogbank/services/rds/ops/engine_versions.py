"""DescribeDBEngineVersions and DescribeOrderableDBInstanceOptions: what is really installed."""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds import certificates, classes, serverless, upgrades
from fogbank.services.rds.engines import KINDS, EngineVersion, check_engine, is_aurora
from fogbank.services.rds.ops.common import backend, filters, page
from fogbank.services.rds.validation import STORAGE_TYPES

_ENGINE_DESCRIPTIONS = {
    "postgres": "PostgreSQL",
    "mysql": "MySQL Community Edition",
    "mariadb": "MariaDB Community Edition",
    "aurora-postgresql": "Aurora (PostgreSQL)",
    "aurora-mysql": "Aurora MySQL",
}


def _render(ctx: RequestContext, version: EngineVersion, defaults: dict[str, str]) -> dict[str, Any]:
    kind = KINDS[version.engine]
    others = [v for v in ctx.backend.engines.versions(version.engine) if v.version != version.version]
    return {
        "Engine": version.engine,
        "EngineVersion": version.version,
        "MajorEngineVersion": version.major,
        "DBParameterGroupFamily": version.family,
        "DBEngineDescription": _ENGINE_DESCRIPTIONS[version.engine],
        "DBEngineVersionDescription": version.description,
        "ValidUpgradeTarget": [_target(version, t) for t in upgrades.targets(ctx.backend, version)],
        "ExportableLogTypes": ["postgresql", "upgrade"]
        if kind.flavor == "postgres"
        else ["audit", "error", "general", "slowquery"],
        "SupportsLogExportsToCloudwatchLogs": True,
        "SupportsReadReplica": True,
        "SupportedEngineModes": ["provisioned"],
        "SupportedFeatureNames": [],
        "Status": "available",
        "SupportsParallelQuery": False,
        "SupportsGlobalDatabases": False,
        "SupportsBabelfish": False,
        "SupportsLimitlessDatabase": False,
        "SupportsCertificateRotationWithoutRestart": True,
        "SupportedCACertificateIdentifiers": [c for c in certificates.CERTIFICATES if c != "rds-ca-2019"],
        "SupportsLocalWriteForwarding": False,
        "SupportsIntegrations": False,
        "TagList": [],
        **({"ServerlessV2FeaturesSupport": dict(serverless.FEATURES)} if is_aurora(version.engine) else {}),
        "_default": defaults.get(version.engine) == version.version,
        "_others": [v.version for v in others],
    }


def _target(version: EngineVersion, target: EngineVersion) -> dict[str, Any]:
    """One UpgradeTarget: a version this one's instances can be upgraded to here (``upgrades.targets``)."""
    return {
        "Engine": target.engine,
        "EngineVersion": target.version,
        "Description": target.description,
        "AutoUpgrade": False,
        "IsMajorVersionUpgrade": upgrades.is_major(version, target),
        "SupportedEngineModes": ["provisioned"],
        "SupportsParallelQuery": False,
        "SupportsGlobalDatabases": False,
        "SupportsBabelfish": False,
        "SupportsLimitlessDatabase": False,
        "SupportsLocalWriteForwarding": False,
        "SupportsIntegrations": False,
    }


@operation("DescribeDBEngineVersions")
def describe_db_engine_versions(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, _region = backend(ctx)
    engine = params.get("Engine")
    if engine is not None and engine not in KINDS:
        check_engine(engine)  # aurora-*, oracle-*: a clear error; unknown names: InvalidParameterValue
    match = filters(
        params,
        {
            "engine": lambda v: (v["Engine"],),
            "engine-version": lambda v: (v["EngineVersion"],),
            "db-parameter-group-family": lambda v: (v["DBParameterGroupFamily"],),
            "engine-mode": lambda v: tuple(v["SupportedEngineModes"]),
            "status": lambda v: (v["Status"],),
        },
    )
    names = [engine] if engine else list(KINDS)
    versions = [v for name in names for v in be.engines.versions(name)]
    defaults = {name: chosen.version for name in names if (chosen := be.engines.default(name)) is not None}
    rows = [_render(ctx, v, defaults) for v in versions]
    if params.get("EngineVersion"):
        wanted = params["EngineVersion"]
        rows = [r for r in rows if r["EngineVersion"] == wanted or r["MajorEngineVersion"] == wanted]
    if params.get("DBParameterGroupFamily"):
        rows = [r for r in rows if r["DBParameterGroupFamily"] == params["DBParameterGroupFamily"]]
    if params.get("DefaultOnly"):
        rows = [r for r in rows if r["_default"]]
    rows = [r for r in rows if match(r)]
    chunk, marker = page(params, rows, key=lambda r: f"{r['Engine']}/{r['EngineVersion']}")
    for row in chunk:
        row.pop("_default")
        row.pop("_others")
    return {"DBEngineVersions": chunk, "Marker": marker}


@operation("DescribeOrderableDBInstanceOptions")
def describe_orderable_db_instance_options(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    be, _region = backend(ctx)
    engine = params["Engine"]
    if engine not in KINDS:
        check_engine(engine)
    versions = be.engines.versions(engine)
    if params.get("EngineVersion"):
        try:
            versions = [be.engines.resolve(engine, params["EngineVersion"])]
        except AwsError:
            versions = []
    aurora = is_aurora(engine)
    # Aurora: its instances run in clusters on the cluster's storage, and db.serverless is one more class.
    names = [*classes.ORDERABLE, serverless.INSTANCE_CLASS] if aurora else classes.ORDERABLE
    storage_types = ("aurora",) if aurora else ("gp2", "gp3", "io1", "standard")
    if params.get("DBInstanceClass"):
        names = [n for n in names if n == params["DBInstanceClass"]]
    license_model = KINDS[engine].license_model
    if params.get("LicenseModel") and params["LicenseModel"] != license_model:
        names = []
    zones = [{"Name": f"{ctx.region}{z}"} for z in "abc"]
    rows = []
    for version in versions:
        for name in names:
            for storage_type in storage_types:
                low, high = STORAGE_TYPES.get(storage_type, (None, None))
                rows.append(
                    {
                        "Engine": engine,
                        "EngineVersion": version.version,
                        "DBInstanceClass": name,
                        "LicenseModel": license_model,
                        "AvailabilityZoneGroup": ctx.region,
                        "AvailabilityZones": zones,
                        "MultiAZCapable": True,
                        "ReadReplicaCapable": True,
                        "Vpc": True,
                        "SupportsStorageEncryption": True,
                        "StorageType": storage_type,
                        "SupportsIops": storage_type.startswith("io") or storage_type == "gp3",
                        "SupportsStorageThroughput": storage_type == "gp3",
                        "SupportsEnhancedMonitoring": False,
                        "SupportsIAMDatabaseAuthentication": False,
                        "SupportsPerformanceInsights": False,
                        "MinStorageSize": low,
                        "MaxStorageSize": high,
                        "SupportedEngineModes": ["provisioned"],
                        "SupportsStorageAutoscaling": True,
                        "SupportsKerberosAuthentication": False,
                        "OutpostCapable": False,
                        "SupportsGlobalDatabases": False,
                        "SupportedNetworkTypes": ["IPV4"],
                        "SupportsClusters": aurora,
                        "SupportsDedicatedLogVolume": False,
                        "_key": f"{version.version}/{name}/{storage_type}",
                    }
                )
    if params.get("Vpc") is False:
        rows = []
    # RDS documents up to 1,000 records here, and the console asks for that many. (DocumentDB and Neptune
    # document 100, but their engines are refused above: they run in clusters.)
    chunk, marker = page(params, rows, key=lambda r: r["_key"], maximum=1000)
    for row in chunk:
        row.pop("_key")
        if row["MinStorageSize"] is None:  # Aurora's storage grows by itself: no sizes to choose
            del row["MinStorageSize"], row["MaxStorageSize"]
    return {"OrderableDBInstanceOptions": chunk, "Marker": marker}
