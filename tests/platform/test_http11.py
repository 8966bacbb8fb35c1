"""Fogbank's HTTP/1.1 server on the wire, through raw sockets: what clients other than botocore
(curl, browsers, wrk, SDKs that pipeline or send chunked bodies) may do to it."""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlparse

import pytest

from tests.platform.wire import SlowGateway, Wire, run_server

AUTH = "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/{}/aws4_request, SignedHeaders=host, Signature=" + "0" * 64


def dynamodb(target: str, body: bytes, extra: str = "") -> bytes:
    head = (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n"
        f"X-Amz-Target: DynamoDB_20120810.{target}\r\nAuthorization: {AUTH.format('dynamodb')}\r\n{extra}"
    )
    return f"{head}Content-Length: {len(body)}\r\n\r\n".encode() + body


def sts_identity() -> bytes:
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    return (
        f"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-www-form-urlencoded\r\n"
        f"Authorization: {AUTH.format('sts')}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


HEALTH = b"GET /_fogbank/health HTTP/1.1\r\nHost: localhost\r\n\r\n"


@pytest.fixture
def wire(fogbank_endpoint: str) -> Iterator[Wire]:
    connection = Wire(urlparse(fogbank_endpoint).port or 80)
    yield connection
    connection.close()


@pytest.fixture
def port(fogbank_endpoint: str) -> int:
    return urlparse(fogbank_endpoint).port or 80


def test_pipelined_requests_are_answered_in_order(wire: Wire) -> None:
    # STS runs on the thread pool, DynamoDB inline, health on the loop: the answers still keep order.
    wire.send(sts_identity() + dynamodb("DescribeLimits", b"{}") + HEALTH + sts_identity() + HEALTH)
    answers = [wire.read_response() for _ in range(5)]
    assert [status for status, _, _ in answers] == [200] * 5
    assert b"GetCallerIdentityResponse" in answers[0][2]
    assert b"AccountMaxReadCapacityUnits" in answers[1][2]
    assert json.loads(answers[2][2])["status"] == "running"
    assert b"GetCallerIdentityResponse" in answers[3][2]
    assert json.loads(answers[4][2])["status"] == "running"


def test_keep_alive_across_many_requests(wire: Wire) -> None:
    for i in range(300):
        wire.send(dynamodb("DescribeLimits", b"{}") if i % 2 else HEALTH)
        status, headers, _ = wire.read_response()
        assert status == 200
        assert "connection" not in headers


def test_chunked_request_body(wire: Wire) -> None:
    body = json.dumps({"Limit": 5}).encode()
    head = dynamodb("ListTables", b"").split(b"Content-Length")[0] + b"Transfer-Encoding: chunked\r\n\r\n"
    chunks = b"".join(b"%x\r\n%s\r\n" % (len(body[i : i + 3]), body[i : i + 3]) for i in range(0, len(body), 3))
    wire.send(head + chunks[:7])
    time.sleep(0.05)  # the body arrives in pieces
    wire.send(chunks[7:] + b"0\r\n\r\n")
    status, _, answer = wire.read_response()
    assert status == 200 and "TableNames" in json.loads(answer)


def test_expect_100_continue(wire: Wire) -> None:
    request = dynamodb("DescribeLimits", b"{}", extra="Expect: 100-continue\r\n")
    head, _, body = request.partition(b"\r\n\r\n")
    wire.send(head + b"\r\n\r\n")
    assert wire.read_head() == (100, {})
    wire.send(body)
    status, _, answer = wire.read_response()
    assert status == 200 and b"AccountMaxReadCapacityUnits" in answer


def test_malformed_request_is_a_400_and_closes(wire: Wire) -> None:
    wire.send(HEALTH + b"NOT HTTP AT ALL\r\n\r\n")
    assert wire.read_response()[0] == 200  # what came before the garbage is still answered
    status, headers, body = wire.read_response()
    assert (status, headers["connection"], body) == (400, "close", b"Bad Request")
    assert wire.closed_by_peer()


def test_head_has_the_length_but_no_body(wire: Wire) -> None:
    wire.send(b"HEAD /console/ HTTP/1.1\r\nHost: localhost\r\n\r\n")  # 503 with a page when the console is not built
    status, headers, body = wire.read_response(head=True)
    assert status in (200, 503) and int(headers["content-length"]) > 0 and body == b""
    wire.send(HEALTH)  # nothing of a body was left on the wire
    status, headers, body = wire.read_response()
    assert status == 200 and len(body) == int(headers["content-length"])


def test_connection_close_and_http_1_0(port: int) -> None:
    for request in (
        b"GET /_fogbank/health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
        b"GET /_fogbank/health HTTP/1.0\r\n\r\n",
    ):
        wire = Wire(port)
        wire.send(request + HEALTH)  # the request after the close is not answered
        status, headers, _ = wire.read_response()
        assert (status, headers["connection"]) == (200, "close")
        assert wire.closed_by_peer()
        wire.close()
    wire = Wire(port)  # HTTP/1.0 keep-alive is honoured
    wire.send(b"GET /_fogbank/health HTTP/1.0\r\nConnection: keep-alive\r\n\r\n" + HEALTH)
    assert [wire.read_response()[0] for _ in range(2)] == [200, 200]
    wire.close()


def test_oversize_body_is_drained_and_answered_413_in_the_protocols_shape(wire: Wire) -> None:
    body = b"x" * (16 * 1024 * 1024 + 1)
    wire.send(dynamodb("PutItem", body))
    status, headers, answer = wire.read_response()
    assert status == 413
    assert headers["content-type"] == "application/x-amz-json-1.0"
    assert json.loads(answer)["__type"].endswith("RequestEntityTooLargeException")
    wire.send(HEALTH)  # the connection is still in step
    assert wire.read_response()[0] == 200


def test_client_leaving_mid_body_or_mid_call_does_not_hurt(port: int) -> None:
    wire = Wire(port)
    wire.send(dynamodb("DescribeLimits", b"{}").replace(b"Content-Length: 2", b"Content-Length: 1000")[:-1])
    wire.close()
    wire = Wire(port)
    wire.send(sts_identity() * 3)  # gone before the thread pool answers
    wire.close()
    wire = Wire(port)
    wire.send(HEALTH)
    assert wire.read_response()[0] == 200
    wire.close()


def test_large_response_to_a_slow_reader(client, port: int) -> None:
    dynamodb_client = client("dynamodb")
    dynamodb_client.create_table(
        TableName="big",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    for i in range(4):
        dynamodb_client.put_item(TableName="big", Item={"k": {"S": str(i)}, "v": {"S": "v" * 350_000}})
    wire = Wire(port)
    wire.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 32768)
    # Eight 1 MB pages outgrow the kernel's socket buffers: the server must pause, then resume as we read.
    wire.send(dynamodb("Scan", b'{"TableName": "big"}') * 8)
    time.sleep(0.3)
    for _ in range(8):
        status, _, answer = wire.read_response()
        assert status == 200
        assert len(answer) > 1_000_000 and json.loads(answer)["Count"] == 3
    wire.send(HEALTH)
    assert wire.read_response()[0] == 200
    wire.close()


def test_cors_preflight_of_a_foreign_origin_is_refused(wire: Wire) -> None:
    # Any origin used to be reflected; now only the console's own and --cors-origins are
    # (tests/platform/test_browser_security.py has the allowed case).
    wire.send(
        b"OPTIONS / HTTP/1.1\r\nHost: localhost\r\nOrigin: http://app.test\r\n"
        b"Access-Control-Request-Method: POST\r\nAccess-Control-Request-Headers: x-amz-target\r\n\r\n"
    )
    status, headers, _ = wire.read_response()
    assert status == 403
    assert "access-control-allow-origin" not in headers


# -- the server's own lifecycle, with a stand-in gateway (tests/platform/wire.py) -----------------


def test_idle_keep_alive_connections_are_closed() -> None:
    def scenario(port: int, shutdown) -> None:
        wire = Wire(port)
        wire.send(b"GET / HTTP/1.1\r\n\r\n")
        assert wire.read_response()[2] == b"done"
        started = time.monotonic()
        assert wire.closed_by_peer()
        assert 0.2 < time.monotonic() - started < 3
        shutdown()

    run_server(SlowGateway(0), keep_alive=0.5, scenario=scenario)


def test_graceful_shutdown_finishes_requests_in_flight() -> None:
    gateway = SlowGateway(0.3)

    def scenario(port: int, shutdown) -> None:
        busy, idle = Wire(port), Wire(port)
        busy.send(b"POST / HTTP/1.1\r\nContent-Length: 2\r\n\r\n{}")
        time.sleep(0.05)
        done = threading.Thread(target=shutdown)
        done.start()
        status, headers, body = busy.read_response()
        assert (status, body, headers["connection"]) == (200, b"done", "close")
        assert busy.closed_by_peer() and idle.closed_by_peer()
        done.join(10)
        with pytest.raises(OSError):
            Wire(port)  # no longer accepting
        assert gateway.closed

    run_server(gateway, keep_alive=30, scenario=scenario)
