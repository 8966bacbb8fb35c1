"""Fogbank's forwarders on the data path (``fogbank.managed.relay``), through real clients: Memcached's
configuration endpoint answers auto-discovery at any point of any connection and passes every other
command on unchanged; a serverless cache's TLS endpoint carries both directions at once."""

from __future__ import annotations

import random
import socket
import struct
import threading
import time
from typing import Any

import redis

from tests.elasticache.test_serverless import ca_file, wait_cache


def _read_until(conn: socket.socket, end: bytes, start: bytes = b"") -> bytes:
    data = start
    while not data.endswith(end):
        chunk = conn.recv(65536)
        assert chunk, data
        data += chunk
    return data


def test_discovery_is_answered_at_any_point_and_everything_else_reaches_node_0001(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("fwd-mc", "memcached", nodes=2)
    config = found["ConfigurationEndpoint"]
    ports = [n["Endpoint"]["Port"] for n in found["CacheNodes"]]
    with socket.create_connection((config["Address"], config["Port"])) as conn:
        # A data connection first; auto-discovery later on it is still answered by Fogbank.
        conn.sendall(b"set k 0 0 5\r\nhello\r\n")
        assert _read_until(conn, b"\r\n") == b"STORED\r\n"
        conn.sendall(b"config get cluster\r\n")
        reply = _read_until(conn, b"END\r\n")
        assert reply.startswith(b"CONFIG cluster 0 ") and b"|127.0.0.1|" in reply
        assert [int(e.split(b"|")[2]) for e in reply.split(b"\n")[2].split(b" ")] == ports
        # A value that reads like a discovery command is data: stored, not answered.
        value = b"config get cluster"
        conn.sendall(b"set trick 0 0 %d\r\n%s\r\nget trick\r\n" % (len(value), value))
        assert _read_until(conn, b"END\r\n") == b"STORED\r\nVALUE trick 0 %d\r\n%s\r\nEND\r\n" % (len(value), value)
        # Meta commands carry their data block too.
        data = b"get AmazonElastiCache:cluster"
        conn.sendall(b"ms meta %d T0\r\n%s\r\nmg meta v\r\n" % (len(data), data))
        assert _read_until(conn, data + b"\r\n") == b"HD\r\nVA %d\r\n%s\r\n" % (len(data), data)
        # A command split over many sends, byte by byte, and the legacy key.
        for byte in b"get AmazonElastiCache:cluster\r\n":
            conn.sendall(bytes([byte]))
        legacy = _read_until(conn, b"END\r\n")
        assert legacy.startswith(b"VALUE AmazonElastiCache:cluster 0 ") and b"|127.0.0.1|" in legacy
        # Other config subcommands are unknown, as on a memcached without them.
        conn.sendall(b"config set x\r\nget k\r\n")
        assert _read_until(conn, b"END\r\n") == b"ERROR\r\nVALUE k 0 5\r\nhello\r\nEND\r\n"
    direct = socket.create_connection(("127.0.0.1", ports[0]))
    direct.sendall(b"get k trick\r\n")
    assert _read_until(direct, b"END\r\n").count(b"VALUE") == 2  # they are on node 0001
    direct.close()


def _script(rng: random.Random, prefix: bytes, discovery: bool) -> bytes:
    """A random pipeline of storage, retrieval and meta commands on ``prefix``'s keys, with values that read
    like commands, and ``config get cluster`` among them; it ends with ``mn`` (answered ``MN``)."""
    pieces = [b"config get cluster\r\n", b"get AmazonElastiCache:cluster\r\n", b"\r\n", b"\n", b"set x 0 0 3\r\n",
              b"ms q 2 T0\r\n", b"\x80", b"EN O"]  # fmt: skip

    def value() -> bytes:
        while True:
            found = b"".join(rng.choice([*pieces, rng.randbytes(rng.randrange(9))]) for _ in range(rng.randrange(5)))
            if not any(word in found for word in (b"MN", b"ERROR", b":k")):
                return found

    out = [b"set %s:c 0 0 1\r\n0\r\n" % prefix]
    for _ in range(300):
        key, data = b"%s:k%d" % (prefix, rng.randrange(8)), value()
        out.append(rng.choice([
            b"set %s 0 0 %d\r\n%s\r\n" % (key, len(data), data), b"get %s\r\n" % key, b"gat 0 %s\r\n" % key,
            b"ms %s %d T0\r\n%s\r\n" % (key, len(data), data), b"mg %s v\r\n" % key, b"delete %s\r\n" % key,
            b"incr %s:c 1\r\n" % prefix, b"config get cluster\r\n" if discovery else b"version\r\n",
        ]))  # fmt: skip
    return b"".join(out) + b"mn\r\n"


def test_random_pipelines_split_anywhere_are_answered_in_order(ec: Any, make_cluster: Any) -> None:
    """Fuzz: a random pipeline sent through the configuration endpoint in pieces cut anywhere gets the bytes the
    node gives for the same pipeline sent directly, with each ``config get cluster`` answered in its place."""
    found = make_cluster("fwd-fuzz", "memcached")
    config, node = found["ConfigurationEndpoint"], found["CacheNodes"][0]["Endpoint"]["Port"]
    with socket.create_connection((config["Address"], config["Port"])) as conn:
        conn.sendall(b"config get cluster\r\n")
        discovery = _read_until(conn, b"END\r\n")
    version = socket.create_connection(("127.0.0.1", node))
    version.sendall(b"version\r\n")
    version_line = _read_until(version, b"\r\n")
    version.close()
    for seed in range(3):
        rng = random.Random(seed)
        direct_script = _script(random.Random(seed), b"a", discovery=False)
        through_script = _script(random.Random(seed), b"b", discovery=True)
        with socket.create_connection(("127.0.0.1", node)) as conn:
            conn.sendall(direct_script)
            expected = _read_until(conn, b"MN\r\n").replace(version_line, discovery).replace(b"a:k", b"b:k")
        with socket.create_connection((config["Address"], config["Port"])) as conn:
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            at = 0
            while at < len(through_script):
                size = rng.choice([1, 2, 5, 17, 60, 400])
                conn.sendall(through_script[at : at + size])
                at += size
                if rng.random() < 0.05:
                    time.sleep(0.002)  # a pause: the next piece arrives on its own
            got = b""
            while len(got) < len(expected):
                chunk = conn.recv(65536)
                assert chunk, (got, expected)
                got += chunk
        assert got == expected


def test_large_values_and_pipelines_pass_through_whole(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("fwd-big", "memcached")
    config = found["ConfigurationEndpoint"]
    value = bytes(range(256)) * 2048  # 512 KiB (below the 1 MiB item limit), with every byte value
    with socket.create_connection((config["Address"], config["Port"])) as conn:
        conn.sendall(b"set big 0 0 %d\r\n%s\r\n" % (len(value), value))
        assert _read_until(conn, b"\r\n") == b"STORED\r\n"
        conn.sendall(b"".join(b"set p%d 0 0 1\r\n%d\r\n" % (i, i % 10) for i in range(2000)))
        assert _read_until(conn, b"STORED\r\n" * 2000) == b"STORED\r\n" * 2000
        conn.sendall(b"get big\r\n")
        reply = _read_until(conn, b"\r\nEND\r\n")
        assert reply == b"VALUE big 0 %d\r\n%s\r\nEND\r\n" % (len(value), value)


def test_the_binary_protocol_is_passed_on_as_it_is(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("fwd-bin", "memcached")
    config = found["ConfigurationEndpoint"]
    with socket.create_connection((config["Address"], config["Port"])) as conn:
        conn.sendall(struct.pack(">BBHBBHIIQ", 0x80, 0x0B, 0, 0, 0, 0, 0, 7, 0))  # Version, opaque 7
        head = b""
        while len(head) < 24:
            head += conn.recv(24 - len(head))
        magic, opcode, _, _, _, status, length, opaque, _ = struct.unpack(">BBHBBHIIQ", head)
        assert (magic, opcode, status, opaque) == (0x81, 0x0B, 0, 7)
        body = b""
        while len(body) < length:
            body += conn.recv(length - len(body))
        assert body.startswith(b"1.6")


def test_the_tls_endpoint_carries_both_directions_at_once(ec: Any) -> None:
    """A pipeline bigger than the sockets' buffers: its answers come back while it is still being sent
    (the TLS relay reads and writes one connection from two threads), and many clients at once."""
    ec.create_serverless_cache(ServerlessCacheName="fwd-tls", Engine="valkey")
    endpoint = wait_cache(ec, "fwd-tls")["Endpoint"]
    ca = ca_file(ec, "fwd-tls")
    client = redis.Redis(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca)
    value = b"v" * 20000
    pipe = client.pipeline(transaction=False)
    for i in range(1000):
        pipe.set(f"{{t}}k{i}", value)
        pipe.get(f"{{t}}k{i}")
    answers = pipe.execute()
    assert answers[1::2] == [value] * 1000

    failures: list[BaseException] = []

    def work(n: int) -> None:
        try:
            mine = redis.Redis(host=endpoint["Address"], port=endpoint["Port"], ssl=True, ssl_ca_certs=ca)
            for i in range(100):
                mine.set(f"{{t}}c{n}", i)
                assert mine.get(f"{{t}}c{n}") == str(i).encode()
            mine.close()
        except BaseException as error:
            failures.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures, failures
    client.close()


def test_relay_timeouts_and_tls_endings(ec: Any, make_cluster: Any, tmp_path: Any) -> None:
    """The relay's timeout bounds connecting and the TLS handshake, never a quiet connection; a TLS
    connection the engine ends gets TLS's own ending."""
    import time

    from fogbank.managed.relay import Relay
    from fogbank.services.elasticache import tls

    node = make_cluster("fwd-idle", "memcached")["CacheNodes"][0]["Endpoint"]["Port"]
    plain = Relay("127.0.0.1", 0, lambda: ("127.0.0.1", node), timeout=0.2)
    secure = Relay("127.0.0.1", 0, lambda: ("127.0.0.1", node), timeout=0.2, tls=tls.server_context(tmp_path))
    try:
        with socket.create_connection(("127.0.0.1", plain.port)) as conn:
            time.sleep(0.6)
            conn.sendall(b"version\r\n")
            assert _read_until(conn, b"\r\n").startswith(b"VERSION 1.6")
        with socket.create_connection(("127.0.0.1", secure.port)) as conn:
            conn.settimeout(5)
            started = time.monotonic()
            assert conn.recv(100) == b""  # no ClientHello within the timeout: closed
            assert time.monotonic() - started < 3
        # The node ends the connection (quit): the TLS client gets a close_notify, not a cut connection.
        raw = socket.create_connection(("127.0.0.1", secure.port))
        with tls.client_context(tmp_path).wrap_socket(raw, server_hostname="127.0.0.1",
                                                      suppress_ragged_eofs=False) as conn:  # fmt: skip
            conn.sendall(b"version\r\nquit\r\n")
            assert _read_until(conn, b"\r\n").startswith(b"VERSION 1.6")  # type: ignore[arg-type]
            assert conn.recv(100) == b""  # a ragged end would raise SSLEOFError
    finally:
        plain.close()
        secure.close()
