"""ElastiCache's forwarders (issue #12, Speed: "measure it against the direct node and print the ratio,
goal >= 0.8"): Memcached's configuration endpoint (Fogbank's relay answering auto-discovery) and a
serverless cache's TLS endpoint (Fogbank's relay terminating TLS), each against the node reached
directly, in the same run, beside other designs and peers:

    python bench/forwarders.py [--rounds 5] [--ops 3000]

Fogbank runs as ``python -m fogbank up`` in a process of its own (a relay sharing the benchmark's
Python process would be slowed by its GIL). Each round times one operation on every path in turn
(the same key, one connection each), so a busy machine slows all alike; a path's rate is 1 / the
median latency, its ratio that rate over the direct node's. Printed: each ratio's p50 over the
rounds, with the lowest and highest.

- memcached GET (pymemcache, and a raw socket loop: the least client time, the hop's cost shows most):
  the configuration endpoint; alternative relays run in a lab process of their own (``--lab``): the
  same relay joining byte for byte without the auto-discovery inspector, one thread per connection
  polling both sides, ``os.splice``; socat (C, if installed) joining byte for byte.
- valkey SET+GET (redis-py, and redis-benchmark -c 1 when installed): the serverless TLS endpoint vs
  the same node plain, vs socat terminating TLS in front of the same node, and Redis OSS 7.0.15 with its
  own TLS (a TransitEncryptionEnabled cache cluster) vs the same binary plain (TLS's own cost).
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import select
import shutil
import signal
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3
import redis
from pymemcache.client.base import Client

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fogbank.managed import relay  # noqa: E402
from fogbank.server import free_port  # noqa: E402
from fogbank.services.elasticache.discovery import AutoDiscovery, ClusterView  # noqa: E402


class Server:
    """``fogbank up`` in its own process and session (its engines die with it)."""

    def __init__(self) -> None:
        self.root = Path(tempfile.mkdtemp(prefix="fogbank-bench-forwarders-"))
        self.root.chmod(0o755)
        self.data = self.root / "data"
        port = free_port()
        self.proc = subprocess.Popen([sys.executable, "-m", "fogbank", "up", "--quiet", "--port", str(port),
                                      "--data-dir", str(self.data)],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)  # fmt: skip
        self.ec = boto3.client("elasticache", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
                               aws_access_key_id="bench", aws_secret_access_key="bench")  # fmt: skip
        for _ in range(600):
            try:
                self.ec.describe_cache_clusters()
                return
            except Exception:
                time.sleep(0.05)
        raise RuntimeError("fogbank did not start")

    def close(self) -> None:
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
        shutil.rmtree(self.root, ignore_errors=True)

    def cluster(self, name: str, **kwargs: Any) -> dict[str, Any]:
        self.ec.create_cache_cluster(CacheClusterId=name, CacheNodeType="cache.t3.micro", NumCacheNodes=1, **kwargs)
        while True:
            found = self.ec.describe_cache_clusters(CacheClusterId=name, ShowCacheNodeInfo=True)["CacheClusters"][0]
            if found["CacheClusterStatus"] == "available":
                return found
            if found["CacheClusterStatus"] == "failed":
                raise RuntimeError(f"{name} failed")
            time.sleep(0.02)

    def serverless(self, name: str) -> dict[str, Any]:
        self.ec.create_serverless_cache(ServerlessCacheName=name, Engine="valkey")
        while True:
            found = self.ec.describe_serverless_caches(ServerlessCacheName=name)["ServerlessCaches"][0]
            if found["Status"] == "available":
                return found
            time.sleep(0.02)


# -- measuring ---------------------------------------------------------------------------------------


def rates(paths: dict[str, Callable[[int], object]], ops: int) -> dict[str, float]:
    """Operations per second of each path (1 / median latency), timed in turn one operation each."""
    times: dict[str, list[float]] = {name: [] for name in paths}
    items = list(paths.items())
    for i in range(ops):
        for name, call in items:
            started = time.perf_counter()
            call(i)
            times[name].append(time.perf_counter() - started)
    return {name: 1 / statistics.median(found) for name, found in times.items()}


class Ratios:
    def __init__(self, title: str, base: str) -> None:
        self.title, self.base = title, base
        self.rounds: list[dict[str, float]] = []

    def add(self, found: dict[str, float]) -> None:
        self.rounds.append(found)

    def print(self) -> None:
        print(f"{self.title} (ratio to {self.base}: p50 [min-max] over {len(self.rounds)} rounds)")
        for name in self.rounds[0]:
            ratios = [r[name] / r[self.base] for r in self.rounds]
            speed = statistics.median(r[name] for r in self.rounds)
            print(f"  {name:<58} {speed:8.0f}/s  ratio {statistics.median(ratios):.2f} "
                  f"[{min(ratios):.2f}-{max(ratios):.2f}]")  # fmt: skip


class RawMemcached:
    """A GET as a socket loop: send the line, read until END (the least client time per round trip)."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def get(self, _: int) -> None:
        self.sock.sendall(b"get warm\r\n")
        data = self.sock.recv(4096)
        while not data.endswith(b"END\r\n"):
            data += self.sock.recv(4096)


