"""Changes that wait for the maintenance window (ModifyCacheCluster / ModifyReplicationGroup
with ``ApplyImmediately`` false), and the weekly window itself.

ElastiCache applies at once what needs no restart or node change (description, windows,
parameter groups, security groups ...). What does — a node count, a node type, an engine
version, an AUTH token, a new primary — waits for the ``PreferredMaintenanceWindow``
(``ddd:hh24:mi-ddd:hh24:mi`` UTC) and shows meanwhile in ``PendingModifiedValues``. The
deferred request parameters are kept as given (``pending``) and applied later by the same
checks and work as an immediate Modify (``ops.clusters.apply_pending``,
``ops.replication_groups.apply_pending``); a later Modify with ``ApplyImmediately`` true
applies them with its own, as AWS documents. ``due`` is the check the snapshot scheduler's
loop runs at each tick (``snapshots.Scheduler.tick``).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from fogbank.services.elasticache import errors

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")  # datetime.weekday() order
WEEK = 7 * 1440
_TIME = r"(mon|tue|wed|thu|fri|sat|sun):([01]\d|2[0-3]):([0-5]\d)"
_WINDOW = re.compile(rf"^{_TIME}-{_TIME}$", re.IGNORECASE)

# The request parameters that wait for the window, per resource.
CLUSTER_DEFERRED = ("NumCacheNodes", "CacheNodeIdsToRemove", "NewAvailabilityZones", "CacheNodeType", "Engine",
                    "EngineVersion", "AuthToken", "AuthTokenUpdateStrategy")  # fmt: skip
GROUP_DEFERRED = ("CacheNodeType", "Engine", "EngineVersion", "AuthToken", "AuthTokenUpdateStrategy",
                  "PrimaryClusterId")  # fmt: skip
# A parameter group given with a new engine version belongs to it (its family is the new version's).
WITH_ENGINE_VERSION = ("CacheParameterGroupName",)


def check_window(value: Any, member: str = "PreferredMaintenanceWindow") -> str:
    """``ddd:hh24:mi-ddd:hh24:mi``, 60 minutes to 24 hours (wording ours: AWS's was not recorded)."""
    match = _WINDOW.match(value) if isinstance(value, str) else None
    if match is None:
        raise errors.invalid_value(f"Invalid {member} format: {value}. The format is ddd:hh24:mi-ddd:hh24:mi, "
                                   "for example sun:23:00-mon:01:30.")  # fmt: skip
    start, end = _minute(*match.groups()[:3]), _minute(*match.groups()[3:])
    if (end - start) % WEEK < 60:
        raise errors.invalid_value(f"The {member} must be at least 60 minutes long.")
    if (end - start) % WEEK > 1440:  # the ElastiCache guide: "a time range of up to 24 hours"
        raise errors.invalid_value(f"The {member} must be at most 24 hours long.")
    return value.lower()


def _minute(day: str, hour: str, minute: str) -> int:
    return DAYS.index(day.lower()) * 1440 + int(hour) * 60 + int(minute)


def window_start(window: str, moment: dt.datetime) -> dt.datetime | None:
    """The start of the occurrence of the weekly ``window`` that contains ``moment``, or None."""
    match = _WINDOW.match(window or "")
    if match is None:
        return None
    moment = moment.astimezone(dt.UTC)
    start, end = _minute(*match.groups()[:3]), _minute(*match.groups()[3:])
    length = (end - start) % WEEK or WEEK
    now_minute = moment.weekday() * 1440 + moment.hour * 60 + moment.minute
    offset = (now_minute - start) % WEEK
    if offset >= length:
        return None
    return moment.replace(second=0, microsecond=0) - dt.timedelta(minutes=offset)


def defer(pending: dict[str, Any], params: dict[str, Any], deferred: tuple[str, ...]) -> dict[str, Any]:
    """The pending parameters after a Modify with ApplyImmediately false: the request's deferred
    ones replace the earlier ones (AWS: "the pending modification is replaced by the newer")."""
    keys = [k for k in deferred if params.get(k) is not None]
    if _upgrading(params):
        keys += [k for k in WITH_ENGINE_VERSION if params.get(k) is not None]
    out = dict(pending)
    if params.get("AuthToken") is not None or params.get("AuthTokenUpdateStrategy"):
        out.pop("AuthToken", None)
        out.pop("AuthTokenUpdateStrategy", None)
    if params.get("NumCacheNodes") is not None:
        out.pop("CacheNodeIdsToRemove", None)
        out.pop("NewAvailabilityZones", None)
    out.update({k: params[k] for k in keys})
    return out


def immediate(params: dict[str, Any], deferred: tuple[str, ...]) -> dict[str, Any]:
    """The request without what waits for the window."""
    drop = set(deferred) | (set(WITH_ENGINE_VERSION) if _upgrading(params) else set())
    return {k: v for k, v in params.items() if k not in drop}


def _upgrading(params: dict[str, Any]) -> bool:
    return params.get("EngineVersion") is not None or bool(params.get("Engine"))


def cancel_unchanged(pending: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """Pending values equal to the current ones are no change: gone (NumCacheNodes equal to the
    current count is how AWS cancels a pending node change)."""
    out = dict(pending)
    for key, value in current.items():
        if key in out and out[key] == value:
            out.pop(key)
            if key == "NumCacheNodes":
                out.pop("CacheNodeIdsToRemove", None)
                out.pop("NewAvailabilityZones", None)
            if key == "EngineVersion":
                for k in WITH_ENGINE_VERSION:
                    out.pop(k, None)
    return out


def render_cluster(pending: dict[str, Any]) -> dict[str, Any]:
    """``PendingModifiedValues`` of a cache cluster, in botocore's shape."""
    out: dict[str, Any] = {}
    for key in ("NumCacheNodes", "CacheNodeIdsToRemove", "EngineVersion", "CacheNodeType"):
        if pending.get(key) is not None:
            out[key] = pending[key]
    status = _auth_status(pending)
    if status:
        out["AuthTokenStatus"] = status
    return out


def render_group(pending: dict[str, Any]) -> dict[str, Any]:
    """``ReplicationGroupPendingModifiedValues`` (node type and version show on the members)."""
    out: dict[str, Any] = {}
    if pending.get("PrimaryClusterId"):
        out["PrimaryClusterId"] = pending["PrimaryClusterId"].lower()
    status = _auth_status(pending)
    if status:
        out["AuthTokenStatus"] = status
    return out


def _auth_status(pending: dict[str, Any]) -> str | None:
    if pending.get("AuthToken") is None and not pending.get("AuthTokenUpdateStrategy"):
        return None
    return "ROTATING" if (pending.get("AuthTokenUpdateStrategy") or "ROTATE") == "ROTATE" else "SETTING"


def due(window: str, since: str, moment: dt.datetime) -> bool:
    """Whether changes pending since ``since`` (ISO time) are due at ``moment``: a window has
    begun after they were asked for (the *next* window: one already under way is not it)."""
    began = window_start(window, moment)
    if began is None or not since:
        return began is not None and not since
    return began >= dt.datetime.fromisoformat(since)
