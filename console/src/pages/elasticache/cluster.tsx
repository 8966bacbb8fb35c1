// One cache cluster: status (live until it settles), endpoints with connection examples, configuration,
// events, snapshots (Valkey/Redis OSS); reboot and delete.
import { DeleteCacheClusterCommand, RebootCacheClusterCommand, type CacheCluster } from "@aws-sdk/client-elasticache";
import { useState } from "preact/hooks";
import { aws } from "../../aws";
import { href, navigate } from "../../router";
import { Button, Confirm, ErrorBox, Field, KeyValues, Notice, Page, Panel, Status, Tabs, formatDate } from "../../ui/kit";
import { useResource } from "../../ui/resource";
import { SETTLED, address, cacheErrorText, engineLabel, listClusters } from "./api";
import { ConnectionExamples, useAuthority } from "./connect";
import { groupLink } from "./list";
import { Events, Snapshots } from "./parts";

export function ClusterDetail(props: { id: string }) {
  const { item: cluster, error, gone, load, status } = useResource<CacheCluster>(
    {
      fetch: async () => (await listClusters(props.id))[0] || null,
      notFound: "CacheClusterNotFoundFault",
      status: (c) => c.CacheClusterStatus || "",
      settled: SETTLED,
      text: cacheErrorText,
    },
    [props.id],
  );
  const [tab, setTab] = useState("Connectivity");
  const [action, setAction] = useState<"reboot" | "delete" | null>(null);
  const memcached = cluster?.Engine === "memcached";
  const nodes = cluster?.CacheNodes || [];

  return (
    <Page
      title={props.id}
      crumbs={[["ElastiCache", href("/elasticache")]]}
      actions={
        cluster && (
          <>
            <Button onClick={() => setAction("reboot")} disabled={status !== "available"}>
              Reboot
            </Button>
            <Button kind="danger" onClick={() => setAction("delete")} disabled={status === "deleting" || !!cluster.ReplicationGroupId}>
              Delete
            </Button>
          </>
        )
      }
    >
      {gone && <Notice kind="info">This cache cluster has been deleted.</Notice>}
      <ErrorBox error={error} />
      {cluster && (
        <>
          <Panel title="Summary">
            <KeyValues
              items={[
                ["Status", <Status value={status} />],
                ["Engine", engineLabel(cluster.Engine, cluster.EngineVersion)],
                ["Node type", cluster.CacheNodeType],
                ["Nodes", String(cluster.NumCacheNodes ?? nodes.length)],
                [memcached ? "Configuration endpoint" : "Endpoint", <span class="mono">{address(cluster.ConfigurationEndpoint || nodes[0]?.Endpoint)}</span>],
                ...(cluster.ReplicationGroupId
                  ? ([["Replication group", <a href={groupLink(cluster.ReplicationGroupId)}>{cluster.ReplicationGroupId}</a>]] as [string, preact.ComponentChildren][])
                  : []),
              ]}
            />
            {!SETTLED.has(status) && status !== "deleting" && (
              <div class="progress" role="progressbar" aria-label={`Cluster is ${status}`}>
                <div class="progress-bar indeterminate" />
              </div>
            )}
          </Panel>
          <Tabs tabs={memcached ? ["Connectivity", "Configuration", "Events"] : ["Connectivity", "Configuration", "Events", "Snapshots"]} active={tab} onChange={setTab} />
          {tab === "Connectivity" && <Connectivity cluster={cluster} />}
          {tab === "Configuration" && (
            <Panel title="Configuration">
              <KeyValues
                items={[
                  ["Cluster ID", cluster.CacheClusterId],
                  ["Engine version", cluster.EngineVersion],
                  ["Node type", cluster.CacheNodeType],
                  ["Parameter group", cluster.CacheParameterGroup ? `${cluster.CacheParameterGroup.CacheParameterGroupName} (${cluster.CacheParameterGroup.ParameterApplyStatus})` : ""],
                  ["Subnet group", cluster.CacheSubnetGroupName],
                  ["Availability zone", cluster.PreferredAvailabilityZone],
                  ["Maintenance window", cluster.PreferredMaintenanceWindow],
                  ["Snapshot retention", cluster.SnapshotRetentionLimit !== undefined ? `${cluster.SnapshotRetentionLimit} days` : ""],
                  ["Auth token", cluster.AuthTokenEnabled ? "Enabled" : "Disabled"],
                  ["Created", formatDate(cluster.CacheClusterCreateTime)],
                  ["ARN", cluster.ARN],
                ]}
              />
            </Panel>
          )}
          {tab === "Events" && <Events sourceType="cache-cluster" id={props.id} status={status} />}
          {tab === "Snapshots" && <Snapshots of={{ CacheClusterId: props.id }} name={props.id} ready={status === "available"} />}
        </>
      )}
      {action === "reboot" && cluster && (
        <Confirm
          title={`Reboot ${props.id}?`}
          word=""
          action="Reboot"
          onClose={() => setAction(null)}
          onConfirm={async () => {
            await aws().elasticache.send(new RebootCacheClusterCommand({ CacheClusterId: props.id, CacheNodeIdsToReboot: nodes.map((n) => n.CacheNodeId as string) }));
            await load();
          }}
        >
          <p>Every node restarts; connections are dropped while it reboots.{memcached ? " Memcached keeps no data across a reboot." : ""}</p>
        </Confirm>
      )}
      {action === "delete" && <DeleteCluster id={props.id} snapshots={!memcached} onClose={() => setAction(null)} />}
    </Page>
  );
}

