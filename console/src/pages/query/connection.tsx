// Signing in to a database the AWS way: the credentials live in a Secrets Manager secret, and the
// RDS Data API is called with the cluster's (or, in Fogbank, the instance's) ARN, the secret ARN and
// the database name.
import { ExecuteStatementCommand } from "@aws-sdk/client-rds-data";
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  paginateListSecrets,
  type SecretListEntry,
} from "@aws-sdk/client-secrets-manager";
import type { DBCluster, DBInstance } from "@aws-sdk/client-rds";
import { useEffect, useState } from "preact/hooks";
import { aws, collect } from "../../aws";
import { Field, FormModal } from "../../ui/kit";
import { clusterSecretPrefix } from "../rds/clusters";

/** What the query editor can run SQL on: an Aurora cluster (its writer), or a DB instance. */
export interface DataTarget {
  /** The instance's identifier, or "cluster.<identifier>" (no DB identifier has a "."): the key of its saved sign-in. */
  key: string;
  kind: "instance" | "cluster";
  identifier: string;
  arn: string;
  engine: string;
  version: string;
  status: string;
  masterUsername: string;
  dbName?: string;
  host?: string;
  port?: number;
  managedSecretArn?: string;
  /** False for a cluster whose RDS Data API (HttpEndpointEnabled) is off. */
  dataApi: boolean;
}

export function instanceTarget(db: DBInstance): DataTarget {
  return {
    key: db.DBInstanceIdentifier || "",
    kind: "instance",
    identifier: db.DBInstanceIdentifier || "",
    arn: db.DBInstanceArn || "",
    engine: db.Engine || "",
    version: db.EngineVersion || "",
    status: db.DBInstanceStatus || "",
    masterUsername: db.MasterUsername || "",
    dbName: db.DBName,
    host: db.Endpoint?.Address,
    port: db.Endpoint?.Port,
    managedSecretArn: db.MasterUserSecret?.SecretArn,
    dataApi: true,
  };
}

export function clusterTarget(c: DBCluster): DataTarget {
  return {
    key: `cluster.${c.DBClusterIdentifier}`,
    kind: "cluster",
    identifier: c.DBClusterIdentifier || "",
    arn: c.DBClusterArn || "",
    engine: c.Engine || "",
    version: c.EngineVersion || "",
    status: c.Status || "",
    masterUsername: c.MasterUsername || "",
    dbName: c.DatabaseName,
    host: c.Endpoint,
    port: c.Port,
    managedSecretArn: c.MasterUserSecret?.SecretArn,
    dataApi: !!c.HttpEndpointEnabled,
  };
}

export interface Connection {
  /** The target's key (an instance's identifier, "cluster.<identifier>"). */
  instance: string;
  resourceArn: string;
  secretArn: string;
  database: string;
  engine: "postgres" | "mysql";
  username: string;
}

export const CONNECTIONS_KEY = "fogbank.console.connections";

/** Drop the query editor's remembered sign-ins to a target, by its key (its secrets are gone). */
export function forgetConnections(instance: string): void {
  try {
    const saved = JSON.parse(localStorage.getItem(CONNECTIONS_KEY) || "{}") as Record<string, Connection>;
    for (const [key, c] of Object.entries(saved)) if (c.instance === instance) delete saved[key];
    localStorage.setItem(CONNECTIONS_KEY, JSON.stringify(saved));
  } catch {
    localStorage.removeItem(CONNECTIONS_KEY);
  }
}

export function engineOf(target: DataTarget): "postgres" | "mysql" {
  return target.engine.includes("postgres") ? "postgres" : "mysql";
}

