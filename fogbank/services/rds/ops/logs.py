"""DescribeDBLogFiles and DownloadDBLogFilePortion: the engine's real log file."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation
from fogbank.services.rds.ops.common import backend, instance, page

MAX_PORTION_BYTES = 1024 * 1024  # RDS truncates a portion at 1 MB
DEFAULT_LINES = 10000


def _log(ctx: RequestContext, identifier: str) -> tuple[str, Any]:
    be, region = backend(ctx)
    with be.store.lock:
        record = instance(region, identifier)
        name = be.engines.kind(record.fields["Engine"]).log_file_name
        return name, be.log_file(record)


@operation("DescribeDBLogFiles")
def describe_db_log_files(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = _log(ctx, params["DBInstanceIdentifier"])
    files = []
    if path.exists():
        stat = path.stat()
        files.append({"LogFileName": name, "LastWritten": int(stat.st_mtime * 1000), "Size": stat.st_size})
    if params.get("FilenameContains"):
        files = [f for f in files if params["FilenameContains"] in f["LogFileName"]]
    if params.get("FileLastWritten"):
        files = [f for f in files if f["LastWritten"] >= params["FileLastWritten"]]
    if params.get("FileSize"):
        files = [f for f in files if f["Size"] >= params["FileSize"]]
    chunk, marker = page(params, files, key=lambda f: f["LogFileName"])
    return {"DescribeDBLogFiles": chunk, "Marker": marker}


@operation("DownloadDBLogFilePortion")
def download_db_log_file_portion(ctx: RequestContext, params: dict[str, Any]) -> dict[str, Any]:
    name, path = _log(ctx, params["DBInstanceIdentifier"])
    if params["LogFileName"] != name or not path.exists():
        raise AwsError(
            "DBLogFileNotFoundFault", f"DBLog File: {params['LogFileName']}, is not found on the DB instance"
        )
    data = path.read_bytes()
    lines = data.splitlines(keepends=True)
    count = params.get("NumberOfLines") or DEFAULT_LINES
    marker = params.get("Marker")
    if marker is None:
        # No marker: the most recent lines, as RDS does.
        chunk = lines[-count:]
        start_line = len(lines) - len(chunk)
    else:
        try:
            start_line = int(marker.split(":")[-1])
        except ValueError:
            raise AwsError("InvalidParameterValue", f"Invalid marker: {marker}") from None
        chunk = lines[start_line : start_line + count]
    text = b""
    taken = 0
    for line in chunk:
        if len(text) + len(line) > MAX_PORTION_BYTES:
            break
        text += line
        taken += 1
    end_line = start_line + taken
    return {
        "LogFileData": text.decode("utf-8", "replace"),
        "Marker": f"{dt.date.today().isoformat()}:{end_line}",
        "AdditionalDataPending": end_line < len(lines),
    }
