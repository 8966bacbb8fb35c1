"""Aurora custom endpoints: a cluster's own set of instances behind one more address.

On Aurora a custom endpoint is a DNS name on the cluster's one port that balances new connections
across the instances it names. Here it is one more loopback address on the cluster's port, next to
the cluster endpoint (``127.0.0.1``) and the reader endpoint (``127.0.0.2``): the cluster's first
custom endpoint is ``127.0.0.3``, its fifth (Aurora's quota) ``127.0.0.7``. Each is a relay
(``fogbank.managed.relay``) whose choice is made per new connection from the records as they are
then, with the reader endpoint's balancing (``clusters.in_turn``): so it follows instances added
and deleted and failovers without being told. Which instances it may reach:

- ``StaticMembers``: only those; else every member but ``ExcludedMembers`` (so instances added to
  the cluster later join it, as Aurora's exclusion lists and empty lists do); a static list that
  deleting its instances emptied reaches no one (rather than, suddenly, everyone);
- ``READER`` never the writer (whoever writes at that moment), ``ANY`` the writer too;
- of those, the ones ``available`` and running; none: the connection is refused (closed at once).

A deleted instance leaves both lists, as on Aurora; deleting the cluster deletes its custom endpoints.
"""

from __future__ import annotations

import logging
from typing import Any

from fogbank.managed import relay
from fogbank.managed.lifecycle import Lifecycle, transitions
from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.rds import clusters
from fogbank.services.rds.backend import Backend
from fogbank.services.rds.records import CLUSTER, CLUSTER_ENDPOINT
from fogbank.services.rds.store import Region

log = logging.getLogger(__name__)

QUOTA = 5  # custom endpoints per cluster (Aurora's)
_FIRST = 3  # 127.0.0.1 is the cluster endpoint, 127.0.0.2 the reader endpoint
TYPES = ("READER", "ANY")

LIFECYCLE = Lifecycle(
    kind="db-cluster-endpoint",
    transitions=transitions(
        {
            "creating": ("available", "inactive", "deleting"),
            "available": ("modifying", "inactive", "deleting"),
            "modifying": ("available", "inactive", "deleting"),
            "inactive": ("available", "deleting"),  # its address could not be listened on
            "deleting": (),
        }
    ),
    failed="inactive",
)


def not_found(identifier: str) -> AwsError:
    return AwsError("DBClusterEndpointNotFoundFault", f"DBClusterEndpoint {identifier} not found.")


def invalid_state(endpoint: Record[Any]) -> AwsError:
    return AwsError(
        "InvalidDBClusterEndpointStateFault",
        f"DBClusterEndpoint {endpoint.identifier} is in {endpoint.status} state but expected it to be one of available.",
    )


def of_cluster(region: Region, cluster: Record[Any]) -> list[Record[Any]]:
    return sorted(
        (e for e in region.of(CLUSTER_ENDPOINT).values() if e.fields["DBClusterIdentifier"] == cluster.identifier),
        key=lambda e: e.identifier,
    )


def free_address(region: Region, cluster: Record[Any]) -> str:
    """The cluster's lowest custom endpoint address not taken (the quota keeps it within 127.0.0.3-7)."""
    taken = {e.fields["Endpoint"] for e in of_cluster(region, cluster)}
    return next(a for n in range(_FIRST, 255) if (a := f"127.0.0.{n}") not in taken)


def eligible(region: Region, cluster: Record[Any], endpoint: Record[Any]) -> list[Record[Any]]:
    """The members the endpoint may reach, running or not (its lists and type, the writer as of now)."""
    fields = endpoint.fields
    members = clusters.members(region, cluster)
    if endpoint.private.static:
        members = [m for m in members if m.identifier in fields["StaticMembers"]]
    else:
        members = [m for m in members if m.identifier not in fields["ExcludedMembers"]]
    if fields["CustomEndpointType"] == "READER":
        writer = clusters.writer(region, cluster)
        members = [m for m in members if m is not writer]
    return members


