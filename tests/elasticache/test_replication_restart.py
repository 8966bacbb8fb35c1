"""A Fogbank restart brings a replication group back at the same addresses, with its data and
who is primary (after a failover, the new primary stays primary)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import boto3
import redis

from fogbank.config import Config
from fogbank.server import Fogbank
from tests.elasticache.test_replication_groups import wait_group


def test_fogbank_restart_keeps_topology_and_data() -> None:
    top = Path(tempfile.mkdtemp(prefix="fogbank-rg-"))
    top.chmod(0o711)
    config = Config(data_dir=top / "data", port=0, log_requests=False, workers=1)
    try:
        with Fogbank(config=config) as fb:
            ec = boto3.client("elasticache", endpoint_url=fb.endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
            ec.create_replication_group(ReplicationGroupId="rg-durable", ReplicationGroupDescription="d",
                                        Engine="valkey", CacheNodeType="cache.t3.micro", NumCacheClusters=2,
                                        AutomaticFailoverEnabled=True)  # fmt: skip
            endpoint = wait_group(ec, "rg-durable")["NodeGroups"][0]["PrimaryEndpoint"]
            ec.test_failover(ReplicationGroupId="rg-durable", NodeGroupId="0001")
            wait_group(ec, "rg-durable")
            primary = redis.Redis(host=endpoint["Address"], port=endpoint["Port"])
            primary.set("durable", "yes")
            primary.wait(1, 2000)
            primary.execute_command("WAITAOF", 1, 0, 2000)
        with Fogbank(config=config) as fb:
            ec = boto3.client("elasticache", endpoint_url=fb.endpoint, region_name="us-east-1",
                              aws_access_key_id="test", aws_secret_access_key="test")  # fmt: skip
            group = wait_group(ec, "rg-durable")
            shard = group["NodeGroups"][0]
            assert shard["PrimaryEndpoint"] == endpoint
            roles = {m["CacheClusterId"]: m["CurrentRole"] for m in shard["NodeGroupMembers"]}
            assert roles == {"rg-durable-001": "replica", "rg-durable-002": "primary"}
            again = redis.Redis(host=endpoint["Address"], port=endpoint["Port"])
            assert again.get("durable") == b"yes"
            assert again.info("replication")["role"] == "master"
            ec.delete_replication_group(ReplicationGroupId="rg-durable")
            wait = 0
            while ec.describe_replication_groups()["ReplicationGroups"] and wait < 200:
                import time

                time.sleep(0.05)
                wait += 1
    finally:
        shutil.rmtree(top, ignore_errors=True)
