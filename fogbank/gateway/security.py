"""Who may talk to Fogbank from a browser: the Host, Origin and Sec-Fetch-Site checks, and CORS.

Every web page the user visits can send requests to ``localhost``. Without a check, a page on
``http://evil.example`` could read secrets through CORS, change state with requests that need no
preflight (an ``<img>`` GET carrying ``?Action=…``, an auto-submitted form POST), or, after pointing
its own name at 127.0.0.1 (DNS rebinding), act as the console itself. docs/security.md is the threat
model; in short:

- **Host** must be a name Fogbank serves: an IP address, ``localhost`` (and ``*.localhost``), the
  ``--host`` name, or one the user allows (``--allowed-hosts``). A rebinding page's requests carry
  its own name and are refused.
- **Origin**, when a browser sends it, must be Fogbank's own (the console) or one the user allows
  (``--cors-origins``; ``*`` allows every origin but is never the default). Browsers send Origin on
  every cross-origin fetch and on every POST, so this covers forms and ``no-cors`` fetches too.
- **Sec-Fetch-Site** without Origin (a ``no-cors`` GET: images, scripts, links) must say
  ``same-origin`` or ``none`` (typed in the address bar); from another site only the console's
  pages may be fetched (a link to it), never an API call.
- ``/_fogbank/*`` (reset, health) answers no foreign origin at all, whatever ``--cors-origins`` says.

Clients that are not browsers (SDKs, the CLI, curl) send neither Origin nor Sec-Fetch-Site and are
not affected. The checks cost a few dictionary lookups per request: they run on every one.
"""

from __future__ import annotations

import ipaddress
import json
import logging
import time
from collections.abc import Iterable

from fogbank.console import assets as console_assets
from fogbank.core.addresses import LOOPBACK_NAMES
from fogbank.core.http import HttpRequest, HttpResponse

log = logging.getLogger("fogbank.security")

CORS_HEADERS = {
    "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE, HEAD, OPTIONS",
    "access-control-expose-headers": (
        "x-amzn-RequestId, x-amz-request-id, x-amzn-ErrorType, x-amz-crc32, x-amzn-query-error, "
        "smithy-protocol, ETag, Date"
    ),
    "access-control-max-age": "7200",
}
# What browser SDKs send; a preflight asking for other headers gets these (the browser then refuses).
ALLOWED_REQUEST_HEADERS = frozenset(
    (
        "authorization, content-type, content-encoding, x-amz-date, x-amz-target, x-amz-security-token, "
        "x-amz-user-agent, x-amz-content-sha256, x-amz-client-context, x-amz-invocation-type, amz-sdk-invocation-id, "
        "amz-sdk-request, smithy-protocol, x-amz-json-version, x-amz-api-version, x-amz-checksum-crc32, "
        "x-amz-sdk-checksum-algorithm, x-amzn-trace-id, x-amz-expected-bucket-owner, accept, accept-language, "
        "content-language, cache-control, if-match, if-none-match"
    ).split(", ")
)
# For the console and Fogbank's own pages (JSON is not HTML and never a script of another page).
PAGE_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
}
_WARN_EVERY = 60.0  # seconds between two log lines about the same refused origin or host


