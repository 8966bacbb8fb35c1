// One replication group: primary/reader (or configuration) endpoints with connection examples, its nodes
// and their roles, events, snapshots; failover (TestFailover) per shard, delete.
import { DeleteReplicationGroupCommand, TestFailoverCommand, type NodeGroup, type ReplicationGroup } from "@aws-sdk/client-elasticache";
import { useEffect, useState } from "preact/hooks";
import { aws } from "../../aws";
import { href, navigate } from "../../router";
import { Button, Confirm, ErrorBox, KeyValues, Notice, Page, Panel, Status, Tabs, useFlash } from "../../ui/kit";
import { useResource } from "../../ui/resource";
import { SETTLED, address, cacheErrorText, listClusters, listGroups } from "./api";
import { ConnectionExamples, useAuthority } from "./connect";
import { clusterLink } from "./list";
import { Events, Snapshots } from "./parts";

export function GroupDetail(props: { id: string }) {
  const { item: group, error, gone, load, status } = useResource<ReplicationGroup>(
    {
      fetch: async () => {
        const found = await listGroups(props.id);
        if (found === null) throw new Error("Replication groups are not available yet in this Fogbank (DescribeReplicationGroups answers NotImplemented).");
        return found[0] || null;
      },
      notFound: "ReplicationGroupNotFoundFault",
      status: (g) => g.Status || "",
      settled: SETTLED,
      text: cacheErrorText,
    },
    [props.id],
  );
  const [engine, setEngine] = useState("redis");
  const [tab, setTab] = useState("Connectivity");
  const [action, setAction] = useState<"delete" | NodeGroup | null>(null);
  const { flash, view: flashView } = useFlash();
  const member = group?.MemberClusters?.[0];
  useEffect(() => {
    // The group's engine ("valkey" or "redis") is its member clusters'.
    if (member) listClusters(member).then((c) => setEngine(c[0]?.Engine || group?.Engine || "redis")).catch(() => undefined);
  }, [member]);

  return (
    <Page
      title={props.id}
      crumbs={[["ElastiCache", href("/elasticache")]]}
      actions={
        group && (
          <Button kind="danger" onClick={() => setAction("delete")} disabled={status === "deleting"}>
            Delete
          </Button>
        )
      }
    >
      {gone && <Notice kind="info">This replication group has been deleted.</Notice>}
      {flashView}
      <ErrorBox error={error} />
      {group && (
        <>
          <Panel title="Summary">
            <KeyValues
              items={[
                ["Status", <Status value={status} />],
                ["Description", group.Description],
                ["Cluster mode", group.ClusterEnabled ? "Enabled" : "Disabled"],
                ["Node type", group.CacheNodeType],
                ["Automatic failover", group.AutomaticFailover],
                ["Multi-AZ", group.MultiAZ],
              ]}
            />
            {!SETTLED.has(status) && status !== "deleting" && (
              <div class="progress" role="progressbar" aria-label={`Replication group is ${status}`}>
                <div class="progress-bar indeterminate" />
              </div>
            )}
          </Panel>
          <Tabs tabs={["Connectivity", "Nodes", "Events", "Snapshots"]} active={tab} onChange={setTab} />
          {tab === "Connectivity" && <Connectivity group={group} engine={engine} />}
          {tab === "Nodes" && (
            <Panel title="Shards and nodes">
              {(group.NodeGroups || []).map((ng) => (
                <div key={ng.NodeGroupId} class="shard">
                  <h3>
                    Shard {ng.NodeGroupId} {ng.Slots ? <span class="muted small">slots {ng.Slots}</span> : null}{" "}
                    <Button onClick={() => setAction(ng)} disabled={status !== "available" || (ng.NodeGroupMembers?.length || 0) < 2}>
                      Failover shard {ng.NodeGroupId}
                    </Button>
                  </h3>
                  <table class="table" aria-label={`Nodes of shard ${ng.NodeGroupId}`}>
                    <thead>
                      <tr>
                        <th>Cluster</th>
                        <th>Role</th>
                        <th>Endpoint</th>
                        <th>Availability zone</th>
                      </tr>
                    </thead>
                    <tbody>
                      {(ng.NodeGroupMembers || []).map((m) => (
                        <tr key={m.CacheClusterId}>
                          <td>
                            <a href={clusterLink(m.CacheClusterId || "")}>{m.CacheClusterId}</a>
                          </td>
                          <td>{m.CurrentRole || "–"}</td>
                          <td class="mono">{address(m.ReadEndpoint)}</td>
                          <td>{m.PreferredAvailabilityZone}</td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              ))}
            </Panel>
          )}
          {tab === "Events" && <Events sourceType="replication-group" id={props.id} status={status} />}
          {tab === "Snapshots" && <Snapshots of={{ ReplicationGroupId: props.id }} name={props.id} ready={status === "available"} />}
        </>
      )}
      {action && action !== "delete" && (
        <Confirm
          title={`Fail over shard ${action.NodeGroupId}?`}
          word=""
          action="Fail over"
          onClose={() => setAction(null)}
          onConfirm={async () => {
            try {
              await aws().elasticache.send(new TestFailoverCommand({ ReplicationGroupId: props.id, NodeGroupId: action.NodeGroupId }));
            } catch (e) {
              throw new Error(cacheErrorText(e));
            }
            flash(`Failover of shard ${action.NodeGroupId} started: a replica becomes the primary.`);
            await load();
          }}
        >
          <p>TestFailover: the primary of this shard steps down and a replica is promoted; the primary endpoint follows it.</p>
        </Confirm>
      )}
      {action === "delete" && (
        <Confirm
          title={`Delete ${props.id}?`}
          word="delete me"
          action="Delete"
          onClose={() => setAction(null)}
          onConfirm={async () => {
            try {
              await aws().elasticache.send(new DeleteReplicationGroupCommand({ ReplicationGroupId: props.id }));
            } catch (e) {
              throw new Error(cacheErrorText(e));
            }
            navigate("/elasticache");
          }}
        >
          <p>Every node of the group and its data are deleted. This can't be undone.</p>
        </Confirm>
      )}
    </Page>
  );
}

function Connectivity(props: { group: ReplicationGroup; engine: string }) {
  const g = props.group;
  const shard = g.NodeGroups?.[0];
  const endpoints: [string, string][] = g.ConfigurationEndpoint
    ? [["Configuration endpoint", address(g.ConfigurationEndpoint)]]
    : [
        ["Primary endpoint", address(shard?.PrimaryEndpoint)],
        ["Reader endpoint", address(shard?.ReaderEndpoint)],
      ];
  const main = g.ConfigurationEndpoint || shard?.PrimaryEndpoint;
  const ca = useAuthority("replication-group", g.ReplicationGroupId || "", !!g.TransitEncryptionEnabled);
  if (g.TransitEncryptionEnabled) endpoints.push(["Certificate authority", ca || "–"]);
  return (
    <Panel title="Connect to this cache">
      <KeyValues items={endpoints.map(([k, v]) => [k, <span class="mono">{v}</span>])} />
      {main?.Address ? (
        <ConnectionExamples
          engine={props.engine}
          host={main.Address}
          port={main.Port || 0}
          clusterMode={!!g.ClusterEnabled}
          ca={g.TransitEncryptionEnabled ? ca || "" : undefined}
        />
      ) : (
        <p class="muted">The endpoints appear when the group is available.</p>
      )}
    </Panel>
  );
}
