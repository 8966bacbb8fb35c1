// What a cluster's page does: add a reader, fail over, stop, start, delete (with the final snapshot AWS
// offers). Each dialog sends one AWS call; the page reloads the cluster when it is accepted.
import {
  CreateDBInstanceCommand,
  DeleteDBClusterCommand,
  DescribeDBClusterSnapshotsCommand,
  FailoverDBClusterCommand,
  StartDBClusterCommand,
  StopDBClusterCommand,
  type DBCluster,
  type DBInstance,
} from "@aws-sdk/client-rds";
import { DeleteSecretCommand, paginateListSecrets } from "@aws-sdk/client-secrets-manager";
import { useEffect, useState } from "preact/hooks";
import { aws, collect, errorText, notImplemented } from "../../aws";
import { navigate } from "../../router";
import { Confirm, Field, FormModal } from "../../ui/kit";
import { forgetConnections } from "../query/connection";
import { clusterSecretPrefix, membersInOrder, writerOf } from "./clusters";
import { memberName } from "./create-cluster";
import { orderableClasses } from "./launch";
import { identifierProblem } from "./validate";

/** The API's error as the dialog shows it (FormModal shows what its action throws). */
async function send(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    throw new Error(errorText(e));
  }
}

/** "<cluster>-instance-N" for the first N no instance of the cluster has. */
function freeName(cluster: string, taken: string[]): string {
  for (let n = 1; ; n++) {
    const name = memberName(cluster, `-instance-${n}`);
    if (!taken.includes(name)) return name;
  }
}

export function AddReader(props: { cluster: DBCluster; instances: DBInstance[]; onClose: () => void; onDone: () => Promise<void> }) {
  const c = props.cluster;
  const id = c.DBClusterIdentifier || "";
  const writer = props.instances.find((db) => db.DBInstanceIdentifier === writerOf(c));
  const [name, setName] = useState(freeName(id, (c.DBClusterMembers || []).map((m) => m.DBInstanceIdentifier || "")));
  const [classes, setClasses] = useState<string[]>(writer?.DBInstanceClass ? [writer.DBInstanceClass] : []);
  const [instanceClass, setInstanceClass] = useState(writer?.DBInstanceClass || "");
  const [zone, setZone] = useState("");
  const [tier, setTier] = useState("1");
  const [problem, setProblem] = useState<string | undefined>();
  useEffect(() => {
    orderableClasses(c.Engine || "", c.EngineVersion || "")
      .then((found) => {
        if (!found.length) return;
        setClasses(found);
        setInstanceClass((current) => (current && found.includes(current) ? current : found[0]));
      })
      .catch(() => undefined);
  }, []);
  const reader = (c.DBClusterMembers || []).length > 0;
  return (
    <FormModal
      title={reader ? `Add reader to ${id}` : `Add an instance to ${id}`}
      action={reader ? "Add reader" : "Add instance"}
      class="form"
      onClose={props.onClose}
      ready={!!instanceClass}
      onSubmit={async () => {
        const found = identifierProblem(name);
        setProblem(found);
        if (found) return;
        await send(() =>
          aws().rds.send(
            new CreateDBInstanceCommand({
              DBInstanceIdentifier: name,
              DBClusterIdentifier: id,
              Engine: c.Engine,
              DBInstanceClass: instanceClass,
              AvailabilityZone: zone || undefined,
              PromotionTier: Number(tier),
            }),
          ),
        );
        await props.onDone();
        props.onClose();
      }}
    >
      <p>
        {reader
          ? "A reader instance: a read-only copy of the writer that serves the reader endpoint and can take over in a failover."
          : "The cluster has no instance: the first one becomes its writer."}
      </p>
      <Field label="DB instance identifier" id="reader-name" error={problem}>
        <input id="reader-name" value={name} onInput={(e) => (setName(e.currentTarget.value), setProblem(undefined))} autoComplete="off" />
      </Field>
      <Field label="DB instance class" id="reader-class">
        <select id="reader-class" value={instanceClass} onChange={(e) => setInstanceClass(e.currentTarget.value)}>
          {classes.map((cls) => (
            <option key={cls}>{cls}</option>
          ))}
        </select>
      </Field>
      <Field label="Availability zone" id="reader-zone">
        <select id="reader-zone" value={zone} onChange={(e) => setZone(e.currentTarget.value)}>
          <option value="">No preference</option>
          {(c.AvailabilityZones || []).map((z) => (
            <option key={z}>{z}</option>
          ))}
        </select>
      </Field>
      <Field label="Failover priority" id="reader-tier" hint="A failover promotes the reader of the lowest tier first.">
        <select id="reader-tier" value={tier} onChange={(e) => setTier(e.currentTarget.value)}>
          {Array.from({ length: 16 }, (_, n) => (
            <option key={n} value={String(n)}>
              tier-{n}
            </option>
          ))}
        </select>
      </Field>
    </FormModal>
  );
}

