"""The HTTP server's limits, as AWS's front ends have them: request line and header sizes, slow
clients, idle connections past capacity, running out of file descriptors."""

from __future__ import annotations

import logging
import resource
import socket
import time

import pytest

from fogbank.gateway.http11 import MAX_HEADERS, MAX_REQUEST_LINE
from tests.platform.wire import SlowGateway, Wire, run_server

GET = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"


def answer(wire: Wire) -> tuple[int, bytes]:
    status, _, body = wire.read_response()
    return status, body


def test_a_request_line_over_16k_is_414() -> None:
    def scenario(port: int, shutdown) -> None:
        wire = Wire(port)
        wire.send(b"GET /" + b"a" * MAX_REQUEST_LINE + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert answer(wire)[0] == 414 and wire.closed_by_peer()
        wire = Wire(port)
        wire.send(b"GET /" + b"a" * (MAX_REQUEST_LINE - 100) + b" HTTP/1.1\r\nHost: localhost\r\n\r\n")
        assert answer(wire) == (200, b"done")
        shutdown()

    run_server(SlowGateway(0), keep_alive=30, scenario=scenario)


@pytest.mark.parametrize(
    "headers",
    [
        b"X-Big: " + b"b" * (16 * 1024) + b"\r\n",  # one header over 16K
        b"".join(b"X-H%d: %s\r\n" % (i, b"v" * 1000) for i in range(70)),  # 70K in all
    ],
    ids=["one-header", "all-headers"],
)
def test_headers_over_the_limits_are_431(headers: bytes) -> None:
    def scenario(port: int, shutdown) -> None:
        wire = Wire(port)
        wire.send(b"GET / HTTP/1.1\r\nHost: localhost\r\n" + headers + b"\r\n")
        assert answer(wire)[0] == 431 and wire.closed_by_peer()
        shutdown()

    run_server(SlowGateway(0), keep_alive=30, scenario=scenario)


def test_a_64_mb_header_is_refused_before_it_is_read() -> None:
    def scenario(port: int, shutdown) -> None:
        wire = Wire(port)
        wire.send(b"GET / HTTP/1.1\r\nHost: localhost\r\nX-Huge: ")
        sent = 0
        chunk = b"h" * 65536
        with pytest.raises(OSError):  # the server answers and closes long before 64 MB
            while sent < 64 * 1024 * 1024:
                wire.sock.sendall(chunk)
                sent += len(chunk)
        assert sent < 8 * 1024 * 1024
        assert answer(wire)[0] == 431
        fresh = Wire(port)
        fresh.send(GET)
        assert answer(fresh) == (200, b"done")
        shutdown()

    run_server(SlowGateway(0), keep_alive=30, scenario=scenario)


def test_pipelined_small_requests_are_not_mistaken_for_a_large_head() -> None:
    def scenario(port: int, shutdown) -> None:
        wire = Wire(port)
        count = (MAX_REQUEST_LINE + MAX_HEADERS) // len(GET) + 50  # more bytes than one head may have
        wire.send(GET * count)
        assert [answer(wire)[0] for _ in range(count)] == [200] * count
        shutdown()

    run_server(SlowGateway(0), keep_alive=30, scenario=scenario)


def test_slow_headers_get_408_at_the_header_deadline() -> None:
    def scenario(port: int, shutdown) -> None:
        wire = Wire(port)
        started = time.monotonic()
        wire.send(b"GET / HTTP/1.1\r\n")
        for _ in range(10):  # a slow-loris: a byte now and then keeps it "active", not alive
            time.sleep(0.1)
            try:
                wire.send(b"X")
            except OSError:
                break
        assert answer(wire)[0] == 408
        assert 0.4 < time.monotonic() - started < 3
        assert wire.closed_by_peer()
        shutdown()

    run_server(SlowGateway(0), keep_alive=30, scenario=scenario, header_timeout=0.5)


def test_a_stalled_body_gets_408() -> None:
    def scenario(port: int, shutdown) -> None:
        wire = Wire(port)
        wire.send(GET)  # an answered request first: it is not affected
        assert answer(wire) == (200, b"done")
        wire.send(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n{")
        started = time.monotonic()
        assert answer(wire)[0] == 408
        assert 0.4 < time.monotonic() - started < 3
        shutdown()

    run_server(SlowGateway(0), keep_alive=30, scenario=scenario, body_timeout=0.5)


def test_a_body_that_keeps_coming_is_not_cut() -> None:
    def scenario(port: int, shutdown) -> None:
        wire = Wire(port)
        wire.send(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 8\r\n\r\n")
        for _ in range(8):
            time.sleep(0.15)
            wire.send(b"x")
        assert answer(wire) == (200, b"done")
        shutdown()

    run_server(SlowGateway(0), keep_alive=30, scenario=scenario, body_timeout=0.5, header_timeout=0.5)


def test_idle_connections_make_room_past_capacity() -> None:
    def scenario(port: int, shutdown) -> None:
        idle = []
        for _ in range(4):
            wire = Wire(port)
            wire.send(GET)
            assert answer(wire)[0] == 200
            idle.append(wire)
            time.sleep(0.02)
        newcomer = Wire(port)  # the fifth: the longest-idle one is closed for it
        newcomer.send(GET)
        assert answer(newcomer) == (200, b"done")
        assert idle[0].closed_by_peer()
        idle[3].send(GET)
        assert answer(idle[3]) == (200, b"done")
        shutdown()

    run_server(SlowGateway(0), keep_alive=30, scenario=scenario, max_connections=4)


def test_out_of_file_descriptors_sheds_without_spinning(caplog: pytest.LogCaptureFixture) -> None:
    """Before: the listener stayed readable and accept() failed with EMFILE in a loop (134 MB of log
    in 21 s). Now a reserved descriptor accepts and closes the newcomer, and one line is logged."""

    def scenario(port: int, shutdown) -> None:
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        held: list[socket.socket] = []
        probe = socket.socket()
        try:
            import os

            used = len(os.listdir("/proc/self/fd"))
            resource.setrlimit(resource.RLIMIT_NOFILE, (used + 40, hard))
            for _ in range(60):  # each takes a descriptor here and one in the server (same process)
                try:
                    held.append(socket.create_connection(("127.0.0.1", port), timeout=2))
                except OSError:
                    break
            time.sleep(1.0)
        finally:
            resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
            probe.close()
        starving = [r for r in caplog.records if "file descriptors" in r.getMessage()]
        assert 1 <= len(starving) <= 3, len(caplog.records)
        assert len([r for r in caplog.records if r.name == "fogbank.http"]) < 20
        for sock in held:
            sock.close()
        time.sleep(0.2)
        wire = Wire(port)
        wire.send(GET)
        assert answer(wire) == (200, b"done")
        shutdown()

    caplog.set_level(logging.INFO, logger="fogbank.http")
    run_server(SlowGateway(0), keep_alive=30, scenario=scenario, max_connections=10_000)
