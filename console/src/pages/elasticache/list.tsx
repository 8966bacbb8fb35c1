// The ElastiCache list: serverless caches, replication groups and cache clusters (each kind once its
// Describe answers); statuses live while anything is changing.
import type { CacheCluster, ReplicationGroup, ServerlessCache } from "@aws-sdk/client-elasticache";
import { href } from "../../router";
import { ListPage, Panel, Status, formatDate, useLiveList } from "../../ui/kit";
import { SETTLED, address, engineLabel, listClusters, listGroups, listServerless } from "./api";

type Row = { cluster?: CacheCluster; group?: ReplicationGroup; serverless?: ServerlessCache };

/** Everything of the region: serverless caches, groups and standalone clusters (a group's member clusters show inside it). */
export async function listCaches(): Promise<Row[]> {
  const [clusters, groups, serverless] = await Promise.all([listClusters(), listGroups(), listServerless()]);
  return [
    ...(serverless || []).map((cache) => ({ serverless: cache })),
    ...(groups || []).map((group) => ({ group })),
    ...clusters.filter((c) => !c.ReplicationGroupId).map((cluster) => ({ cluster })),
  ];
}

/** A row as one line elsewhere (Home): its name, page, status and what it is. */
export function summarize(row: Row): { name: string; link: string; status?: string; detail: string } {
  if (row.serverless) {
    const name = row.serverless.ServerlessCacheName || "";
    return { name, link: serverlessLink(name), status: row.serverless.Status, detail: `serverless ${engineLabel(row.serverless.Engine, row.serverless.MajorEngineVersion)}` };
  }
  if (row.group) {
    const name = row.group.ReplicationGroupId || "";
    return { name, link: groupLink(name), status: row.group.Status, detail: `replication group, ${row.group.MemberClusters?.length ?? 0} nodes` };
  }
  const name = row.cluster?.CacheClusterId || "";
  return { name, link: clusterLink(name), status: row.cluster?.CacheClusterStatus, detail: engineLabel(row.cluster?.Engine, row.cluster?.EngineVersion) };
}

export function serverlessLink(name: string): string {
  return href(`/elasticache/serverless/${encodeURIComponent(name)}`);
}

export function clusterLink(id: string): string {
  return href(`/elasticache/clusters/${encodeURIComponent(id)}`);
}

export function groupLink(id: string): string {
  return href(`/elasticache/groups/${encodeURIComponent(id)}`);
}

function rowStatus(row: Row): string {
  return summarize(row).status || "";
}

export function ElastiCacheList() {
  const { items, error, load } = useLiveList(listCaches, (row) => !SETTLED.has(rowStatus(row)));
  const clusters = (items || []).filter((r) => r.cluster).map((r) => r.cluster as CacheCluster);
  const groups = (items || []).filter((r) => r.group).map((r) => r.group as ReplicationGroup);
  const serverless = (items || []).filter((r) => r.serverless).map((r) => r.serverless as ServerlessCache);
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
      {serverless.length > 0 && (
        <Panel title="Serverless caches">
          <table class="table" aria-label="Serverless caches">
            <thead>
              <tr>
                <th>Name</th>
                <th>Status</th>
                <th>Engine</th>
                <th>Endpoint</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {serverless.map((c) => (
                <tr key={c.ServerlessCacheName}>
                  <td>
                    <a href={serverlessLink(c.ServerlessCacheName || "")}>{c.ServerlessCacheName}</a>
                  </td>
                  <td>
                    <Status value={c.Status} />
                  </td>
                  <td>{engineLabel(c.Engine, c.FullEngineVersion || c.MajorEngineVersion)}</td>
                  <td class="mono">{address(c.Endpoint)}</td>
                  <td>{formatDate(c.CreateTime)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </Panel>
      )}
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
