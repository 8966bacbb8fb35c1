"""Serverless caches: one Valkey / Redis OSS node in cluster mode owning all 16384 slots, behind
Fogbank's TLS listeners (``tls.py``) on the cache's Endpoint and ReaderEndpoint.

Clients use the endpoint as a cluster-mode endpoint, as on AWS: the node announces the TLS
endpoint (``cluster-announce-port``) in ``CLUSTER SLOTS`` / ``CLUSTER SHARDS``, so redis-py's
``RedisCluster(ssl=True)`` finds its one shard there. ``CacheUsageLimits.DataStorage.Maximum``
is the node's ``maxmemory``; ECPU limits are recorded, not enforced. A user group attached
(``UserGroupId``) is the node's ACL; without one the default user needs no password (AWS's too).
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fogbank.engines.interface import AccessControl, CacheNodeSpec
from fogbank.managed import ports, recovery
from fogbank.managed.lifecycle import Lifecycle, transitions
from fogbank.managed.records import Record, RecordKind, Scope, dataclass_loader
from fogbank.services.elasticache import snapshots, tls, users
from fogbank.services.elasticache.backend import SERVICE, Backend
from fogbank.services.elasticache.model import ADDRESS
from fogbank.services.elasticache.snapshots import SnapshotPrivate

log = logging.getLogger(__name__)

SERVERLESS = "serverless-cache"
SERVERLESS_SNAPSHOT = "serverless-cache-snapshot"
GB = 1024**3

LIFECYCLE = Lifecycle(
    SERVERLESS,
    transitions(
        {
            "creating": ("available", "create-failed", "deleting"),
            "available": ("modifying", "deleting", "create-failed"),
            "modifying": ("available", "deleting"),
            "create-failed": ("deleting", "available"),
            "deleting": (),
        }
    ),
    failed="create-failed",
    running=frozenset({"available", "modifying"}),
    restarting="modifying",
)


@dataclass
class ServerlessPrivate:
    node_port: int = 0  # the plain node, reached only through the TLS listeners
    port: int = 0  # Endpoint (TLS)
    reader_port: int = 0  # ReaderEndpoint (TLS)
    restore_from: str = ""  # a snapshot's identifier and kind, "kind:name", until the first start


KINDS = [
    RecordKind(SERVERLESS, dataclass_loader(ServerlessPrivate)),
    RecordKind(SERVERLESS_SNAPSHOT, dataclass_loader(SnapshotPrivate)),
]
Cache = Record[ServerlessPrivate]


def tls_dir(be: Backend) -> Path:
    return be.root / "tls"


def process_name(record: Cache) -> str:
    return f"{SERVICE}/{record.resource_id}/0001"


def node_dir(be: Backend, record: Cache) -> Path:
    be.open_to_engine()  # the engine user passes through the directories above
    return be.clusters_dir / record.resource_id / "0001" / "data"


def _finder(be: Backend, scope: Scope, identifier: str) -> list[str]:
    record = scope.get(SERVERLESS, identifier)
    return [process_name(record)] if record is not None else []


users.register("ServerlessCaches", _finder)


def memory_bytes(record: Cache) -> int | None:
    maximum = ((record.fields.get("CacheUsageLimits") or {}).get("DataStorage") or {}).get("Maximum")
    return int(maximum) * GB if maximum else None


def _spec(be: Backend, scope: Scope, record: Cache, port: int) -> CacheNodeSpec:
    return CacheNodeSpec(
        name=process_name(record),
        data_dir=node_dir(be, record),
        port=port,
        memory_bytes=memory_bytes(record),
        settings={"cluster-announce-ip": ADDRESS, "cluster-announce-port": str(record.private.port)},
        acl_users=users.acl_users(scope, record.fields.get("UserGroupId")),
        cluster_enabled=True,
    )


def _version(be: Backend, record: Cache) -> Any:
    return be.catalog.resolve(SERVICE, record.fields["Engine"], record.fields["FullEngineVersion"])


def start(be: Backend, scope: Scope, record: Cache) -> None:
    """Start (or create) the node, give it every slot, and open the TLS listeners."""
    version = _version(be, record)
    driver = be.catalog.driver(version)
    data = node_dir(be, record)
    if record.private.restore_from:
        kind, _, name = record.private.restore_from.partition(":")
        source = scope.get(kind, name)
        if source is None:
            raise RuntimeError(f"snapshot {name} no longer exists")
        if not data.exists():
            snapshots.restore_node(be, source, "0001", driver, data)
    fresh = not data.exists()

    def begin(port: int) -> Any:
        record.private.node_port = port
        spec = _spec(be, scope, record, port)
        return driver.create(spec) if fresh else driver.start(spec)

    def moved(old: int, new: int) -> None:
        record.private.node_port = new

    ports.start_on_port(be.supervisor, record.private.node_port, begin, moved,
                        (lambda: shutil.rmtree(data, ignore_errors=True)) if fresh else None)  # fmt: skip
    name = process_name(record)
    be.running.add(name, driver)
    client = driver.client(name)  # type: ignore[attr-defined]
    owned = {slot for entry in _slots(client) for slot in range(int(entry[0]), int(entry[1]) + 1)}
    missing = [slot for slot in range(16384) if slot not in owned]
    if missing:  # the one shard owns every slot (kept in nodes.conf across restarts)
        client.execute_command("CLUSTER", "ADDSLOTS", *missing)
    deadline = time.monotonic() + 30
    while "cluster_state:ok" not in str(client.execute_command("CLUSTER", "INFO")):  # a moment after ADDSLOTS
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name}: the cluster state did not become ok")
        time.sleep(0.02)
    context = tls.server_context(tls_dir(be))
    be.terminators.stop(record.resource_id)
    announced = record.private.port
    for attr in ("port", "reader_port"):
        _listen(be, record, attr, context)
    if record.private.port != announced:  # the endpoint moved: CLUSTER SLOTS must send clients there
        driver.apply_settings(name, _spec(be, scope, record, record.private.node_port).settings)
    with be.store.lock:
        record.private.restore_from = ""
        be.save(scope)


def _listen(be: Backend, record: Cache, attr: str, context: Any) -> None:
    """A TLS listener on the endpoint's port; a port taken meanwhile by another program moves it."""
    for _ in range(5):
        try:
            be.terminators.serve(record.resource_id, getattr(record.private, attr), record.private.node_port, context)
            return
        except OSError as error:
            log.warning("%s: port %s: %s", record.identifier, getattr(record.private, attr), error)
            be.supervisor.release_port(getattr(record.private, attr))
            setattr(record.private, attr, be.supervisor.allocate_port())
    raise RuntimeError(f"{record.identifier}: no free port for its TLS endpoint")


