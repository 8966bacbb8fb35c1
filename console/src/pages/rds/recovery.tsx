// A DB instance's copies: create a read replica, promote a replica, restore to a point in time (the
// automated backups' restore window), each opening the new instance's page when the API accepts it.
import {
  CreateDBInstanceReadReplicaCommand,
  PromoteReadReplicaCommand,
  RestoreDBInstanceToPointInTimeCommand,
  type DBInstance,
} from "@aws-sdk/client-rds";
import { useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { navigate } from "../../router";
import { Confirm, Field, FormModal, formatDate } from "../../ui/kit";

const instancePage = (id: string) => `/rds/instances/${encodeURIComponent(id.toLowerCase())}`;

async function send(call: () => Promise<unknown>): Promise<void> {
  try {
    await call();
  } catch (e) {
    throw new Error(errorText(e));
  }
}

export function CreateReplica(props: { db: DBInstance; onClose: () => void }) {
  const [name, setName] = useState(`${props.db.DBInstanceIdentifier}-replica`);
  return (
    <FormModal
      title={`Create a read replica of ${props.db.DBInstanceIdentifier}`}
      action="Create read replica"
      onClose={props.onClose}
      onSubmit={async () => {
        await send(() =>
          aws().rds.send(new CreateDBInstanceReadReplicaCommand({ DBInstanceIdentifier: name, SourceDBInstanceIdentifier: props.db.DBInstanceIdentifier })),
        );
        navigate(instancePage(name));
      }}
    >
      <p>A read-only copy that follows every change of this instance through the engine's own replication.</p>
      <Field label="Replica identifier" id="replica-name">
        <input id="replica-name" value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="off" />
      </Field>
    </FormModal>
  );
}

export function PromoteReplica(props: { db: DBInstance; onClose: () => void; onDone: () => Promise<void> }) {
  return (
    <Confirm
      title={`Promote ${props.db.DBInstanceIdentifier}?`}
      word=""
      action="Promote"
      onClose={props.onClose}
      onConfirm={async () => {
        await send(() => aws().rds.send(new PromoteReadReplicaCommand({ DBInstanceIdentifier: props.db.DBInstanceIdentifier })));
        await props.onDone();
      }}
    >
      <p>
        The replica stops following {props.db.ReadReplicaSourceDBInstanceIdentifier} and becomes a standalone instance that accepts writes. This can't be
        undone.
      </p>
    </Confirm>
  );
}

/** A datetime-local value ("2026-12-03T08:15:30") for a moment, in this browser's time zone. */
function localValue(moment: Date): string {
  const shifted = new Date(moment.getTime() - moment.getTimezoneOffset() * 60000);
  return shifted.toISOString().slice(0, 19);
}

export function RestoreToPointInTime(props: { db: DBInstance; onClose: () => void }) {
  const latest = props.db.LatestRestorableTime ? new Date(props.db.LatestRestorableTime) : null;
  const [name, setName] = useState(`${props.db.DBInstanceIdentifier}-restored`);
  const [useLatest, setUseLatest] = useState(true);
  const [when, setWhen] = useState(latest ? localValue(latest) : "");
  return (
    <FormModal
      title={`Restore ${props.db.DBInstanceIdentifier} to a point in time`}
      action="Restore"
      onClose={props.onClose}
      ready={useLatest || !!when}
      onSubmit={async () => {
        await send(() =>
          aws().rds.send(
            new RestoreDBInstanceToPointInTimeCommand({
              SourceDBInstanceIdentifier: props.db.DBInstanceIdentifier,
              TargetDBInstanceIdentifier: name,
              UseLatestRestorableTime: useLatest || undefined,
              RestoreTime: useLatest ? undefined : new Date(when),
            }),
          ),
        );
        navigate(instancePage(name));
      }}
    >
      <p>A new instance with exactly the transactions committed up to that moment, replayed from the automated backups.</p>
      <Field label="New instance identifier" id="restore-name">
        <input id="restore-name" value={name} onInput={(e) => setName(e.currentTarget.value)} autoComplete="off" />
      </Field>
      <label class="check">
        <input type="radio" name="restore-when" checked={useLatest} onChange={() => setUseLatest(true)} />
        Latest restorable time ({latest ? formatDate(latest) : "none yet"})
      </label>
      <label class="check">
        <input type="radio" name="restore-when" checked={!useLatest} onChange={() => setUseLatest(false)} />
        Custom date and time
      </label>
      {!useLatest && (
        <Field label="Restore time (your time zone, to the second)" id="restore-time">
          <input id="restore-time" type="datetime-local" step="1" value={when} onInput={(e) => setWhen(e.currentTarget.value)} />
        </Field>
      )}
    </FormModal>
  );
}
