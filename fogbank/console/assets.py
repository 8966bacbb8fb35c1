"""Serve the console's built files from ``console/dist`` (built by ``make setup``: npm ci + vite build).

Only GET/HEAD of files inside the build folder; the console itself talks to Fogbank through the
AWS APIs like any SDK, so nothing here knows about services.
"""

from __future__ import annotations

import mimetypes
from functools import lru_cache
from pathlib import Path

from fogbank.config import Config
from fogbank.core.http import HttpRequest, HttpResponse

PREFIX = "/console"

_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}

NOT_BUILT = """<!doctype html><meta charset="utf-8"><title>Fogbank console not built</title>
<body style="font-family:system-ui;max-width:640px;margin:60px auto">
<h1>The Fogbank console is not built</h1>
<p>Run <code>make setup</code> (or <code>cd console &amp;&amp; npm ci &amp;&amp; npm run build</code>) in the
Fogbank checkout, then reload this page. Set <code>FOGBANK_CONSOLE_DIR</code> to serve a build from elsewhere.</p>
</body>"""


def build_dir() -> Path:
    return Config().console_dir or Path(__file__).resolve().parents[2] / "console" / "dist"


def is_console(path: str) -> bool:
    return path == PREFIX or path.startswith(PREFIX + "/")


def serve(request: HttpRequest, path: str) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponse(405, b"Method Not Allowed", {"content-type": "text/plain", "allow": "GET, HEAD"})
    if path == PREFIX:
        # Relative asset URLs need the trailing slash.
        return HttpResponse(308, b"", {"location": PREFIX + "/"})
    root = build_dir()
    relative = path[len(PREFIX) + 1 :] or "index.html"
    if not (root / "index.html").is_file():
        return HttpResponse(503, NOT_BUILT.encode(), {"content-type": "text/html; charset=utf-8"})
    target = (root / relative).resolve()
    if not target.is_relative_to(root.resolve()) or not target.is_file():
        return HttpResponse(404, b"Not Found", {"content-type": "text/plain"})
    body = _read(target, target.stat().st_mtime_ns)
    content_type = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    # Hashed file names under assets/ never change; index.html must always be fresh.
    cache = "public, max-age=31536000, immutable" if relative.startswith("assets/") else "no-cache"
    return HttpResponse(200, body, {"content-type": content_type, "cache-control": cache})


@lru_cache(maxsize=64)
def _read(path: Path, mtime_ns: int) -> bytes:
    return path.read_bytes()
