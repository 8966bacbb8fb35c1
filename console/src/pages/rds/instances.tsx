// The Databases list, as the AWS console shows it: each Aurora cluster with its instances beneath it
// (writer first), then the DB instances of no cluster; statuses live while anything is changing.
import { paginateDescribeDBInstances, type DBCluster, type DBInstance } from "@aws-sdk/client-rds";
import { aws, collect, notImplemented } from "../../aws";
import { href } from "../../router";
import { ListPage, Status, formatDate, plural, useLiveList } from "../../ui/kit";
import { CLUSTER_SETTLED, clusterLink, instanceLink, instanceRole, listClusters, membersInOrder } from "./clusters";

export const SETTLED = new Set(["available", "stopped", "failed", "incompatible-parameters", "storage-full", "inaccessible-encryption-credentials"]);

export function listInstances(): Promise<DBInstance[]> {
  return collect(paginateDescribeDBInstances({ client: aws().rds }, {}), (page) => page.DBInstances);
}

/** One line of the list: a cluster, or an instance (`cluster` set when it is a member of one). */
export type DatabaseRow = { cluster: DBCluster; instance?: undefined } | { instance: DBInstance; cluster?: DBCluster; member?: boolean };

/** The region's clusters, each followed by its instances, then the instances of no cluster. */
export async function listDatabases(): Promise<DatabaseRow[]> {
  // A Fogbank without clusters still lists its instances.
  const [instances, clusters] = await Promise.all([listInstances(), listClusters().catch((e) => (notImplemented(e) ? [] : Promise.reject(e)))]);
  const byId = new Map(instances.map((db) => [db.DBInstanceIdentifier, db]));
  const placed = new Set<string>();
  const rows: DatabaseRow[] = [];
  for (const cluster of clusters) {
    rows.push({ cluster });
    for (const member of membersInOrder(cluster)) {
      const db = byId.get(member.DBInstanceIdentifier);
      if (!db) continue;
      placed.add(db.DBInstanceIdentifier as string);
      rows.push({ instance: db, cluster, member: true });
    }
  }
  for (const db of instances) if (!placed.has(db.DBInstanceIdentifier as string)) rows.push({ instance: db });
  return rows;
}

function rowStatus(row: DatabaseRow): string {
  return (row.instance ? row.instance.DBInstanceStatus : row.cluster.Status) || "";
}

function settled(row: DatabaseRow): boolean {
  return (row.instance ? SETTLED : CLUSTER_SETTLED).has(rowStatus(row));
}

export function RdsInstances() {
  const { items: rows, error, load } = useLiveList(listDatabases, (row) => !settled(row));
  return (
    <ListPage
      title="Databases"
      create="Create database"
      createHref={href("/rds/launch")}
      empty="No databases in this region."
      error={error}
      count={rows?.length}
      onRefresh={load}
    >
      {rows && (
        <table class="table" aria-label="Databases">
          <thead>
            <tr>
              <th>DB identifier</th>
              <th>Status</th>
              <th>Role</th>
              <th>Engine</th>
              <th>Size</th>
              <th>Endpoint</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) =>
              row.instance ? (
                <tr key={`db ${row.instance.DBInstanceIdentifier}`} class={row.member ? "member-row" : ""}>
                  <td>
                    <a href={instanceLink(row.instance.DBInstanceIdentifier || "")}>{row.instance.DBInstanceIdentifier}</a>
                  </td>
                  <td>
                    <Status value={row.instance.DBInstanceStatus} />
                  </td>
                  <td>{instanceRole(row.instance, row.cluster)}</td>
                  <td>
                    {row.instance.Engine} {row.instance.EngineVersion}
                  </td>
                  <td>{row.instance.DBInstanceClass}</td>
                  <td class="mono">{row.instance.Endpoint ? `${row.instance.Endpoint.Address}:${row.instance.Endpoint.Port}` : "–"}</td>
                  <td>{formatDate(row.instance.InstanceCreateTime)}</td>
                </tr>
              ) : (
                <tr key={`cluster ${row.cluster.DBClusterIdentifier}`} class="cluster-row">
                  <td>
                    <a href={clusterLink(row.cluster.DBClusterIdentifier || "")}>{row.cluster.DBClusterIdentifier}</a>
                  </td>
                  <td>
                    <Status value={row.cluster.Status} />
                  </td>
                  <td>Regional cluster</td>
                  <td>
                    {row.cluster.Engine} {row.cluster.EngineVersion}
                  </td>
                  <td>{plural(row.cluster.DBClusterMembers?.length ?? 0, "instance")}</td>
                  <td class="mono">{row.cluster.Endpoint ? `${row.cluster.Endpoint}:${row.cluster.Port}` : "–"}</td>
                  <td>{formatDate(row.cluster.ClusterCreateTime)}</td>
                </tr>
              ),
            )}
          </tbody>
        </table>
      )}
    </ListPage>
  );
}
