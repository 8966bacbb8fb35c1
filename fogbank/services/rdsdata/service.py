"""The ``rds-data`` service: the Data API over the engines of RDS instances (handlers in api.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from fogbank.services.base import Service
from fogbank.services.rdsdata.sessions import Sessions

if TYPE_CHECKING:
    from fogbank.platform import Platform


class RdsData(Service):
    name = "rds-data"
    models = ("rds-data",)
    handler_modules = ("fogbank.services.rdsdata.api",)

    def open(self, platform: Platform) -> None:
        # Nothing durable: the Data API keeps no state but open transactions, which a restart ends.
        self.backend = Sessions()

    def close(self) -> None:
        if self.backend is not None:
            self.backend.close()

    def reset(self) -> None:
        if self.backend is not None:
            self.backend.close()

    def status(self) -> dict[str, Any]:
        transactions = len(self.backend.transactions) if self.backend is not None else 0
        return {"state": "running", "operations": len(self.handlers), "openTransactions": transactions}


service = RdsData()
