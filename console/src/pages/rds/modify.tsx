// Modify an existing DB instance (ModifyDBInstance): what the AWS console's Modify page offers for
// a single instance: class, storage, master password, backup retention, port, deletion protection,
// and whether to apply now or in the next maintenance window. An Aurora cluster's instance offers what
// is its own (class, failover priority): the cluster owns the rest (its Modify page).
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand, type DBInstance, type ModifyDBInstanceCommandInput } from "@aws-sdk/client-rds";
import { useEffect, useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { href, navigate } from "../../router";
import { Button, ErrorBox, Field, Page, Panel, useLoad, useProblems } from "../../ui/kit";
import { orderableClasses } from "./launch";
import { passwordProblem, portProblem, retentionProblem, storageProblem } from "./validate";

type ModifyField = "instanceClass" | "storage" | "password" | "confirm" | "retention" | "port";

export function ModifyInstance(props: { id: string }) {
  const { data: db, error: loadError } = useLoad(async () => {
    const r = await aws().rds.send(new DescribeDBInstancesCommand({ DBInstanceIdentifier: props.id }));
    return r.DBInstances?.[0] as DBInstance;
  }, [props.id]);
  return (
    <Page
      title={`Modify ${props.id}`}
      crumbs={[
        ["RDS", href("/rds")],
        [props.id, href(`/rds/instances/${encodeURIComponent(props.id)}`)],
      ]}
    >
      <ErrorBox error={loadError} />
      {db && <ModifyForm db={db} />}
    </Page>
  );
}

function ModifyForm(props: { db: DBInstance }) {
  const db = props.db;
  const id = db.DBInstanceIdentifier as string;
  const [classes, setClasses] = useState<string[]>([db.DBInstanceClass as string]);
  const [instanceClass, setInstanceClass] = useState(db.DBInstanceClass || "");
  const [storage, setStorage] = useState(String(db.AllocatedStorage ?? 20));
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [retention, setRetention] = useState(String(db.BackupRetentionPeriod ?? 1));
  const [port, setPort] = useState(String(db.Endpoint?.Port ?? db.DbInstancePort ?? ""));
  const [deletionProtection, setDeletionProtection] = useState(!!db.DeletionProtection);
  const [multiAZ, setMultiAZ] = useState(!!db.MultiAZ);
  const [immediately, setImmediately] = useState(true);
  const member = !!db.DBClusterIdentifier;
  const [tier, setTier] = useState(String(db.PromotionTier ?? 1));
  const { problems, setProblems, clear } = useProblems<ModifyField>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    orderableClasses(db.Engine as string, db.EngineVersion as string)
      .then((found) => found.length && setClasses(found.includes(instanceClass) ? found : [instanceClass, ...found]))
      .catch(() => undefined);
  }, []);

  const changes = (): ModifyDBInstanceCommandInput => {
    const input: ModifyDBInstanceCommandInput = { DBInstanceIdentifier: id, ApplyImmediately: immediately };
    if (instanceClass !== db.DBInstanceClass) input.DBInstanceClass = instanceClass;
    if (Number(storage) !== db.AllocatedStorage) input.AllocatedStorage = Number(storage);
    if (password) input.MasterUserPassword = password;
    if (Number(retention) !== db.BackupRetentionPeriod) input.BackupRetentionPeriod = Number(retention);
    if (port && Number(port) !== (db.Endpoint?.Port ?? db.DbInstancePort)) input.DBPortNumber = Number(port);
    if (deletionProtection !== !!db.DeletionProtection) input.DeletionProtection = deletionProtection;
    if (multiAZ !== !!db.MultiAZ) input.MultiAZ = multiAZ;
    if (member && Number(tier) !== (db.PromotionTier ?? 1)) input.PromotionTier = Number(tier);
    return input;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    // A cluster's instance has only its class and failover priority here: nothing to check.
    const found: Partial<Record<ModifyField, string>> = member
      ? {}
      : {
          storage: storageProblem(storage, db.AllocatedStorage ?? 20),
          password: password ? passwordProblem(db.Engine || "", password) : undefined,
          confirm: password && confirm !== password ? "Passwords must match." : undefined,
          retention: retentionProblem(retention),
          port: port ? portProblem(port) : undefined,
        };
    const problemsFound = Object.fromEntries(Object.entries(found).filter(([, v]) => v));
    setProblems(problemsFound);
    if (Object.keys(problemsFound).length) {
      document.getElementById(`m-${Object.keys(problemsFound)[0]}`)?.focus();
      return;
    }
    const input = changes();
    if (Object.keys(input).length === 2) {
      setError("Nothing to change: every setting is as it is now.");
      return;
    }
    setBusy(true);
    setError(null);
    try {
      await aws().rds.send(new ModifyDBInstanceCommand(input));
      navigate(`/rds/instances/${encodeURIComponent(id)}`);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  const field = (key: ModifyField, label: string, value: string, onValue: (v: string) => void, attrs: Record<string, unknown> = {}, hint?: string) => (
    <Field label={label} id={`m-${key}`} error={problems[key]} hint={hint}>
      <input
        id={`m-${key}`}
        value={value}
        onInput={(e) => {
          onValue(e.currentTarget.value);
          clear(key);
          if (key === "password") clear("confirm");
          setError(null);
        }}
        aria-invalid={problems[key] ? "true" : undefined}
        {...attrs}
      />
    </Field>
  );

  return (
    <form class="form" onSubmit={submit} noValidate>
      <Panel title="Instance configuration">
        <Field label="DB instance class" id="m-instanceClass" error={problems.instanceClass}>
          <select id="m-instanceClass" value={instanceClass} onChange={(e) => setInstanceClass(e.currentTarget.value)}>
            {classes.map((c) => (
              <option key={c}>{c}</option>
            ))}
          </select>
        </Field>
        {!member && field("storage", "Allocated storage (GiB)", storage, setStorage, { type: "number", min: db.AllocatedStorage, max: 65536 }, "Storage can grow, never shrink.")}
      </Panel>
      {member ? (
        <Panel title="Failover">
          <Field label="Failover priority" id="m-tier" hint={`A failover of the cluster ${db.DBClusterIdentifier} promotes the reader of the lowest tier first. Its other settings are the cluster's.`}>
            <select id="m-tier" value={tier} onChange={(e) => setTier(e.currentTarget.value)}>
              {Array.from({ length: 16 }, (_, n) => (
                <option key={n} value={String(n)}>
                  tier-{n}
                </option>
              ))}
            </select>
          </Field>
        </Panel>
      ) : (
        <>
          <Panel title="Settings">
            {field("password", "New master password", password, setPassword, { type: "password", autoComplete: "new-password" }, "Leave empty to keep the current password.")}
            {password && field("confirm", "Confirm new master password", confirm, setConfirm, { type: "password", autoComplete: "new-password" })}
          </Panel>
          {!db.ReadReplicaSourceDBInstanceIdentifier && (
            <Panel title="Availability and durability">
              <label class="check">
                <input type="checkbox" checked={multiAZ} onChange={(e) => setMultiAZ(e.currentTarget.checked)} />
                Multi-AZ DB instance (a synchronous standby)
              </label>
            </Panel>
          )}
          <Panel title="Additional configuration">
            {field("port", "Database port", port, setPort, { type: "number" })}
            {field("retention", "Backup retention period (days)", retention, setRetention, { type: "number", min: 0, max: 35 })}
            <label class="check">
              <input type="checkbox" checked={deletionProtection} onChange={(e) => setDeletionProtection(e.currentTarget.checked)} />
              Enable deletion protection
            </label>
          </Panel>
        </>
      )}
      <Panel title="Schedule modifications">
        <div class="segmented" role="radiogroup" aria-label="When to apply">
          <label class={immediately ? "selected" : ""}>
            <input type="radio" checked={immediately} onChange={() => setImmediately(true)} /> Apply immediately
          </label>
          <label class={!immediately ? "selected" : ""}>
            <input type="radio" checked={!immediately} onChange={() => setImmediately(false)} /> Apply during the next maintenance window
          </label>
        </div>
        <p class="muted small">Class, storage and backup retention wait for the window ({db.PreferredMaintenanceWindow}) unless applied immediately.</p>
      </Panel>
      <ErrorBox error={error} onClose={() => setError(null)} />
      <div class="form-actions">
        <a class="btn btn-normal" href={href(`/rds/instances/${encodeURIComponent(id)}`)}>
          Cancel
        </a>
        <Button kind="primary" type="submit" busy={busy}>
          Modify DB instance
        </Button>
      </div>
    </form>
  );
}
