"""DynamoDB benchmark: Fogbank against moto's server and dynalite, same requests, same load generator.

    python bench/dynamodb.py [--duration 5] [--rounds 3] [--connections 16] [--items 10000]
                             [--targets fogbank,fogbank-1,moto,dynalite]

Every server is started on a free loopback port and loaded with the same table and items through boto3;
then each operation (GetItem and PutItem of random keys, a Query returning 100 items, a Scan page of 100
items) is driven by wrk (16 connections, 2 threads) on each server in turn, for several rounds, and each
server keeps its median round. It prints requests/s, p50 and p99 per operation and server, and the ratio
Fogbank/peer. Every request is checked: a non-2xx answer is reported.
Traffic stays on 127.0.0.1 and every run is bounded by --duration.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from botocore.config import Config as BotoConfig

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
TABLE = "bench"
HOT_PARTITION_ITEMS = 1000
AUTH = (
    "AWS4-HMAC-SHA256 Credential=test/20250101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + "0" * 64
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    name: str
    command: list[str]
    port: int
    env: dict[str, str] = field(default_factory=dict)
    process: subprocess.Popen | None = None

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, log: Path) -> None:
        handle = log.open("wb")
        self.process = subprocess.Popen(
            self.command, stdout=handle, stderr=subprocess.STDOUT, env={**os.environ, **self.env}, cwd=ROOT
        )
        handle.close()
        deadline = time.monotonic() + 60
        client = dynamodb(self.endpoint)
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.name} exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                client.list_tables()
                return
            except Exception:
                time.sleep(0.2)
        raise TimeoutError(f"{self.name} did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def own_fogbank(workdir: Path) -> Server:
    """A started ``fogbank up`` (its default configuration) on a free port with its data in ``workdir``."""
    port = free_port()
    server = Server(
        "fogbank",
        [sys.executable, "-m", "fogbank", "up", "--quiet", "--data-dir", str(workdir / "data"), "--port", str(port)],
        port,
    )
    server.start(workdir / "fogbank.log")
    return server


def dynamodb(endpoint: str):
    return boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=BotoConfig(retries={"max_attempts": 3}),
    )


def servers(data_dir: Path, wanted: list[str]) -> list[Server]:
    dynalite = HERE / "node_modules" / "dynalite" / "cli.js"
    available = {
        "fogbank": Server(
            "fogbank",
            # --quiet: no line per request, as dynalite logs none (the log costs a GetItem ~7%).
            [sys.executable, "-m", "fogbank", "up", "--quiet", "--data-dir", str(data_dir / "fogbank")],
            free_port(),
        ),
        # One process only (no workers): what a single core gives, like dynalite's one Node.js thread.
        "fogbank-1": Server(
            "fogbank-1",
            [
                sys.executable,
                "-m",
                "fogbank",
                "up",
                "--quiet",
                "--data-dir",
                str(data_dir / "fogbank-1"),
                "--workers",
                "1",
            ],
            free_port(),
        ),
        "moto": Server("moto", [sys.executable, "-m", "moto.server", "-H", "127.0.0.1"], free_port()),
        "dynalite": Server("dynalite", ["node", str(dynalite)], free_port()),
    }
    chosen = []
    for name in wanted:
        server = available[name]
        server.command += ["--port", str(server.port)] if name != "moto" else ["-p", str(server.port)]
        chosen.append(server)
    return chosen


def load(endpoint: str, items: int) -> None:
    """The same table and items on every server: ``items`` single items plus one partition of 1000."""
    client = dynamodb(endpoint)
    client.create_table(
        TableName=TABLE,
        KeySchema=[{"AttributeName": "pk", "KeyType": "HASH"}, {"AttributeName": "sk", "KeyType": "RANGE"}],
        AttributeDefinitions=[
            {"AttributeName": "pk", "AttributeType": "S"},
            {"AttributeName": "sk", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    client.get_waiter("table_exists").wait(TableName=TABLE, WaiterConfig={"Delay": 1})

    def entry(pk: str, sk: str, n: int) -> dict:
        return {
            "pk": {"S": pk},
            "sk": {"S": sk},
            "name": {"S": f"user-{n}"},
            "score": {"N": str(n * 7 % 1000)},
            "tags": {"SS": ["a", "b"]},
            "profile": {"M": {"city": {"S": "Lisbon"}, "visits": {"N": str(n)}}},
            "pad": {"S": "x" * 100},
        }

    batch: list[dict] = []

    def flush() -> None:
        request = {TABLE: [{"PutRequest": {"Item": item}} for item in batch]}
        while request:
            request = client.batch_write_item(RequestItems=request).get("UnprocessedItems") or {}
        batch.clear()

    for i in range(items):
        batch.append(entry(f"user{i}", "profile", i))
        if len(batch) == 25:
            flush()
    for i in range(HOT_PARTITION_ITEMS):
        batch.append(entry("hot", f"{i:05d}", i))
        if len(batch) == 25:
            flush()
    if batch:
        flush()


LUA = """
local target = "DynamoDB_20120810.%(operation)s"
local items = %(items)d
local put_counter = 0
request = function()
  local body
  local i = math.random(0, items - 1)
  %(body)s
  return wrk.format("POST", "/", {
    ["Content-Type"] = "application/x-amz-json-1.0",
    ["X-Amz-Target"] = target,
    ["X-Amz-Date"] = "20250101T000000Z",
    ["Authorization"] = "%(auth)s",
  }, body)
