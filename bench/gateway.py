"""The gateway under load: requests/s, p50/p99 and Fogbank's overhead over a bare HTTP server.

    python bench/gateway.py            # about a minute; needs wrk (Debian package wrk)

Starts ``fogbank up`` and, as the peer, Fogbank's own HTTP server (``fogbank.gateway.http11``) with
a stand-in gateway answering a fixed 200; when uvicorn is installed, a bare ASGI app on uvicorn
(uvloop + httptools) runs too, as a reference for a common Python HTTP stack. wrk (a Lua script sets
the POST body and headers) loads each at 16 connections and at 1 connection. Fogbank's overhead is
its p50 at one connection minus the bare server's: the time routing, parsing, validating,
dispatching and serializing add to one request (target: under 1 ms). Also measures ``fogbank up``
from spawn to answering /_fogbank/health (target < 1 s).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
AUTH = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=" + "0" * 64

# name -> (signing name, headers, body): each answers without touching an engine.
LOADS = {
    "sts GetCallerIdentity (query, 200)": (
        "sts",
        {"Content-Type": "application/x-www-form-urlencoded"},
        "Action=GetCallerIdentity&Version=2011-06-15",
    ),
    "kms ListKeys (json 1.1, 501)": (
        "kms",
        {"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": "TrentService.ListKeys"},
        "{}",
    ),
    "dynamodb DescribeLimits (json 1.0)": (
        "dynamodb",
        {"Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "DynamoDB_20120810.DescribeLimits"},
        "{}",
    ),
}

PEER_APP = """
import asyncio, sys
import uvloop
from fogbank.core.http import HttpResponse
from fogbank.gateway.http11 import HttpServer

class Fixed:
    max_body_bytes = 16 * 1024 * 1024
    executor = None

    def begin(self, request, too_large):
        return HttpResponse(200, b'{"ok":true}', {"content-type": "application/json"})

    def response_headers(self, request, response):
        return response.headers

    def close(self):
        pass

async def main():
    await HttpServer(Fixed()).listen("127.0.0.1", int(sys.argv[1]))
    await asyncio.Event().wait()

uvloop.run(main())
"""

UVICORN_APP = """
import uvicorn

async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    while (await receive()).get("more_body"):
        pass
    body = b'{"ok":true}'
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})

uvicorn.run(app, host="127.0.0.1", port=int(__import__("sys").argv[1]), loop="uvloop", http="httptools",
            lifespan="off", access_log=False, log_level="warning")
"""

LUA = """
wrk.method = "POST"
wrk.body = {body}
{headers}
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT requests=%d seconds=%f p50=%d p99=%d bad=%d failed=%d\\n",
    summary.requests, summary.duration / 1e6, latency:percentile(50), latency:percentile(99),
    e.status, e.connect + e.read + e.write + e.timeout))
end
"""


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    failed: int


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_http(url: str, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"server exited with {process.returncode}")
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except urllib.error.HTTPError:
            return  # it answers
        except (urllib.error.URLError, OSError):
            time.sleep(0.005)
    raise SystemExit(f"{url} did not answer in {timeout}s")


def cpu_seconds(pid: int) -> float:
    """CPU time of a process and its children so far (to wait for start-up work to settle)."""
    total = 0.0
    ticks = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])) / ticks
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, IndexError):
            continue
    return total


def wait_idle(pid: int, timeout: float = 60) -> None:
    """Engines warm their templates in the background after start: don't benchmark against that."""
    deadline = time.monotonic() + timeout
    last = cpu_seconds(pid)
    while time.monotonic() < deadline:
        time.sleep(0.5)
        now = cpu_seconds(pid)
        if now - last < 0.05:
            return
        last = now


def time_to_ready(runs: int) -> list[float]:
    """Seconds from spawning ``fogbank up`` to its health endpoint answering."""
    times = []
    for _ in range(runs):
        port = free_port()
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "fogbank", "up", "--port", str(port), "--ephemeral"],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_http(f"http://127.0.0.1:{port}/_fogbank/health", process)
        times.append(time.monotonic() - started)
        wait_idle(process.pid, timeout=30)  # let its background start-up finish before the next run
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
    return times


