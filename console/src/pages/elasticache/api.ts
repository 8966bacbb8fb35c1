// ElastiCache calls shared by its pages: every list walks all pages with the SDK's paginators, and an
// operation Fogbank has not built yet (`NotImplemented`) reads as "not available yet", never as a crash.
import {
  paginateDescribeCacheClusters,
  paginateDescribeCacheEngineVersions,
  paginateDescribeCacheParameterGroups,
  paginateDescribeEvents,
  paginateDescribeReplicationGroups,
  paginateDescribeServerlessCaches,
  paginateDescribeSnapshots,
  type CacheCluster,
  type CacheEngineVersion,
  type CacheParameterGroup,
  type Event as CacheEvent,
  type ReplicationGroup,
  type ServerlessCache,
  type Snapshot,
} from "@aws-sdk/client-elasticache";
import { aws, collect, errorText, notImplemented } from "../../aws";

export const ENGINES: Record<string, { label: string; cli: string }> = {
  valkey: { label: "Valkey", cli: "valkey-cli" },
  redis: { label: "Redis OSS", cli: "redis-cli" },
  memcached: { label: "Memcached", cli: "" },
};

/** Statuses after which nothing changes by itself (pages stop polling). */
export const SETTLED = new Set(["available", "failed", "create-failed", "restore-failed", "incompatible-parameters", "incompatible-network", "deleted"]);

/** The text a page shows for a failed call: "Not available yet" for what Fogbank has not built. */
export function cacheErrorText(error: unknown): string {
  return notImplemented(error) ? `Not available yet in Fogbank (${errorText(error)})` : errorText(error);
}

/** The result of a call that may not be built yet: `null` then, so the page leaves that part out. */
export async function ifAvailable<T>(call: () => Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (notImplemented(error)) return null;
    throw error;
  }
}

const client = () => aws().elasticache;

export function listClusters(id?: string): Promise<CacheCluster[]> {
  return collect(paginateDescribeCacheClusters({ client: client() }, { CacheClusterId: id, ShowCacheNodeInfo: true }), (p) => p.CacheClusters);
}

/** Replication groups, or `null` while DescribeReplicationGroups is not built. */
export function listGroups(id?: string): Promise<ReplicationGroup[] | null> {
  return ifAvailable(() => collect(paginateDescribeReplicationGroups({ client: client() }, { ReplicationGroupId: id }), (p) => p.ReplicationGroups));
}

/** Serverless caches, or `null` while DescribeServerlessCaches is not built. */
export function listServerless(name?: string): Promise<ServerlessCache[] | null> {
  return ifAvailable(() => collect(paginateDescribeServerlessCaches({ client: client() }, { ServerlessCacheName: name }), (p) => p.ServerlessCaches));
}

export function engineVersions(): Promise<CacheEngineVersion[]> {
  return collect(paginateDescribeCacheEngineVersions({ client: client() }, {}), (p) => p.CacheEngineVersions);
}

export function parameterGroups(): Promise<CacheParameterGroup[]> {
  return collect(paginateDescribeCacheParameterGroups({ client: client() }, {}), (p) => p.CacheParameterGroups);
}

export type EventSource = "cache-cluster" | "replication-group" | "serverless-cache";

export function events(sourceType: EventSource, id: string): Promise<CacheEvent[]> {
  return collect(paginateDescribeEvents({ client: client() }, { SourceType: sourceType, SourceIdentifier: id, Duration: 20160 }), (p) => p.Events);
}

/** Snapshots of a cluster or a replication group, or `null` while DescribeSnapshots is not built. */
export function snapshots(of: { CacheClusterId?: string; ReplicationGroupId?: string }): Promise<Snapshot[] | null> {
  return ifAvailable(() => collect(paginateDescribeSnapshots({ client: client() }, of), (p) => p.Snapshots));
}

/** Where Fogbank's certificate authority is, as the creation event of a TLS cache says
 * ("… certificate authority in /path/ca.pem"): no Describe field holds it. */
export function caPath(list: CacheEvent[]): string | null {
  for (const e of list) {
    const found = /certificate authority in (\S+)/.exec(e.Message || "");
    if (found) return found[1];
  }
  return null;
}

/** "host:port" of an endpoint, or "–". */
export function address(endpoint?: { Address?: string; Port?: number }): string {
  return endpoint?.Address ? `${endpoint.Address}:${endpoint.Port}` : "–";
}

export function engineLabel(engine?: string, version?: string): string {
  return `${ENGINES[engine || ""]?.label || engine || ""} ${version || ""}`.trim();
}
