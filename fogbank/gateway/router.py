"""Which service and operation a request is, decided the way AWS's front door decides it."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from fogbank.core.http import HttpRequest
from fogbank.gateway.auth import Credentials
from fogbank.protocols import spec
from fogbank.protocols.base import Protocol
from fogbank.protocols.cbor import CborProtocol
from fogbank.protocols.errors import AwsError
from fogbank.protocols.jsonrpc import JsonProtocol
from fogbank.protocols.query import QueryProtocol
from fogbank.protocols.restjson import RestJsonProtocol
from fogbank.services.base import Service

PROTOCOLS: dict[str, type[Protocol]] = {
    "json": JsonProtocol,
    "query": QueryProtocol,
    "rest-json": RestJsonProtocol,
    "smithy-rpc-v2-cbor": CborProtocol,
}


@dataclass
class Route:
    service: Service
    model: str  # botocore model name
    protocol: Protocol


def signing_name(model: str) -> str:
    metadata = spec.service_model(model).metadata
    return metadata.get("signingName") or metadata["endpointPrefix"]


# The SDK's own name in its User-Agent: ``api/docdb#3.x`` (JavaScript v3, Go v2, Java v2 as ``api/DocDB#``),
# ``md/command#docdb.describe-db-clusters`` (AWS CLI v2). boto3 and the AWS CLI v1 name no service.
_CALLED_API = re.compile(r"(?:^|\s)(?:api/|md/command#)([A-Za-z0-9-]+)[#.]")


def looks_like(protocol: Protocol, request: HttpRequest) -> bool:
    """Whether a request is shaped like this protocol's requests, whatever operation it names."""
    if isinstance(protocol, JsonProtocol):
        # A POST of this protocol's content type without a target is still one of its requests: its
        # service answers UnknownOperationException (400), as AWS's endpoint does, rather than a 404.
        return "x-amz-target" in request.headers or (
            request.method == "POST" and request.header("content-type") == protocol.content_type
        )
    if isinstance(protocol, CborProtocol):
        return request.path.startswith("/service/") or request.header("smithy-protocol") == "rpc-v2-cbor"
    if isinstance(protocol, QueryProtocol):
        content_type = request.header("content-type")
        return "Action=" in request.query_string or content_type.startswith("application/x-www-form-urlencoded")
    return True


class Router:
    def __init__(self, services: list[Service]) -> None:
        self.routes: list[Route] = []
        self.by_signing_name: dict[str, list[Route]] = {}
        self._by_target: dict[tuple[str, str], tuple[Route, str]] = {}
        for service in services:
            for model in service.models:
                for name in spec.protocols_of(model):
                    if name not in PROTOCOLS:
                        continue
                    route = Route(service, model, PROTOCOLS[name](model))
                    self.routes.append(route)
                    self.by_signing_name.setdefault(signing_name(model), []).append(route)

    def fallback(self, request: HttpRequest) -> Protocol:
        """A protocol the request is shaped like, to answer errors raised before its service is
        known (a malformed signature, an unknown service) in an envelope its client can read; when it
        is shaped like none, the first JSON service's (a JSON body and ``__type`` every SDK reads)."""
        rest = None
        for route in self.routes:
            if looks_like(route.protocol, request):
                if not isinstance(route.protocol, RestJsonProtocol):
                    return route.protocol
                rest = rest or route.protocol
        return rest or self.default

    @cached_property
    def default(self) -> Protocol:
        for route in self.routes:
            if isinstance(route.protocol, JsonProtocol):
                return route.protocol
        return self.routes[0].protocol if self.routes else JsonProtocol("sts")

    def resolve(self, request: HttpRequest, credentials: Credentials | None) -> tuple[Route, str | None]:
        """The route and operation name; operation None means the route's protocol should answer
        with its unknown-operation error."""
        target = request.headers.get("x-amz-target")
        if credentials is not None and target is not None:
            # A service spoken only in JSON: the signing name and the target decide it all.
            known = self._by_target.get((credentials.service, target))
            if known is not None:
                return known
            candidates = self.by_signing_name.get(credentials.service)
            if candidates and all(isinstance(route.protocol, JsonProtocol) for route in candidates):
                for route in candidates:
                    name = route.protocol.operation_name(request)
                    if name is not None:
                        if len(self._by_target) < 4096:
                            self._by_target[(credentials.service, target)] = (route, name)
                        return route, name
        if credentials is not None:
            candidates = self.by_signing_name.get(credentials.service)
            if not candidates:
                raise AwsError(
                    "UnrecognizedServiceException",
                    f"Fogbank does not serve the service '{credentials.service}'.",
                    400,
                )
        else:
            candidates = self.routes
        shaped = [route for route in candidates if looks_like(route.protocol, request)]
        for route in shaped:
            name = route.protocol.operation_name(request)
            if name is not None:
                return route, name
        if shaped:
            typed = [route for route in shaped if isinstance(route.protocol, JsonProtocol)]
            return (typed or shaped)[0], None
        return candidates[0], None

    def api_name(self, route: Route, request: HttpRequest, operation: str, params: dict[str, Any]) -> str:
        """The API the client called, for messages: RDS, DocumentDB and Neptune share a signing name, an
        API version and a wire format, so their requests all reach the first model that has the operation.
        The client's User-Agent or the ``Engine`` it asks for tells them apart; when nothing does, every
        model that has the operation is named (``rds/docdb/neptune``)."""
        siblings = [
            other.model
            for other in self.by_signing_name.get(signing_name(route.model), [])
            if type(other.protocol) is type(route.protocol)
            and operation in spec.service_model(other.model).operation_names
        ]
        if len(siblings) < 2:
            return route.model
        for match in _CALLED_API.finditer(request.header("user-agent")):
            named = match.group(1).lower()
            if named in siblings:
                return named
        engine = str(params.get("Engine") or "").lower()
        for model in siblings:
            if engine.startswith(model):
                return model
        if engine:  # aurora-postgresql, mysql, …: an RDS engine
            return route.model
        return "/".join(siblings)