class Guard:
    """The browser checks for one Fogbank (its listen address, allowed hosts and origins)."""

    def __init__(self, listen_host: str, allowed_hosts: Iterable[str] = (), cors_origins: Iterable[str] = ()) -> None:
        names = {name.lower().rstrip(".") for name in allowed_hosts if name}
        if listen_host and listen_host not in ("0.0.0.0", "::"):
            names.add(listen_host.strip("[]").lower())
        self.names = frozenset(names | LOOPBACK_NAMES)
        origins = {origin.rstrip("/") for origin in cors_origins if origin}
        self.any_origin = "*" in origins
        self.origins = frozenset(origins - {"*"})
        self._good_hosts: set[str | None] = {None}  # Host values already accepted (a handful); None: HTTP/1.0
        self._warned: dict[str, float] = {}

    # -- the checks ----------------------------------------------------------------------------

    def refuse(self, request: HttpRequest) -> HttpResponse | None:
        """A 403 for a request a browser must not make, else None. Runs before anything else."""
        headers = request.headers
        host = headers.get("host")
        if host in self._good_hosts and "origin" not in headers and "sec-fetch-site" not in headers:
            return None  # the common case, an SDK: one set and two dict lookups
        if host is not None and host not in self._good_hosts:
            if not self.host_allowed(host):
                self._warn(f"host {host!r}", "refused a request for Host %r (allow it with --allowed-hosts)", host)
                return _refusal(
                    f"Fogbank does not serve the host name '{host[:200]}'. It answers IP addresses, localhost and "
                    "the names given with --allowed-hosts (FOGBANK_ALLOWED_HOSTS); this protects it from DNS rebinding."
                )
            if len(self._good_hosts) < 64:
                self._good_hosts.add(host)
        origin = headers.get("origin")
        site = headers.get("sec-fetch-site")
        if origin is None and site is None:
            return None  # not a browser, or a browser's same-origin GET
        own = request.path.startswith("/_fogbank/")
        if origin is not None:
            if self.same_origin(origin, host) or (not own and self.cors_allowed(origin)):
                return None
            self._warn(f"origin {origin!r}", "refused a request from origin %r (allow it with --cors-origins)", origin)
            if own:
                return _refusal(f"Fogbank's own endpoints answer no other origin than its own, not '{origin[:200]}'.")
            return _refusal(
                f"Fogbank does not answer the origin '{origin[:200]}'. Start it with --cors-origins {origin[:200]} "
                "(FOGBANK_CORS_ORIGINS) to let pages from there call it."
            )
        if site in ("same-origin", "none"):
            return None
        if request.method in ("GET", "HEAD") and not own and _console_page(request):
            return None  # a link to the console from another site: its pages change nothing
        self._warn(f"site {site!r}", "refused a %s request without an origin (a link, image or script)", site)
        return _refusal("Fogbank does not answer requests made by pages of other sites.")

    def host_allowed(self, host: str) -> bool:
        name = _host_name(host)
        if name in self.names or name.endswith(".localhost"):
            return True
        try:
            ipaddress.ip_address(name)  # an address cannot be rebound; only names can
            return True
        except ValueError:
            return False

    def same_origin(self, origin: str, host: str | None) -> bool:
        """The console's own calls: the page was served by this Host (already checked)."""
        return host is not None and (origin == "http://" + host or origin == "https://" + host)

    def cors_allowed(self, origin: str) -> bool:
        return self.any_origin or origin in self.origins

    # -- answers -------------------------------------------------------------------------------

    def preflight(self, request: HttpRequest) -> HttpResponse:
        """An OPTIONS request that passed ``refuse``: its origin is allowed."""
        asked = request.header("access-control-request-headers")
        wanted = [name.strip().lower() for name in asked.split(",") if name.strip()]
        allowed = [name for name in wanted if name in ALLOWED_REQUEST_HEADERS or name.startswith("x-amz-")]
        headers = {"access-control-allow-headers": ", ".join(allowed or sorted(ALLOWED_REQUEST_HEADERS))}
        if request.header("access-control-request-private-network") == "true":
            headers["access-control-allow-private-network"] = "true"  # Chrome's Private Network Access
        return HttpResponse(200, b"", headers)

    def response_headers(self, request: HttpRequest, response: HttpResponse) -> dict[str, str]:
        """CORS for an allowed cross-origin call. Same-origin pages and SDKs need none."""
        origin = request.headers.get("origin")
        if origin is None or not self.cors_allowed(origin) or self.same_origin(origin, request.headers.get("host")):
            return response.headers  # refused origins get no CORS headers: the browser keeps the answer from them
        headers = {**CORS_HEADERS, **response.headers}
        headers["access-control-allow-origin"] = origin
        headers["vary"] = "Origin"
        return headers

    def _warn(self, key: str, message: str, *args: object) -> None:
        now = time.monotonic()
        if now - self._warned.get(key, -_WARN_EVERY) >= _WARN_EVERY:
            if len(self._warned) > 1024:
                self._warned.clear()
            self._warned[key] = now
            log.warning(message, *args)


def _host_name(host: str) -> str:
    host = host.strip().lower()
    if host.startswith("["):  # [::1]:4566
        return host[1 : host.find("]")] if "]" in host else host
    name, _, _port = host.rpartition(":") if host.count(":") == 1 else (host, "", "")
    return name.rstrip(".")


def _console_page(request: HttpRequest) -> bool:
    signed = "X-Amz-" in request.query_string or "Action=" in request.query_string or "authorization" in request.headers
    return not signed and console_assets.is_console(request.path)


def _refusal(message: str) -> HttpResponse:
    body = json.dumps({"__type": "AccessDenied", "message": message}).encode()
    return HttpResponse(403, body, {"content-type": "application/json", **PAGE_HEADERS})
