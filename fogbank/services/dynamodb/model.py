"""DynamoDB tables and secondary indexes: their definitions, states and DescribeTable shape."""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from fogbank.protocols.errors import validation_error
from fogbank.services.dynamodb.attributes import Item
from fogbank.services.dynamodb.keys import KeySchema, encode_key_value

# Bytes AWS counts for each index entry on top of its attributes (documented for LSIs and GSIs).
INDEX_ENTRY_OVERHEAD = 100
WARM_READS = 12000  # the warm throughput AWS reports for a new table or GSI
WARM_WRITES = 4000


def check_warm(requested: dict[str, Any] | None, current: dict[str, int] | None) -> dict[str, int] | None:
    """Validate a requested WarmThroughput: never below AWS's floor, and never lowered once raised."""
    if not requested:
        return current
    merged = dict(current or {})
    for unit, floor in (("ReadUnitsPerSecond", WARM_READS), ("WriteUnitsPerSecond", WARM_WRITES)):
        value = requested.get(unit)
        if value is None:
            continue
        if value < floor:
            raise validation_error(
                f"One or more parameter values were invalid: Requested {unit} for WarmThroughput for table is lower "
                "than initial throughput for OnDemand. See: "
                "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/on-demand-capacity-mode.html"
                "#on-demand-capacity-mode-initial"
            )
        if current and value < current.get(unit, 0):
            raise validation_error(
                f"One or more parameter values were invalid: Requested {unit} for WarmThroughput for table is lower "
                "than current WarmThroughput, decreasing WarmThroughput is not supported"
            )
        merged[unit] = value
    return merged


def merge_on_demand(requested: dict[str, Any] | None, current: dict[str, int] | None) -> dict[str, int] | None:
    """OnDemandThroughput after a request: the members it names replace those set before."""
    if not requested:
        return current
    merged = dict(current or {})
    for unit in ("MaxReadRequestUnits", "MaxWriteRequestUnits"):
        if requested.get(unit) is not None:
            merged[unit] = requested[unit]
    return merged or None


def key_schema_api(schema: KeySchema) -> list[dict[str, str]]:
    elements = [{"AttributeName": schema.partition, "KeyType": "HASH"}]
    if schema.sort is not None:
        elements.append({"AttributeName": schema.sort, "KeyType": "RANGE"})
    return elements


@dataclass
class Index:
    """A local (``local=True``) or global secondary index."""

    name: str
    iid: int  # the index's number inside its table's storage
    local: bool
    schema: KeySchema
    projection: dict[str, Any]
    table_schema: KeySchema
    status: str = "ACTIVE"  # GSIs: CREATING (backfilling) -> ACTIVE; DELETING
    backfilling: bool = False
    throughput: dict[str, Any] | None = None
    on_demand: dict[str, int] | None = None  # OnDemandThroughput the request set (maximum request units)

    @property
    def projected_names(self) -> frozenset[str] | None:
        """The attributes the index keeps, or None when it keeps them ALL."""
        kind = self.projection.get("ProjectionType", "ALL")
        if kind == "ALL":
            return None
        names = set(self.table_schema.names) | set(self.schema.names)
        if kind == "INCLUDE":
            names |= set(self.projection.get("NonKeyAttributes") or ())
        return frozenset(names)

    def entry(self, item: Item) -> tuple[bytes, bytes, Item] | None:
        """(index partition key, index sort key, projected item) for an item, None when not in the index."""
        schema = self.schema
        # An empty string or binary cannot be an index key: writes refuse it, and a backfill skips
        # the items written before the index existed that have one, as DynamoDB's does.
        partition = item.get(schema.partition)
        if partition is None or not partition.get(schema.partition_type):
            return None
        if schema.sort is not None:
            sort = item.get(schema.sort)
            if sort is None or not sort.get(schema.sort_type or "S"):
                return None
            isk = encode_key_value(sort, schema.sort_type)
        else:
            isk = b""
        names = self.projected_names
        projected = item if names is None else {name: value for name, value in item.items() if name in names}
        return encode_key_value(partition, schema.partition_type), isk, projected

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "iid": self.iid,
            "local": self.local,
            "key": key_schema_api(self.schema),
            "projection": self.projection,
            "status": self.status,
            "backfilling": self.backfilling,
            "throughput": self.throughput,
            "on_demand": self.on_demand,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any], definitions: list[dict[str, str]], table_schema: KeySchema) -> Index:
        return cls(
            name=data["name"],
            iid=data["iid"],
            local=data["local"],
            schema=KeySchema.from_api(data["key"], definitions),
            projection=data["projection"],
            table_schema=table_schema,
            status=data["status"],
            backfilling=data["backfilling"],
            throughput=data["throughput"],
            on_demand=data.get("on_demand"),
        )


