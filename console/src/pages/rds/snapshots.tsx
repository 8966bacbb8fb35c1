// Manual snapshots of an instance: take, restore to a new instance, delete.
import {
  CreateDBSnapshotCommand,
  DeleteDBSnapshotCommand,
  paginateDescribeDBSnapshots,
  RestoreDBInstanceFromDBSnapshotCommand,
  type DBInstance,
  type DBSnapshot,
} from "@aws-sdk/client-rds";
import { useState } from "preact/hooks";
import { aws, collect } from "../../aws";
import { navigate } from "../../router";
import { Button, Confirm, ErrorBox, Field, FormModal, Panel, Status, formatDate, useLoad, usePoll } from "../../ui/kit";

export function Snapshots(props: { db: DBInstance }) {
  const id = props.db.DBInstanceIdentifier || "";
  const { data, error, setError, reload: load } = useLoad(
    () => collect(paginateDescribeDBSnapshots({ client: aws().rds }, { DBInstanceIdentifier: id }), (p) => p.DBSnapshots),
    [id],
  );
  const snapshots = data || [];
  const [taking, setTaking] = useState(false);
  const [restoring, setRestoring] = useState<DBSnapshot | null>(null);
  const [deleting, setDeleting] = useState<DBSnapshot | null>(null);
  usePoll(load, 1500, snapshots.some((s) => s.Status !== "available"));

  return (
    <Panel
      title="Snapshots"
      actions={
        <Button kind="primary" onClick={() => setTaking(true)} disabled={props.db.DBInstanceStatus !== "available"}>
          Take snapshot
        </Button>
      }
    >
      <ErrorBox error={error} onClose={() => setError(null)} />
      <table class="table" aria-label="Snapshots">
        <thead>
          <tr>
            <th>Snapshot</th>
            <th>Status</th>
            <th>Type</th>
            <th>Created</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {snapshots.map((s) => (
            <tr key={s.DBSnapshotIdentifier}>
              <td>{s.DBSnapshotIdentifier}</td>
              <td>
                <Status value={s.Status} />
              </td>
              <td>{s.SnapshotType}</td>
              <td>{formatDate(s.SnapshotCreateTime)}</td>
              <td class="row-actions">
                <Button onClick={() => setRestoring(s)} disabled={s.Status !== "available"}>
                  Restore
                </Button>
                <Button kind="danger" onClick={() => setDeleting(s)} disabled={s.SnapshotType !== "manual"}>
                  Delete
                </Button>
              </td>
            </tr>
          ))}
          {snapshots.length === 0 && (
            <tr>
              <td colSpan={5} class="muted">
                No snapshots of this instance.
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {taking && <TakeSnapshot id={id} onDone={() => { setTaking(false); load(); }} />}
      {restoring && <Restore snapshot={restoring} onClose={() => setRestoring(null)} />}
      {deleting && (
        <Confirm
          title={`Delete snapshot ${deleting.DBSnapshotIdentifier}?`}
          word="delete me"
          action="Delete"
          onClose={() => setDeleting(null)}
          onConfirm={async () => {
            await aws().rds.send(new DeleteDBSnapshotCommand({ DBSnapshotIdentifier: deleting.DBSnapshotIdentifier }));
            await load();
          }}
        />
      )}
    </Panel>
  );
}

function TakeSnapshot(props: { id: string; onDone: () => void }) {
  const [name, setName] = useState(`${props.id}-${new Date().toISOString().slice(0, 16).replace(/[T:]/g, "-")}`);
  return (
    <FormModal
      title="Take snapshot"
      action="Take snapshot"
      onClose={props.onDone}
      onSubmit={async () => {
        await aws().rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: props.id, DBSnapshotIdentifier: name }));
        props.onDone();
      }}
    >
      <Field label="Snapshot name" id="snap-name">
        <input id="snap-name" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
    </FormModal>
  );
}

function Restore(props: { snapshot: DBSnapshot; onClose: () => void }) {
  const [name, setName] = useState(`${props.snapshot.DBInstanceIdentifier}-restored`);
  return (
    <FormModal
      title={`Restore ${props.snapshot.DBSnapshotIdentifier}`}
      action="Restore DB instance"
      onClose={props.onClose}
      onSubmit={async () => {
        await aws().rds.send(
          new RestoreDBInstanceFromDBSnapshotCommand({ DBSnapshotIdentifier: props.snapshot.DBSnapshotIdentifier, DBInstanceIdentifier: name }),
        );
        navigate(`/rds/instances/${encodeURIComponent(name.toLowerCase())}`);
      }}
    >
      <p>A new DB instance is created from the snapshot; the original is untouched.</p>
      <Field label="New DB instance identifier" id="restore-id">
        <input id="restore-id" value={name} onInput={(e) => setName(e.currentTarget.value)} />
      </Field>
    </FormModal>
  );
}
