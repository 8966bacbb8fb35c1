// Modify an Aurora DB cluster (ModifyDBCluster): the settings Fogbank's clusters take — the master
// password (set on the writer, replicated to the readers), backup retention and windows, deletion
// protection, copying tags to snapshots, minor version upgrades, the RDS Data API — only what changed
// is sent. The instances' own settings (class, failover priority) are on each instance's Modify page.
import { ModifyDBClusterCommand, type DBCluster, type ModifyDBClusterCommandInput } from "@aws-sdk/client-rds";
import { useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { href, navigate } from "../../router";
import { Button, ErrorBox, Page, Panel, TextField, useLoad, useProblems } from "../../ui/kit";
import { describeCluster } from "./clusters";
import { passwordProblem, retentionProblem } from "./validate";

type Problem = "password" | "confirm" | "retention";

export function ModifyCluster(props: { id: string }) {
  const { data: cluster, error } = useLoad(() => describeCluster(props.id), [props.id]);
  return (
    <Page
      title={`Modify ${props.id}`}
      crumbs={[
        ["RDS", href("/rds")],
        [props.id, href(`/rds/clusters/${encodeURIComponent(props.id)}`)],
      ]}
    >
      <ErrorBox error={error} />
      {cluster && <ModifyClusterForm cluster={cluster} />}
    </Page>
  );
}

function ModifyClusterForm(props: { cluster: DBCluster }) {
  const c = props.cluster;
  const id = c.DBClusterIdentifier as string;
  const [password, setPassword] = useState("");
  const [confirm, setConfirm] = useState("");
  const [retention, setRetention] = useState(String(c.BackupRetentionPeriod ?? 1));
  const [backupWindow, setBackupWindow] = useState(c.PreferredBackupWindow || "");
  const [maintenanceWindow, setMaintenanceWindow] = useState(c.PreferredMaintenanceWindow || "");
  const [deletionProtection, setDeletionProtection] = useState(!!c.DeletionProtection);
  const [copyTags, setCopyTags] = useState(!!c.CopyTagsToSnapshot);
  const [minorUpgrades, setMinorUpgrades] = useState(c.AutoMinorVersionUpgrade !== false);
  const [dataApi, setDataApi] = useState(!!c.HttpEndpointEnabled);
  const [immediately, setImmediately] = useState(true);
  const { problems, setProblems, clear } = useProblems<Problem>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const changes = (): ModifyDBClusterCommandInput => {
    const input: ModifyDBClusterCommandInput = { DBClusterIdentifier: id, ApplyImmediately: immediately };
    if (password) input.MasterUserPassword = password;
    if (Number(retention) !== c.BackupRetentionPeriod) input.BackupRetentionPeriod = Number(retention);
    if (backupWindow !== (c.PreferredBackupWindow || "")) input.PreferredBackupWindow = backupWindow;
    if (maintenanceWindow !== (c.PreferredMaintenanceWindow || "")) input.PreferredMaintenanceWindow = maintenanceWindow;
    if (deletionProtection !== !!c.DeletionProtection) input.DeletionProtection = deletionProtection;
    if (copyTags !== !!c.CopyTagsToSnapshot) input.CopyTagsToSnapshot = copyTags;
    if (minorUpgrades !== (c.AutoMinorVersionUpgrade !== false)) input.AutoMinorVersionUpgrade = minorUpgrades;
    if (dataApi !== !!c.HttpEndpointEnabled) input.EnableHttpEndpoint = dataApi;
    return input;
  };

  const submit = async (event: Event) => {
    event.preventDefault();
    const found: Partial<Record<Problem, string>> = {
      password: password ? passwordProblem(c.Engine || "", password) : undefined,
      confirm: password && confirm !== password ? "Passwords must match." : undefined,
      retention: retentionProblem(retention, 1),
    };
    const problemsFound = Object.fromEntries(Object.entries(found).filter(([, v]) => v));
    setProblems(problemsFound);
    if (Object.keys(problemsFound).length) {
      document.getElementById(`mc-${Object.keys(problemsFound)[0]}`)?.focus();
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
      await aws().rds.send(new ModifyDBClusterCommand(input));
      navigate(`/rds/clusters/${encodeURIComponent(id)}`);
    } catch (e) {
      setError(errorText(e));
      setBusy(false);
    }
  };

  const text = (key: string, label: string, value: string, onValue: (v: string) => void, attrs: Record<string, unknown> = {}, hint?: string) => (
    <TextField
      id={`mc-${key}`}
      label={label}
      value={value}
      error={problems[key as Problem]}
      hint={hint}
      attrs={attrs}
      onInput={(v) => {
        onValue(v);
        clear(key as Problem);
        if (key === "password") clear("confirm");
        setError(null);
      }}
    />
  );
  const check = (label: string, value: boolean, onValue: (v: boolean) => void) => (
    <label class="check">
      <input type="checkbox" checked={value} onChange={(e) => onValue(e.currentTarget.checked)} />
      {label}
    </label>
  );

  return (
    <form class="form" onSubmit={submit} noValidate>
      <Panel title="Settings">
        {text("password", "New master password", password, setPassword, { type: "password", autoComplete: "new-password" }, "Leave empty to keep the current password. It is set on the writer; the readers replicate it.")}
        {password && text("confirm", "Confirm new master password", confirm, setConfirm, { type: "password", autoComplete: "new-password" })}
      </Panel>
      <Panel title="Backup">
        {text("retention", "Backup retention period (days)", retention, setRetention, { type: "number", min: 1, max: 35 })}
        {text("backupWindow", "Backup window (UTC)", backupWindow, setBackupWindow, {}, "hh24:mi-hh24:mi, at least 30 minutes, e.g. 03:00-03:30")}
        {check("Copy tags to snapshots", copyTags, setCopyTags)}
      </Panel>
      <Panel title="Maintenance">
        {text("maintenanceWindow", "Maintenance window (UTC)", maintenanceWindow, setMaintenanceWindow, {}, "ddd:hh24:mi-ddd:hh24:mi, e.g. sun:05:00-sun:05:30")}
        {check("Enable auto minor version upgrade", minorUpgrades, setMinorUpgrades)}
      </Panel>
      <Panel title="Additional configuration">
        {check("Enable deletion protection", deletionProtection, setDeletionProtection)}
        {check("Enable the RDS Data API", dataApi, setDataApi)}
      </Panel>
      <Panel title="Schedule modifications">
        <div class="segmented" role="radiogroup" aria-label="When to apply">
          <label class={immediately ? "selected" : ""}>
            <input type="radio" checked={immediately} onChange={() => setImmediately(true)} /> Apply immediately
          </label>
          <label class={!immediately ? "selected" : ""}>
            <input type="radio" checked={!immediately} onChange={() => setImmediately(false)} /> Apply during the next maintenance window
          </label>
        </div>
        <p class="muted small">As on Aurora, every setting of this page takes effect at once either way: the choice only matters for a new identifier or engine version, which Fogbank does not modify yet.</p>
      </Panel>
      <ErrorBox error={error} onClose={() => setError(null)} />
      <div class="form-actions">
        <a class="btn btn-normal" href={href(`/rds/clusters/${encodeURIComponent(id)}`)}>
          Cancel
        </a>
        <Button kind="primary" type="submit" busy={busy}>
          Modify cluster
        </Button>
      </div>
    </form>
  );
}
