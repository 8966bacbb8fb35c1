"""The engine work behind cache cluster operations: one supervised process per cache node.

Runs on ``Backend.jobs`` threads; each function ends with the status the work leads to and
the events ElastiCache publishes ("Cache cluster created", "Cache node 0001 restarted", ...).
"""

from __future__ import annotations

import logging
import shutil
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from fogbank.engines.catalog import EngineVersion
from fogbank.engines.interface import AccessControl, CacheNodeSpec
from fogbank.managed import ports, supervision
from fogbank.managed.records import Record, Scope, iso, now
from fogbank.services.elasticache import node_types, tls, transit
from fogbank.services.elasticache.backend import SERVICE, Backend
from fogbank.services.elasticache.discovery import ClusterView
from fogbank.services.elasticache.model import CLUSTER, LIFECYCLE, PARAMETER_GROUP, ClusterPrivate, Node

log = logging.getLogger(__name__)
Cluster = Record[ClusterPrivate]


def settings_for(scope: Scope, record: Cluster) -> dict[str, str]:
    group = scope.get(PARAMETER_GROUP, record.fields["CacheParameterGroupName"])
    return dict(group.private.values) if group is not None else {}


def uses_tls(backend: Backend, record: Cluster) -> bool:
    """TransitEncryptionEnabled on a binary that serves TLS (a record from before Fogbank served
    it, on a PyPI build, stays plain as it was)."""
    return bool(record.fields.get("TransitEncryptionEnabled")) and backend.version_of(record).binary.tls


def _spec(backend: Backend, scope: Scope, record: Cluster, node: Node) -> CacheNodeSpec:
    return CacheNodeSpec(
        name=backend.process_name(record, node),
        data_dir=backend.node_dir(record, node),
        port=node.port,
        memory_bytes=node_types.memory_bytes(record.fields["CacheNodeType"]),
        settings=settings_for(scope, record),
        auth_tokens=tokens(record),
        tls=transit.node_files(backend, []) if uses_tls(backend, record) else None,
    )


class _NodeHooks:
    """A node's process died and the supervisor restarts it: ElastiCache's recovery events."""

    def __init__(self, backend: Backend, scope: Scope, record: Cluster, node: Node) -> None:
        self.backend, self.scope, self.record, self.node = backend, scope, record, node

    def died(self, code: int) -> None:
        log.warning("%s node %s exited with code %s, restarting it", self.record.identifier, self.node.node_id, code)
        with self.backend.store.lock:
            self.node.status = "rebooting"
            self.backend.save(self.scope)
        self.backend.event(self.scope, CLUSTER, self.record.identifier, f"Recovering cache nodes {self.node.node_id}")

    def failing(self, failures: int, reason: str) -> None:
        with self.backend.store.lock:
            LIFECYCLE.move_if(self.record, ("available",), "failed")
            self.backend.save(self.scope)
        self.backend.event(self.scope, CLUSTER, self.record.identifier,
                           f"Cache node {self.node.node_id} could not be restarted: {reason}")  # fmt: skip

    def restarted(self) -> None:
        with self.backend.store.lock:
            self.node.status = "available"
            LIFECYCLE.move_if(self.record, ("failed",), "available")
            self.backend.save(self.scope)
        self.backend.event(self.scope, CLUSTER, self.record.identifier,
                           f"Finished recovery for cache nodes {self.node.node_id}")  # fmt: skip
        if self.record.private.pending:  # AWS: pending changes apply at the next failure reboot too
            from fogbank.services.elasticache.ops.clusters import apply_pending

            apply_pending(self.backend, self.scope, self.record, grace=0)


def start_node(backend: Backend, scope: Scope, record: Cluster, node: Node) -> None:
    driver = backend.driver_of(record)
    fresh = not backend.node_dir(record, node).exists()

    def start(port: int) -> Any:
        node.port = port
        spec = _spec(backend, scope, record, node)
        return driver.create(spec) if fresh else driver.start(spec)

    def moved(old: int, new: int) -> None:
        with backend.store.lock:
            node.port = new
            backend.save(scope)
        backend.event(scope, CLUSTER, record.identifier,
                      f"The requested port {old} is in use on this host. Cache node {node.node_id} listens on port {new}.")  # fmt: skip

    def clean() -> None:
        shutil.rmtree(backend.node_dir(record, node), ignore_errors=True)

    proc = ports.start_on_port(backend.supervisor, node.port, start, moved, clean if fresh else None)
    supervision.watch(proc, _NodeHooks(backend, scope, record, node))
    backend.running.add(backend.process_name(record, node), driver)
    with backend.store.lock:
        node.status = "available"
        node.parameter_status = "in-sync"
        node.created = node.created or iso(now())
        backend.save(scope)


