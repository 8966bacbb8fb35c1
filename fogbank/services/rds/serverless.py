"""Aurora Serverless v2: ``db.serverless`` instances in an Aurora cluster, within the cluster's
``ServerlessV2ScalingConfiguration`` (Aurora capacity units, ACUs).

On Aurora an ACU is about 2 GiB of memory with its CPU and network, and a serverless instance's
capacity moves between the cluster's minimum and maximum with its load, billed by the second.
Here nothing is metered and nothing moves: a ``db.serverless`` instance is a real engine like any
other member, run with what its *maximum* capacity gives (Aurora, too, derives ``max_connections``
from the maximum ACUs): the class-derived settings (``classes.derived_settings``) of
``MaxCapacity`` x 2 GiB, scaled for a laptop like every class. A new ``MaxCapacity`` is handed to
the running serverless members at once (``ModifyDBCluster``): what the engine takes live (MariaDB's
``innodb_buffer_pool_size`` and ``max_connections``) changes now, the rest at the next reboot
(PostgreSQL's ``shared_buffers``: the instance shows ``pending-reboot``). A minimum of 0 ACUs
(auto-pause) is accepted and shown, but the instance is not paused.
"""

from __future__ import annotations

import math
from typing import Any

from fogbank.managed.records import Record
from fogbank.protocols.errors import AwsError
from fogbank.services.rds import classes

INSTANCE_CLASS = "db.serverless"
MIN_CAPACITY, MAX_CAPACITY = 0.0, 256.0  # the installed versions are recent enough for 0 and 256
GIB_PER_ACU = 2
PAUSE_DEFAULT, PAUSE_RANGE = 300, (300, 86400)
# Every Aurora engine version Fogbank serves supports both ends of the range (DescribeDBEngineVersions).
FEATURES = {"MinCapacity": MIN_CAPACITY, "MaxCapacity": MAX_CAPACITY}


def _invalid(message: str) -> AwsError:
    return AwsError("InvalidParameterValue", message)


def check(config: dict[str, Any], current: dict[str, Any] | None) -> dict[str, Any]:
    """A request's ServerlessV2ScalingConfiguration over the cluster's ``current`` one: the
    configuration to keep, as DescribeDBClusters shows it, or AWS's error."""
    given = {k: v for k, v in config.items() if v is not None}
    if current is None and ("MinCapacity" not in given or "MaxCapacity" not in given):
        raise _invalid(
            "Both MinCapacity and MaxCapacity must be specified when you initialize Serverless v2 scaling configuration."
        )
    merged = {**(current or {}), **given}
    low, high = merged["MinCapacity"], merged["MaxCapacity"]
    for what, value in (("minimum", low), ("maximum", high)):
        if not math.isfinite(value) or value % 0.5:
            raise _invalid(
                f"Serverless v2 {what} capacity {value} isn't valid. Capacity is set in half-step increments of ACUs."
            )
    if high < 1:
        raise _invalid(f"Serverless v2 maximum capacity {high} isn't valid. The maximum capacity must be at least 1.0.")
    if high > MAX_CAPACITY:
        raise _invalid(
            f"Serverless v2 maximum capacity {high} isn't valid. The maximum capacity must be at most {MAX_CAPACITY}."
        )
    if low < MIN_CAPACITY:
        raise _invalid(
            f"Serverless v2 minimum capacity {low} isn't valid. The minimum capacity must be at least {MIN_CAPACITY}."
        )
    if low > high:
        raise _invalid(
            f"Serverless v2 minimum capacity {low} isn't valid. The minimum capacity can't be more than the "
            f"maximum capacity {high}."
        )
    out: dict[str, Any] = {"MinCapacity": float(low), "MaxCapacity": float(high)}
    pause = given.get("SecondsUntilAutoPause")
    if pause is not None and not PAUSE_RANGE[0] <= pause <= PAUSE_RANGE[1]:
        raise _invalid(
            f"SecondsUntilAutoPause {pause} isn't valid. Specify a value between {PAUSE_RANGE[0]} and "
            f"{PAUSE_RANGE[1]} seconds."
        )
    if low == 0:  # shown only with a minimum of 0; back to the default when the minimum comes back to 0
        out["SecondsUntilAutoPause"] = merged.get("SecondsUntilAutoPause") or PAUSE_DEFAULT
    return out


def check_member(cluster: Record[Any], instance_class: str | None) -> None:
    """A ``db.serverless`` instance needs its cluster's scaling configuration (AWS's words)."""
    if instance_class == INSTANCE_CLASS and not cluster.fields.get("ServerlessV2ScalingConfiguration"):
        raise AwsError(
            "InvalidDBClusterStateFault",
            "Set the Serverless v2 scaling configuration on the parent DB cluster before creating a Serverless v2 "
            "DB instance.",
        )


def instance_class(cluster: Record[Any] | None) -> classes.InstanceClass:
    """What a ``db.serverless`` member runs with: its cluster's maximum capacity in memory."""
    config = (cluster.fields.get("ServerlessV2ScalingConfiguration") if cluster else None) or {}
    capacity = float(config.get("MaxCapacity") or 1)
    return classes.InstanceClass(INSTANCE_CLASS, max(1, math.ceil(capacity / 4)), capacity * GIB_PER_ACU)
