// The RDS instance list: status live while anything is changing.
import { paginateDescribeDBInstances, type DBInstance } from "@aws-sdk/client-rds";
import { aws, collect } from "../../aws";
import { href } from "../../router";
import { ListPage, Status, formatDate, useLiveList } from "../../ui/kit";

export const SETTLED = new Set(["available", "stopped", "failed", "incompatible-parameters", "storage-full", "inaccessible-encryption-credentials"]);

export function listInstances(): Promise<DBInstance[]> {
  return collect(paginateDescribeDBInstances({ client: aws().rds }, {}), (page) => page.DBInstances);
}

export function RdsInstances() {
  const { items: instances, error, load } = useLiveList(listInstances, (db) => !SETTLED.has(db.DBInstanceStatus || ""));
  return (
    <ListPage
      title="Databases"
      create="Create database"
      createHref={href("/rds/launch")}
      empty="No databases in this region."
      error={error}
      count={instances?.length}
      onRefresh={load}
    >
      {instances && (
        <table class="table" aria-label="DB instances">
          <thead>
            <tr>
              <th>DB identifier</th>
              <th>Status</th>
              <th>Engine</th>
              <th>Class</th>
              <th>Endpoint</th>
              <th>Created</th>
            </tr>
          </thead>
          <tbody>
            {instances.map((db) => (
              <tr key={db.DBInstanceIdentifier}>
                <td>
                  <a href={href(`/rds/instances/${encodeURIComponent(db.DBInstanceIdentifier || "")}`)}>{db.DBInstanceIdentifier}</a>
                </td>
                <td>
                  <Status value={db.DBInstanceStatus} />
                </td>
                <td>
                  {db.Engine} {db.EngineVersion}
                </td>
                <td>{db.DBInstanceClass}</td>
                <td class="mono">{db.Endpoint ? `${db.Endpoint.Address}:${db.Endpoint.Port}` : "–"}</td>
                <td>{formatDate(db.InstanceCreateTime)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </ListPage>
  );
}
