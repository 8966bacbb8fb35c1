"""The DB instance class catalogue, and the engine limits RDS derives from a class's memory.

RDS computes defaults such as ``max_connections`` and buffer sizes from formulas over
``DBInstanceClassMemory`` (e.g. PostgreSQL's ``LEAST({DBInstanceClassMemory/9531392},5000)``).
Fogbank applies the same formulas, then scales the *memory* settings down (``MEMORY_SCALE``)
so that dozens of instances fit on a laptop: a db.r5.4xlarge still gets more than a
db.t3.micro, in the same proportion, without asking for 128 GiB.
"""

from __future__ import annotations

from dataclasses import dataclass

from fogbank.config import Config

GIB = 1024**3
MIB = 1024**2

# Memory settings get 1/MEMORY_SCALE of what RDS would give (Config.rds_memory_scale, read when RDS loads).
MEMORY_SCALE = Config().rds_memory_scale
# Connection slots cost shared memory per slot even when unused: cap them on a laptop.
MAX_CONNECTIONS_CAP = Config().rds_max_connections


@dataclass(frozen=True)
class InstanceClass:
    name: str
    vcpus: int
    memory_gib: float

    @property
    def memory_bytes(self) -> int:
        # RDS's DBInstanceClassMemory is what is left after the OS and RDS agents; about 90%.
        return int(self.memory_gib * GIB * 0.9)


_FAMILIES: dict[str, list[tuple[str, int, float]]] = {
    # burstable
    "db.t3": [
        ("micro", 2, 1),
        ("small", 2, 2),
        ("medium", 2, 4),
        ("large", 2, 8),
        ("xlarge", 4, 16),
        ("2xlarge", 8, 32),
    ],
    "db.t2": [
        ("micro", 1, 1),
        ("small", 1, 2),
        ("medium", 2, 4),
        ("large", 2, 8),
        ("xlarge", 4, 16),
        ("2xlarge", 8, 32),
    ],
}
_FAMILIES["db.t4g"] = _FAMILIES["db.t3"]  # Graviton twins: the same sizes
_GENERAL = [("large", 2, 8), ("xlarge", 4, 16), ("2xlarge", 8, 32), ("4xlarge", 16, 64), ("8xlarge", 32, 128),
            ("12xlarge", 48, 192), ("16xlarge", 64, 256), ("24xlarge", 96, 384)]  # fmt: skip
_MEMORY = [(size, cpus, mem * 2) for size, cpus, mem in _GENERAL]
for family in ("db.m5", "db.m5d", "db.m6g", "db.m6gd", "db.m6i", "db.m7g", "db.m7i"):
    _FAMILIES[family] = _GENERAL
for family in ("db.r5", "db.r5d", "db.r6g", "db.r6gd", "db.r6i", "db.r7g", "db.r7i"):
    _FAMILIES[family] = _MEMORY

CLASSES: dict[str, InstanceClass] = {
    f"{family}.{size}": InstanceClass(f"{family}.{size}", cpus, mem)
    for family, sizes in _FAMILIES.items()
    for size, cpus, mem in sizes
}

# Classes Fogbank offers for each engine (what DescribeOrderableDBInstanceOptions lists).
ORDERABLE = sorted(CLASSES)


def lookup(name: str) -> InstanceClass | None:
    return CLASSES.get(name)


def _scaled(value: int, floor: int) -> int:
    return max(floor, value // MEMORY_SCALE)


def derived_settings(flavor: str, instance_class: InstanceClass) -> dict[str, str]:
    """Engine settings RDS would derive from the class, with memory scaled for a laptop."""
    memory = instance_class.memory_bytes
    if flavor == "postgres":
        max_connections = min(memory // 9531392, 5000, MAX_CONNECTIONS_CAP)
        return {
            "max_connections": str(max(max_connections, 20)),
            # shared_buffers = {DBInstanceClassMemory/32768} x 8kB: a quarter of memory.
            "shared_buffers": f"{_scaled(memory // 4, 8 * MIB) // 1024}kB",
            # effective_cache_size = {DBInstanceClassMemory/16384} x 8kB: half of memory.
            "effective_cache_size": f"{_scaled(memory // 2, 16 * MIB) // 1024}kB",
            # maintenance_work_mem = GREATEST({DBInstanceClassMemory*1024/63963136}, 65536) kB.
            "maintenance_work_mem": f"{_scaled(max(memory * 1024 // 63963136 * 1024, 64 * MIB), 4 * MIB) // 1024}kB",
        }
    # MySQL / MariaDB: max_connections = {DBInstanceClassMemory/12582880},
    # innodb_buffer_pool_size = {DBInstanceClassMemory*3/4}.
    max_connections = min(memory // 12582880, MAX_CONNECTIONS_CAP)
    pool = _scaled(memory * 3 // 4, 8 * MIB)
    return {
        "max_connections": str(max(max_connections, 20)),
        "innodb_buffer_pool_size": str(pool - pool % MIB),
    }
