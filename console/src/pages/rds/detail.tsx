// One DB instance: status (live until it settles), endpoint, configuration, events, snapshots, actions.
import {
  DeleteDBClusterCommand,
  DeleteDBInstanceCommand,
  DescribeDBInstancesCommand,
  paginateDescribeEvents,
  RebootDBInstanceCommand,
  StartDBInstanceCommand,
  StopDBInstanceCommand,
  type DBCluster,
  type DBInstance,
} from "@aws-sdk/client-rds";
import { DeleteSecretCommand, paginateListSecrets } from "@aws-sdk/client-secrets-manager";
import { useEffect, useState } from "preact/hooks";
import { aws, collect, errorText } from "../../aws";
import { href, navigate } from "../../router";
import { Button, Confirm, ErrorBox, Field, KeyValues, LinkButton, Notice, Page, Panel, Status, Tabs, formatDate, plural, useLoad } from "../../ui/kit";
import { EventsPanel, useResource } from "../../ui/resource";
import { forgetConnections } from "../query/connection";
import { deleteClusterSecrets, useFinalSnapshot } from "./cluster-actions";
import { clusterLink, describeCluster, writerOf } from "./clusters";
import { ConnectionExamples, instanceEndpoint } from "./connect";
import { SETTLED } from "./instances";
import { CreateReplica, PromoteReplica, RestoreToPointInTime } from "./recovery";
import { Snapshots } from "./snapshots";

type Action = "reboot" | "stop" | "start" | "delete" | "replica" | "promote" | "restore" | null;

