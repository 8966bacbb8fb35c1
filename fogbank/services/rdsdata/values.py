"""Data API values: ``Field`` unions in and out, ``:name`` parameters, column metadata."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import re
import uuid
from typing import Any

from fogbank.protocols.errors import AwsError

_DOLLAR = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)?\$")

# java.sql.Types codes, which the Data API reports as ColumnMetadata.type.
_JDBC = {
    "bool": -7, "bit": -7, "int2": 5, "smallint": 5, "tinyint": -6, "int4": 4, "int": 4, "mediumint": 4,
    "serial": 4, "int8": -5, "bigint": -5, "bigserial": -5, "float4": 7, "float": 7, "float8": 8, "double": 8,
    "numeric": 2, "decimal": 2, "newdecimal": 2, "varchar": 12, "var_string": 12, "text": 12, "string": 1,
    "bpchar": 1, "char": 1, "name": 12, "date": 91, "time": 92, "timetz": 92, "timestamp": 93,
    "timestamptz": 93, "datetime": 93, "bytea": -2, "blob": -4, "json": 1111, "jsonb": 1111, "uuid": 1111,
    "year": 91,
}  # fmt: skip


def jdbc_type(type_name: str) -> int:
    if type_name.startswith("_"):
        return 2003  # ARRAY
    return _JDBC.get(type_name.lower(), 1111)


def field_of(value: Any) -> dict[str, Any]:
    """A database value as the Data API's ``Field`` union."""
    if value is None:
        return {"isNull": True}
    if isinstance(value, bool):
        return {"booleanValue": value}
    if isinstance(value, int):
        return {"longValue": value}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, bytes | bytearray | memoryview):
        return {"blobValue": bytes(value)}
    if isinstance(value, list | tuple):
        return {"arrayValue": array_of(list(value))}
    return {"stringValue": text_of(value)}


def text_of(value: Any) -> str:
    """How the Data API spells non-JSON-native values: decimals, times and JSON as strings."""
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S.%f").rstrip("0").rstrip(".")
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, dict):
        return json.dumps(value)
    if isinstance(value, decimal.Decimal | uuid.UUID | dt.timedelta):
        return str(value)
    return str(value)


def array_of(values: list[Any]) -> dict[str, Any]:
    present = [v for v in values if v is not None]
    if present and all(isinstance(v, list | tuple) for v in present):
        return {"arrayValues": [array_of(list(v)) for v in values]}
    if present and all(isinstance(v, bool) for v in present):
        return {"booleanValues": values}
    if present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
        return {"longValues": values}
    if present and all(isinstance(v, float) for v in present):
        return {"doubleValues": values}
    return {"stringValues": [None if v is None else text_of(v) for v in values]}


def plain_of(value: Any) -> Any:
    """A value for ``formatRecordsAs: JSON``."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, bytes | bytearray | memoryview):
        import base64

        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, list | tuple):
        return [plain_of(v) for v in value]
    if isinstance(value, dict):
        return value
    return text_of(value)


def _hinted(value: str, hint: str | None, engine: str) -> Any:
    try:
        if hint == "DATE":
            return dt.date.fromisoformat(value)
        if hint == "TIME":
            return dt.time.fromisoformat(value)
        if hint == "TIMESTAMP":
            return dt.datetime.fromisoformat(value)
        if hint == "DECIMAL":
            return decimal.Decimal(value)
        if hint == "UUID" and engine == "postgres":
            return uuid.UUID(value)
        if hint == "JSON" and engine == "postgres":
            from psycopg.types.json import Jsonb

            return Jsonb(json.loads(value))
    except (ValueError, decimal.InvalidOperation) as error:
        raise AwsError("BadRequestException", f"Invalid value for typeHint {hint}: {value}") from error
    return value


def _from_array(array: dict[str, Any]) -> list[Any]:
    for key in ("booleanValues", "longValues", "doubleValues", "stringValues"):
        if key in array:
            return list(array[key])
    return [_from_array(inner) for inner in array.get("arrayValues", [])]


def parameter_values(parameters: list[dict[str, Any]], engine: str) -> dict[str, Any]:
    """``SqlParameter`` list -> {name: python value} for the driver."""
    values: dict[str, Any] = {}
    for parameter in parameters:
        name = parameter.get("name")
        if not name:
            raise AwsError("BadRequestException", "Parameter name must be specified")
        field = parameter.get("value") or {}
        if field.get("isNull"):
            value: Any = None
        elif "booleanValue" in field:
            value = field["booleanValue"]
        elif "longValue" in field:
            value = field["longValue"]
        elif "doubleValue" in field:
            value = field["doubleValue"]
        elif "stringValue" in field:
            value = _hinted(field["stringValue"], parameter.get("typeHint"), engine)
        elif "blobValue" in field:
            value = field["blobValue"]
        elif "arrayValue" in field:
            raise AwsError("BadRequestException", "Array parameters are not supported.")
        else:
            raise AwsError("BadRequestException", f"Parameter {name} has no value")
        values[name] = value
    return values


def bind_named(sql: str, names: set[str], engine: str) -> str:
    """Rewrite ``:name`` placeholders to the drivers' ``%(name)s``, leaving strings, comments,
    quoted identifiers and PostgreSQL ``::`` casts alone; literal ``%`` is doubled."""
    out: list[str] = []
    i, n = 0, len(sql)
    while i < n:
        c = sql[i]
        if c in "'\"`":
            end = i + 1
            while end < n:
                if sql[end] == c:
                    if end + 1 < n and sql[end + 1] == c:
                        end += 2
                        continue
                    break
                if sql[end] == "\\" and c == "'":
                    end += 1
                end += 1
            out.append(sql[i : end + 1].replace("%", "%%"))
            i = end + 1
        elif sql.startswith("--", i) or (c == "#" and engine == "mysql"):
            end = sql.find("\n", i)
            end = n if end < 0 else end
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("/*", i):
            end = sql.find("*/", i + 2)
            end = n if end < 0 else end + 2
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif c == "$" and engine == "postgres" and (tag := _DOLLAR.match(sql, i)):
            end = sql.find(tag.group(0), tag.end())
            end = n if end < 0 else end + len(tag.group(0))
            out.append(sql[i:end].replace("%", "%%"))
            i = end
        elif sql.startswith("::", i):
            out.append("::")
            i += 2
        elif c == ":" and i + 1 < n and (sql[i + 1].isalpha() or sql[i + 1] == "_"):
            end = i + 1
            while end < n and (sql[end].isalnum() or sql[end] == "_"):
                end += 1
            name = sql[i + 1 : end]
            if name not in names:
                raise AwsError("BadRequestException", f"No value specified for parameter: {name}")
            out.append(f"%({name})s")
            i = end
        elif c == "%":
            out.append("%%")
            i += 1
        else:
            out.append(c)
            i += 1
    return "".join(out)
