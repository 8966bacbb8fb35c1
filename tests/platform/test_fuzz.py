"""Thousands of model-generated, then broken, requests against a real ``fogbank up``: never a 500.

Deterministic (one seed) and bounded: about 4,600 requests plus four bodies over the 16 MiB limit, then
about 2,900 with query parameters nested under scalars, list items and map entries at every depth and a
null in every list and map of every JSON request, and odd, huge and unicode values of the headers that
route and sign a request (Authorization, X-Amz-Target, Content-Type, X-Amz-Date, Host). Every answer must
be a 2xx, a 4xx or the honest 501 NotImplemented; when the request named an operation, botocore must be
able to read the error out of the answer; and afterwards the server must still be healthy with no
traceback in its log.
"""

from __future__ import annotations

import http.client
import socket
import time
from collections import Counter

import botocore.parsers
import pytest
from botocore.awsrequest import HeadersDict
from fogproc import boto, start
from fuzzcases import Case, Fuzzer, oversize_cases

SEED = 20260101
MAX_BODY = 16 * 1024 * 1024


class Client:
    """One keep-alive connection; reopened when the server closes it."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.connection: http.client.HTTPConnection | None = None

    def send(self, case: Case) -> tuple[int, dict[str, str], bytes]:
        for attempt in range(2):
            if self.connection is None:
                self.connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
            try:
                headers = {k: _wire(v) for k, v in case.headers.items()}
                self.connection.request(case.method, case.path, body=case.body, headers=headers)
                response = self.connection.getresponse()
                body = response.read()
                if response.getheader("connection", "").lower() == "close":
                    self.close()
                return response.status, {k.lower(): v for k, v in response.getheaders()}, body
            except (TimeoutError, ConnectionError, http.client.HTTPException):
                self.close()
                if attempt:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


def _wire(value: str) -> bytes:
    """Header values as raw bytes: latin-1 when possible, else UTF-8 (as a sloppy client would)."""
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        return value.encode("utf-8")


def _readable_error(case: Case, status: int, headers: dict[str, str], body: bytes) -> str | None:
    """What is wrong with an error answer, seen from botocore, or None when it reads fine."""
    parser = botocore.parsers.create_parser(case.protocol)
    response = {"status_code": status, "headers": HeadersDict(headers), "body": body}
    try:
        parsed = parser.parse(response, case.operation.output_shape)
    except Exception as error:  # botocore itself choked on our answer
        return f"botocore could not parse: {error!r}"
    code = parsed.get("Error", {}).get("Code", "")
    if not code or code == str(status):
        return f"no error code in {body[:200]!r}"
    return None


def seed_resources(server) -> None:
    """A secret, a table and a subnet group to find: filters and lookups then run over real resources, and
    the services' state directories exist (a region too long for a file name failed only then)."""
    boto("secretsmanager", server.endpoint).create_secret(Name="fuzzed", SecretString="x")
    boto("dynamodb", server.endpoint).create_table(
        TableName="fuzzed",
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "pk", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    boto("rds", server.endpoint).create_db_subnet_group(
        DBSubnetGroupName="fuzzed", DBSubnetGroupDescription="d", SubnetIds=["subnet-1234abcd", "subnet-2234abcd"]
    )


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory):
    running = start(tmp_path_factory.mktemp("fuzz") / "fogbank.log", "--ephemeral")
    seed_resources(running)
    yield running
    running.stop()


def test_fuzz_never_answers_500(server) -> None:
    cases = [*Fuzzer(SEED).all_cases(), *oversize_cases(MAX_BODY)]
    assert len(cases) > 2500
    assert sum(case.label.startswith("header ") for case in cases) > 100
    statuses = _send_all(server, cases)
    assert statuses[413] >= 4


def test_fuzz_nested_query_members_and_nulls_in_json_lists(server) -> None:
    """Sub-members under every query parameter (scalars, list items, map entries, at every depth) and a null
    in every list and map of every JSON request: each a 4xx (a refused null is always a 400), never a 500."""
    cases = list(Fuzzer(SEED).member_cases())
    labels = Counter(case.label.split(" ")[1] for case in cases)
    assert labels["nested"] > 800 and labels["null-in"] > 800 and labels["nested-required"] > 100, labels
    _send_all(server, cases)


def _send_all(server, cases: list[Case], budget: float = 60) -> Counter[int]:
    """Send every case; fail on a 5xx (but 501), an unexpected status or an error botocore cannot read."""
    started = time.monotonic()
    client = Client(server.port)
    statuses: Counter[int] = Counter()
    problems: list[str] = []
    for case in cases:
        status, headers, body = client.send(case)
        statuses[status] += 1
        if status >= 500 and status != 501:
            problems.append(f"{case.label}: {status} {body[:300]!r}")
        elif case.expect and status not in case.expect:
            problems.append(f"{case.label}: expected {sorted(case.expect)}, got {status} {body[:300]!r}")
        elif status >= 400 and case.protocol and case.operation is not None and case.method != "HEAD":
            unreadable = _readable_error(case, status, headers, body)
            if unreadable:
                problems.append(f"{case.label}: {status} {unreadable}")
        assert time.monotonic() - started < budget, f"fuzzing took too long; answers so far: {dict(statuses)}"
    client.close()
    assert not problems, f"{len(problems)} bad answers, e.g.:\n" + "\n".join(problems[:15])
    assert server.health()["status"] == "running"
    assert server.process.poll() is None
    log = server.output()
    assert "Traceback" not in log and "internal error" not in log, log[-3000:]
    return statuses


def test_broken_connections_do_not_hurt_the_server(server) -> None:
    """Half-sent bodies, garbage request lines, pipelining: the server answers or closes, and lives."""
    raw = [
        b'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"a":',  # body shorter than announced
        b"GARBAGE\r\n\r\n",
        b"GET / HTTP/9.9\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nZZ\r\n",  # bad chunk
        b"GET /_fogbank/health HTTP/1.1\r\nHost: x\r\n\r\nGET /_fogbank/health HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -1\r\n\r\n",
        b"\x00\xff" * 100,
    ]
    for payload in raw:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
            sock.sendall(payload)
            sock.shutdown(socket.SHUT_WR)
            try:
                while sock.recv(65536):
                    pass
            except (ConnectionError, TimeoutError):
                pass
    assert server.health()["status"] == "running"
    assert "Traceback" not in server.output()