def _choose(backend: Backend, region: Region, endpoint: Record[Any]) -> relay.Target | None:
    with backend.store.lock:
        cluster = region.get(CLUSTER, endpoint.fields["DBClusterIdentifier"])
        if cluster is None or not region.contains(endpoint):
            return None
        found = clusters.ready(backend, eligible(region, cluster, endpoint))
        return clusters.in_turn(backend, endpoint.resource_id, found)


def listen(backend: Backend, region: Region, endpoint: Record[Any]) -> None:
    """Serve the endpoint on its address and its cluster's port; raises OSError when it cannot."""
    backend.close_endpoints(endpoint.resource_id)
    cluster = region.get(CLUSTER, endpoint.fields["DBClusterIdentifier"])
    if cluster is None:
        raise RuntimeError(f"DB cluster {endpoint.fields['DBClusterIdentifier']} is gone")
    listener = relay.Relay(
        endpoint.fields["Endpoint"], cluster.fields["Port"], lambda: _choose(backend, region, endpoint)
    )
    backend.endpoints.add(endpoint.resource_id, listener)


def set_status_if(backend: Backend, region: Region, endpoint: Record[Any], was: tuple[str, ...], status: str) -> bool:
    with backend.store.lock:
        if not LIFECYCLE.move_if(endpoint, was, status):
            return False
        if region.contains(endpoint):
            backend.save(region)
        return True


def come_up(backend: Backend, region: Region, endpoint: Record[Any], was: tuple[str, ...]) -> None:
    """Listen, then ``available``; an address that cannot be listened on leaves it ``inactive``,
    with an event on its cluster saying why."""
    try:
        listen(backend, region, endpoint)
    except Exception as error:
        log.warning("custom endpoint %s did not listen: %s", endpoint.identifier, error)
        if set_status_if(backend, region, endpoint, was, "inactive"):
            cluster_id = endpoint.fields["DBClusterIdentifier"]
            cluster = region.get(CLUSTER, cluster_id)
            backend.event(region, "db-cluster", cluster_id, cluster.arn if cluster else "",
                          f"The custom endpoint {endpoint.identifier} could not listen on "
                          f"{endpoint.fields['Endpoint']}: {error}", "failure")  # fmt: skip
        return
    set_status_if(backend, region, endpoint, was, "available")


def remove(backend: Backend, region: Region, endpoint: Record[Any]) -> None:
    """Stop serving the endpoint (its open connections end) and forget it."""
    backend.close_endpoints(endpoint.resource_id)
    clusters.forget_turns(endpoint.resource_id)
    with backend.store.lock:
        if region.remove(endpoint):
            backend.save(region)


def close_all(backend: Backend, region: Region, cluster: Record[Any]) -> list[Record[Any]]:
    """The cluster is being deleted: its custom endpoints stop serving; answers them, for the
    caller to remove with the cluster (in one save)."""
    with backend.store.lock:
        endpoints = of_cluster(region, cluster)
    for endpoint in endpoints:
        backend.close_endpoints(endpoint.resource_id)
        clusters.forget_turns(endpoint.resource_id)
    return endpoints


def resume(backend: Backend, region: Region, cluster: Record[Any]) -> None:
    """At start, once the cluster's own endpoints listen: its custom endpoints listen again; work a
    stop of Fogbank interrupted is finished (a delete) or settled (creating, modifying: available)."""
    with backend.store.lock:
        endpoints = of_cluster(region, cluster)
    for endpoint in endpoints:
        if endpoint.status == "deleting":
            remove(backend, region, endpoint)
        else:
            come_up(backend, region, endpoint, ("creating", "modifying", "available", "inactive"))


def instance_gone(region: Region, instance: Record[Any]) -> None:
    """A deleted instance leaves its cluster's custom endpoints' lists (called under the store lock)."""
    name = instance.fields.get("DBClusterIdentifier")
    cluster = region.get(CLUSTER, name) if name else None
    if cluster is None:
        return
    for endpoint in of_cluster(region, cluster):
        for key in ("StaticMembers", "ExcludedMembers"):
            if instance.identifier in endpoint.fields[key]:
                endpoint.fields[key] = [m for m in endpoint.fields[key] if m != instance.identifier]
