"""ElastiCache's node types and their memory, from the ElastiCache guide's "Supported node
types" tables (memory in GiB). A node's memory limit (Valkey/Redis ``maxmemory``, Memcached
``-m``) is its type's memory: a limit, not an allocation, so a cache.r6g.16xlarge node starts as
small as any other and only refuses writes (or evicts) past 419 GiB.
"""

from __future__ import annotations

GIB = 1024**3

MEMORY_GIB: dict[str, float] = {
    # general purpose
    "cache.t2.micro": 0.555, "cache.t2.small": 1.55, "cache.t2.medium": 3.22,
    "cache.t3.micro": 0.5, "cache.t3.small": 1.37, "cache.t3.medium": 3.09,
    "cache.t4g.micro": 0.5, "cache.t4g.small": 1.37, "cache.t4g.medium": 3.09,
    "cache.m4.large": 6.42, "cache.m4.xlarge": 14.28, "cache.m4.2xlarge": 29.70, "cache.m4.4xlarge": 60.78,
    "cache.m4.10xlarge": 154.64,
    "cache.m5.large": 6.38, "cache.m5.xlarge": 12.93, "cache.m5.2xlarge": 26.04, "cache.m5.4xlarge": 52.26,
    "cache.m5.12xlarge": 157.12, "cache.m5.24xlarge": 314.32,
    "cache.m6g.large": 6.38, "cache.m6g.xlarge": 12.93, "cache.m6g.2xlarge": 26.04, "cache.m6g.4xlarge": 52.26,
    "cache.m6g.8xlarge": 103.68, "cache.m6g.12xlarge": 157.12, "cache.m6g.16xlarge": 209.55,
    "cache.m7g.large": 6.38, "cache.m7g.xlarge": 12.93, "cache.m7g.2xlarge": 26.04, "cache.m7g.4xlarge": 52.26,
    "cache.m7g.8xlarge": 103.68, "cache.m7g.12xlarge": 157.12, "cache.m7g.16xlarge": 209.55,
    # memory optimized
    "cache.r4.large": 12.3, "cache.r4.xlarge": 25.05, "cache.r4.2xlarge": 50.47, "cache.r4.4xlarge": 101.38,
    "cache.r4.8xlarge": 203.26, "cache.r4.16xlarge": 407.0,
    "cache.r5.large": 13.07, "cache.r5.xlarge": 26.32, "cache.r5.2xlarge": 52.82, "cache.r5.4xlarge": 105.81,
    "cache.r5.12xlarge": 317.77, "cache.r5.24xlarge": 635.61,
    "cache.r6g.large": 13.07, "cache.r6g.xlarge": 26.32, "cache.r6g.2xlarge": 52.82, "cache.r6g.4xlarge": 105.81,
    "cache.r6g.8xlarge": 209.55, "cache.r6g.12xlarge": 317.77, "cache.r6g.16xlarge": 419.09,
    "cache.r7g.large": 13.07, "cache.r7g.xlarge": 26.32, "cache.r7g.2xlarge": 52.82, "cache.r7g.4xlarge": 105.81,
    "cache.r7g.8xlarge": 209.55, "cache.r7g.12xlarge": 317.77, "cache.r7g.16xlarge": 419.09,
    # previous generation
    "cache.t1.micro": 0.213, "cache.m1.small": 1.3, "cache.m1.medium": 3.35, "cache.m1.large": 7.1,
    "cache.m1.xlarge": 14.6, "cache.m3.medium": 2.78, "cache.m3.large": 6.05, "cache.m3.xlarge": 13.3,
    "cache.m3.2xlarge": 27.9, "cache.c1.xlarge": 6.6, "cache.m2.xlarge": 16.7, "cache.m2.2xlarge": 33.8,
    "cache.m2.4xlarge": 68.0, "cache.r3.large": 13.5, "cache.r3.xlarge": 28.4, "cache.r3.2xlarge": 58.2,
    "cache.r3.4xlarge": 118.0, "cache.r3.8xlarge": 237.0,
}  # fmt: skip


# Offered for new nodes no more: never a target of ListAllowedNodeTypeModifications.
PREVIOUS_GENERATION = frozenset(t for t in MEMORY_GIB if t.split(".")[1] in ("t1", "m1", "m2", "m3", "c1", "r3"))


def modifications(current: str) -> tuple[list[str], list[str]]:
    """The current-generation node types with more memory than ``current`` (scale up) and with
    less (scale down), each smallest first."""
    mine = MEMORY_GIB.get(current, 0.0)
    offered = sorted(
        (gib, name) for name, gib in MEMORY_GIB.items() if name not in PREVIOUS_GENERATION and name != current
    )
    return [name for gib, name in offered if gib > mine], [name for gib, name in offered if gib < mine]


def memory_bytes(node_type: str) -> int | None:
    gib = MEMORY_GIB.get(node_type)
    return int(gib * GIB) if gib is not None else None
