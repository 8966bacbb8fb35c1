"""Durable RDS control-plane state: one JSON document per account and region.

Every mutation happens under ``Store.lock`` and is followed by ``save``: the document is
rewritten atomically (``fogbank.state``), so an acknowledged change survives ``kill -9``.
Records are plain dicts keyed by AWS field names; keys that start with ``_`` are Fogbank's
own bookkeeping (data directories, the master password) and are never rendered.
"""

from __future__ import annotations

import datetime as dt
import threading
from pathlib import Path
from typing import Any

from fogbank.state import read_json, write_json

# Events are kept this long (AWS keeps 14 days) and at most this many per region.
EVENT_RETENTION = dt.timedelta(days=14)
MAX_EVENTS = 2000

KINDS = ("instances", "snapshots", "parameter_groups", "subnet_groups", "option_groups")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


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
        self.events: list[dict[str, Any]] = document.get("events", [])

    def document(self) -> dict[str, Any]:
        out: dict[str, Any] = {kind: getattr(self, kind) for kind in KINDS}
        out["events"] = self.events
        return out

    def add_event(self, source_type: str, source_id: str, arn: str, message: str, categories: list[str]) -> None:
        self.events.append(
            {
                "SourceIdentifier": source_id,
                "SourceType": source_type,
                "Message": message,
                "EventCategories": categories,
                "Date": iso(now()),
                "SourceArn": arn,
            }
        )
        cutoff = iso(now() - EVENT_RETENTION)
        if len(self.events) > MAX_EVENTS or self.events[0]["Date"] < cutoff:
            self.events = [e for e in self.events[-MAX_EVENTS:] if e["Date"] >= cutoff]


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
