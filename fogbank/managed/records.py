"""The resource record every managed service keeps, and the scope (account, region) holding them.

A ``Record`` has AWS-shaped ``fields`` (what the API renders, keyed by AWS's member names), a
``status`` when the kind has a lifecycle, its tags, and ``private``: Fogbank's own bookkeeping
(ports, directories, passwords) as a typed dataclass of the kind's, which is stored but never
rendered. Each kind registers its private type with the store (``RecordKind``).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import secrets
import string
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from fogbank.managed.events import EventLog

P = TypeVar("P")


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat()


def new_resource_id(prefix: str = "", length: int = 26) -> str:
    """A stable opaque id (RDS's ``db-ABC...``): names directories and processes, never changes."""
    alphabet = string.ascii_uppercase + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class Record(Generic[P]):
    kind: str  # "cache-cluster", "db-instance", "cache-parameter-group"
    identifier: str  # the user's name, as stored (RDS lowercases)
    arn: str
    private: P
    fields: dict[str, Any] = field(default_factory=dict)
    status: str | None = None  # None: the kind has no lifecycle (a subnet group)
    resource_id: str = field(default_factory=new_resource_id)
    tags: list[dict[str, str]] = field(default_factory=list)
    created: str = field(default_factory=lambda: iso(now()))

    def document(self) -> dict[str, Any]:
        private = dataclasses.asdict(self.private) if dataclasses.is_dataclass(self.private) else self.private  # type: ignore[arg-type]
        return {
            "kind": self.kind,
            "identifier": self.identifier,
            "arn": self.arn,
            "status": self.status,
            "resource_id": self.resource_id,
            "fields": self.fields,
            "tags": self.tags,
            "created": self.created,
            "private": private,
        }


@dataclass(frozen=True)
class RecordKind(Generic[P]):
    """How the store rebuilds a kind's records: its private type from the stored dict."""

    name: str
    load_private: Callable[[dict[str, Any]], P]


def dataclass_loader(cls: type[P]) -> Callable[[dict[str, Any]], P]:
    """A loader for a private dataclass that ignores keys it no longer has (older documents
    keep loading after a field is removed; new fields take their defaults)."""
    names = {f.name for f in dataclasses.fields(cls)}  # type: ignore[arg-type]

    def load(document: dict[str, Any]) -> P:
        return cls(**{key: value for key, value in document.items() if key in names})

    return load


class Scope:
    """Every record of one service in one account and region, and its events."""

    def __init__(self, account: str, region: str) -> None:
        self.account = account
        self.region = region
        self.records: dict[str, dict[str, Record[Any]]] = {}
        self.events = EventLog()
        self.extra: dict[str, Any] = {}  # small service-wide values (counters), JSON-able

    def of(self, kind: str) -> dict[str, Record[Any]]:
        """The records of a kind by identifier (created empty on first use)."""
        return self.records.setdefault(kind, {})

    def get(self, kind: str, identifier: str) -> Record[Any] | None:
        return self.records.get(kind, {}).get(identifier)

    def add(self, record: Record[Any]) -> None:
        self.of(record.kind)[record.identifier] = record

    def remove(self, record: Record[Any]) -> bool:
        """Remove it if it is still the one stored under its identifier."""
        items = self.records.get(record.kind, {})
        if items.get(record.identifier) is record:
            del items[record.identifier]
            return True
        return False

    def contains(self, record: Record[Any]) -> bool:
        return self.records.get(record.kind, {}).get(record.identifier) is record

    def by_arn(self, arn: str) -> Record[Any] | None:
        for items in self.records.values():
            for record in items.values():
                if record.arn == arn:
                    return record
        return None
