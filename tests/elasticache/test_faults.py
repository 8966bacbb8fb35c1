"""Faults: a node process killed is restarted with events; a Fogbank restart brings every cache
cluster back with its data (Valkey persists to its AOF)."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
import time
from pathlib import Path
from typing import Any

import boto3
import redis

from fogbank.config import Config
from fogbank.server import Fogbank
from tests.elasticache.conftest import wait_status


def _client(endpoint: str) -> Any:
    return boto3.client("elasticache", endpoint_url=endpoint, region_name="us-east-1",
                        aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip


def _pid(port: int) -> int:
    return int(redis.Redis(port=port).info("server")["process_id"])


def test_a_killed_node_is_restarted_with_events_and_keeps_its_data(ec: Any, make_cluster: Any) -> None:
    found = make_cluster("crashy", "valkey")
    port = found["CacheNodes"][0]["Endpoint"]["Port"]
    redis.Redis(port=port).set("survives", "1")
    time.sleep(1.1)  # appendfsync everysec
    os.kill(_pid(port), signal.SIGKILL)
    deadline = time.monotonic() + 30
    while True:
        messages = [
            e["Message"] for e in ec.describe_events(SourceType="cache-cluster", SourceIdentifier="crashy")["Events"]
        ]
        if "Finished recovery for cache nodes 0001" in messages:
            break
        assert time.monotonic() < deadline, messages
        time.sleep(0.1)
    assert "Recovering cache nodes 0001" in messages
    assert redis.Redis(port=port).get("survives") == b"1"
    assert wait_status(ec, "crashy")["CacheNodes"][0]["CacheNodeStatus"] == "available"


def test_fogbank_restart_brings_clusters_back_with_their_data() -> None:
    # Under /tmp itself: the engine user must pass through every parent (pytest's tmp_path is 0700).
    top = Path(tempfile.mkdtemp(prefix="fogbank-ec-"))
    top.chmod(0o711)
    data = top / "data"
    config = Config(data_dir=data, port=0, log_requests=False, workers=1)
    with Fogbank(config=config) as fb:
        ec = _client(fb.endpoint)
        ec.create_cache_cluster(
            CacheClusterId="durable", Engine="valkey", CacheNodeType="cache.t3.micro", NumCacheNodes=1
        )
        ec.create_cache_cluster(
            CacheClusterId="mc", Engine="memcached", CacheNodeType="cache.t3.micro", NumCacheNodes=2
        )
        port = wait_status(ec, "durable")["CacheNodes"][0]["Endpoint"]["Port"]
        wait_status(ec, "mc")
        redis.Redis(port=port).set("kept", "across restarts")
    config = Config(data_dir=data, port=0, log_requests=False, workers=1)
    with Fogbank(config=config) as fb:
        ec = _client(fb.endpoint)
        found = wait_status(ec, "durable")
        node = found["CacheNodes"][0]["Endpoint"]["Port"]
        assert redis.Redis(port=node).get("kept") == b"across restarts"
        assert len(wait_status(ec, "mc")["CacheNodes"]) == 2
    shutil.rmtree(top, ignore_errors=True)