def pymemcache_get(port: int) -> Callable[[int], object]:
    client = Client(("127.0.0.1", port))
    return lambda _: client.get("warm")


def socat(*args: str) -> subprocess.Popen[bytes] | None:
    if shutil.which("socat") is None:
        return None
    return subprocess.Popen(["socat", *args], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def wait_port(port: int) -> None:
    for _ in range(200):
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=1):
            return
        time.sleep(0.02)
    raise RuntimeError(f"nothing listens on {port}")


# -- the lab: other relay designs, in a process of their own -----------------------------------------


def _poll_relay(client: socket.socket, target: tuple[str, int]) -> None:
    """One thread per connection, polling both sides (one wake-up per chunk in either direction)."""
    upstream = socket.create_connection(target)
    for side in (client, upstream):
        side.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    other = {client.fileno(): (client, upstream), upstream.fileno(): (upstream, client)}
    poller = select.poll()
    for fd in other:
        poller.register(fd, select.POLLIN)
    try:
        while True:
            for fd, _ in poller.poll():
                source, sink = other[fd]
                data = source.recv(relay.CHUNK)
                if not data:
                    return
                sink.sendall(data)
    except OSError:
        pass
    finally:
        client.close()
        upstream.close()


def _splice_pump(source: socket.socket, sink: socket.socket) -> None:
    read, write = os.pipe()
    try:
        while True:
            n = os.splice(source.fileno(), write, relay.CHUNK)
            if not n:
                break
            while n:
                n -= os.splice(read, sink.fileno(), n)
    except OSError:
        pass
    finally:
        os.close(read)
        os.close(write)
        for side in (source, sink):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)


def _splice_relay(client: socket.socket, target: tuple[str, int]) -> None:
    upstream = socket.create_connection(target)
    for side in (client, upstream):
        side.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    back = threading.Thread(target=_splice_pump, args=(upstream, client), daemon=True)
    back.start()
    _splice_pump(client, upstream)
    back.join()


def _sslsocket_relay(client: socket.socket, target: tuple[str, int], context: ssl.SSLContext) -> None:
    """TLS on an ``SSLSocket`` read and written by two threads at once: what OpenSSL does not allow,
    measured only to see what the relay's in-memory TLS (safe) costs beside it."""
    tls = context.wrap_socket(client, server_side=True)  # detaches ``client``
    upstream = socket.create_connection(target)
    for side in (tls, upstream):
        side.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def pump(source: Any, sink: Any) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(relay.CHUNK):
                sink.sendall(data)
        for side in (tls, upstream):
            with contextlib.suppress(OSError):
                side.shutdown(socket.SHUT_RDWR)

    back = threading.Thread(target=pump, args=(upstream, tls), daemon=True)
    back.start()
    pump(tls, upstream)
    back.join()


