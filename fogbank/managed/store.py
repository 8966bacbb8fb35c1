"""One durable store for account/region-scoped state, usable by every service.

Each service keeps one ``Store`` under its own directory: a JSON document per account and
region (``<root>/<account>/<region>.json``), rewritten atomically by ``fogbank.state`` (a
temporary file, fsync, rename; files 0600, directories 0700), so an acknowledged change
survives ``kill -9``. Every change happens under ``lock`` and is followed by ``save``.
Records come back typed: each kind's private bookkeeping is rebuilt by its ``RecordKind``.
A service whose documents predate this store gives ``upgrade``: it turns a document without
``format`` into this form when it is read (it is written in this form at the next save).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fogbank.managed.events import EventLog
from fogbank.managed.records import Record, RecordKind, Scope
from fogbank.state import read_json, write_json

FORMAT = 1


class Store:
    def __init__(
        self,
        root: Path,
        kinds: list[RecordKind[Any]],
        upgrade: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
    ) -> None:
        self.root = root
        self.lock = threading.RLock()
        self.kinds = {kind.name: kind for kind in kinds}
        self.scopes: dict[tuple[str, str], Scope] = {}
        for path in sorted(root.glob("*/*.json")):
            document = read_json(path, {})
            if upgrade is not None and document and "format" not in document:
                document = upgrade(document)
            self.scopes[(path.parent.name, path.stem)] = self._load(path.parent.name, path.stem, document)

    def scope(self, account: str, region: str) -> Scope:
        with self.lock:
            key = (account, region)
            if key not in self.scopes:
                self.scopes[key] = Scope(account, region)
            return self.scopes[key]

    def save(self, scope: Scope) -> None:
        with self.lock:
            write_json(self._path(scope.account, scope.region), self._document(scope))

    def all_records(self, kind: str) -> list[tuple[Scope, Record[Any]]]:
        with self.lock:
            return [(scope, record) for scope in self.scopes.values() for record in scope.of(kind).values()]

    def wipe(self) -> None:
        with self.lock:
            for scope in self.scopes.values():
                self._path(scope.account, scope.region).unlink(missing_ok=True)
            self.scopes.clear()

    def _path(self, account: str, region: str) -> Path:
        return self.root / account / f"{region}.json"

    def _document(self, scope: Scope) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "records": {kind: [r.document() for r in items.values()] for kind, items in scope.records.items()},
            "events": scope.events.documents(),
            "extra": scope.extra,
        }

    def _load(self, account: str, region: str, document: dict[str, Any]) -> Scope:
        scope = Scope(account, region)
        for kind_name, items in (document.get("records") or {}).items():
            kind = self.kinds.get(kind_name)
            if kind is None:
                raise ValueError(f"{self._path(account, region)}: unknown record kind {kind_name}")
            for item in items:
                scope.add(
                    Record(
                        kind=kind_name,
                        identifier=item["identifier"],
                        arn=item["arn"],
                        private=kind.load_private(item.get("private") or {}),
                        fields=item.get("fields") or {},
                        status=item.get("status"),
                        resource_id=item["resource_id"],
                        tags=item.get("tags") or [],
                        created=item["created"],
                    )
                )
        scope.events = EventLog.load(document.get("events") or [])
        scope.extra = document.get("extra") or {}
        return scope
