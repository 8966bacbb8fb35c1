"""The Data API's operations: ExecuteStatement, BatchExecuteStatement and transactions."""

from __future__ import annotations

import json
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rdsdata.engines import Connection, Outcome
from fogbank.services.rdsdata.sessions import Sessions
from fogbank.services.rdsdata.targets import resolve_login, resolve_target
from fogbank.services.rdsdata.values import bind_named, field_of, parameter_values, plain_of

# The Data API refuses results larger than 1 MiB.
RESULT_LIMIT = 1024 * 1024


def _statement(conn: Connection, params: dict[str, Any], parameters: list[dict[str, Any]]) -> Outcome:
    sql = params["sql"]
    if not sql.strip():
        raise AwsError("BadRequestException", "SQL statement cannot be empty")
    if parameters:
        values = parameter_values(parameters, conn.engine)
        return conn.execute(bind_named(sql, set(values), conn.engine), values, not params.get("continueAfterTimeout"))
    return conn.execute(sql, None, not params.get("continueAfterTimeout"))


def _run(ctx: RequestContext, params: dict[str, Any], parameter_sets: list[list[dict[str, Any]]]) -> list[Outcome]:
    sessions: Sessions = ctx.backend
    transaction_id = params.get("transactionId")
    if transaction_id:
        transaction = sessions.get(transaction_id)
        with transaction.lock:
            return [_statement(transaction.connection, params, p) for p in parameter_sets]
    target = resolve_target(ctx, params["resourceArn"])
    login = resolve_login(ctx, params["secretArn"])
    with sessions.connection(target, login, params.get("database")) as conn:
        if len(parameter_sets) == 1:
            return [_statement(conn, params, parameter_sets[0])]
        # A batch is all-or-nothing, as on AWS.
        conn.begin()
        try:
            outcomes = [_statement(conn, params, p) for p in parameter_sets]
            conn.finish(True)
        except AwsError:
            conn.finish(False)
            raise
        finally:
            _autocommit(conn)
        return outcomes


def _autocommit(conn: Connection) -> None:
    if conn.engine == "postgres":
        if conn.raw.info.transaction_status == 0:  # idle: safe to switch back
            conn.raw.autocommit = True
    else:
        conn.raw.autocommit(True)


@operation("ExecuteStatement")
def execute_statement(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    outcome = _run(ctx, params, [params.get("parameters") or []])[0]
    result: dict[str, Any] = {"numberOfRecordsUpdated": outcome.updated}
    if outcome.generated:
        result["generatedFields"] = [field_of(v) for v in outcome.generated]
    if not outcome.is_query:
        return result
    names = [c["name"] for c in outcome.columns]
    if params.get("formatRecordsAs") == "JSON":
        text = json.dumps([dict(zip(names, map(plain_of, row), strict=False)) for row in outcome.rows])
        _check_size(len(text))
        result["formattedRecords"] = text
    else:
        records = [[field_of(v) for v in row] for row in outcome.rows]
        _check_size(len(json.dumps(records, default=str)))
        result["records"] = records
    if params.get("includeResultMetadata"):
        result["columnMetadata"] = outcome.columns
    return result


def _check_size(size: int) -> None:
    if size > RESULT_LIMIT:
        raise AwsError("BadRequestException", "Database returned more than the allowed response size limit (1 MiB).")


@operation("BatchExecuteStatement")
def batch_execute_statement(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    sets = params.get("parameterSets") or [[]]
    outcomes = _run(ctx, params, sets)
    return {"updateResults": [{"generatedFields": [field_of(v) for v in o.generated]} for o in outcomes]}


@operation("BeginTransaction")
def begin_transaction(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    sessions: Sessions = ctx.backend
    target = resolve_target(ctx, params["resourceArn"])
    login = resolve_login(ctx, params["secretArn"])
    return {"transactionId": sessions.begin(params["resourceArn"], target, login, params.get("database"))}


@operation("CommitTransaction")
def commit_transaction(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    sessions: Sessions = ctx.backend
    sessions.end(params["transactionId"], commit=True)
    return {"transactionStatus": "Transaction Committed"}


@operation("RollbackTransaction")
def rollback_transaction(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    sessions: Sessions = ctx.backend
    sessions.end(params["transactionId"], commit=False)
    return {"transactionStatus": "Rollback Complete"}