/** The secret RDS's own console would store: its name tells the query editor's secrets of each target apart. */
async function storeCredentials(target: DataTarget, username: string, password: string): Promise<string> {
  const cluster = target.kind === "cluster";
  const name = cluster ? `${clusterSecretPrefix(target.identifier)}${username}` : `fogbank-console/${target.identifier}/${username}`;
  const value = JSON.stringify({
    username,
    password,
    engine: target.engine,
    host: target.host,
    port: target.port,
    [cluster ? "dbClusterIdentifier" : "dbInstanceIdentifier"]: target.identifier,
  });
  const secrets = aws().secrets;
  try {
    const created = await secrets.send(
      new CreateSecretCommand({ Name: name, SecretString: value, Description: `Query editor credentials for ${target.identifier}` }),
    );
    return created.ARN as string;
  } catch (e) {
    if ((e as { name?: string }).name !== "ResourceExistsException") throw e;
    const updated = await secrets.send(new PutSecretValueCommand({ SecretId: name, SecretString: value }));
    return updated.ARN as string;
  }
}

export function ConnectDialog(props: { target: DataTarget; onConnected: (c: Connection) => void; onClose: () => void }) {
  const target = props.target;
  const engine = engineOf(target);
  // A database whose master password RDS manages: its secret is the way in.
  const managed = target.managedSecretArn || "";
  const [mode, setMode] = useState<"new" | "secret">(managed ? "secret" : "new");
  const [username, setUsername] = useState(target.masterUsername);
  const [password, setPassword] = useState("");
  const [database, setDatabase] = useState(target.dbName || (engine === "postgres" ? "postgres" : ""));
  const [secrets, setSecrets] = useState<SecretListEntry[]>([]);
  const [secretArn, setSecretArn] = useState("");

  useEffect(() => {
    collect(paginateListSecrets({ client: aws().secrets }, {}), (page) => page.SecretList)
      .then((found) => {
        setSecrets(found);
        if (found.length) setSecretArn(found.some((f) => f.ARN === managed) ? managed : (found[0].ARN as string));
      })
      .catch(() => setSecrets([]));
  }, []);

  const submit = async () => {
    const arn = mode === "new" ? await storeCredentials(target, username, password) : secretArn;
    // Sign in once now, so wrong credentials are reported here and not on the first query.
    await aws().rdsData.send(new ExecuteStatementCommand({ resourceArn: target.arn, secretArn: arn, database: database || undefined, sql: "SELECT 1" }));
    props.onConnected({
      instance: target.key,
      resourceArn: target.arn,
      secretArn: arn,
      database,
      engine,
      username: mode === "new" ? username : secrets.find((s) => s.ARN === arn)?.Name || "",
    });
  };

  return (
    <FormModal title={`Connect to ${target.identifier}`} action="Connect" class="form" onClose={props.onClose} onSubmit={submit}>
      <div class="segmented" role="radiogroup" aria-label="Database credentials">
        <label class={mode === "new" ? "selected" : ""}>
          <input type="radio" checked={mode === "new"} onChange={() => setMode("new")} /> Add new database credentials
        </label>
        <label class={mode === "secret" ? "selected" : ""}>
          <input type="radio" checked={mode === "secret"} onChange={() => setMode("secret")} /> Use a Secrets Manager secret
        </label>
      </div>
      {mode === "new" ? (
        <>
          <Field label="Database username" id="c-user">
            <input id="c-user" value={username} onInput={(e) => setUsername(e.currentTarget.value)} autoComplete="off" />
          </Field>
          <Field label="Database password" id="c-pass" hint="Stored as a Secrets Manager secret, as the AWS console does.">
            <input id="c-pass" type="password" value={password} onInput={(e) => setPassword(e.currentTarget.value)} autoComplete="off" />
          </Field>
        </>
      ) : (
        <Field label="Secret" id="c-secret">
          <select id="c-secret" value={secretArn} onChange={(e) => setSecretArn(e.currentTarget.value)}>
            {secrets.map((s) => (
              <option key={s.ARN} value={s.ARN}>
                {s.ARN === managed ? `${s.Name} (this ${target.kind === "cluster" ? "cluster" : "instance"}'s master credentials, managed by RDS)` : s.Name}
              </option>
            ))}
          </select>
        </Field>
      )}
      <Field label="Database name" id="c-db" hint={engine === "postgres" ? "e.g. postgres or the initial database" : "Optional for MySQL"}>
        <input id="c-db" value={database} onInput={(e) => setDatabase(e.currentTarget.value)} />
      </Field>
    </FormModal>
  );
}
