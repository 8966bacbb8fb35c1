// One Aurora DB cluster: status (live until it settles), its writer and reader endpoints and how to connect,
// its instances with their roles, the RDS Data API, configuration and events; the actions are in cluster-actions.tsx.
import { ModifyDBClusterCommand, paginateDescribeDBInstances, paginateDescribeEvents, type DBCluster, type DBInstance } from "@aws-sdk/client-rds";
import { useState } from "preact/hooks";
import { aws, collect } from "../../aws";
import { href } from "../../router";
import { Button, ErrorBox, KeyValues, LinkButton, Notice, Page, Panel, Status, Tabs, attempt, formatDate, plural, useLoad, usePoll } from "../../ui/kit";
import { EventsPanel, useResource } from "../../ui/resource";
import { AddReader, DeleteCluster, FailoverCluster, StartCluster, StopCluster } from "./cluster-actions";
import { CLUSTER_SETTLED, describeCluster, instanceLink, instanceRole, membersInOrder, writerOf } from "./clusters";
import { ConnectionExamples } from "./connect";
import { DeleteInstance } from "./detail";
import { SETTLED } from "./instances";

type Action = "reader" | "failover" | "stop" | "start" | "delete" | null;

export function DBClusterDetail(props: { id: string }) {
  const { item: cluster, error, gone, load, status } = useResource<DBCluster>(
    { fetch: () => describeCluster(props.id), notFound: "DBClusterNotFoundFault", status: (c) => c.Status || "", settled: CLUSTER_SETTLED },
    [props.id],
  );
  const memberIds = (cluster?.DBClusterMembers || []).map((m) => m.DBInstanceIdentifier).join(" ");
  const { data: instances, reload: loadInstances } = useLoad(
    () => collect(paginateDescribeDBInstances({ client: aws().rds }, { Filters: [{ Name: "db-cluster-id", Values: [props.id] }] }), (p) => p.DBInstances),
    [props.id, memberIds, status],
  );
  // An instance can change (a reader being created, a writer rebooting in a failover) while the cluster stays available.
  usePoll(loadInstances, 1500, (instances || []).some((db) => !SETTLED.has(db.DBInstanceStatus || "")), [props.id]);
  const [tab, setTab] = useState("Connectivity & security");
  const [action, setAction] = useState<Action>(null);
  const refresh = async () => {
    await load();
    await loadInstances();
  };
  const members = cluster ? membersInOrder(cluster) : [];
  const hasReader = members.some((m) => !m.IsClusterWriter);

  return (
    <Page
      title={props.id}
      crumbs={[["RDS", href("/rds")]]}
      actions={
        cluster && (
          <>
            {cluster.HttpEndpointEnabled && <LinkButton href={href(`/query?cluster=${encodeURIComponent(props.id)}`)}>Query</LinkButton>}
            <LinkButton href={href(`/rds/clusters/${encodeURIComponent(props.id)}/modify`)}>Modify</LinkButton>
            <Button onClick={() => setAction("reader")} disabled={status !== "available"}>
              {members.length ? "Add reader" : "Add instance"}
            </Button>
            <Button onClick={() => setAction("failover")} disabled={status !== "available" || !hasReader}>
              Failover
            </Button>
            {status === "stopped" ? (
              <Button onClick={() => setAction("start")}>Start</Button>
            ) : (
              <Button onClick={() => setAction("stop")} disabled={status !== "available"}>
                Stop
              </Button>
            )}
            {/* As on AWS: a cluster is deleted once its instances are (deleting the last instance from its page deletes the cluster too). */}
            <Button
              kind="danger"
              onClick={() => setAction("delete")}
              disabled={status === "deleting" || members.length > 0}
              title={members.length ? "Delete the cluster's DB instances first" : undefined}
            >
              Delete
            </Button>
          </>
        )
      }
    >
      {gone && <Notice kind="info">This cluster has been deleted.</Notice>}
      <ErrorBox error={error} />
      {cluster && (
        <>
          <Panel title="Summary">
            <KeyValues
              items={[
                ["Status", <Status value={status} />],
                ["Role", "Regional cluster"],
                ["Engine", `${cluster.Engine} ${cluster.EngineVersion}`],
                ["Writer instance", writerOf(cluster) || "None"],
                ["Capacity", plural(members.length, "instance")],
                ["RDS Data API", cluster.HttpEndpointEnabled ? "Enabled" : "Disabled"],
              ]}
            />
            {!CLUSTER_SETTLED.has(status) && status !== "deleting" && (
              <div class="progress" role="progressbar" aria-label={`Cluster is ${status}`}>
                <div class="progress-bar indeterminate" />
              </div>
            )}
          </Panel>
          <Members cluster={cluster} instances={instances || []} onDeleted={refresh} />
          <Tabs tabs={["Connectivity & security", "Configuration", "Events"]} active={tab} onChange={setTab} />
          {tab === "Connectivity & security" && <Connectivity cluster={cluster} onChange={refresh} />}
          {tab === "Configuration" && <Configuration cluster={cluster} />}
          {tab === "Events" && <Events id={props.id} status={status} />}
        </>
      )}
      {cluster && action === "reader" && <AddReader cluster={cluster} instances={instances || []} onClose={() => setAction(null)} onDone={refresh} />}
      {cluster && action === "failover" && <FailoverCluster cluster={cluster} onClose={() => setAction(null)} onDone={refresh} />}
      {cluster && action === "stop" && <StopCluster cluster={cluster} onClose={() => setAction(null)} onDone={refresh} />}
      {cluster && action === "start" && <StartCluster cluster={cluster} onClose={() => setAction(null)} onDone={refresh} />}
      {cluster && action === "delete" && <DeleteCluster cluster={cluster} onClose={() => setAction(null)} />}
    </Page>
  );
}

