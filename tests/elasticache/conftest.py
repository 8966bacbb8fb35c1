"""ElastiCache test helpers: a client and a cluster factory that waits until it is available."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest


@pytest.fixture
def ec(client: Callable[..., Any]) -> Any:
    return client("elasticache")


def wait_status(ec: Any, identifier: str, status: str = "available", timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = ec.describe_cache_clusters(CacheClusterId=identifier, ShowCacheNodeInfo=True)["CacheClusters"][0]
        if found["CacheClusterStatus"] == status:
            return found
        assert found["CacheClusterStatus"] != "failed", found
        assert time.monotonic() < deadline, f"{identifier} still {found['CacheClusterStatus']}"
        time.sleep(0.05)


@pytest.fixture
def make_cluster(ec: Any) -> Callable[..., dict[str, Any]]:
    def make(identifier: str, engine: str = "valkey", nodes: int = 1, **kwargs: Any) -> dict[str, Any]:
        ec.create_cache_cluster(CacheClusterId=identifier, Engine=engine, CacheNodeType=kwargs.pop(
            "CacheNodeType", "cache.t3.micro"), NumCacheNodes=nodes, **kwargs)  # fmt: skip
        return wait_status(ec, identifier)

    return make
