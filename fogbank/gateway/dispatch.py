"""One AWS request, end to end: route, parse, validate, call the handler, serialize.

``prepare`` does the cheap part (routing, parsing, validation) on the event loop; the returned
``Call`` runs the handler either inline (services whose handlers never block, like DynamoDB's
SQLite engine: a thread hop costs more than the work) or on the gateway's thread pool.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fogbank.core.commit import Deferred
from fogbank.core.context import RequestContext
from fogbank.core.http import HttpRequest, HttpResponse
from fogbank.gateway.auth import invalid_region, parse_credentials, valid_region
from fogbank.gateway.requestlog import RequestLog
from fogbank.gateway.router import Route, Router
from fogbank.protocols.base import Protocol
from fogbank.protocols.errors import AwsError, InternalFailure, NotImplementedOperation
from fogbank.services.base import Handler

if TYPE_CHECKING:
    from botocore.model import OperationModel

    from fogbank.platform import Platform

log = logging.getLogger("fogbank.requests")


def new_request_id() -> str:
    """A version-4 UUID. uuid4() reads os.urandom, a syscall per request (costly here), and uuid.UUID
    is slow to build; request ids need uniqueness, not secrecy."""
    digits = f"{random.getrandbits(128):032x}"
    return f"{digits[:8]}-{digits[8:12]}-4{digits[13:16]}-{_VARIANT[digits[16]]}{digits[17:20]}-{digits[20:]}"


_VARIANT = {digit: "89ab"[int(digit, 16) % 4] for digit in "0123456789abcdef"}
# Services whose request ids are not UUIDs but 52 upper-case letters and digits, as AWS's DynamoDB sends.
_LONG_REQUEST_IDS = frozenset({"dynamodb", "dynamodbstreams"})


def long_request_id() -> str:
    """52 upper-case hexadecimal digits: of AWS's alphabet (A-Z, 0-9), in a tenth of the time of
    drawing from all of it."""
    return f"{random.getrandbits(208):052X}"


@dataclass(slots=True)
class Call:
    """A prepared request: run() gives the response, never raises."""

    request_id: str
    started: float
    request_log: RequestLog | None
    route: Route | None = None
    operation: str = "-"
    model: OperationModel | None = None
    handler: Handler | None = None
    context: RequestContext | None = None
    params: dict[str, Any] = field(default_factory=dict)
    error: AwsError | None = None
    fallback: Protocol | None = None  # answers errors raised before a route was found (Router.fallback)

    @property
    def inline(self) -> bool:
        return self.error is not None or (self.route is not None and self.route.service.inline)

    def run(self) -> HttpResponse | asyncio.Future[HttpResponse]:
        """The answer; for a write handed to the group commit, a future of it (core/commit.py)."""
        protocol = self.route.protocol if self.route else self.fallback
        if self.error is None and self.handler is not None and self.model is not None:
            try:
                result = self.handler(self.context, self.params)  # type: ignore[arg-type]
            except Exception as error:
                return self.finish(None, error)
            if type(result) is Deferred:
                return self.context.platform.group_commit.defer(result, self.finish)  # type: ignore[union-attr]
            return self.finish(result, None)
        return self._log(protocol.serialize_error(self.error or InternalFailure(), self.request_id))

    def finish(self, result: Any, error: BaseException | None) -> HttpResponse:
        """The handler's result, or the error it raised, as the response."""
        protocol = self.route.protocol if self.route else self.fallback
        try:
            if error is None:
                response = protocol.serialize(self.model, result, self.request_id)  # type: ignore[arg-type]
            elif isinstance(error, AwsError):
                response = protocol.serialize_error(error, self.request_id)
            else:
                raise error
        except AwsError as raised:
            response = protocol.serialize_error(raised, self.request_id)
        except Exception:
            log.exception("internal error in %s.%s", self.route.model if self.route else "-", self.operation)
            response = protocol.serialize_error(InternalFailure(), self.request_id)
        return self._log(response)

    def _log(self, response: HttpResponse) -> HttpResponse:
        response.headers.setdefault("x-amz-request-id", self.request_id)
        if self.request_log is not None:
            self.request_log(
                self.route.model if self.route else "-",
                self.operation,
                response.status,
                (time.perf_counter() - self.started) * 1000,
            )
        return response


class Dispatcher:
    def __init__(self, platform: Platform, router: Router) -> None:
        self.platform = platform
        self.router = router

    def account_for(self, access_key: str | None) -> str:
        if access_key and len(access_key) == 12 and access_key.isdigit():
            return access_key
        return self.platform.config.default_account

    def prepare(self, request: HttpRequest, too_large: bool = False) -> Call:
        call = Call(new_request_id(), time.perf_counter(), self.platform.request_log)
        try:
            credentials = parse_credentials(request)
            call.route, name = self.router.resolve(request, credentials)
            if call.route.model in _LONG_REQUEST_IDS:
                call.request_id = long_request_id()
            protocol = call.route.protocol
            if credentials is not None and not valid_region(credentials.region):
                raise invalid_region(credentials.region, protocol.name)
            if too_large:
                limit = self.platform.config.max_body_bytes
                raise AwsError("RequestEntityTooLargeException", f"Request body exceeds the {limit} byte limit.", 413)
            if name is None:
                raise protocol.unknown_operation(request)
            call.operation = name
            call.model = protocol.operation_model(name)
            call.params = protocol.parse(request, call.model)
            protocol.check(call.model, call.params, len(request.body) if protocol.params_in_body else None)
            call.handler = call.route.service.handlers.get(name)
            if call.handler is None:
                raise NotImplementedOperation(self.router.api_name(call.route, request, name, call.params), name)
            call.context = RequestContext(
                request_id=call.request_id,
                service=call.route.model,
                operation=name,
                region=credentials.region if credentials else self.platform.config.default_region,
                account_id=self.account_for(credentials.access_key if credentials else None),
                access_key=credentials.access_key if credentials else None,
                request=request,
                platform=self.platform,
                backend=call.route.service.backend,
            )
        except AwsError as error:
            call.error = error
        except Exception:
            log.exception("internal error preparing %s", call.operation)
            call.error = InternalFailure()
        if call.route is None:
            call.fallback = self.router.fallback(request)
        return call

    def handle(self, request: HttpRequest, too_large: bool = False) -> HttpResponse:
        return self.prepare(request, too_large).run()