def _slots(client: Any) -> list[Any]:
    return client.execute_command("CLUSTER", "SLOTS") or []


def create(be: Backend, scope: Scope, record: Cache) -> None:
    try:
        start(be, scope, record)
    except Exception as error:
        log.warning("serverless cache %s could not start: %s", record.identifier, error)
        with be.store.lock:
            LIFECYCLE.move(record, "create-failed")
            be.save(scope)
        be.event(scope, SERVERLESS, record.identifier, f"Serverless cache creation failed: {error}")
        return
    with be.store.lock:
        LIFECYCLE.move(record, "available")
        be.save(scope)
    be.event(scope, SERVERLESS, record.identifier, f"Serverless cache {record.identifier} created; TLS only, "
             f"certificate authority in {tls_dir(be) / tls.CA_FILE}")  # fmt: skip


def stop(be: Backend, record: Cache) -> None:
    be.terminators.stop(record.resource_id)
    name = process_name(record)
    be.running.stop(name)


def delete(be: Backend, scope: Scope, record: Cache, final: Record[SnapshotPrivate] | None) -> None:
    if final is not None:
        error: Exception | None = None
        try:
            snapshots.take_node(be, final, "0001", process_name(record), node_dir(be, record), "0001", record.created)
        except Exception as failure:
            error = failure
        snapshot_done(be, scope, final, record.identifier, error)
    stop(be, record)
    shutil.rmtree(node_dir(be, record).parent.parent, ignore_errors=True)
    with be.store.lock:
        users.detach(scope, record.fields.get("UserGroupId"), "ServerlessCaches", record.identifier)
        scope.remove(record)
        for port in (record.private.node_port, record.private.port, record.private.reader_port):
            be.supervisor.release_port(port)
        be.save(scope)
    be.event(scope, SERVERLESS, record.identifier, "Serverless cache deleted")