def stop_node(backend: Backend, record: Cluster, node: Node) -> None:
    name = backend.process_name(record, node)
    backend.running.stop(name)


def _each(nodes: Iterable[Node], work: Callable[[Node], None]) -> None:
    """``work`` on every node at once (a 20-node Memcached cluster starts as fast as one); the
    first failure is raised once all are done."""
    failures: list[BaseException] = []

    def run(node: Node) -> None:
        try:
            work(node)
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=run, args=(node,)) for node in nodes]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]


def view(backend: Backend, record: Cluster) -> Callable[[], ClusterView]:
    def current() -> ClusterView:
        with backend.store.lock:
            nodes = [(f"{record.identifier}.{n.node_id}.local", "127.0.0.1", n.port)
                     for n in record.private.nodes if n.status != "creating"]  # fmt: skip
            return ClusterView(record.private.config_version, nodes)

    return current


def _serve_discovery(backend: Backend, record: Cluster) -> None:
    if record.fields["Engine"] == "memcached" and record.private.config_port:
        contexts = None
        if uses_tls(backend, record):  # TLS from clients, and TLS on to node 0001
            home = transit.directory(backend)
            contexts = (tls.server_context(home), tls.client_context(home))
        backend.discovery.serve(record.resource_id, record.private.config_port, view(backend, record), contexts)


def _failed(backend: Backend, scope: Scope, record: Cluster, error: Exception, doing: str) -> None:
    log.warning("%s %s failed: %s", doing, record.identifier, error)
    reason = getattr(error, "reason", None) or str(error).splitlines()[0]
    with backend.store.lock:
        LIFECYCLE.move(record, "failed")
        backend.save(scope)
    backend.event(scope, CLUSTER, record.identifier, f"{doing} failed: {reason}")


def create(backend: Backend, scope: Scope, record: Cluster) -> None:
    if backend.jobs.closing.is_set():
        return
    try:
        _each(list(record.private.nodes), lambda node: start_node(backend, scope, record, node))
        _serve_discovery(backend, record)
    except Exception as error:
        _failed(backend, scope, record, error, "Creating the cache cluster")
        return
    with backend.store.lock:
        LIFECYCLE.move(record, "available")
        backend.save(scope)
    backend.event(scope, CLUSTER, record.identifier, "Cache cluster created")
    version = backend.version_of(record)
    if not version.exact:
        backend.event(scope, CLUSTER, record.identifier,
                      f"Engine {version.engine} {version.version} is served by {version.served_by}.")  # fmt: skip


def restart(backend: Backend, scope: Scope, record: Cluster, was: str) -> None:
    """At Fogbank start (or a failed cluster's retry): bring back every node with its data."""
    try:
        _each(list(record.private.nodes), lambda node: start_node(backend, scope, record, node))
        _serve_discovery(backend, record)
    except Exception as error:
        _failed(backend, scope, record, error, "Restarting the cache cluster")
        backend.jobs.retry(record.resource_id, lambda: _retry(backend, scope, record))
        return
    with backend.store.lock:
        LIFECYCLE.move(record, "available")
        backend.save(scope)
    backend.event(scope, CLUSTER, record.identifier, "Cache cluster restarted")


def _retry(backend: Backend, scope: Scope, record: Cluster) -> bool:
    with backend.store.lock:
        if not scope.contains(record) or record.status != "failed":
            return True
    _each([n for n in record.private.nodes if backend.process_name(record, n) not in backend.running],
          lambda node: start_node(backend, scope, record, node))  # fmt: skip
    _serve_discovery(backend, record)
    with backend.store.lock:
        LIFECYCLE.move_if(record, ("failed",), "available")
        backend.save(scope)
    backend.event(scope, CLUSTER, record.identifier, "Cache cluster restarted")
    return True


def delete(backend: Backend, scope: Scope, record: Cluster) -> None:
    backend.discovery.stop(record.resource_id)
    _each(list(record.private.nodes), lambda node: stop_node(backend, record, node))
    shutil.rmtree(backend.cluster_dir(record), ignore_errors=True)
    with backend.store.lock:
        scope.remove(record)
        for node in record.private.nodes:
            backend.supervisor.release_port(node.port)
        if record.private.config_port:
            backend.supervisor.release_port(record.private.config_port)
        backend.save(scope)
    backend.event(scope, CLUSTER, record.identifier, "Cache cluster deleted")