export function FailoverCluster(props: { cluster: DBCluster; onClose: () => void; onDone: () => Promise<void> }) {
  const c = props.cluster;
  const readers = membersInOrder(c).filter((m) => !m.IsClusterWriter);
  const [target, setTarget] = useState("");
  return (
    <Confirm
      title={`Fail over ${c.DBClusterIdentifier}?`}
      word=""
      action="Failover"
      onClose={props.onClose}
      onConfirm={async () => {
        await send(() => aws().rds.send(new FailoverDBClusterCommand({ DBClusterIdentifier: c.DBClusterIdentifier, TargetDBInstanceIdentifier: target || undefined })));
        await props.onDone();
      }}
    >
      <p>
        A reader becomes the writer of the cluster; {writerOf(c)} comes back as a reader. The cluster endpoint reaches the new writer from the next
        connection on: connections open now are closed.
      </p>
      <Field label="New writer" id="failover-target">
        <select id="failover-target" value={target} onChange={(e) => setTarget(e.currentTarget.value)}>
          <option value="">The reader with the highest failover priority</option>
          {readers.map((m) => (
            <option key={m.DBInstanceIdentifier} value={m.DBInstanceIdentifier}>
              {m.DBInstanceIdentifier} (tier-{m.PromotionTier ?? 1})
            </option>
          ))}
        </select>
      </Field>
    </Confirm>
  );
}

export function StopCluster(props: { cluster: DBCluster; onClose: () => void; onDone: () => Promise<void> }) {
  const id = props.cluster.DBClusterIdentifier;
  return (
    <Confirm
      title={`Stop ${id}?`}
      word=""
      action="Stop"
      onClose={props.onClose}
      onConfirm={async () => {
        await send(() => aws().rds.send(new StopDBClusterCommand({ DBClusterIdentifier: id })));
        await props.onDone();
      }}
    >
      <p>Every instance of the cluster stops until you start the cluster again. Its data is kept.</p>
    </Confirm>
  );
}

export function StartCluster(props: { cluster: DBCluster; onClose: () => void; onDone: () => Promise<void> }) {
  const id = props.cluster.DBClusterIdentifier;
  return (
    <Confirm
      title={`Start ${id}?`}
      word=""
      action="Start"
      onClose={props.onClose}
      onConfirm={async () => {
        await send(() => aws().rds.send(new StartDBClusterCommand({ DBClusterIdentifier: id })));
        await props.onDone();
      }}
    />
  );
}

/**
 * The final snapshot AWS offers when a cluster is deleted (checked by default). When this Fogbank answers
 * DescribeDBClusterSnapshots with NotImplemented it takes no cluster snapshots, so the choice is off and says why.
 */
export function useFinalSnapshot(cluster: string) {
  const [supported, setSupported] = useState<boolean | null>(null);
  const [wanted, setWanted] = useState(true);
  const [name, setName] = useState(`${cluster}-final-snapshot`);
  useEffect(() => {
    aws()
      .rds.send(new DescribeDBClusterSnapshotsCommand({ DBClusterIdentifier: cluster }))
      .then(() => setSupported(true))
      .catch((e) => setSupported(!notImplemented(e)));
  }, [cluster]);
  const take = !!supported && wanted;
  const view = (
    <>
      <label class="check">
        <input type="checkbox" checked={take} disabled={!supported} onChange={(e) => setWanted(e.currentTarget.checked)} />
        Create final snapshot
      </label>
      {supported === false && (
        <p class="muted small">This Fogbank does not take DB cluster snapshots yet (DescribeDBClusterSnapshots is not implemented): the cluster is deleted without one.</p>
      )}
      {take && (
        <Field label="Final snapshot name" id="final-cluster-snap">
          <input id="final-cluster-snap" value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </Field>
      )}
    </>
  );
  return { view, params: take ? { FinalDBSnapshotIdentifier: name } : { SkipFinalSnapshot: true } };
}

/** The query editor's secrets for a cluster, deleted with it (they would outlive it otherwise). */
export async function deleteClusterSecrets(cluster: string): Promise<void> {
  const prefix = clusterSecretPrefix(cluster);
  const found = await collect(paginateListSecrets({ client: aws().secrets }, { Filters: [{ Key: "name", Values: [prefix] }] }), (p) => p.SecretList);
  const names = found.map((s) => s.Name as string).filter((n) => n.startsWith(prefix));
  await Promise.all(names.map((name) => aws().secrets.send(new DeleteSecretCommand({ SecretId: name, ForceDeleteWithoutRecovery: true }))));
  forgetConnections(`cluster.${cluster}`);
}

export function DeleteCluster(props: { cluster: DBCluster; onClose: () => void }) {
  const id = props.cluster.DBClusterIdentifier || "";
  const snapshot = useFinalSnapshot(id);
  return (
    <Confirm
      title={`Delete ${id}?`}
      word="delete me"
      action="Delete DB cluster"
      onClose={props.onClose}
      onConfirm={async () => {
        await send(() => aws().rds.send(new DeleteDBClusterCommand({ DBClusterIdentifier: id, ...snapshot.params })));
        await deleteClusterSecrets(id).catch(() => undefined);
        navigate("/rds");
      }}
    >
      <p>The cluster and its data are deleted, with the query editor's secrets for it. This can't be undone.</p>
      {snapshot.view}
    </Confirm>
  );
}