def apply(be: Backend, scope: Scope, record: Cache, changes: dict[str, Any]) -> None:
    """ModifyServerlessCache's work on the running node: its memory limit, its ACL users."""
    name = process_name(record)
    driver = be.running.get(name)
    try:
        if driver is not None and "memory" in changes:
            driver.client(name).config_set("maxmemory", str(memory_bytes(record) or 0))  # type: ignore[attr-defined]
        if isinstance(driver, AccessControl) and "users" in changes:
            driver.set_users(name, users.acl_users(scope, record.fields.get("UserGroupId")))
    finally:
        with be.store.lock:
            LIFECYCLE.move_if(record, ("modifying",), "available")
            be.save(scope)


def snapshot(be: Backend, scope: Scope, record: Cache, target: Record[SnapshotPrivate]) -> None:
    error: Exception | None = None
    try:
        snapshots.take_node(be, target, "0001", process_name(record), node_dir(be, record), "0001", record.created)
    except Exception as failure:
        error = failure
    snapshot_done(be, scope, target, record.identifier, error)


def copy_snapshot(be: Backend, scope: Scope, source: Record[SnapshotPrivate], target: Record[SnapshotPrivate]) -> None:
    """CopyServerlessCacheSnapshot: the source's RDB files, copied as they are."""
    error: Exception | None = None
    try:
        shutil.copytree(snapshots.directory(be, source), snapshots.directory(be, target))
    except Exception as failure:
        error = failure
    snapshot_done(be, scope, target, target.fields["ServerlessCacheConfiguration"]["ServerlessCacheName"], error)


def snapshot_done(
    be: Backend, scope: Scope, target: Record[SnapshotPrivate], cache: str, error: Exception | None
) -> None:
    with be.store.lock:
        snapshots.SNAPSHOT_LIFECYCLE.move(target, "failed" if error else "available")
        be.save(scope)
    outcome = "failed" if error else "succeeded"
    be.event(scope, SERVERLESS, cache, f"Snapshot {target.identifier} of serverless cache {cache} {outcome}")


def _reset(be: Backend) -> None:
    for _, record in be.store.all_records(SERVERLESS):
        stop(be, record)
        for port in (record.private.node_port, record.private.port, record.private.reader_port):
            be.supervisor.release_port(port)


def open_service(be: Backend) -> None:
    """At start: the TLS listeners' home, and every serverless cache brought back (recovery's table)."""
    be.terminators = tls.Terminators()
    be.on_close.append(be.terminators.close)
    be.on_reset.append(lambda: _reset(be))

    class Actions:
        def has_data(self, record: Any) -> bool:
            return node_dir(be, record).is_dir()

        def delete(self, scope: Any, record: Any) -> None:
            delete(be, scope, record, None)

        def create(self, scope: Any, record: Any) -> None:
            create(be, scope, record)

        def restart(self, scope: Any, record: Any, was: str) -> None:
            create_or_fail = create  # the same steps: start, slots, listeners
            if record.status != "creating":
                try:
                    start(be, scope, record)
                except Exception as error:
                    log.warning("serverless cache %s did not restart: %s", record.identifier, error)
                    with be.store.lock:
                        LIFECYCLE.move(record, "create-failed")
                        be.save(scope)
                    return
                with be.store.lock:
                    LIFECYCLE.move_if(record, ("modifying", "create-failed"), "available")
                    be.save(scope)
            else:
                create_or_fail(be, scope, record)

    with be.store.lock:
        items = be.store.all_records(SERVERLESS)
        for _, record in items:
            for attr in ("node_port", "port", "reader_port"):
                setattr(record.private, attr, ports.allocate(be.supervisor, getattr(record.private, attr)))
        recovery.recover(LIFECYCLE, be.jobs, items, Actions())
        for scope in be.store.scopes.values():
            be.save(scope)
        for _, snap in be.store.all_records(SERVERLESS_SNAPSHOT):
            if snap.status == "creating":
                snapshots.SNAPSHOT_LIFECYCLE.move(snap, "failed")