def lab(spec: str, certs: str | None) -> None:
    """``--lab kind:listen:target,...``: serve each design until stdin closes."""
    context = None
    if certs:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(f"{certs}/server.pem", f"{certs}/server.key")
    for item in spec.split(","):
        kind, listen, target = item.split(":")
        to = ("127.0.0.1", int(target))
        if kind in ("join", "tls", "inspect"):
            inspect = None
            if kind == "inspect":
                view = ClusterView(1, [("node", "127.0.0.1", int(target))])
                inspect = lambda view=view: AutoDiscovery(lambda: view)  # noqa: E731
            relay.Relay("127.0.0.1", int(listen), lambda to=to: to, tls=context if kind == "tls" else None,
                        inspect=inspect)  # type: ignore[misc]  # fmt: skip
            continue
        handler = {"poll": _poll_relay, "splice": _splice_relay,
                   "sslsocket": lambda c, t: _sslsocket_relay(c, t, context)}[kind]  # fmt: skip
        server = socket.create_server(("127.0.0.1", int(listen)), backlog=64)

        def accept(server: socket.socket = server, handler: Any = handler, to: tuple[str, int] = to) -> None:
            while True:
                client, _ = server.accept()
                threading.Thread(target=handler, args=(client, to), daemon=True).start()

        threading.Thread(target=accept, daemon=True).start()
    print("ready", flush=True)
    sys.stdin.read()


# -- the two forwarders ------------------------------------------------------------------------------


