// The ElastiCache list: cache clusters, and replication groups once DescribeReplicationGroups answers;
// statuses live while anything is changing.
import type { CacheCluster, ReplicationGroup } from "@aws-sdk/client-elasticache";
import { href } from "../../router";
import { ListPage, Panel, Status, formatDate, useLiveList } from "../../ui/kit";
import { SETTLED, address, engineLabel, listClusters, listGroups } from "./api";

type Row = { cluster?: CacheCluster; group?: ReplicationGroup };

/** Everything of the region: standalone clusters and groups (a group's member clusters show inside it). */
export async function listCaches(): Promise<Row[]> {
  const [clusters, groups] = await Promise.all([listClusters(), listGroups()]);
  return [
    ...(groups || []).map((group) => ({ group })),
    ...clusters.filter((c) => !c.ReplicationGroupId).map((cluster) => ({ cluster })),
  ];
}

export function clusterLink(id: string): string {
  return href(`/elasticache/clusters/${encodeURIComponent(id)}`);
}

export function groupLink(id: string): string {
  return href(`/elasticache/groups/${encodeURIComponent(id)}`);
}

function rowStatus(row: Row): string {
  return (row.group ? row.group.Status : row.cluster?.CacheClusterStatus) || "";
}

export function ElastiCacheList() {
  const { items, error, load } = useLiveList(listCaches, (row) => !SETTLED.has(rowStatus(row)));
  const clusters = (items || []).filter((r) => r.cluster).map((r) => r.cluster as CacheCluster);
  const groups = (items || []).filter((r) => r.group).map((r) => r.group as ReplicationGroup);
  return (
    <ListPage
      title="ElastiCache caches"
      create="Create cache"
      createHref={href("/elasticache/create")}
      empty="No caches in this region."
      error={error}
      count={items?.length}
      onRefresh={load}
    >
      {groups.length > 0 && (
        <Panel title="Replication groups">
          <table class="table" aria-label="Replication groups">
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th>Cluster mode</th>
                <th>Shards</th>
                <th>Nodes</th>
                <th>Node type</th>
                <th>Endpoint</th>
              </tr>
            </thead>
            <tbody>
              {groups.map((g) => (
                <tr key={g.ReplicationGroupId}>
                  <td>
                    <a href={groupLink(g.ReplicationGroupId || "")}>{g.ReplicationGroupId}</a>
                  </td>
                  <td>
                    <Status value={g.Status} />
                  </td>
                  <td>{g.ClusterEnabled ? "Enabled" : "Disabled"}</td>
                  <td>{g.NodeGroups?.length ?? 0}</td>
                  <td>{g.MemberClusters?.length ?? 0}</td>
                  <td>{g.CacheNodeType}</td>
                  <td class="mono">{address(g.ConfigurationEndpoint || g.NodeGroups?.[0]?.PrimaryEndpoint)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      )}
      {clusters.length > 0 && (
        <Panel title="Cache clusters">
          <table class="table" aria-label="Cache clusters">
            <thead>
              <tr>
                <th>Cluster ID</th>
                <th>Status</th>
                <th>Engine</th>
                <th>Node type</th>
                <th>Nodes</th>
                <th>Endpoint</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {clusters.map((c) => (
                <tr key={c.CacheClusterId}>
                  <td>
                    <a href={clusterLink(c.CacheClusterId || "")}>{c.CacheClusterId}</a>
                  </td>
                  <td>
                    <Status value={c.CacheClusterStatus} />
                  </td>
                  <td>{engineLabel(c.Engine, c.EngineVersion)}</td>
                  <td>{c.CacheNodeType}</td>
                  <td>{c.NumCacheNodes}</td>
                  <td class="mono">{address(c.ConfigurationEndpoint || c.CacheNodes?.[0]?.Endpoint)}</td>
                  <td>{formatDate(c.CacheClusterCreateTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      )}
    </ListPage>
  );
}
