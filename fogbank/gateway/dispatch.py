"""One AWS request, end to end: route, parse, validate, call the handler, serialize."""

from __future__ import annotations

import logging
import time
import uuid
from typing import TYPE_CHECKING

from fogbank.gateway.auth import parse_credentials
from fogbank.gateway.context import RequestContext
from fogbank.gateway.http import HttpRequest, HttpResponse
from fogbank.gateway.router import Route, Router
from fogbank.protocols.errors import AwsError, InternalFailure, NotImplementedOperation
from fogbank.protocols.jsonrpc import JsonProtocol

if TYPE_CHECKING:
    from fogbank.platform import Platform

log = logging.getLogger("fogbank.requests")


def new_request_id() -> str:
    return str(uuid.uuid4())


class Dispatcher:
    def __init__(self, platform: Platform, router: Router) -> None:
        self.platform = platform
        self.router = router
        self._fallback = JsonProtocol("dynamodb")

    def account_for(self, access_key: str | None) -> str:
        if access_key and len(access_key) == 12 and access_key.isdigit():
            return access_key
        return self.platform.config.default_account

    def handle(self, request: HttpRequest, too_large: bool = False) -> HttpResponse:
        started = time.perf_counter()
        request_id = new_request_id()
        route: Route | None = None
        operation = "-"
        try:
            credentials = parse_credentials(request)
            route, name = self.router.resolve(request, credentials)
            if too_large:
                raise AwsError(
                    "RequestEntityTooLargeException",
                    f"Request body exceeds the {self.platform.config.max_body_bytes} byte limit.",
                    413,
                )
            if name is None:
                raise route.protocol.unknown_operation(request)
            operation = name
            model = route.protocol.model.operation_model(name)
            params = route.protocol.parse(request, model)
            route.protocol.check(model, params)
            handler = route.service.handlers.get(name)
            if handler is None:
                raise NotImplementedOperation(route.model, name)
            context = RequestContext(
                request_id=request_id,
                service=route.model,
                operation=name,
                region=credentials.region if credentials else self.platform.config.default_region,
                account_id=self.account_for(credentials.access_key if credentials else None),
                access_key=credentials.access_key if credentials else None,
                request=request,
                platform=self.platform,
                backend=route.service.backend,
            )
            response = route.protocol.serialize(model, handler(context, params), request_id)
        except AwsError as error:
            response = (route.protocol if route else self._fallback).serialize_error(error, request_id)
        except Exception:
            log.exception("internal error in %s.%s", route.model if route else "-", operation)
            response = (route.protocol if route else self._fallback).serialize_error(InternalFailure(), request_id)
        response.headers.setdefault("x-amz-request-id", request_id)
        if self.platform.config.log_requests:
            log.info(
                "%s.%s %d %.1fms",
                route.model if route else "-",
                operation,
                response.status,
                (time.perf_counter() - started) * 1000,
            )
        return response
