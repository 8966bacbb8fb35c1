"""Durable RDS control-plane state: the shared layer's ``Store`` (``fogbank.managed.store``).

One document per account and region under ``<service dir>/state/``, rewritten atomically after
every change made under ``Store.lock``, so an acknowledged change survives ``kill -9``. A region
is the shared layer's ``Scope``; its records are typed (``fogbank.services.rds.records``).
Documents written before RDS used the shared store (dict records with ``_private`` keys, events
without a ``Sequence``) are converted when they are read (``records.upgrade``).
"""

from __future__ import annotations

from pathlib import Path

from fogbank.managed.records import Scope, iso, now
from fogbank.managed.store import Store
from fogbank.services.rds import records

Region = Scope

__all__ = ["Region", "Store", "iso", "now", "open_store"]


def open_store(root: Path) -> Store:
    """RDS's store under its service directory ``root``."""
    return Store(root / "state", records.KINDS, upgrade=records.upgrade)