end
"""

BODIES = {
    "GetItem": 'body = \'{"TableName":"bench","Key":{"pk":{"S":"user\' .. i .. \'"},"sk":{"S":"profile"}}}\'',
    "PutItem": (
        "put_counter = put_counter + 1\n"
        '  body = \'{"TableName":"bench","Item":{"pk":{"S":"user\' .. i .. \'"},"sk":{"S":"profile"},'
        '"name":{"S":"user-\' .. i .. \'"},"score":{"N":"\' .. put_counter .. \'"},"tags":{"SS":["a","b"]},'
        '"profile":{"M":{"city":{"S":"Porto"},"visits":{"N":"1"}}},"pad":{"S":"' + "y" * 100 + "\"}}}'"
    ),
    "Query": (
        'body = \'{"TableName":"bench","KeyConditionExpression":"pk = :p","ExpressionAttributeValues":'
        '{":p":{"S":"hot"}},"Limit":100}\''
    ),
    "Scan": 'body = \'{"TableName":"bench","Limit":100}\'',
}
OPERATIONS = {"GetItem": "GetItem", "PutItem": "PutItem", "Query 100": "Query", "Scan page": "Scan"}


@dataclass
class Result:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    requests: int = 0
    cpu_us: float = 0.0  # server CPU time per request: comparable even on a busy machine


def cpu_seconds(pid: int) -> float:
    """User + system CPU time so far of a process and every process below it (Fogbank's workers),
    including children already waited for (Linux /proc)."""
    ticks = 0
    for process in _tree(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue
        ticks += sum(int(value) for value in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / os.sysconf("SC_CLK_TCK")


def _tree(pid: int) -> list[int]:
    found = [pid]
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except FileNotFoundError:
        return found
    for task in tasks:
        try:
            children = Path(f"/proc/{pid}/task/{task}/children").read_text().split()
        except FileNotFoundError:
            continue
        for child in children:
            found += _tree(int(child))
    return found


def parse_latency(text: str) -> float:
    match = re.match(r"([\d.]+)(us|ms|s)", text)
    if not match:
        return float("nan")
    value, unit = float(match.group(1)), match.group(2)
    return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value


def run_wrk(
    endpoint: str, operation: str, items: int, duration: int, connections: int, workdir: Path, target: str = ""
) -> Result:
    """``operation`` names the body in BODIES; ``target`` the API operation when it differs from that name."""
    script = workdir / f"{operation}.lua"
    body = BODIES[operation]
    script.write_text(LUA % {"operation": target or operation, "items": items, "body": body, "auth": AUTH})
    command = ["wrk", "-t2", f"-c{connections}", f"-d{duration}s", "--latency", "-s", str(script), endpoint + "/"]
    output = subprocess.run(command, capture_output=True, text=True, timeout=duration + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p50 = parse_latency(re.search(r"\s50%\s+(\S+)", output).group(1))
    p99 = parse_latency(re.search(r"\s99%\s+(\S+)", output).group(1))
    errors_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", output)
    errors = int(errors_match.group(1)) if errors_match else 0
    if socket_errors:
        errors += sum(int(n) for n in socket_errors.groups())
    total = re.search(r"(\d+) requests in", output)
    return Result(rps, p50, p99, errors, int(total.group(1)) if total else 0)


def check_responses(endpoint: str) -> None:
    """One of each request, answered correctly, before measuring (a fast error is not a result)."""
    client = dynamodb(endpoint)
    assert client.get_item(TableName=TABLE, Key={"pk": {"S": "user1"}, "sk": {"S": "profile"}})["Item"]
    assert (
        client.query(
            TableName=TABLE, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": "hot"}}, Limit=100
        )["Count"]
        == 100
    )
    assert client.scan(TableName=TABLE, Limit=100)["Count"] == 100


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=5, help="seconds of load per round, operation and server")
    parser.add_argument("--rounds", type=int, default=3, help="rounds per operation and server (the median is kept)")
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--items", type=int, default=10000, help="single items loaded (plus a 1000-item partition)")
    parser.add_argument("--targets", default="fogbank,fogbank-1,moto,dynalite")
    parser.add_argument("--operations", default=",".join(OPERATIONS), help="a subset of: " + ", ".join(OPERATIONS))
    parser.add_argument("--json", help="also write the results to this file")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk (scripts/system-deps.sh installs it)", file=sys.stderr)
        return 2
    wanted = args.targets.split(",")
    if "moto" in wanted and not _has_moto_server():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "moto[server]"], check=True)
    if "dynalite" in wanted and not (HERE / "node_modules" / "dynalite").exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--silent"], cwd=HERE, check=True)
    results: dict[str, dict[str, Result]] = {}
    with tempfile.TemporaryDirectory(prefix="fogbank-bench-") as tmp:
        workdir = Path(tmp)
        running = servers(workdir, wanted)
        try:
            for server in running:
                print(f"== {server.name}: starting and loading {args.items + HOT_PARTITION_ITEMS} items", flush=True)
                server.start(workdir / f"{server.name}.log")
                load(server.endpoint, args.items)
                check_responses(server.endpoint)
                results[server.name] = {}
            # The machine's load changes over minutes: every operation is measured on every server in turn,
            # --rounds times, and each server keeps its median round, so ratios compare like with like.
            for label in args.operations.split(","):
                operation = OPERATIONS[label]
                rounds: dict[str, list[Result]] = {server.name: [] for server in running}
                for _ in range(args.rounds):
                    for server in running:
                        run_wrk(server.endpoint, operation, args.items, 1, args.connections, workdir)  # warm-up
                        cpu_before = cpu_seconds(server.process.pid)
                        result = run_wrk(
                            server.endpoint, operation, args.items, args.duration, args.connections, workdir
                        )
                        used = cpu_seconds(server.process.pid) - cpu_before
                        result.cpu_us = used / max(result.requests, 1) * 1e6
                        rounds[server.name].append(result)
                for server in running:
                    taken = sorted(rounds[server.name], key=lambda r: r.rps)
                    result = taken[len(taken) // 2]
                    results[server.name][label] = result
                    print(
                        f"   {server.name:<10} {label:<10} {result.rps:>9.0f} req/s  p50 {result.p50_ms:7.2f} ms  "
                        f"p99 {result.p99_ms:7.2f} ms  server CPU {result.cpu_us:7.0f} us/request  "
                        f"errors {result.errors}  (rounds: {', '.join(f'{r.rps:.0f}' for r in rounds[server.name])})",
                        flush=True,
                    )
        finally:
            for server in running:
                server.stop()
    print_summary(results)
    if args.json:
        Path(args.json).write_text(
            json.dumps({s: {o: r.__dict__ for o, r in ops.items()} for s, ops in results.items()}, indent=1)
        )
    return 0


def _has_moto_server() -> bool:
    return all(importlib.util.find_spec(name) is not None for name in ("moto", "flask", "flask_cors"))


def print_summary(results: dict[str, dict[str, Result]]) -> None:
    ours = [name for name in results if name.startswith("fogbank")]
    peers = [name for name in results if name not in ours]
    pairs = [(mine, peer) for mine in ours for peer in peers]
    header = f"{'operation':<11}" + "".join(f"{name + ' req/s':>17}{'p50 ms':>9}{'p99 ms':>9}" for name in results)
    header += "".join(f"{mine + '/' + peer:>20}" for mine, peer in pairs)
    header += "".join(f"{'CPU/req ' + peer + '/' + mine:>28}" for mine, peer in pairs)
    print()
    print(header)
    for label in next(iter(results.values()), {}):
        line = f"{label:<11}"
        for name in results:
            r = results[name][label]
            line += f"{r.rps:>17.0f}{r.p50_ms:>9.2f}{r.p99_ms:>9.2f}"
        for mine, peer in pairs:
            line += f"{results[mine][label].rps / results[peer][label].rps:>19.2f}x"
        for mine, peer in pairs:
            own = results[mine][label].cpu_us
            line += f"{results[peer][label].cpu_us / own if own else float('nan'):>27.2f}x"
        print(line)
    print("(req/s ratio > 1: Fogbank serves more; CPU ratio > 1: the peer spends more CPU per request)")
    print("(fogbank: the default, one process per core serving item operations; fogbank-1: --workers 1)")


if __name__ == "__main__":
    sys.exit(main())
