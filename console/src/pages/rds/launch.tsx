// Launch a managed relational database with the engines Fogbank really has: CreateDBInstance, or for an
// Aurora engine a DB cluster and its instances (create-cluster.ts).
import {
  CreateDBInstanceCommand,
  paginateDescribeDBEngineVersions,
  paginateDescribeOrderableDBInstanceOptions,
  type DBEngineVersion,
} from "@aws-sdk/client-rds";
import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import { aws, collect, errorText } from "../../aws";
import { href, navigate } from "../../router";
import { Button, Choices, ErrorBox, Field, Page, Panel, TextField, useProblems } from "../../ui/kit";
import { listClusters } from "./clusters";
import { PartlyCreated, createAuroraCluster } from "./create-cluster";
import { listInstances } from "./instances";
import { type LaunchForm, fieldOfError, validateLaunch } from "./validate";

// In the AWS console's order: the Aurora engines first.
const ENGINES: Record<string, { label: string; port: string; user: string }> = {
  "aurora-mysql": { label: "Aurora (MySQL Compatible)", port: "3306", user: "admin" },
  "aurora-postgresql": { label: "Aurora (PostgreSQL Compatible)", port: "5432", user: "postgres" },
  postgres: { label: "PostgreSQL", port: "5432", user: "postgres_admin" },
  mysql: { label: "MySQL", port: "3306", user: "admin" },
  mariadb: { label: "MariaDB", port: "3306", user: "admin" },
};

// Used only when DescribeOrderableDBInstanceOptions is not answered: the common burstable classes.
const FALLBACK_CLASSES = ["db.t3.micro", "db.t3.small", "db.t3.medium", "db.t4g.micro", "db.t4g.small", "db.m5.large"];

function compareVersions(a: string, b: string): number {
  const pa = a.split(/[.-]/).map(Number);
  const pb = b.split(/[.-]/).map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pb[i] || 0) - (pa[i] || 0);
    if (d) return d;
  }
  return 0;
}

const SIZES = ["micro", "small", "medium", "large", "xlarge"];

function sizeRank(cls: string): number {
  const size = cls.split(".").pop() || "";
  const index = SIZES.indexOf(size);
  return index >= 0 ? index : SIZES.length + parseInt(size, 10);
}

/** Instance classes for an engine version, every page of them, burstable and small first. */
export async function orderableClasses(engine: string, version: string): Promise<string[]> {
  const options = await collect(
    paginateDescribeOrderableDBInstanceOptions({ client: aws().rds, pageSize: 1000 }, { Engine: engine, EngineVersion: version }),
    (page) => page.OrderableDBInstanceOptions,
  );
  const found = new Set(options.map((o) => o.DBInstanceClass as string));
  const family = (c: string) => c.split(".")[1] || "";
  return [...found].sort((a, b) => {
    const burstA = family(a).startsWith("t") ? 0 : 1;
    const burstB = family(b).startsWith("t") ? 0 : 1;
    return burstA - burstB || family(a).localeCompare(family(b)) || sizeRank(a) - sizeRank(b);
  });
}

/** "database-1", or the first "database-N" no instance of this region has taken yet. */
function freeIdentifier(taken: string[]): string {
  for (let n = 1; ; n++) if (!taken.includes(`database-${n}`)) return `database-${n}`;
}