def memcached(server: Server, rounds: int, ops: int) -> None:
    found = server.cluster("bench-mc", Engine="memcached")
    config, node = found["ConfigurationEndpoint"]["Port"], found["CacheNodes"][0]["Endpoint"]["Port"]
    Client(("127.0.0.1", node)).set("warm", "1")
    join, poll, splice, inspect, peer = free_port(), free_port(), free_port(), free_port(), free_port()
    lab_proc = subprocess.Popen([sys.executable, __file__, "--lab", f"join:{join}:{node},poll:{poll}:{node},"
                                 f"splice:{splice}:{node},inspect:{inspect}:{node}"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    assert lab_proc.stdout is not None
    lab_proc.stdout.readline()
    peer_proc = socat(f"TCP-LISTEN:{peer},fork,reuseaddr,bind=127.0.0.1,nodelay", f"TCP:127.0.0.1:{node},nodelay")
    if peer_proc is not None:
        wait_port(peer)
    ports = {"the node directly": node, "configuration endpoint (Fogbank's relay, auto-discovery)": config,
             "lab: the same relay and inspector, outside Fogbank": inspect,
             "lab: the same relay, byte for byte (no inspector)": join, "lab: two threads, os.splice": splice,
             "lab: one thread per connection, poll": poll}  # fmt: skip
    if peer_proc is not None:
        ports["socat (C, fork per connection), byte for byte"] = peer
    try:
        for label, make in (("pymemcache", pymemcache_get), ("raw socket", lambda port: RawMemcached(port).get)):
            table = Ratios(f"memcached GET, {label}, one connection", "the node directly")
            calls = {name: make(port) for name, port in ports.items()}
            for _ in range(rounds):
                table.add(rates(calls, ops))
            table.print()
    finally:
        lab_proc.kill()
        if peer_proc is not None:
            peer_proc.kill()


def node_port_of(client: redis.Redis) -> int:
    """The node's own port, as it sees this connection (through a relay, the relay's side)."""
    return int(re.search(r"laddr=[\d.]+:(\d+)", client.execute_command("CLIENT", "INFO").decode()).group(1))  # type: ignore[union-attr]


def valkey_tls(server: Server, rounds: int, ops: int) -> None:
    cache = server.serverless("bench-sl")
    ca = str(server.data / "elasticache" / "tls" / "ca.pem")
    endpoint = cache["Endpoint"]["Port"]
    through = redis.Redis(port=endpoint, ssl=True, ssl_ca_certs=ca)
    node = node_port_of(through)
    native = server.cluster("bench-tls", Engine="redis", EngineVersion="7.0", TransitEncryptionEnabled=True)
    plain = server.cluster("bench-plain", Engine="redis", EngineVersion="7.0")
    native_port, plain_port = native["CacheNodes"][0]["Endpoint"]["Port"], plain["CacheNodes"][0]["Endpoint"]["Port"]
    peer = free_port()
    tls_dir = server.data / "elasticache" / "tls"
    peer_proc = socat(f"OPENSSL-LISTEN:{peer},fork,reuseaddr,bind=127.0.0.1,nodelay,cert={tls_dir / 'server.pem'},"
                      f"key={tls_dir / 'server.key'},verify=0", f"TCP:127.0.0.1:{node},nodelay")  # fmt: skip
    lab_tls, lab_ssl, lab_join = free_port(), free_port(), free_port()
    lab_proc = subprocess.Popen([sys.executable, __file__, "--certs", str(tls_dir), "--lab",
                                 f"tls:{lab_tls}:{node},sslsocket:{lab_ssl}:{node},join:{lab_join}:{node}"],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE)  # fmt: skip
    assert lab_proc.stdout is not None
    lab_proc.stdout.readline()
    clients = {
        "valkey node plain": redis.Redis(port=node),
        "lab: the relay, plain (the hop alone)": redis.Redis(port=lab_join),
        "lab: the relay's TLS (MemoryBIO, safe)": redis.Redis(port=lab_tls, ssl=True, ssl_ca_certs=ca),
        "lab: SSLSocket in two threads (unsafe)": redis.Redis(port=lab_ssl, ssl=True, ssl_ca_certs=ca),
        "serverless TLS endpoint (Fogbank's relay)": through,
        "redis 7.0 native TLS (TransitEncryptionEnabled)": redis.Redis(port=native_port, ssl=True, ssl_ca_certs=ca),
        "redis 7.0 plain": redis.Redis(port=plain_port),
    }
    if peer_proc is not None:
        wait_port(peer)
        clients["socat terminating TLS before the valkey node"] = redis.Redis(port=peer, ssl=True, ssl_ca_certs=ca)
    try:
        for client in clients.values():
            client.set("k", "v")
        for base in ("valkey node plain", "redis 7.0 native TLS (TransitEncryptionEnabled)"):
            table = Ratios("valkey SET+GET, redis-py, one connection", base)
            for _ in range(rounds):
                table.add(rates({name: (lambda i, c=c: (c.set("k", i), c.get("k")))
                                 for name, c in clients.items()}, ops // 2))  # fmt: skip
            table.print()
        paths = {"valkey node plain": node, "serverless TLS endpoint (Fogbank's relay)": endpoint,
                 "redis 7.0 native TLS": native_port, "redis 7.0 plain": plain_port}  # fmt: skip
        if peer_proc is not None:
            paths["socat TLS before the valkey node"] = peer
        benchmark(rounds, ca, paths)
        benchmark(rounds, ca, paths, clients=50)  # many connections: a thread pair each, one GIL
    finally:
        lab_proc.kill()
        if peer_proc is not None:
            peer_proc.kill()


def benchmark(rounds: int, ca: str, ports: dict[str, int], clients: int = 1) -> None:
    """redis-benchmark (C) SET,GET at ``clients`` connections: the client's own time is least."""
    if shutil.which("redis-benchmark") is None:
        return
    tls = {"serverless TLS endpoint (Fogbank's relay)", "redis 7.0 native TLS", "socat TLS before the valkey node"}
    table = Ratios(f"SET,GET, redis-benchmark -c {clients} -n 20000 (mean of SET and GET)", "valkey node plain")
    for _ in range(rounds):
        found = {}
        for name, port in ports.items():
            args = ["redis-benchmark", "-p", str(port), "-c", str(clients), "-n", "20000", "-t", "set,get", "--csv"]
            if name in tls:
                args += ["--tls", "--cacert", ca]
            out = subprocess.run(args, capture_output=True, text=True, timeout=120).stdout
            values = [float(line.split(",")[1].strip('"')) for line in out.splitlines()[1:] if line.count(",") > 1]
            found[name] = statistics.mean(values) if values else float("nan")
        table.add(found)
    table.print()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--ops", type=int, default=3000)
    parser.add_argument("--lab")
    parser.add_argument("--certs")
    parser.add_argument("--only", choices=["memcached", "tls"])
    args = parser.parse_args()
    if args.lab:
        lab(args.lab, args.certs)
        return
    server = Server()
    try:
        if args.only in (None, "memcached"):
            memcached(server, args.rounds, args.ops)
        if args.only in (None, "tls"):
            valkey_tls(server, args.rounds, args.ops)
    finally:
        server.close()


if __name__ == "__main__":
    main()
