"""Durable RDS control-plane state: one JSON document per account and region.

Every mutation happens under ``Store.lock`` and is followed by ``save``: the document is
rewritten atomically (``fogbank.state``), so an acknowledged change survives ``kill -9``.
Records are plain dicts keyed by AWS field names; keys that start with ``_`` are Fogbank's
own bookkeeping (data directories, the master password) and are never rendered. Events are the
shared layer's ``EventLog`` (``fogbank.managed.events``); documents written before it (events
without a ``Sequence``) load numbered in their stored order.
"""

from __future__ import annotations

import dataclasses
import threading
from pathlib import Path
from typing import Any

from fogbank.managed.events import EventLog
from fogbank.managed.records import iso, now
from fogbank.state import read_json, write_json

KINDS = ("instances", "snapshots", "parameter_groups", "subnet_groups", "option_groups")


__all__ = ["KINDS", "Region", "Store", "iso", "now"]


def load_events(documents: list[dict[str, Any]]) -> EventLog:
    """The stored events; those of older documents (no ``Sequence``) numbered in stored order."""
    log = EventLog.load(documents)
    if any(event.sequence == 0 for event in log.events):
        log.events = [dataclasses.replace(event, sequence=n) for n, event in enumerate(log.events, 1)]
    return log


class Region:
    """Every RDS resource of one account in one region."""

    def __init__(self, account: str, region: str, document: dict[str, Any] | None = None) -> None:
        document = document or {}
        self.account = account
        self.region = region
        self.instances: dict[str, dict[str, Any]] = document.get("instances", {})
        self.snapshots: dict[str, dict[str, Any]] = document.get("snapshots", {})
        self.parameter_groups: dict[str, dict[str, Any]] = document.get("parameter_groups", {})
        self.subnet_groups: dict[str, dict[str, Any]] = document.get("subnet_groups", {})
        self.option_groups: dict[str, dict[str, Any]] = document.get("option_groups", {})
        self.events = load_events(document.get("events", []))

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {kind: getattr(self, kind) for kind in KINDS}
        out["events"] = self.events.documents()
        return out

    def add_event(self, source_type: str, source_id: str, arn: str, message: str, categories: list[str]) -> None:
        self.events.record(source_type, source_id, message, arn, tuple(categories))


class Store:
    """All regions, loaded from and saved to ``<service dir>/state/<account>/<region>.json``."""

    def __init__(self, root: Path) -> None:
        self.root = root / "state"
        self.lock = threading.RLock()
        self.regions: dict[tuple[str, str], Region] = {}
        for path in sorted(self.root.glob("*/*.json")):
            account, region = path.parent.name, path.stem
            self.regions[(account, region)] = Region(account, region, read_json(path, {}))

    def region(self, account: str, region: str) -> Region:
        with self.lock:
            key = (account, region)
            if key not in self.regions:
                self.regions[key] = Region(account, region)
            return self.regions[key]

    def save(self, region: Region) -> None:
        with self.lock:
            write_json(self.root / region.account / f"{region.region}.json", region.document())

    def wipe(self) -> None:
        with self.lock:
            for region in self.regions.values():
                for path in (self.root / region.account / f"{region.region}.json",):
                    path.unlink(missing_ok=True)
            self.regions.clear()
