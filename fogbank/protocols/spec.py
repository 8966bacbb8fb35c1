"""botocore's service models: the single source of every request and response shape."""

from __future__ import annotations

from functools import cache

import botocore.loaders
from botocore.model import OperationModel, ServiceModel

_loader = botocore.loaders.Loader()


@cache
def service_model(name: str) -> ServiceModel:
    """The botocore model of a service by its botocore name (``dynamodb``, ``rds``, ...)."""
    return ServiceModel(_loader.load_service_model(name, "service-2"), service_name=name)


@cache
def operation_model(service: str, operation: str) -> OperationModel | None:
    model = service_model(service)
    if operation not in model.operation_names:
        return None
    return model.operation_model(operation)


def protocols_of(service: str) -> list[str]:
    """Every protocol the service speaks: SDKs differ in which one they pick (boto3 prefers json
    for CloudWatch, newer SDKs rpc-v2-cbor), so Fogbank answers all of them."""
    metadata = service_model(service).metadata
    return list(metadata.get("protocols") or [metadata["protocol"]])


@cache
def error_shapes(service: str) -> dict[str, tuple[str, str, int | None]]:
    """Modelled errors by shape name and by wire code: ``name -> (shape, code, status)``."""
    found: dict[str, tuple[str, str, int | None]] = {}
    for shape in service_model(service).error_shapes:
        info = shape.metadata.get("error", {})
        entry = (shape.name, info.get("code", shape.name), info.get("httpStatusCode"))
        found[shape.name] = entry
        found.setdefault(entry[1], entry)
    return found
