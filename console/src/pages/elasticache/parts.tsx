// Panels the cluster and replication group pages share: events and snapshots.
import { CreateSnapshotCommand, DeleteSnapshotCommand, type Snapshot } from "@aws-sdk/client-elasticache";
import { useState } from "preact/hooks";
import { aws } from "../../aws";
import { Button, Confirm, ErrorBox, Field, FormModal, Panel, Status, formatDate, useLoad, usePoll } from "../../ui/kit";
import { EventsPanel } from "../../ui/resource";
import { type EventSource, cacheErrorText, events, snapshots } from "./api";

export function Events(props: { sourceType: EventSource; id: string; status: string }) {
  return <EventsPanel fetch={() => events(props.sourceType, props.id)} deps={[props.status]} />;
}

/** Manual and automatic snapshots of one cluster or group: create and delete (while the API answers for them). */
export function Snapshots(props: { of: { CacheClusterId?: string; ReplicationGroupId?: string }; name: string; ready: boolean }) {
  // `list` is null while DescribeSnapshots is not built in this Fogbank.
  const { data: answer, error, setError, reload } = useLoad(async () => ({ list: await snapshots(props.of) }), [props.name]);
  const [taking, setTaking] = useState(false);
  const [deleting, setDeleting] = useState<Snapshot | null>(null);
  const data = answer?.list || [];
  usePoll(reload, 1500, data.some((s) => s.SnapshotStatus !== "available"));
  if (!answer)
    return (
      <Panel title="Snapshots">
        {error ? <ErrorBox error={error} /> : <p class="muted">Loading…</p>}
      </Panel>
    );
  if (answer.list === null)
    return (
      <Panel title="Snapshots">
        <p class="muted">Snapshots are not available yet in this Fogbank (DescribeSnapshots answers NotImplemented).</p>
      </Panel>
    );
  return (
    <Panel
      title="Snapshots"
      actions={
        <Button kind="primary" onClick={() => setTaking(true)} disabled={!props.ready}>
          Create snapshot
        </Button>
      }
    >
      <ErrorBox error={error} onClose={() => setError(null)} />
      <table class="table" aria-label="Snapshots">
        <thead>
          <tr>
            <th>Snapshot</th>
            <th>Status</th>
            <th>Source</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {data.map((s) => (
            <tr key={s.SnapshotName}>
              <td>{s.SnapshotName}</td>
              <td>
                <Status value={s.SnapshotStatus} />
              </td>
              <td>{s.SnapshotSource}</td>
              <td>{formatDate(s.NodeSnapshots?.[0]?.SnapshotCreateTime)}</td>
              <td class="row-actions">
                <Button kind="danger" onClick={() => setDeleting(s)} disabled={s.SnapshotStatus !== "available"}>
                  Delete
                </Button>
              </td>
            </tr>
          ))}
          {data.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No snapshots yet.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {taking && (
        <TakeSnapshot
          name={props.name}
          of={props.of}
          onDone={() => {
            setTaking(false);
            reload();
          }}
        />
      )}
      {deleting && (
        <Confirm
          title={`Delete snapshot ${deleting.SnapshotName}?`}
          word="delete me"
          action="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await aws().elasticache.send(new DeleteSnapshotCommand({ SnapshotName: deleting.SnapshotName }));
            await reload();
          }}
        />
      )}
    </Panel>
  );
}

function TakeSnapshot(props: { name: string; of: { CacheClusterId?: string; ReplicationGroupId?: string }; onDone: () => void }) {
  const [name, setName] = useState(`${props.name}-${new Date().toISOString().slice(0, 16).replace(/[T:]/g, "-")}`);
  return (
    <FormModal
      title="Create snapshot"
      action="Create snapshot"
      onClose={props.onDone}
      onSubmit={async () => {
        try {
          await aws().elasticache.send(new CreateSnapshotCommand({ ...props.of, SnapshotName: name }));
        } catch (e) {
          throw new Error(cacheErrorText(e));
        }
        props.onDone();
      }}
    >
      <Field label="Snapshot name" id="snap-name">
        <input id="snap-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
    </FormModal>
  );
}
