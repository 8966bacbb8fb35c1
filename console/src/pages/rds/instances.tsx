// The RDS instance list: status live while anything is changing.
import { DescribeDBInstancesCommand, type DBInstance } from "@aws-sdk/client-rds";
import { useEffect, useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { href } from "../../router";
import { Button, Empty, ErrorBox, LinkButton, Page, Status, formatDate, usePoll } from "../../ui/kit";

export const SETTLED = new Set(["available", "stopped", "failed", "incompatible-parameters", "storage-full", "inaccessible-encryption-credentials"]);

export async function listInstances(): Promise<DBInstance[]> {
  const all: DBInstance[] = [];
  let marker: string | undefined;
  do {
    const page = await aws().rds.send(new DescribeDBInstancesCommand({ Marker: marker }));
    all.push(...(page.DBInstances || []));
    marker = page.Marker;
  } while (marker);
  return all;
}

export function RdsInstances() {
  const [instances, setInstances] = useState<DBInstance[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    try {
      setInstances(await listInstances());
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, []);
  const busy = (instances || []).some((db) => !SETTLED.has(db.DBInstanceStatus || ""));
  usePoll(load, 2000, busy);

  return (
    <Page
      title="Databases"
      actions={
        <>
          <Button onClick={load}>Refresh</Button>
          <LinkButton kind="primary" href={href("/rds/launch")}>
            Create database
          </LinkButton>
        </>
      }
    >
      <ErrorBox error={error} />
      {instances && instances.length === 0 && (
        <Empty>
          No databases in this region. <a href={href("/rds/launch")}>Create database</a>
        </Empty>
      )}
      {instances && instances.length > 0 && (
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
    </Page>
  );
}
