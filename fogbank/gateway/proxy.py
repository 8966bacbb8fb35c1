"""A worker's link to the main process (fogbank/workers.py).

The main process hands connections out in turn to the workers (fogbank/workers.py), whatever they carry.
A worker answers DynamoDB's item operations itself; every other request (other services, DynamoDB's
table operations, the console, Fogbank's own endpoints) goes, unchanged, to the main process's internal
listener, and its answer comes back as it was given.
"""

from __future__ import annotations

import http.client
import json
import logging
import threading
from dataclasses import dataclass

from fogbank.core.http import HttpRequest, HttpResponse

log = logging.getLogger("fogbank.proxy")

# Hop-by-hop and framing headers: each side of the proxy sets its own.
_DROPPED = {"connection", "keep-alive", "content-length", "transfer-encoding", "date", "expect", "upgrade"}


class Proxy:
    def __init__(self, port: int, host: str = "127.0.0.1") -> None:
        self.host = host
        self.port = port
        self._local = threading.local()

    def call(self, request: HttpRequest) -> ProxyCall:
        return ProxyCall(self, request)

    def connection(self, fresh: bool = False) -> http.client.HTTPConnection:
        connection = getattr(self._local, "connection", None)
        if connection is None or fresh:
            if connection is not None:
                connection.close()
            connection = http.client.HTTPConnection(self.host, self.port, timeout=600)
            self._local.connection = connection
        return connection


@dataclass
class ProxyCall:
    """Runs on the gateway's thread pool, like any call that may wait."""

    proxy: Proxy
    request: HttpRequest

    def run(self) -> HttpResponse:
        request = self.request
        target = request.raw_path + ("?" + request.query_string if request.query_string else "")
        headers = {name: value for name, value in request.headers.items() if name not in _DROPPED}
        for attempt in (1, 2):  # a kept-alive connection the main process closed meanwhile: once more
            connection = self.proxy.connection(fresh=attempt == 2)
            try:
                connection.request(request.method, target, body=request.body, headers=headers)
                answer = connection.getresponse()
                body = answer.read()
            except (OSError, http.client.HTTPException) as error:
                if attempt == 2:
                    log.error("the main process did not answer %s %s: %s", request.method, target, error)
                    return _unavailable()
                continue
            kept = {name.lower(): value for name, value in answer.getheaders() if name.lower() not in _DROPPED}
            return HttpResponse(answer.status, body, kept)
        return _unavailable()  # not reached


def _unavailable() -> HttpResponse:
    body = json.dumps({"__type": "ServiceUnavailable", "message": "Fogbank's main process is not answering."})
    return HttpResponse(503, body.encode(), {"content-type": "application/x-amz-json-1.0"})
