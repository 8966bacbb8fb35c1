// Create database with an Aurora engine: as the AWS console does, the cluster first (it owns the master
// user, the database and the backups), then its writer instance, then (when asked) an Aurora Replica in
// another Availability Zone.
import { CreateDBClusterCommand, CreateDBInstanceCommand } from "@aws-sdk/client-rds";
import { aws, errorText } from "../../aws";
import type { LaunchForm } from "./validate";

/** "<cluster>-instance-1", and its replica "<cluster>-instance-1-<zone>", as the AWS console names them; never over 63 characters. */
export function memberName(cluster: string, suffix: string): string {
  return `${cluster.slice(0, 63 - suffix.length)}${suffix}`.replace(/-+$/, "");
}

/** An error from the instances, once the cluster exists: the form says so (a retry would find the name taken). */
export class PartlyCreated extends Error {}

export async function createAuroraCluster(form: LaunchForm): Promise<void> {
  const rds = aws().rds;
  const cluster = form.identifier.toLowerCase();
  const made = await rds.send(
    new CreateDBClusterCommand({
      DBClusterIdentifier: form.identifier,
      Engine: form.engine,
      EngineVersion: form.version,
      MasterUsername: form.username,
      MasterUserPassword: form.password,
      DatabaseName: form.dbName || undefined,
      Port: Number(form.port),
      BackupRetentionPeriod: Number(form.retention),
      DeletionProtection: form.deletionProtection,
      EnableHttpEndpoint: form.dataApi || undefined,
    }),
  );
  try {
    const writer = await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: memberName(cluster, "-instance-1"),
        DBClusterIdentifier: cluster,
        Engine: form.engine,
        DBInstanceClass: form.instanceClass,
      }),
    );
    if (!form.replica) return;
    const writerZone = writer.DBInstance?.AvailabilityZone;
    const zone = made.DBCluster?.AvailabilityZones?.find((z) => z !== writerZone);
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: memberName(cluster, `-instance-1${zone ? `-${zone}` : "-reader"}`),
        DBClusterIdentifier: cluster,
        Engine: form.engine,
        DBInstanceClass: form.instanceClass,
        AvailabilityZone: zone,
      }),
    );
  } catch (e) {
    throw new PartlyCreated(`The DB cluster ${cluster} was created, but not all of its instances: ${errorText(e)} Add them from the cluster's page.`);
  }
}
