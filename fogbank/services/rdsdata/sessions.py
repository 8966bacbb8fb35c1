"""Idle connections kept for reuse, and open transactions by id.

Without a transaction each statement runs in autocommit, as the Data API does. A transaction
owns one connection until it is committed or rolled back; AWS ends a transaction left idle
for 3 minutes, and so do we (rolled back).
"""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from fogbank.protocols.errors import AwsError
from fogbank.services.rdsdata.engines import Connection
from fogbank.services.rdsdata.targets import Login, Target

TRANSACTION_IDLE_LIMIT = 180.0
IDLE_PER_KEY = 4

PoolKey = tuple[Target, str, str, str | None]


@dataclass
class Transaction:
    id: str
    resource_arn: str
    connection: Connection
    lock: threading.Lock = field(default_factory=threading.Lock)


class Sessions:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.idle: dict[PoolKey, list[Connection]] = {}
        self.transactions: dict[str, Transaction] = {}

    @contextmanager
    def connection(self, target: Target, login: Login, database: str | None) -> Iterator[Connection]:
        """A connection for one autocommit statement, returned to the pool when it is healthy."""
        key = (target, login.username, login.password, database)
        with self.lock:
            pooled = self.idle.get(key) or []
            conn = pooled.pop() if pooled else None
        if conn is None or not conn.alive():
            conn = Connection(target, login, database)
        healthy = False
        try:
            yield conn
            healthy = True
        except AwsError as error:
            healthy = error.code == "BadRequestException"  # an SQL error leaves the session usable
            raise
        finally:
            if healthy and conn.alive():
                with self.lock:
                    pool = self.idle.setdefault(key, [])
                    if len(pool) < IDLE_PER_KEY:
                        pool.append(conn)
                        conn = None  # type: ignore[assignment]
            if conn is not None:
                conn.close()

    def begin(self, resource_arn: str, target: Target, login: Login, database: str | None) -> str:
        self.expire()
        conn = Connection(target, login, database)
        conn.begin()
        transaction_id = secrets.token_urlsafe(96)
        with self.lock:
            self.transactions[transaction_id] = Transaction(transaction_id, resource_arn, conn)
        return transaction_id

    def get(self, transaction_id: str) -> Transaction:
        self.expire()
        with self.lock:
            transaction = self.transactions.get(transaction_id)
        if transaction is None:
            raise AwsError("TransactionNotFoundException", f"Transaction {transaction_id} is not found")
        return transaction

    def end(self, transaction_id: str, commit: bool) -> None:
        transaction = self.get(transaction_id)
        with transaction.lock:
            with self.lock:
                if self.transactions.pop(transaction_id, None) is None:
                    raise AwsError("TransactionNotFoundException", f"Transaction {transaction_id} is not found")
            try:
                transaction.connection.finish(commit)
            finally:
                transaction.connection.close()

    def expire(self) -> None:
        now = time.monotonic()
        with self.lock:
            stale = [t for t in self.transactions.values() if now - t.connection.last_used > TRANSACTION_IDLE_LIMIT]
            for transaction in stale:
                del self.transactions[transaction.id]
        for transaction in stale:
            with transaction.lock:
                transaction.connection.close()  # closing without commit rolls back

    def close(self) -> None:
        with self.lock:
            connections = [c for pool in self.idle.values() for c in pool]
            connections += [t.connection for t in self.transactions.values()]
            self.idle.clear()
            self.transactions.clear()
        for conn in connections:
            conn.close()
