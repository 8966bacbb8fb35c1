// Aurora DB clusters: what the Databases list, the cluster's page and the query editor share.
import { DescribeDBClustersCommand, paginateDescribeDBClusters, type DBCluster, type DBInstance } from "@aws-sdk/client-rds";
import { aws, collect } from "../../aws";
import { href } from "../../router";

/** Cluster statuses after which nothing changes by itself: pages stop polling there. */
export const CLUSTER_SETTLED = new Set(["available", "stopped", "failed", "inaccessible-encryption-credentials", "incompatible-parameters"]);

export const AURORA_ENGINES: Record<string, string> = {
  "aurora-postgresql": "Aurora PostgreSQL",
  "aurora-mysql": "Aurora MySQL",
};

export function isAurora(engine?: string): boolean {
  return !!engine && engine in AURORA_ENGINES;
}

export function listClusters(): Promise<DBCluster[]> {
  return collect(paginateDescribeDBClusters({ client: aws().rds }, {}), (page) => page.DBClusters);
}

export async function describeCluster(id: string): Promise<DBCluster | null> {
  return (await aws().rds.send(new DescribeDBClustersCommand({ DBClusterIdentifier: id }))).DBClusters?.[0] || null;
}

export function clusterLink(id: string): string {
  return href(`/rds/clusters/${encodeURIComponent(id)}`);
}

export function instanceLink(id: string): string {
  return href(`/rds/instances/${encodeURIComponent(id)}`);
}

export function writerOf(cluster: DBCluster): string | undefined {
  return cluster.DBClusterMembers?.find((m) => m.IsClusterWriter)?.DBInstanceIdentifier;
}

/** The members, the writer first, then the readers in the order a failover would pick them. */
export function membersInOrder(cluster: DBCluster) {
  return [...(cluster.DBClusterMembers || [])].sort(
    (a, b) =>
      Number(!!b.IsClusterWriter) - Number(!!a.IsClusterWriter) ||
      (a.PromotionTier ?? 1) - (b.PromotionTier ?? 1) ||
      (a.DBInstanceIdentifier || "").localeCompare(b.DBInstanceIdentifier || ""),
  );
}

/** The Role column of the AWS console's Databases list. */
export function instanceRole(db: DBInstance, cluster?: DBCluster): string {
  if (cluster) return writerOf(cluster) === db.DBInstanceIdentifier ? "Writer instance" : "Reader instance";
  if (db.ReadReplicaSourceDBInstanceIdentifier) return "Replica";
  if (db.ReadReplicaDBInstanceIdentifiers?.length) return "Primary";
  return "Instance";
}

/** The query editor's secrets for a cluster: "." is in no DB identifier, so no instance's prefix matches these. */
export function clusterSecretPrefix(id: string): string {
  return `fogbank-console/cluster.${id}/`;
}
