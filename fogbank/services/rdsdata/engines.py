"""Connections to the engines and running one statement, with each engine's errors in AWS's words."""

from __future__ import annotations

import select
import time
from dataclasses import dataclass, field
from typing import Any

import psycopg
import pymysql
import pymysql.constants.FIELD_TYPE as MYSQL_TYPES

from fogbank.protocols.errors import AwsError
from fogbank.services.rdsdata.targets import Login, Target
from fogbank.services.rdsdata.values import jdbc_type

# The Data API gives up on a statement after 45 seconds unless continueAfterTimeout is set.
STATEMENT_TIMEOUT = 45
CONNECT_TIMEOUT = 10

_MYSQL_NAMES = {
    getattr(MYSQL_TYPES, name): name for name in dir(MYSQL_TYPES) if name.isupper() and not name.startswith("_")
}
_MYSQL_NAMES[MYSQL_TYPES.NEWDECIMAL] = "DECIMAL"
_MYSQL_NAMES[MYSQL_TYPES.VAR_STRING] = "VARCHAR"
_MYSQL_NAMES[MYSQL_TYPES.LONG] = "INT"
_MYSQL_NAMES[MYSQL_TYPES.LONGLONG] = "BIGINT"
_MYSQL_NAMES[MYSQL_TYPES.SHORT] = "SMALLINT"
_MYSQL_NAMES[MYSQL_TYPES.TINY] = "TINYINT"
_MYSQL_NAMES[MYSQL_TYPES.INT24] = "MEDIUMINT"
_MYSQL_NAMES[MYSQL_TYPES.STRING] = "CHAR"


@dataclass
class Outcome:
    """What one statement produced."""

    columns: list[dict[str, Any]] = field(default_factory=list)
    rows: list[tuple[Any, ...]] = field(default_factory=list)
    updated: int = 0
    generated: list[Any] = field(default_factory=list)
    is_query: bool = False


class Connection:
    """One engine session; not thread-safe (its owner holds ``lock``-free exclusive use)."""

    def __init__(self, target: Target, login: Login, database: str | None) -> None:
        self.target = target
        self.engine = target.engine
        self.raw: Any
        self.last_used = time.monotonic()
        try:
            if self.engine == "postgres":
                self.raw = psycopg.connect(
                    host=target.host,
                    port=target.port,
                    user=login.username,
                    password=login.password,
                    dbname=database or target.default_database or "postgres",
                    connect_timeout=CONNECT_TIMEOUT,
                    autocommit=True,
                )
            else:
                self.raw = pymysql.connect(
                    host=target.host,
                    port=target.port,
                    user=login.username,
                    password=login.password,
                    database=database or target.default_database or None,
                    connect_timeout=CONNECT_TIMEOUT,
                    autocommit=True,
                    charset="utf8mb4",
                )
        except (psycopg.Error, pymysql.Error) as error:
            raise engine_error(error) from error

    def begin(self) -> None:
        if self.engine == "postgres":
            self.raw.autocommit = False
        else:
            self.raw.autocommit(False)
            self.raw.begin()

    def finish(self, commit: bool) -> None:
        try:
            if commit:
                self.raw.commit()
            else:
                self.raw.rollback()
        except (psycopg.Error, pymysql.Error) as error:
            raise engine_error(error) from error

    def execute(self, sql: str, params: dict[str, Any] | None, timeout: bool) -> Outcome:
        self.last_used = time.monotonic()
        try:
            if self.engine == "postgres":
                return self._postgres(sql, params, timeout)
            return self._mysql(sql, params)
        except psycopg.errors.QueryCanceled as error:
            raise AwsError(
                "StatementTimeoutException", f"Request timed out after {STATEMENT_TIMEOUT} seconds"
            ) from error
        except (psycopg.Error, pymysql.Error) as error:
            raise engine_error(error) from error

    def _postgres(self, sql: str, params: dict[str, Any] | None, timeout: bool) -> Outcome:
        with self.raw.cursor() as cursor:
            limit = f"{STATEMENT_TIMEOUT}s" if timeout else "0"
            cursor.execute(f"SET statement_timeout = '{limit}'")
            cursor.execute(sql, params) if params else cursor.execute(sql.encode())
            outcome = Outcome(updated=max(cursor.rowcount, 0))
            if cursor.description is not None:
                outcome.is_query = True
                outcome.updated = 0
                outcome.rows = list(cursor.fetchall())
                for column in cursor.description:
                    info = psycopg.postgres.types.get(column.type_code)
                    type_name = info.name if info else str(column.type_code)
                    outcome.columns.append(
                        _column(column.name, type_name, column.precision or column.internal_size, column.scale)
                    )
            return outcome

    def _mysql(self, sql: str, params: dict[str, Any] | None) -> Outcome:
        with self.raw.cursor() as cursor:
            cursor.execute(sql, params or None)
            outcome = Outcome(updated=max(cursor.rowcount, 0))
            if cursor.description is not None:
                outcome.is_query = True
                outcome.updated = 0
                outcome.rows = list(cursor.fetchall())
                for name, type_code, _display, size, precision, scale, _null in cursor.description:
                    type_name = _MYSQL_NAMES.get(type_code, str(type_code))
                    outcome.columns.append(_column(name, type_name, precision or size, scale))
            elif cursor.lastrowid:
                outcome.generated = [cursor.lastrowid]
            return outcome

    def alive(self) -> bool:
        """Open, and no word from the server while idle: a server that shut down (an Aurora failover
        stops the old writer) has sent its goodbye or closed the socket, so the socket is readable."""
        try:
            if self.engine == "postgres":
                if self.raw.closed:
                    return False
                fd = self.raw.fileno()
            else:
                if not self.raw.open:
                    return False
                fd = self.raw._sock.fileno()  # type: ignore[union-attr]
            readable, _, _ = select.select([fd], [], [], 0)
            return not readable
        except Exception:
            return False

    def close(self) -> None:
        try:
            self.raw.close()
        except Exception:  # closing a broken connection must not mask the real error
            pass


def _column(name: str, type_name: str, precision: int | None, scale: int | None) -> dict[str, Any]:
    return {
        "name": name,
        "label": name,
        "typeName": type_name,
        "type": jdbc_type(type_name),
        "precision": int(precision or 0),
        "scale": int(scale or 0),
        "nullable": 2,  # columnNullableUnknown: drivers don't tell us for result columns
        "schemaName": "",
        "tableName": "",
        "isAutoIncrement": False,
        "isSigned": type_name.lower() not in ("varchar", "text", "bpchar", "char", "bytea", "blob"),
        "isCurrency": False,
        "isCaseSensitive": type_name.lower() in ("varchar", "text", "bpchar", "char", "string", "var_string"),
        "arrayBaseColumnType": 0,
    }


def engine_error(error: Exception) -> AwsError:
    """The engine's own message, spelled as the Data API spells it for each engine."""
    if isinstance(error, psycopg.Error):
        diag = error.diag
        primary = diag.message_primary or str(error).strip()
        message = f"{diag.severity or 'ERROR'}: {primary}"
        if diag.statement_position:
            message += f"\n  Position: {diag.statement_position}"
        if diag.sqlstate:
            message += f"; SQLState: {diag.sqlstate}"
        return AwsError("BadRequestException", message)
    code, text = (error.args + (None, None))[:2] if error.args else (None, str(error))
    if isinstance(code, int):
        return AwsError("BadRequestException", f"Database error code: {code}. Message: {text}")
    return AwsError("BadRequestException", str(error))