def reboot(backend: Backend, scope: Scope, record: Cluster, node_ids: list[str]) -> None:
    chosen = [n for n in record.private.nodes if n.node_id in node_ids]

    def again(node: Node) -> None:
        stop_node(backend, record, node)
        start_node(backend, scope, record, node)

    try:
        _each(chosen, again)
    except Exception as error:
        _failed(backend, scope, record, error, "Rebooting cache cluster nodes")
        return
    with backend.store.lock:
        LIFECYCLE.move(record, "available")
        backend.save(scope)
    for node in chosen:
        backend.event(scope, CLUSTER, record.identifier, f"Cache node {node.node_id} restarted")


def apply_parameters(backend: Backend, scope: Scope, record: Cluster) -> None:
    """The parameter group's values on every running node: live where the engine can (CONFIG
    SET), else the node is ``pending-reboot`` (Memcached reads its options only at start)."""
    settings = settings_for(scope, record)
    for node in record.private.nodes:
        name = backend.process_name(record, node)
        driver = backend.running.get(name)
        if driver is None:
            continue
        try:
            pending = driver.apply_settings(name, settings)
        except (ValueError, KeyError) as error:
            log.warning("%s: parameters not applied: %s", name, error)
            pending = list(settings)
        with backend.store.lock:
            node.parameter_status = "pending-reboot" if pending else "in-sync"
            backend.save(scope)


def modify(backend: Backend, scope: Scope, record: Cluster, changes: dict[str, Any]) -> None:
    """ModifyCacheCluster's immediate work: nodes added or removed, a new node type (the node
    restarts with its new memory limit; its data is kept), parameters, the AuthToken."""
    try:
        removed: list[Node] = changes.get("remove", [])
        added: list[Node] = changes.get("add", [])
        _each(removed, lambda node: stop_node(backend, record, node))
        for node in removed:
            shutil.rmtree(backend.node_dir(record, node).parent, ignore_errors=True)
            backend.supervisor.release_port(node.port)
        _each(added, lambda node: start_node(backend, scope, record, node))
        if changes.get("node_type") or changes.get("engine_version"):
            # Each node restarts with its data: a new memory limit, or the binary of the new version.
            others = [n for n in record.private.nodes if n not in added]
            _each(others, lambda node: (stop_node(backend, record, node), start_node(backend, scope, record, node)))
        if changes.get("parameters"):
            apply_parameters(backend, scope, record)
        if "auth_token" in changes:
            _set_tokens(backend, record)
    except Exception as error:
        _failed(backend, scope, record, error, "Modifying the cache cluster")
        return
    with backend.store.lock:
        if removed or added:
            record.private.config_version += 1
        LIFECYCLE.move(record, "available")
        backend.save(scope)
    for node in added:
        backend.event(scope, CLUSTER, record.identifier,
                      f"Added cache node {node.node_id} in availability zone {record.fields['PreferredAvailabilityZone']}")  # fmt: skip
    for node in removed:
        backend.event(scope, CLUSTER, record.identifier, f"Removed cache node {node.node_id}")
    if changes.get("node_type"):
        backend.event(scope, CLUSTER, record.identifier, f"Cache cluster scaled to {record.fields['CacheNodeType']}")
    if "auth_token" in changes:
        backend.event(scope, CLUSTER, record.identifier, "The AUTH token of the cache cluster was updated")
    if changes.get("engine_version"):
        was_engine, was, was_served_by = changes["engine_version"]
        backend.event(scope, CLUSTER, record.identifier, f"Cache cluster {record.identifier} upgraded from "
                      f"{was_engine} {was} to {record.fields['Engine']} {record.fields['EngineVersion']}, served by "
                      f"{record.private.served_by} (was {was_served_by})")  # fmt: skip


def tokens(record: Cluster) -> tuple[str, ...]:
    return tuple(t for t in (record.private.auth_token, record.private.rotating_from) if t)


def _set_tokens(backend: Backend, record: Cluster) -> None:
    for node in record.private.nodes:
        name = backend.process_name(record, node)
        driver = backend.running.get(name)
        if isinstance(driver, AccessControl):
            driver.set_auth_tokens(name, tokens(record))


def probe(backend: Backend, version: EngineVersion, work: Path) -> dict[str, str]:
    """Start the binary once and read its parameters' values (``parameters.Catalogs``)."""
    from fogbank.services.elasticache import parameters

    driver = backend.catalog.driver(version)
    backend.open_to_engine()
    port = backend.supervisor.allocate_port()
    spec = CacheNodeSpec(name=f"{SERVICE}/probe/{work.name}", data_dir=work / "data", port=port, settings={})
    try:
        driver.create(spec)
        client = driver.client(spec.name)  # type: ignore[attr-defined]
        if version.engine == "memcached":
            return parameters.read_memcached(client.stats("settings"))
        return parameters.read_valkey(client)
    finally:
        driver.stop(spec.name)
        backend.supervisor.release_port(port)
