"""What other services may ask RDS of its DB instances and clusters (the RDS Data API signs in to them).

A small typed view, so that no other service reads RDS's store or records itself.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogbank.services.base import Service
from fogbank.services.rds.records import CLUSTER, INSTANCE
from fogbank.services.rds.service import Rds


@dataclass(frozen=True)
class DatabaseInstance:
    identifier: str
    engine: str  # RDS's Engine: "postgres", "mysql", "mariadb"
    port: int  # on ENDPOINT_ADDRESS (model.py)
    status: str  # DBInstanceStatus
    db_name: str | None  # DBName: the database made at creation, if any


def db_instance(service: Service | None, account: str, region: str, identifier: str) -> DatabaseInstance | None:
    """The instance of that (lowercase) identifier in the account and region, if RDS runs and has it."""
    if not isinstance(service, Rds) or service.backend is None:
        return None
    store = service.backend.store
    with store.lock:
        record = store.scope(account, region).get(INSTANCE, identifier)
        if record is None:
            return None
        return DatabaseInstance(
            record.identifier,
            record.fields["Engine"],
            int(record.fields["Port"]),
            record.status or "available",
            record.fields.get("DBName"),
        )


@dataclass(frozen=True)
class DatabaseCluster:
    identifier: str
    engine: str  # "aurora-postgresql", "aurora-mysql"
    port: int  # the cluster endpoint's (on ENDPOINT_ADDRESS): always the writer
    status: str  # the cluster's Status
    db_name: str | None  # DatabaseName
    http_endpoint: bool  # HttpEndpointEnabled: the Data API may reach it
    writer_available: bool


def db_cluster(service: Service | None, account: str, region: str, identifier: str) -> DatabaseCluster | None:
    """The Aurora cluster of that (lowercase) identifier in the account and region, if RDS runs and has it."""
    if not isinstance(service, Rds) or service.backend is None:
        return None
    from fogbank.services.rds import clusters

    store = service.backend.store
    with store.lock:
        scope = store.scope(account, region)
        record = scope.get(CLUSTER, identifier)
        if record is None:
            return None
        writer = clusters.writer(scope, record)
        return DatabaseCluster(
            record.identifier,
            record.fields["Engine"],
            int(record.fields["Port"]),
            record.status or "available",
            record.fields.get("DatabaseName"),
            bool(record.fields.get("HttpEndpointEnabled")),
            writer is not None and writer.status == "available",
        )