export function LaunchInstance() {
  const [versions, setVersions] = useState<DBEngineVersion[] | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  // Once the identifier field has had focus, a free name found later never replaces what is (being) typed.
  const named = useRef(false);
  const [classes, setClasses] = useState<string[]>(FALLBACK_CLASSES);
  const [form, setForm] = useState<LaunchForm>({
    engine: "postgres",
    version: "",
    identifier: "database-1",
    instanceClass: "db.t3.micro",
    storage: "20",
    username: ENGINES.postgres.user,
    password: "",
    managed: false,
    confirm: "",
    dbName: "",
    port: ENGINES.postgres.port,
    retention: "1",
    deletionProtection: false,
    multiAZ: false,
    replica: true,
    dataApi: false,
  });
  const aurora = form.engine.startsWith("aurora-");
  const { problems, setProblems, clear } = useProblems<keyof LaunchForm>();
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    collect(paginateDescribeDBEngineVersions({ client: aws().rds }, {}), (page) => page.DBEngineVersions)
      .then((all) => setVersions(all.filter((v) => (v.Engine || "") in ENGINES)))
      .catch((e) => setLoadError(errorText(e)));
    // The default name must not be one that exists already (the AWS console counts up too): neither an
    // instance's nor a cluster's, since an Aurora cluster's name is its writer's too.
    Promise.all([listInstances(), listClusters().catch(() => [])])
      .then(([instances, clusters]) => {
        const taken = [...instances.map((db) => db.DBInstanceIdentifier || ""), ...clusters.map((c) => c.DBClusterIdentifier || "")];
        setForm((f) => (f.identifier === "database-1" && taken.includes(f.identifier) && !named.current ? { ...f, identifier: freeIdentifier(taken) } : f));
      })
      .catch(() => undefined);
  }, []);

  const engines = useMemo(() => Object.keys(ENGINES).filter((e) => (versions || []).some((v) => v.Engine === e)), [versions]);
  const engineVersions = useMemo(
    () =>
      (versions || [])
        .filter((v) => v.Engine === form.engine)
        .map((v) => v.EngineVersion as string)
        .sort(compareVersions),
    [versions, form.engine],
  );

  useEffect(() => {
    if (engines.length && !engines.includes(form.engine)) changeEngine(engines[0]);
  }, [engines]);
  useEffect(() => {
    if (engineVersions.length && !engineVersions.includes(form.version)) set("version", engineVersions[0]);
  }, [engineVersions]);
  useEffect(() => {
    if (!form.version) return;
    orderableClasses(form.engine, form.version)
      .then((found) => {
        if (!found.length) return;
        setClasses(found);
        if (!found.includes(form.instanceClass)) set("instanceClass", found.find((c) => c.endsWith(".micro")) || found[0]);
        // Aurora has no micro class: its smallest burstable one (db.t3.medium) comes first.
      })
      .catch(() => setClasses(FALLBACK_CLASSES));
  }, [form.engine, form.version]);

  function set<K extends keyof LaunchForm>(key: K, value: LaunchForm[K]) {
    setForm((f) => ({ ...f, [key]: value }));
    clear(key);
    if (key === "password") clear("confirm");
  }

  function changeEngine(engine: string) {
    // An Aurora cluster is never created with an RDS-managed password here (see the Settings panel).
    setForm((f) => ({ ...f, engine, version: "", port: ENGINES[engine].port, username: ENGINES[engine].user, managed: engine.startsWith("aurora-") ? false : f.managed }));
    setProblems({});
  }

  // What the server says this version really is ("MySQL 8.0 served by MariaDB 10.11 ...").
  const description = versions?.find((v) => v.Engine === form.engine && v.EngineVersion === form.version)?.DBEngineVersionDescription;

  const submit = async (event: Event) => {
    event.preventDefault();
    const found = validateLaunch(form);
    setProblems(found);
    if (Object.keys(found).length) {
      document.getElementById(`f-${Object.keys(found)[0]}`)?.focus();
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (aurora) {
        await createAuroraCluster(form);
        navigate(`/rds/clusters/${encodeURIComponent(form.identifier.toLowerCase())}`);
        return;
      }
      await aws().rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: form.identifier,
          Engine: form.engine,
          EngineVersion: form.version,
          DBInstanceClass: form.instanceClass,
          AllocatedStorage: Number(form.storage),
          MasterUsername: form.username,
          MasterUserPassword: form.managed ? undefined : form.password,
          ManageMasterUserPassword: form.managed || undefined,
          DBName: form.dbName || undefined,
          Port: Number(form.port),
          BackupRetentionPeriod: Number(form.retention),
          DeletionProtection: form.deletionProtection,
          MultiAZ: form.multiAZ || undefined,
        }),
      );
      navigate(`/rds/instances/${encodeURIComponent(form.identifier.toLowerCase())}`);
    } catch (e) {
      const field = e instanceof PartlyCreated ? null : fieldOfError(e);
      if (field) {
        setProblems({ [field]: errorText(e) });
        document.getElementById(`f-${field}`)?.focus();
      } else setError(e instanceof PartlyCreated ? e.message : errorText(e));
      setBusy(false);
    }
  };

  const input = (key: keyof LaunchForm, label: string, attrs: Record<string, unknown> = {}, hint?: string) => (
    <TextField id={`f-${key}`} label={label} value={form[key] as string} error={problems[key]} hint={hint} onInput={(v) => set(key, v as never)} attrs={attrs} />
  );

  return (
    <Page title="Create database" crumbs={[["RDS", href("/rds")]]}>
      <ErrorBox error={loadError} />
      <form class="form" onSubmit={submit} noValidate>
        <Panel title="Engine options">
          <Choices
            label="Engine type"
            name="engine"
            options={(engines.length ? engines : Object.keys(ENGINES)).map((engine) => [engine, ENGINES[engine]?.label || engine])}
            value={form.engine}
            onChange={changeEngine}
          />
          <Field label="Engine version" id="f-version" error={problems.version} hint={description || "Versions installed on this machine."}>
            <select id="f-version" value={form.version} onChange={(e) => set("version", e.currentTarget.value)}>
              {engineVersions.map((v) => (
                <option key={v} value={v}>
                  {ENGINES[form.engine]?.label} {v}
                </option>
              ))}
            </select>
          </Field>
        </Panel>
        <Panel title="Settings">
          {aurora
            ? input("identifier", "DB cluster identifier", { onFocus: () => (named.current = true) }, "Unique across your DB clusters in this region; stored in lowercase. The instances are named after it.")
            : input("identifier", "DB instance identifier", { onFocus: () => (named.current = true) }, "Unique across your DB instances in this region; stored in lowercase.")}
          {input("username", "Master username", { autoComplete: "off" })}
          {/* Fogbank's clusters keep their master password themselves (ManageMasterUserPassword is refused on CreateDBCluster). */}
          {!aurora && (
            <label class="check">
              <input type="checkbox" checked={form.managed} onChange={(e) => set("managed", e.currentTarget.checked)} />
              Manage master credentials in AWS Secrets Manager (RDS generates the password and keeps it in a secret)
            </label>
          )}
          {!form.managed && input("password", "Master password", { type: "password", autoComplete: "new-password" })}
          {!form.managed && input("confirm", "Confirm master password", { type: "password", autoComplete: "new-password" })}
        </Panel>
        <Panel title="Instance configuration">
          <Field label="DB instance class" id="f-instanceClass" error={problems.instanceClass}>
            <select id="f-instanceClass" value={form.instanceClass} onChange={(e) => set("instanceClass", e.currentTarget.value)}>
              {classes.map((c) => (
                <option key={c}>{c}</option>
              ))}
            </select>
          </Field>
          {aurora ? (
            <p class="muted small">Aurora storage grows by itself: the cluster has no allocated storage to choose.</p>
          ) : (
            input("storage", "Allocated storage (GiB)", { type: "number", min: 20, max: 65536 })
          )}
        </Panel>
        <Panel title="Availability and durability">
          {aurora ? (
            <div role="radiogroup" aria-label="Multi-AZ deployment">
              <label class="check">
                <input type="radio" name="replica" checked={form.replica} onChange={() => set("replica", true)} />
                Create an Aurora Replica or Reader node in a different AZ (a reader that takes over when the writer fails)
              </label>
              <label class="check">
                <input type="radio" name="replica" checked={!form.replica} onChange={() => set("replica", false)} />
                Don't create an Aurora Replica
              </label>
            </div>
          ) : (
            <label class="check">
              <input type="checkbox" checked={form.multiAZ} onChange={(e) => set("multiAZ", e.currentTarget.checked)} />
              Multi-AZ DB instance: a standby kept in step synchronously takes over when the primary fails
            </label>
          )}
        </Panel>
        <Panel title="Additional configuration">
          {input("dbName", "Initial database name", {}, "If you leave this empty, no database is created (PostgreSQL still has \"postgres\").")}
          {input("port", "Database port", { type: "number" })}
          {input("retention", "Backup retention period (days)", { type: "number", min: aurora ? 1 : 0, max: 35 })}
          <label class="check">
            <input type="checkbox" checked={form.deletionProtection} onChange={(e) => set("deletionProtection", e.currentTarget.checked)} />
            Enable deletion protection
          </label>
          {aurora && (
            <label class="check">
              <input type="checkbox" checked={form.dataApi} onChange={(e) => set("dataApi", e.currentTarget.checked)} />
              Enable the RDS Data API (run SQL through the query editor and the rds-data API)
            </label>
          )}
        </Panel>
        <ErrorBox error={error} onClose={() => setError(null)} />
        <div class="form-actions">
          <a class="btn btn-normal" href={href("/rds")}>
            Cancel
          </a>
          <Button kind="primary" type="submit" busy={busy}>
            Create database
          </Button>
        </div>
      </form>
    </Page>
  );
}