export function InstanceDetail(props: { id: string }) {
  const { item: db, error, gone, load, status } = useResource<DBInstance>(
    {
      fetch: async () => (await aws().rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: props.id }))).DBInstances?.[0] || null,
      notFound: "DBInstanceNotFoundFault",
      status: (instance) => instance.DBInstanceStatus || "",
      settled: SETTLED,
    },
    [props.id],
  );
  const [tab, setTab] = useState("Connectivity");
  const [action, setAction] = useState<Action>(null);
  const [failover, setFailover] = useState(false);
  // An Aurora cluster's member: the cluster owns its data, backups and replication.
  const clusterId = db?.DBClusterIdentifier;
  const { data: cluster } = useLoad(async () => (clusterId ? describeCluster(clusterId) : null), [clusterId, status]);

  const run = async (command: Promise<unknown>) => {
    await command;
    await load();
  };
  const rds = aws().rds;

  return (
    <Page
      title={props.id}
      crumbs={[["RDS", href("/rds")]]}
      actions={
        db && (
          <>
            {!clusterId && <LinkButton href={href(`/query?instance=${encodeURIComponent(props.id)}`)}>Query</LinkButton>}
            <LinkButton href={href(`/rds/instances/${encodeURIComponent(props.id)}/modify`)}>Modify</LinkButton>
            <Button onClick={() => setAction("reboot")} disabled={status !== "available"}>
              Reboot
            </Button>
            {clusterId ? null : db.ReadReplicaSourceDBInstanceIdentifier ? (
              <Button onClick={() => setAction("promote")} disabled={status !== "available"}>
                Promote
              </Button>
            ) : (
              <Button onClick={() => setAction("replica")} disabled={status !== "available" || !db.BackupRetentionPeriod}>
                Create read replica
              </Button>
            )}
            {!clusterId && (
              <Button onClick={() => setAction("restore")} disabled={!db.LatestRestorableTime}>
                Restore to point in time
              </Button>
            )}
            {clusterId ? null : status === "stopped" ? (
              <Button onClick={() => setAction("start")}>Start</Button>
            ) : (
              <Button onClick={() => setAction("stop")} disabled={status !== "available"}>
                Stop
              </Button>
            )}
            <Button kind="danger" onClick={() => setAction("delete")} disabled={status === "deleting"}>
              Delete
            </Button>
          </>
        )
      }
    >
      {gone && <Notice kind="info">This instance has been deleted.</Notice>}
      <ErrorBox error={error} />
      {db && (
        <>
          <Panel title="Summary">
            <KeyValues
              items={[
                ["Status", <Status value={status} />],
                ["Engine", `${db.Engine} ${db.EngineVersion}`],
                ["Class", db.DBInstanceClass],
                ["Endpoint", db.Endpoint ? <span class="mono">{`${db.Endpoint.Address}:${db.Endpoint.Port}`}</span> : "Not yet available"],
                ...(clusterId
                  ? ([
                      ["DB cluster", <a href={clusterLink(clusterId)}>{clusterId}</a>],
                      ["Role", cluster ? (writerOf(cluster) === props.id ? "Writer instance" : "Reader instance") : "…"],
                    ] as [string, preact.ComponentChildren][])
                  : []),
              ]}
            />
            {!SETTLED.has(status) && status !== "deleting" && (
              <div class="progress" role="progressbar" aria-label={`Instance is ${status}`}>
                <div class="progress-bar indeterminate" />
              </div>
            )}
          </Panel>
          <Tabs tabs={clusterId ? ["Connectivity", "Configuration", "Events"] : ["Connectivity", "Configuration", "Events", "Snapshots"]} active={tab} onChange={setTab} />
          {tab === "Connectivity" && (
            <Panel title="Connect to this database">
              {db.Endpoint ? (
                <>
                  <KeyValues
                    items={[
                      ["Endpoint", <span class="mono">{db.Endpoint.Address}</span>],
                      ["Port", String(db.Endpoint.Port)],
                      ["Master username", db.MasterUsername],
                      ["Database", db.DBName],
                      ["ARN", <span class="mono small">{db.DBInstanceArn}</span>],
                    ]}
                  />
                  <ConnectionExamples endpoints={[instanceEndpoint(db)]} />
                </>
              ) : (
                <p class="muted">The endpoint appears when the instance is available.</p>
              )}
            </Panel>
          )}
          {tab === "Configuration" && (
            <Panel title="Configuration">
              <KeyValues
                items={[
                  ["DB instance identifier", db.DBInstanceIdentifier],
                  ["Engine version", db.EngineVersion],
                  ["Instance class", db.DBInstanceClass],
                  ["Storage", db.AllocatedStorage ? `${db.AllocatedStorage} GiB (${db.StorageType || "gp2"})` : ""],
                  ["Master username", db.MasterUsername],
                  [
                    "Master credentials",
                    db.MasterUserSecret?.SecretArn ? (
                      <span class="mono">Managed in Secrets Manager: {db.MasterUserSecret.SecretArn}</span>
                    ) : (
                      "Self managed (MasterUserPassword)"
                    ),
                  ],
                  ["Initial database", db.DBName],
                  ["Backup retention", db.BackupRetentionPeriod !== undefined ? plural(db.BackupRetentionPeriod, "day") : ""],
                  ["Latest restorable time", db.LatestRestorableTime ? formatDate(db.LatestRestorableTime) : "–"],
                  [
                    "Replication",
                    db.ReadReplicaSourceDBInstanceIdentifier ? (
                      <>
                        Read replica of <a href={href(`/rds/instances/${encodeURIComponent(db.ReadReplicaSourceDBInstanceIdentifier)}`)}>{db.ReadReplicaSourceDBInstanceIdentifier}</a>
                        {db.StatusInfos?.[0]?.Status ? ` (${db.StatusInfos[0].Status})` : ""}
                      </>
                    ) : db.ReadReplicaDBInstanceIdentifiers?.length ? (
                      <>
                        Replicas:{" "}
                        {db.ReadReplicaDBInstanceIdentifiers.map((r, i) => (
                          <span key={r}>
                            {i ? ", " : ""}
                            <a href={href(`/rds/instances/${encodeURIComponent(r)}`)}>{r}</a>
                          </span>
                        ))}
                      </>
                    ) : (
                      "None"
                    ),
                  ],
                  ["Deletion protection", db.DeletionProtection ? "Enabled" : "Disabled"],
                  ["Multi-AZ", db.MultiAZ ? "Yes" : "No"],
                  ["Parameter group", db.DBParameterGroups?.map((g) => g.DBParameterGroupName).join(", ")],
                  ["Availability zone", db.AvailabilityZone],
                  ...(db.MultiAZ ? [["Secondary zone", db.SecondaryAvailabilityZone] as [string, string | undefined]] : []),
                  ["Created", formatDate(db.InstanceCreateTime)],
                  ["Resource ID", db.DbiResourceId],
                  ["ARN", db.DBInstanceArn],
                ]}
              />
              <PendingChanges db={db} />
            </Panel>
          )}
          {tab === "Events" && <Events id={props.id} status={status} />}
          {tab === "Snapshots" && <Snapshots db={db} />}
        </>
      )}
      {action === "reboot" && (
        <Confirm title={`Reboot ${props.id}?`} word="" action="Reboot" onClose={() => setAction(null)} onConfirm={() => run(rds.send(new RebootDBInstanceCommand({ DBInstanceIdentifier: props.id, ForceFailover: (db?.MultiAZ && failover) || undefined })))}>
          <p>The database restarts; connections are dropped while it reboots.</p>
          {db?.MultiAZ && (
            <label class="check">
              <input type="checkbox" checked={failover} onChange={(e) => setFailover(e.currentTarget.checked)} />
              Reboot with failover: the standby becomes the primary, on the same endpoint
            </label>
          )}
        </Confirm>
      )}
      {action === "stop" && (
        <Confirm title={`Stop ${props.id}?`} word="" action="Stop" onClose={() => setAction(null)} onConfirm={() => run(rds.send(new StopDBInstanceCommand({ DBInstanceIdentifier: props.id })))}>
          <p>The instance stops until you start it again. Its data is kept.</p>
        </Confirm>
      )}
      {action === "start" && (
        <Confirm title={`Start ${props.id}?`} word="" action="Start" onClose={() => setAction(null)} onConfirm={() => run(rds.send(new StartDBInstanceCommand({ DBInstanceIdentifier: props.id })))} />
      )}
      {action === "delete" && db && <DeleteInstance db={db} onClose={() => setAction(null)} />}
      {action === "replica" && db && <CreateReplica db={db} onClose={() => setAction(null)} />}
      {action === "promote" && db && <PromoteReplica db={db} onClose={() => setAction(null)} onDone={load} />}
      {action === "restore" && db && <RestoreToPointInTime db={db} onClose={() => setAction(null)} />}
    </Page>
  );
}