function Connectivity(props: { cluster: CacheCluster }) {
  const c = props.cluster;
  const nodes = c.CacheNodes || [];
  const main = c.ConfigurationEndpoint || nodes[0]?.Endpoint;
  const ca = useAuthority("cache-cluster", c.CacheClusterId || "", !!c.TransitEncryptionEnabled);
  if (!main?.Address) return <Panel title="Connect to this cache"><p class="muted">The endpoints appear when the cluster is available.</p></Panel>;
  return (
    <Panel title="Connect to this cache">
      <table class="table" aria-label="Node endpoints">
        <thead>
          <tr>
            <th>Node</th>
            <th>Status</th>
            <th>Endpoint</th>
            <th>Port</th>
          </tr>
        </thead>
        <tbody>
          {c.ConfigurationEndpoint && (
            <tr>
              <td>Configuration endpoint</td>
              <td />
              <td class="mono">{c.ConfigurationEndpoint.Address}</td>
              <td class="mono">{c.ConfigurationEndpoint.Port}</td>
            </tr>
          )}
          {nodes.map((n) => (
            <tr key={n.CacheNodeId}>
              <td>{n.CacheNodeId}</td>
              <td>
                <Status value={n.CacheNodeStatus} />
              </td>
              <td class="mono">{n.Endpoint?.Address}</td>
              <td class="mono">{n.Endpoint?.Port}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {c.TransitEncryptionEnabled && <p class="muted">TLS only: give clients Fogbank's certificate authority, {ca || "named in the creation event"}.</p>}
      <ConnectionExamples
        engine={c.Engine || ""}
        host={main.Address}
        port={main.Port || 0}
        ca={c.TransitEncryptionEnabled ? ca || "" : undefined}
        nodes={nodes.filter((n) => n.Endpoint?.Address).map((n) => [n.Endpoint?.Address as string, n.Endpoint?.Port as number])}
      />
    </Panel>
  );
}

function DeleteCluster(props: { id: string; snapshots: boolean; onClose: () => void }) {
  const [finalSnapshot, setFinalSnapshot] = useState(false);
  const [snapshotName, setSnapshotName] = useState(`${props.id}-final-snapshot`);
  return (
    <Confirm
      title={`Delete ${props.id}?`}
      word="delete me"
      action="Delete"
      onClose={props.onClose}
      onConfirm={async () => {
        try {
          await aws().elasticache.send(new DeleteCacheClusterCommand({ CacheClusterId: props.id, FinalSnapshotIdentifier: finalSnapshot ? snapshotName : undefined }));
        } catch (e) {
          throw new Error(cacheErrorText(e));
        }
        navigate("/elasticache");
      }}
    >
      <p>The cluster's nodes and their data are deleted. This can't be undone.</p>
      {props.snapshots && (
        <label class="check">
          <input type="checkbox" checked={finalSnapshot} onChange={(e) => setFinalSnapshot(e.currentTarget.checked)} />
          Create final snapshot
        </label>
      )}
      {finalSnapshot && (
        <Field label="Final snapshot name" id="final-snap">
          <input id="final-snap" value={snapshotName} onInput={(e) => setSnapshotName(e.currentTarget.value)} />
        </Field>
      )}
    </Confirm>
  );
}
