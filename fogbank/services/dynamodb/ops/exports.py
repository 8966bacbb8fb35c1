"""ExportTableToPointInTime, ImportTable and their Describe/List calls: refused until Fogbank has S3.

An export writes a table to an S3 bucket and an import reads one; Fogbank serves no S3-compatible object
store yet, so there is nowhere to write to or read from. Rather than answer an export that never lands or a
list that pretends, each call answers NotImplemented (HTTP 501), naming what is missing.
"""

from __future__ import annotations

from typing import Any

from fogbank.core.context import RequestContext
from fogbank.protocols.errors import AwsError
from fogbank.services.base import operation


def no_object_store(operation_name: str) -> AwsError:
    return AwsError(
        "NotImplemented",
        f"The operation {operation_name} of service dynamodb is not implemented by Fogbank yet: exports and imports "
        "need an S3-compatible object store, which Fogbank does not serve yet.",
        501,
        sender_fault=False,
    )


@operation("ExportTableToPointInTime")
def export_table_to_point_in_time(ctx: RequestContext, params: dict[str, Any]) -> Any:
    raise no_object_store("ExportTableToPointInTime")


@operation("DescribeExport")
def describe_export(ctx: RequestContext, params: dict[str, Any]) -> Any:
    raise no_object_store("DescribeExport")


@operation("ListExports")
def list_exports(ctx: RequestContext, params: dict[str, Any]) -> Any:
    raise no_object_store("ListExports")


@operation("ImportTable")
def import_table(ctx: RequestContext, params: dict[str, Any]) -> Any:
    raise no_object_store("ImportTable")


@operation("DescribeImport")
def describe_import(ctx: RequestContext, params: dict[str, Any]) -> Any:
    raise no_object_store("DescribeImport")


@operation("ListImports")
def list_imports(ctx: RequestContext, params: dict[str, Any]) -> Any:
    raise no_object_store("ListImports")