GLOBAL_TABLE_VERSION = "2019.11.21"
LEGACY_VERSION = "2017.11.29"


@dataclass
class Table:
    tid: int
    account: str
    region: str
    name: str
    arn: str
    schema: KeySchema
    attribute_definitions: list[dict[str, str]]
    billing_mode: str = "PROVISIONED"
    throughput: dict[str, Any] = field(default_factory=dict)
    indexes: list[Index] = field(default_factory=list)
    status: str = "ACTIVE"
    created: float = field(default_factory=time.time)
    table_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    tags: dict[str, str] = field(default_factory=dict)
    stream: dict[str, Any] | None = None
    stream_label: str | None = None  # the latest stream's, kept once it is disabled (LatestStreamArn)
    stream_id: int | None = None  # the enabled stream's number in the store (streams.py), None when none is
    sse: dict[str, Any] | None = None
    table_class: str | None = None
    deletion_protection: bool = False
    billing_mode_explicit: bool = False
    last_pay_per_request: float | None = None
    ttl: dict[str, Any] | None = None
    warm: dict[str, int] | None = None  # WarmThroughput a request configured (AWS keeps the higher of it and 12k/4k)
    on_demand: dict[str, int] | None = None  # OnDemandThroughput the request set (maximum request units)
    # Point-in-time recovery when enabled: {"since": when the history starts, "days": RecoveryPeriodInDays}.
    pitr: dict[str, Any] | None = None
    # The moments of this table's backups still being copied: writes keep their history until they are done.
    backing_up: list[float] = field(default_factory=list)
    # While a restore fills this table: RestoreSummary, and where the items come from (backups.py).
    restore: dict[str, Any] | None = None
    # A global table (2019.11.21): every replica's region, itself included, with its ReplicaStatus and the
    # overrides ReplicaUpdates set; the same on every replica (replication.py).
    replicas: dict[str, dict[str, Any]] | None = None
    global_version: str | None = None  # GlobalTableVersion while it has replicas: 2019.11.21, or 2017.11.29 (legacy)
    global_created: float | None = None  # when the legacy CreateGlobalTable made the group
    # UpdateTableReplicaAutoScaling's settings: {"read"|"write": AutoScalingSettingsDescription, "indexes": {name:
    # {"read"|"write": ...}}}. Stored and shown; Fogbank never throttles, so there is nothing to scale.
    autoscaling: dict[str, Any] | None = None
    # While this replica is being filled: the region it copies its items from.
    replica_source: str | None = None
    # Resource-based policies by resource: "" for the table, a stream's label for that stream (policies.py).
    policies: dict[str, dict[str, str]] = field(default_factory=dict)
    # Contributor Insights settings by resource: "" for the table, an index's name for that GSI.
    insights: dict[str, dict[str, Any]] = field(default_factory=dict)

    # -- lookups -----------------------------------------------------------------------------------

    @property
    def lsis(self) -> list[Index]:
        return [index for index in self.indexes if index.local]

    @property
    def gsis(self) -> list[Index]:
        return [index for index in self.indexes if not index.local]

    def index(self, name: str) -> Index | None:
        for index in self.indexes:
            if index.name == name:
                return index
        return None

    def writable_indexes(self) -> list[Index]:
        """Indexes an item write must maintain (a deleting GSI is no longer written)."""
        return [index for index in self.indexes if index.status != "DELETING"]

    @property
    def stream_arn(self) -> str:
        return f"{self.arn}/stream/{self.stream_label}"

    def encode_key(self, key: Item) -> tuple[bytes, bytes]:
        schema = self.schema
        pk = encode_key_value(key[schema.partition], schema.partition_type)
        sk = encode_key_value(key[schema.sort], schema.sort_type) if schema.sort is not None else b""
        return pk, sk

    # -- persistence --------------------------------------------------------------------------------

    def to_json(self) -> str:
        return json.dumps(
            {
                "arn": self.arn,
                "key": key_schema_api(self.schema),
                "definitions": self.attribute_definitions,
                "billing_mode": self.billing_mode,
                "billing_mode_explicit": self.billing_mode_explicit,
                "last_pay_per_request": self.last_pay_per_request,
                "throughput": self.throughput,
                "indexes": [index.to_json() for index in self.indexes],
                "status": self.status,
                "created": self.created,
                "table_id": self.table_id,
                "tags": self.tags,
                "stream": self.stream,
                "stream_label": self.stream_label,
                "stream_id": self.stream_id,
                "sse": self.sse,
                "table_class": self.table_class,
                "deletion_protection": self.deletion_protection,
                "ttl": self.ttl,
                "warm": self.warm,
                "on_demand": self.on_demand,
                "pitr": self.pitr,
                "backing_up": self.backing_up,
                "restore": self.restore,
                "replicas": self.replicas,
                "replica_source": self.replica_source,
                "global_version": self.global_version,
                "global_created": self.global_created,
                "autoscaling": self.autoscaling,
                "policies": self.policies,
                "insights": self.insights,
            }
        )

    @classmethod
    def from_json(cls, tid: int, account: str, region: str, name: str, text: str) -> Table:
        data = json.loads(text)
        schema = KeySchema.from_api(data["key"], data["definitions"])
        return cls(
            tid=tid,
            account=account,
            region=region,
            name=name,
            arn=data["arn"],
            schema=schema,
            attribute_definitions=data["definitions"],
            billing_mode=data["billing_mode"],
            billing_mode_explicit=data.get("billing_mode_explicit", False),
            last_pay_per_request=data.get("last_pay_per_request"),
            throughput=data["throughput"],
            indexes=[Index.from_json(i, data["definitions"], schema) for i in data["indexes"]],
            status=data["status"],
            created=data["created"],
            table_id=data["table_id"],
            tags=data["tags"],
            stream=data["stream"],
            stream_label=data.get("stream_label"),
            stream_id=data.get("stream_id"),
            sse=data["sse"],
            table_class=data["table_class"],
            deletion_protection=data["deletion_protection"],
            ttl=data.get("ttl"),
            warm=data.get("warm"),
            on_demand=data.get("on_demand"),
            pitr=data.get("pitr"),
            backing_up=data.get("backing_up") or [],
            restore=data.get("restore"),
            replicas=data.get("replicas"),
            replica_source=data.get("replica_source"),
            global_version=data.get("global_version"),
            global_created=data.get("global_created"),
            autoscaling=data.get("autoscaling"),
            policies=data.get("policies") or {},
            insights=data.get("insights") or {},
        )

    @property
    def keeps_history(self) -> bool:
        """Writes log what they replace: point-in-time recovery is on, or a backup is being copied."""
        return self.pitr is not None or bool(self.backing_up)

    # -- DescribeTable ------------------------------------------------------------------------------

    def describe(self, stats: dict[int, tuple[int, int]], status: str | None = None) -> dict[str, Any]:
        count, size = stats.get(0, (0, 0))
        description: dict[str, Any] = {
            "AttributeDefinitions": self.attribute_definitions,
            "TableName": self.name,
            "KeySchema": key_schema_api(self.schema),
            "TableStatus": status or self.status,
            "CreationDateTime": self.created,
            "ProvisionedThroughput": self._throughput(self.throughput),
            "TableSizeBytes": size,
            "ItemCount": count,
            "TableArn": self.arn,
            "TableId": self.table_id,
        }
        if self.billing_mode == "PAY_PER_REQUEST" or self.billing_mode_explicit:
            summary: dict[str, Any] = {"BillingMode": self.billing_mode}
            if self.last_pay_per_request is not None:
                summary["LastUpdateToPayPerRequestDateTime"] = self.last_pay_per_request
            description["BillingModeSummary"] = summary
        if self.lsis:
            description["LocalSecondaryIndexes"] = [self._describe_index(index, stats) for index in self.lsis]
        if self.gsis:
            description["GlobalSecondaryIndexes"] = [self._describe_index(index, stats) for index in self.gsis]
        if self.stream and self.stream.get("StreamEnabled"):
            description["StreamSpecification"] = self.stream
        if self.stream_label:  # as on AWS, the latest stream is still named once it is disabled
            description["LatestStreamLabel"] = self.stream_label
            description["LatestStreamArn"] = self.stream_arn
        if self.sse:
            description["SSEDescription"] = self.sse
        if self.table_class:
            description["TableClassSummary"] = {"TableClass": self.table_class}
        description["DeletionProtectionEnabled"] = self.deletion_protection
        if self.on_demand:
            description["OnDemandThroughput"] = dict(self.on_demand)
        description["WarmThroughput"] = self._warm(self.throughput, status or self.status, self.warm, floor=False)
        if self.restore is not None:  # AWS shows it only while the restore is in progress
            description["RestoreSummary"] = dict(self.restore["summary"])
        if self.replicas is not None:
            description["Replicas"] = [
                self._describe_replica(region, replica)
                for region, replica in sorted(self.replicas.items())
                if region != self.region
            ]
            description["GlobalTableVersion"] = self.global_version or GLOBAL_TABLE_VERSION
        return description

    def _describe_replica(self, region: str, replica: dict[str, Any]) -> dict[str, Any]:
        """A ReplicaDescription: its status and the overrides ReplicaUpdates gave it."""
        shown: dict[str, Any] = {"RegionName": region, "ReplicaStatus": replica["status"]}
        for member in ("KMSMasterKeyId", "ProvisionedThroughputOverride", "OnDemandThroughputOverride"):
            if replica.get(member) is not None:
                shown[member] = replica[member]
        if self.gsis:
            overrides = {o["IndexName"]: o for o in replica.get("GlobalSecondaryIndexes") or ()}
            shown["GlobalSecondaryIndexes"] = [
                {
                    "IndexName": index.name,
                    **{k: v for k, v in overrides.get(index.name, {}).items() if k != "IndexName"},
                }
                for index in self.gsis
            ]
        shown["ReplicaTableClassSummary"] = {
            "TableClass": replica.get("TableClassOverride") or self.table_class or "STANDARD"
        }
        return shown

    def _warm(
        self,
        throughput: dict[str, Any] | None,
        status: str,
        configured: dict[str, int] | None = None,
        floor: bool = True,
    ) -> dict[str, Any]:
        """AWS gives an on-demand table or GSI a warm throughput of at least 12,000 reads and 4,000 writes per
        second; a provisioned table reports its own capacity units instead (``floor=False``). Fogbank has
        nothing to pre-warm, so it reports those."""
        paid = self.billing_mode == "PROVISIONED" and throughput
        least_reads, least_writes = (WARM_READS, WARM_WRITES) if floor or not paid else (0, 0)
        reads = max(least_reads, throughput.get("ReadCapacityUnits", 0)) if paid else WARM_READS
        writes = max(least_writes, throughput.get("WriteCapacityUnits", 0)) if paid else WARM_WRITES
        if configured:
            reads = max(reads, configured.get("ReadUnitsPerSecond", 0))
            writes = max(writes, configured.get("WriteUnitsPerSecond", 0))
        shown = status if status in ("CREATING", "UPDATING", "DELETING") else "ACTIVE"
        return {"ReadUnitsPerSecond": reads, "WriteUnitsPerSecond": writes, "Status": shown}

    def _throughput(self, throughput: dict[str, Any] | None) -> dict[str, Any]:
        throughput = throughput or {}
        shown: dict[str, Any] = {"NumberOfDecreasesToday": throughput.get("NumberOfDecreasesToday", 0)}
        for field_name in ("LastIncreaseDateTime", "LastDecreaseDateTime"):
            if throughput.get(field_name):
                shown[field_name] = throughput[field_name]
        paid = self.billing_mode == "PROVISIONED"
        shown["ReadCapacityUnits"] = throughput.get("ReadCapacityUnits", 0) if paid else 0
        shown["WriteCapacityUnits"] = throughput.get("WriteCapacityUnits", 0) if paid else 0
        return shown

    def _describe_index(self, index: Index, stats: dict[int, tuple[int, int]]) -> dict[str, Any]:
        count, size = stats.get(index.iid, (0, 0))
        shown: dict[str, Any] = {
            "IndexName": index.name,
            "KeySchema": key_schema_api(index.schema),
            "Projection": index.projection,
        }
        if not index.local:
            shown["IndexStatus"] = index.status
            if index.status == "CREATING":
                shown["Backfilling"] = index.backfilling
            shown["ProvisionedThroughput"] = self._throughput(index.throughput)
        shown["IndexSizeBytes"] = size
        shown["ItemCount"] = count
        shown["IndexArn"] = f"{self.arn}/index/{index.name}"
        if not index.local and index.on_demand:
            shown["OnDemandThroughput"] = dict(index.on_demand)
        if not index.local:
            shown["WarmThroughput"] = self._warm(index.throughput, index.status)
        return shown