def run_wrk(url: str, signing: str, headers: dict[str, str], body: str, connections: int, seconds: int) -> Result:
    lines = [f'wrk.headers["{k}"] = "{v}"' for k, v in {**headers, "Authorization": AUTH.format(signing)}.items()]
    script = LUA.format(body=_lua_string(body), headers="\n".join(lines))
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        output = subprocess.run(
            [
                "wrk",
                "-t",
                str(min(connections, 2)),
                "-c",
                str(connections),
                "-d",
                f"{seconds}s",
                "-s",
                handle.name,
                url,
            ],
            capture_output=True,
            text=True,
            timeout=seconds + 60,
            check=True,
        ).stdout
    finally:
        os.unlink(handle.name)
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    values = dict(part.split("=") for part in line.split()[1:])
    return Result(
        rps=int(values["requests"]) / float(values["seconds"]),
        p50_ms=int(values["p50"]) / 1000,
        p99_ms=int(values["p99"]) / 1000,
        non_2xx=int(values["bad"]),
        failed=int(values["failed"]),
    )


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def show(name: str, result: Result, connections: int) -> None:
    answered = "" if not result.non_2xx else f"  ({result.non_2xx} non-2xx, as expected for a 501)"
    failed = f"  FAILED CONNECTIONS: {result.failed}" if result.failed else ""
    print(
        f"  {name:<40} c={connections:<3} {result.rps:>9,.0f} req/s   p50 {result.p50_ms:6.3f} ms   "
        f"p99 {result.p99_ms:6.3f} ms{answered}{failed}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds per wrk run at 16 connections")
    parser.add_argument("--startups", type=int, default=3, help="fogbank up start-ups to time")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        print("wrk is missing: apt-get install wrk (scripts/system-deps.sh installs it)", file=sys.stderr)
        return 2

    print("fogbank up, spawn to ready (target < 1 s):")
    startups = time_to_ready(args.startups)
    print(
        f"  median {statistics.median(startups) * 1000:.0f} ms, max {max(startups) * 1000:.0f} ms "
        f"over {len(startups)} start-ups"
    )

    peer_port, uvicorn_port, fogbank_port = free_port(), free_port(), free_port()
    peer = subprocess.Popen([sys.executable, "-c", PEER_APP, str(peer_port)], cwd=ROOT)
    peers = [peer]
    if importlib.util.find_spec("uvicorn"):
        peers.append(subprocess.Popen([sys.executable, "-c", UVICORN_APP, str(uvicorn_port)]))
    # One process, like the bare servers it is compared with: this measures the gateway, not the workers.
    fogbank = subprocess.Popen(
        [sys.executable, "-m", "fogbank", "up", "--port", str(fogbank_port), "--ephemeral", "--workers", "1"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_http(f"http://127.0.0.1:{peer_port}/", peer)
        if len(peers) > 1:
            wait_http(f"http://127.0.0.1:{uvicorn_port}/", peers[1])
        wait_http(f"http://127.0.0.1:{fogbank_port}/_fogbank/health", fogbank)
        wait_idle(fogbank.pid)
        print("\nLoad (wrk, POST with a SigV4 Authorization header; one log line per request, as in `fogbank up`):")
        peer_url = f"http://127.0.0.1:{peer_port}/"
        peer16 = run_wrk(peer_url, "sts", {"Content-Type": "application/json"}, "{}", 16, args.duration)
        peer1 = run_wrk(peer_url, "sts", {"Content-Type": "application/json"}, "{}", 1, max(2, args.duration // 2))
        show("peer: bare Fogbank HTTP server", peer16, 16)
        show("peer: bare Fogbank HTTP server", peer1, 1)
        if len(peers) > 1:
            uvicorn_url = f"http://127.0.0.1:{uvicorn_port}/"
            for connections in (16, 1):
                seconds = args.duration if connections > 1 else max(2, args.duration // 2)
                result = run_wrk(uvicorn_url, "sts", {"Content-Type": "application/json"}, "{}", connections, seconds)
                show("reference: bare uvicorn app", result, connections)
        for name, (signing, headers, body) in LOADS.items():
            url = f"http://127.0.0.1:{fogbank_port}/"
            loaded = run_wrk(url, signing, headers, body, 16, args.duration)
            single = run_wrk(url, signing, headers, body, 1, max(2, args.duration // 2))
            show(name, loaded, 16)
            show(name, single, 1)
            overhead = single.p50_ms - peer1.p50_ms
            verdict = "meets" if overhead < 1 else "MISSES"
            print(
                f"    -> gateway overhead (p50 at c=1 minus peer's): {overhead:.3f} ms ({verdict} the 1 ms target); "
                f"throughput {loaded.rps / peer16.rps:.2f}x the peer's"
            )
    finally:
        for process in (*peers, fogbank):
            process.send_signal(signal.SIGTERM)
        for process in (*peers, fogbank):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
    return 0


if __name__ == "__main__":
    sys.exit(main())