/** The cluster's instances, the writer first: each one's role, status, class, zone and failover priority. */
function Members(props: { cluster: DBCluster; instances: DBInstance[]; onDeleted: () => Promise<void> }) {
  const [deleting, setDeleting] = useState<DBInstance | null>(null);
  const byId = new Map(props.instances.map((db) => [db.DBInstanceIdentifier, db]));
  const members = membersInOrder(props.cluster);
  return (
    <Panel title={`DB instances (${members.length})`}>
      <table class="table" aria-label="Cluster members">
        <thead>
          <tr>
            <th>DB identifier</th>
            <th>Role</th>
            <th>Status</th>
            <th>Size</th>
            <th>Availability zone</th>
            <th>Failover priority</th>
            <th>Instance endpoint</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {members.map((m) => {
            const db = byId.get(m.DBInstanceIdentifier);
            return (
              <tr key={m.DBInstanceIdentifier}>
                <td>
                  <a href={instanceLink(m.DBInstanceIdentifier || "")}>{m.DBInstanceIdentifier}</a>
                </td>
                <td>{db ? instanceRole(db, props.cluster) : m.IsClusterWriter ? "Writer instance" : "Reader instance"}</td>
                <td>
                  <Status value={db?.DBInstanceStatus} />
                </td>
                <td>{db?.DBInstanceClass}</td>
                <td>{db?.AvailabilityZone}</td>
                <td>tier-{m.PromotionTier ?? 1}</td>
                <td class="mono">{db?.Endpoint ? `${db.Endpoint.Address}:${db.Endpoint.Port}` : "–"}</td>
                <td class="row-actions">
                  <Button kind="danger" onClick={() => db && setDeleting(db)} disabled={!db || db.DBInstanceStatus === "deleting"} aria-label={`Delete ${m.DBInstanceIdentifier}`}>
                    Delete
                  </Button>
                </td>
              </tr>
            );
          })}
          {members.length === 0 && (
            <tr>
              <td colSpan={8} class="muted">
                No DB instances: add one to open the cluster's endpoints to connections, or delete the cluster.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {deleting && <DeleteInstance db={deleting} onClose={() => setDeleting(null)} onDeleted={props.onDeleted} />}
    </Panel>
  );
}

/** The endpoints Aurora gives every cluster: the writer's (the cluster endpoint) and the readers' (the reader endpoint). */
function Connectivity(props: { cluster: DBCluster; onChange: () => Promise<void> }) {
  const c = props.cluster;
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const setDataApi = async (enabled: boolean) => {
    setBusy(true);
    if (await attempt(() => aws().rds.send(new ModifyDBClusterCommand({ DBClusterIdentifier: c.DBClusterIdentifier, EnableHttpEndpoint: enabled, ApplyImmediately: true })), setError))
      await props.onChange();
    setBusy(false);
  };
  const common = { engine: c.Engine || "", port: c.Port || "", user: c.MasterUsername || "", dbName: c.DatabaseName };
  return (
    <>
      <Panel title="Endpoints">
        <table class="table" aria-label="Endpoints">
          <thead>
            <tr>
              <th>Endpoint name</th>
              <th>Type</th>
              <th>Port</th>
              <th>Connects to</th>
            </tr>
          </thead>
          <tbody>
            <tr>
              <td class="mono">{c.Endpoint}</td>
              <td>Writer</td>
              <td>{c.Port}</td>
              <td>The writer instance, whichever it is: after a failover, new connections reach the new writer.</td>
            </tr>
            <tr>
              <td class="mono">{c.ReaderEndpoint}</td>
              <td>Reader</td>
              <td>{c.Port}</td>
              <td>Each new connection the next reader in turn (the writer while there is none).</td>
            </tr>
          </tbody>
        </table>
        <ConnectionExamples
          endpoints={[
            { ...common, host: c.Endpoint || "", label: "writer", arn: c.HttpEndpointEnabled ? c.DBClusterArn : undefined },
            { ...common, host: c.ReaderEndpoint || "", label: "reader", brief: true },
          ]}
        />
      </Panel>
      <Panel
        title="RDS Data API"
        actions={
          c.HttpEndpointEnabled ? (
            <>
              <LinkButton href={href(`/query?cluster=${encodeURIComponent(c.DBClusterIdentifier || "")}`)}>Open the query editor</LinkButton>
              <Button busy={busy} onClick={() => setDataApi(false)} disabled={c.Status !== "available"}>
                Disable
              </Button>
            </>
          ) : (
            <Button kind="primary" busy={busy} onClick={() => setDataApi(true)} disabled={c.Status !== "available"}>
              Enable the RDS Data API
            </Button>
          )
        }
      >
        <ErrorBox error={error} onClose={() => setError(null)} />
        <p>
          {c.HttpEndpointEnabled
            ? "Enabled: SQL sent to the Data API with this cluster's ARN and a Secrets Manager secret runs on the writer."
            : "Disabled: the Data API (and the query editor) answer that the HTTP endpoint is not enabled for this cluster."}
        </p>
        <KeyValues items={[["Cluster ARN", <span class="mono small">{c.DBClusterArn}</span>]]} />
      </Panel>
    </>
  );
}

function Configuration(props: { cluster: DBCluster }) {
  const c = props.cluster;
  const yes = (v?: boolean) => (v ? "Enabled" : "Disabled");
  return (
    <Panel title="Configuration">
      <KeyValues
        items={[
          ["DB cluster identifier", c.DBClusterIdentifier],
          ["Engine version", c.EngineVersion],
          ["DB cluster parameter group", c.DBClusterParameterGroup],
          ["Master username", c.MasterUsername],
          ["Database name", c.DatabaseName],
          ["Port", String(c.Port ?? "")],
          ["Backup retention", c.BackupRetentionPeriod !== undefined ? plural(c.BackupRetentionPeriod, "day") : ""],
          ["Backup window", c.PreferredBackupWindow],
          ["Maintenance window", c.PreferredMaintenanceWindow],
          ["Deletion protection", yes(c.DeletionProtection)],
          ["Copy tags to snapshots", yes(c.CopyTagsToSnapshot)],
          ["Auto minor version upgrade", yes(c.AutoMinorVersionUpgrade)],
          ["RDS Data API", yes(c.HttpEndpointEnabled)],
          ["Multi-AZ", c.MultiAZ ? "Yes (instances in several zones)" : "No"],
          ["Availability zones", c.AvailabilityZones?.join(", ")],
          ["Storage", c.StorageType],
          ["Created", formatDate(c.ClusterCreateTime)],
          ["Resource ID", c.DbClusterResourceId],
          ["ARN", c.DBClusterArn],
        ]}
      />
    </Panel>
  );
}

function Events(props: { id: string; status: string }) {
  const fetch = () => collect(paginateDescribeEvents({ client: aws().rds }, { SourceType: "db-cluster", SourceIdentifier: props.id, Duration: 20160 }), (p) => p.Events);
  return <EventsPanel fetch={fetch} deps={[props.status]} />;
}
