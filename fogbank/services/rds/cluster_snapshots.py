"""The engine work behind DB cluster snapshots, and a cluster's data while no instance holds it.

Aurora keeps a cluster's data in its storage volume, apart from its instances: a cluster with no
instance still has it, a snapshot copies it, a restored cluster has it before any instance is
added, and each instance added reads it. Here each instance holds its own copy (``clusters.py``),
so a cluster keeps one more only while none of its instances holds the data: its *volume*,
``clusters/<DbClusterResourceId>/volume``, a stopped copy in the engine's snapshot format.

- A restored cluster's volume is a copy of the snapshot (``restore_volume``).
- The first instance added to a cluster with a volume starts from it (``seed``, from
  ``lifecycle.create``); the volume then goes (``seeded``): the instance holds the data.
- The last instance deleted leaves its data as the volume (``keep_volume``), so a later instance,
  a snapshot or the final snapshot of ``DeleteDBCluster`` still has it.

A cluster snapshot is a copy of the writer's data taken online (``Persistent.snapshot``:
pg_basebackup, mariadb-backup: consistent however busy the writer is), of the volume when no
instance holds the data, or *empty* when the cluster never held any (created, never given an
instance): a cluster restored from that starts its first instance anew, as CreateDBCluster's would.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from pathlib import Path
from typing import Any

from fogbank.managed.records import Record
from fogbank.services.rds import clusters, replicas
from fogbank.services.rds.backend import TRAVERSED, Backend
from fogbank.services.rds.store import Region, iso, now

log = logging.getLogger(__name__)

# RDS's event messages for cluster snapshots (RDS-EVENT-0074, -0075, -0076).
CREATING = "Creating manual cluster snapshot"
CREATED = "Manual cluster snapshot created"
COPIED = "Finished copy of cluster snapshot"
RESTORE_WAIT = 600.0  # seconds a first instance waits for its restored cluster's volume


def volume_dir(backend: Backend, cluster: Record[Any]) -> Path:
    return backend.root / "clusters" / cluster.resource_id / "volume"


def has_volume(backend: Backend, cluster: Record[Any]) -> bool:
    return volume_dir(backend, cluster).is_dir()


def _event(backend: Backend, region: Region, snap: Record[Any], message: str, category: str) -> None:
    backend.event(region, "db-cluster-snapshot", snap.identifier, snap.arn, message, category)


def _finish(backend: Backend, region: Region, snap: Record[Any], empty: bool = False) -> None:
    with backend.store.lock:
        snap.status = "available"
        snap.private.empty = empty
        snap.fields["PercentProgress"] = 100
        snap.fields["SnapshotCreateTime"] = iso(now())
        if region.contains(snap):
            backend.save(region)


def _fail(backend: Backend, region: Region, snap: Record[Any], error: Exception) -> None:
    log.warning("cluster snapshot %s failed: %s", snap.identifier, error)
    with backend.store.lock:
        snap.status = "failed"
        if region.contains(snap):
            backend.save(region)
    _event(backend, region, snap, f"Snapshot failed: {str(error).splitlines()[0]}", "failure")


def _wait_writer(backend: Backend, region: Region, cluster: Record[Any]) -> Record[Any] | None:
    """The writer, once it is made (a snapshot asked for just after the first instance waits for it)."""
    deadline = time.monotonic() + RESTORE_WAIT
    while True:
        with backend.store.lock:
            found = clusters.writer(region, cluster)
            if found is None or found.status != "creating":
                return found
        if backend.closing.is_set() or time.monotonic() > deadline:
            raise RuntimeError(f"the writer {found.identifier} is still being created")
        time.sleep(0.1)


def take(backend: Backend, region: Region, cluster: Record[Any], snap: Record[Any]) -> None:
    """A consistent copy of the cluster's data into ``snap`` (on the cluster's job queue)."""
    _event(backend, region, snap, CREATING, "creation")
    dest = backend.snapshot_dir(snap)
    shutil.rmtree(dest.parent, ignore_errors=True)
    dest.parent.mkdir(mode=0o700, parents=True)
    try:
        found = _wait_writer(backend, region, cluster)
        if found is not None:
            backend.driver_of(found).snapshot(backend.process_name(found), backend.data_dir(found), dest)
        elif has_volume(backend, cluster):
            shutil.copytree(volume_dir(backend, cluster), dest, symlinks=True)
        else:  # never held data: the restore starts anew
            _finish(backend, region, snap, empty=True)
            _event(backend, region, snap, CREATED, "creation")
            return
    except Exception as error:
        shutil.rmtree(dest.parent, ignore_errors=True)
        _fail(backend, region, snap, error)
        return
    _finish(backend, region, snap)
    _event(backend, region, snap, CREATED, "creation")


def copy(backend: Backend, region: Region, source: Record[Any], target: Record[Any]) -> None:
    dest = backend.snapshot_dir(target)
    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    try:
        if not source.private.empty:
            shutil.copytree(backend.snapshot_dir(source), dest, symlinks=True)
    except Exception as error:
        shutil.rmtree(dest.parent, ignore_errors=True)
        _fail(backend, region, target, error)
        return
    _finish(backend, region, target, empty=source.private.empty)
    _event(backend, region, target, COPIED, "notification")


def delete_files(backend: Backend, snap: Record[Any]) -> None:
    shutil.rmtree(backend.snapshot_dir(snap).parent, ignore_errors=True)


def wait_emptied(backend: Backend, region: Region, cluster: Record[Any]) -> bool:
    """Until the deletes of a deleted cluster's instances are done (DeleteDBCluster takes a cluster
    whose instances are all ``deleting``); False: Fogbank is closing (the delete resumes at start)."""
    deadline = time.monotonic() + RESTORE_WAIT
    while time.monotonic() < deadline:
        with backend.store.lock:
            if not clusters.members(region, cluster):
                return True
        if backend.closing.wait(0.1):
            return False
    log.warning("cluster %s: its instances' deletes did not finish", cluster.identifier)
    return True


def delete_cluster_files(backend: Backend, cluster: Record[Any]) -> None:
    shutil.rmtree(volume_dir(backend, cluster).parent, ignore_errors=True)


def make_volume(backend: Backend, cluster: Record[Any], fill: Any) -> None:
    """Make the volume by ``fill(tmp)`` beside it, then rename: it is there whole or not at all.
    Its parents only let the engine user through (a point-in-time restore runs a server in it)."""
    volume = volume_dir(backend, cluster)
    for parent in (volume.parent.parent, volume.parent):
        parent.mkdir(mode=0o700, exist_ok=True)
        parent.chmod(TRAVERSED)
    tmp = volume.with_name("volume.tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    fill(tmp)
    shutil.rmtree(volume, ignore_errors=True)
    os.rename(tmp, volume)


def restore_volume(backend: Backend, region: Region, cluster: Record[Any], snapshot_dir: Path | None) -> None:
    """A restored cluster's volume from its snapshot's data (None: an empty snapshot, no volume)."""
    if snapshot_dir is not None:
        make_volume(backend, cluster, lambda tmp: shutil.copytree(snapshot_dir, tmp, symlinks=True))
    with backend.store.lock:
        cluster.private.restored_from = ""
        backend.save(region)


def seed(backend: Backend, region: Region, record: Record[Any]) -> Path | None:
    """The data a cluster's first instance (its writer) starts from: the cluster's volume, once a
    restore has made it; None: there is none, the instance is made anew."""
    cluster = clusters.cluster_of(region, record)
    if cluster is None or record.fields.get(replicas.SOURCE):
        return None
    deadline = time.monotonic() + RESTORE_WAIT
    while cluster.private.restored_from and cluster.status == "creating":
        if backend.closing.is_set() or time.monotonic() > deadline:
            raise RuntimeError(f"the restore of DB cluster {cluster.identifier} did not finish")
        time.sleep(0.1)
    return volume_dir(backend, cluster) if has_volume(backend, cluster) else None


def seeded(backend: Backend, region: Region, record: Record[Any]) -> None:
    """The writer started from the volume: it has the cluster's password (changed since, perhaps),
    and holds the data now, so the volume goes."""
    cluster = clusters.cluster_of(region, record)
    if cluster is None:
        return
    backend.driver_of(record).set_password(
        backend.process_name(record), record.fields["MasterUsername"], record.private.password
    )
    shutil.rmtree(volume_dir(backend, cluster), ignore_errors=True)


def keep_volume(backend: Backend, region: Region, record: Record[Any]) -> None:
    """The writer is deleted (its engine stopped) and no other instance of its cluster stays: its
    data becomes the cluster's volume rather than being lost with it."""
    cluster = clusters.cluster_of(region, record)
    if cluster is None or record.fields.get(replicas.SOURCE):
        return
    with backend.store.lock:
        others = [m for m in clusters.members(region, cluster) if m is not record and m.status != "deleting"]
    data = backend.data_dir(record)
    if others or not data.is_dir():
        return
    try:
        make_volume(backend, cluster, lambda tmp: os.rename(data, tmp))
    except OSError as error:
        log.warning("the data of %s could not be kept for cluster %s: %s", record.identifier, cluster.identifier, error)