/** What ModifyDBInstance left for the maintenance window (or that is being applied now). */
function PendingChanges(props: { db: DBInstance }) {
  const pending = Object.entries(props.db.PendingModifiedValues || {}).filter(([, v]) => v !== undefined && v !== null && typeof v !== "object");
  if (!pending.length) return null;
  return (
    <div class="pending" aria-label="Pending modifications">
      <h3>Pending modifications</h3>
      <KeyValues items={pending.map(([k, v]) => [k, k === "MasterUserPassword" ? "****" : String(v)])} />
    </div>
  );
}

/**
 * Delete the instance, and offer to delete what the query editor left for it: the secrets it
 * stored as `fogbank-console/<instance>/<user>` would otherwise outlive the database. A cluster's
 * member has no final snapshot of its own (the cluster keeps the data); deleting a cluster's last
 * instance deletes the cluster too, as the AWS console does, with the cluster's final snapshot.
 */
export function DeleteInstance(props: { db: DBInstance; onClose: () => void; onDeleted?: () => Promise<void> }) {
  const id = props.db.DBInstanceIdentifier || "";
  const clusterId = props.db.DBClusterIdentifier;
  const [finalSnapshot, setFinalSnapshot] = useState(false);
  const [snapshotName, setSnapshotName] = useState(`${id}-final-snapshot`);
  const [secrets, setSecrets] = useState<string[]>([]);
  const [deleteSecrets, setDeleteSecrets] = useState(true);
  const [cluster, setCluster] = useState<DBCluster | null>(null);
  const clusterSnapshot = useFinalSnapshot(clusterId || id);
  useEffect(() => {
    collect(paginateListSecrets({ client: aws().secrets }, { Filters: [{ Key: "name", Values: [`fogbank-console/${id}/`] }] }), (p) => p.SecretList)
      .then((found) => setSecrets(found.map((s) => s.Name as string).filter((n) => n.startsWith(`fogbank-console/${id}/`))))
      .catch(() => setSecrets([]));
    if (clusterId) describeCluster(clusterId).then(setCluster).catch(() => setCluster(null));
  }, [id]);
  const members = cluster?.DBClusterMembers || [];
  const last = !!cluster && members.length === 1 && members[0].DBInstanceIdentifier === id;
  const writerWithReaders = !!cluster && writerOf(cluster) === id && members.length > 1;
  return (
    <Confirm
      title={`Delete ${id}?`}
      word="delete me"
      action="Delete"
      onClose={props.onClose}
      onConfirm={async () => {
        // As it is now (a reader may have been added or deleted since the dialog opened).
        const now = clusterId ? await describeCluster(clusterId) : null;
        const lastNow = !!now && (now.DBClusterMembers || []).every((m) => m.DBInstanceIdentifier === id);
        if (lastNow !== last) throw new Error(`The cluster ${clusterId} has changed since this dialog opened: close it and try again.`);
        if (lastNow && now?.DeletionProtection)
          throw new Error(`The cluster ${clusterId} has deletion protection enabled: to delete its last instance, modify the cluster and disable deletion protection.`);
        await aws().rds.send(
          new DeleteDBInstanceCommand(
            clusterId
              ? { DBInstanceIdentifier: id }
              : { DBInstanceIdentifier: id, SkipFinalSnapshot: !finalSnapshot, FinalDBSnapshotIdentifier: finalSnapshot ? snapshotName : undefined },
          ),
        );
        if (deleteSecrets && secrets.length) {
          await Promise.all(secrets.map((name) => aws().secrets.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }))));
          forgetConnections(id);
        }
        if (lastNow && clusterId) {
          try {
            await aws().rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: clusterId, ...clusterSnapshot.params }));
          } catch (e) {
            throw new Error(`The instance is being deleted, but not its cluster ${clusterId}: ${errorText(e)}`);
          }
          await deleteClusterSecrets(clusterId).catch(() => undefined);
        }
        // The cluster's page has nothing left to show once the cluster goes too.
        if (props.onDeleted && !lastNow) await props.onDeleted();
        else navigate("/rds");
      }}
    >
      {!clusterId && <p>The instance and its automated backups are deleted. This can't be undone.</p>}
      {clusterId && !last && (
        <p>
          The instance leaves the cluster {clusterId}, whose data stays with its other instances.
          {writerWithReaders && " It is the writer: a reader is promoted to writer first (the reader of the lowest tier)."}
        </p>
      )}
      {last && (
        <>
          <p>
            This is the last instance of the cluster {clusterId}: the cluster and its data are deleted too, with the query editor's secrets for it. This
            can't be undone.
          </p>
          {clusterSnapshot.view}
        </>
      )}
      {!clusterId && (
        <label class="check">
          <input type="checkbox" checked={finalSnapshot} onChange={(e) => setFinalSnapshot(e.currentTarget.checked)} />
          Create final snapshot
        </label>
      )}
      {!clusterId && finalSnapshot && (
        <Field label="Final snapshot name" id="final-snap">
          <input id="final-snap" value={snapshotName} onInput={(e) => setSnapshotName(e.currentTarget.value)} />
        </Field>
      )}
      {secrets.length > 0 && (
        <>
          <label class="check">
            <input type="checkbox" checked={deleteSecrets} onChange={(e) => setDeleteSecrets(e.currentTarget.checked)} />
            Also delete the query editor's {secrets.length === 1 ? "secret" : "secrets"} for this instance
          </label>
          <ul class="small mono">
            {secrets.map((name) => (
              <li key={name}>{name}</li>
            ))}
          </ul>
        </>
      )}
    </Confirm>
  );
}

function Events(props: { id: string; status: string }) {
  const fetch = () => collect(paginateDescribeEvents({ client: aws().rds }, { SourceType: "db-instance", SourceIdentifier: props.id, Duration: 20160 }), (p) => p.Events);
  return <EventsPanel fetch={fetch} deps={[props.status]} />;
}
