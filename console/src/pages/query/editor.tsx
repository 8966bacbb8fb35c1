// The query editor: pick a database (an Aurora cluster or a DB instance), sign in, run SQL through the
// RDS Data API, see every result.
import { ExecuteStatementCommand } from "@aws-sdk/client-rds-data";
import { useEffect, useState } from "preact/hooks";
import { aws, errorText, notImplemented } from "../../aws";
import { href, query, route } from "../../router";
import { settings } from "../../settings";
import { CodeEditor, splitStatements } from "../../ui/editor";
import { Button, Empty, Field, Notice, Page, Panel, formatDate } from "../../ui/kit";
import { clusterLink, listClusters } from "../rds/clusters";
import { listInstances } from "../rds/instances";
import { CONNECTIONS_KEY, ConnectDialog, clusterTarget, instanceTarget, type Connection, type DataTarget } from "./connection";
import { ResultView, type StatementResult } from "./results";

interface HistoryEntry {
  at: number;
  instance: string;
  database: string;
  sql: string;
  ok: boolean;
  ms: number;
}

const HISTORY_KEY = "fogbank.console.queryHistory";

function loadJson<T>(key: string, fallback: T): T {
  try {
    return JSON.parse(localStorage.getItem(key) || "") as T;
  } catch {
    return fallback;
  }
}

const SAMPLE: Record<string, string> = {
  postgres: "-- Ctrl+Enter runs everything below; statements are separated by semicolons.\nSELECT current_database(), current_user, version();\n",
  mysql: "-- Ctrl+Enter runs everything below; statements are separated by semicolons.\nSELECT DATABASE(), CURRENT_USER(), VERSION();\n",
};

/** ?cluster=c1 or ?instance=db1: the target to select first, by its key. */
function requested(): string {
  const params = query(route.value);
  const cluster = params.get("cluster");
  return cluster ? `cluster.${cluster}` : params.get("instance") || "";
}

/** The region's clusters, then the DB instances of no cluster (a member is queried through its cluster). */
async function listTargets(): Promise<DataTarget[]> {
  const [instances, clusters] = await Promise.all([listInstances(), listClusters().catch((e) => (notImplemented(e) ? [] : Promise.reject(e)))]);
  return [
    ...clusters.filter((c) => /postgres|mysql/.test(c.Engine || "")).map(clusterTarget),
    ...instances.filter((db) => !db.DBClusterIdentifier && /postgres|mysql|mariadb/.test(db.Engine || "")).map(instanceTarget),
  ];
}

export function QueryEditor() {
  const [instances, setInstances] = useState<DataTarget[]>([]);
  const [selected, setSelected] = useState<string>(requested());
  const connKey = `${settings.value.accessKeyId}/${settings.value.region}`;
  const [connections, setConnections] = useState<Record<string, Connection>>(() => loadJson(CONNECTIONS_KEY, {}));
  const [connecting, setConnecting] = useState(false);
  const [sql, setSql] = useState<string>("");
  const [revision, setRevision] = useState(0);
  const replaceSql = (text: string) => {
    setSql(text);
    setRevision((r) => r + 1);
  };
  const [results, setResults] = useState<StatementResult[]>([]);
  const [running, setRunning] = useState(false);
  const [history, setHistory] = useState<HistoryEntry[]>(() => loadJson(HISTORY_KEY, []));
  const [loadError, setLoadError] = useState<string | null>(null);

  useEffect(() => {
    listTargets()
      .then((usable) => {
        setInstances(usable);
        if (!selected && usable.length) setSelected(usable[0].key);
      })
      .catch((e) => setLoadError(errorText(e)));
  }, []);

  const db = instances.find((i) => i.key === selected);
  const connection = connections[`${connKey}/${selected}`];
  useEffect(() => {
    if (connection && !sql) replaceSql(SAMPLE[connection.engine]);
  }, [connection]);

  const saveConnection = (c: Connection | null) => {
    const next = { ...connections };
    if (c) next[`${connKey}/${c.instance}`] = c;
    else delete next[`${connKey}/${selected}`];
    setConnections(next);
    localStorage.setItem(CONNECTIONS_KEY, JSON.stringify(next));
  };

  const run = async (text: string = sql) => {
    if (!connection || running) return;
    const statements = splitStatements(text, connection.engine);
    if (!statements.length) return;
    setRunning(true);
    const out: StatementResult[] = [];
    setResults([]);
    const started = performance.now();
    for (const [n, statement] of statements.entries()) {
      const t0 = performance.now();
      try {
        const r = await aws().rdsData.send(
          new ExecuteStatementCommand({
            resourceArn: connection.resourceArn,
            secretArn: connection.secretArn,
            database: connection.database || undefined,
            sql: statement,
            includeResultMetadata: true,
          }),
        );
        out.push({
          sql: statement,
          ms: Math.round(performance.now() - t0),
          columns: r.columnMetadata && r.columnMetadata.length ? r.columnMetadata : r.records ? [] : undefined,
          records: r.records,
          updated: r.numberOfRecordsUpdated,
        });
      } catch (e) {
        out.push({ sql: statement, ms: Math.round(performance.now() - t0), error: errorText(e) });
        // Later statements may depend on the failed one, as in the AWS query editor: not run, but shown as skipped.
        out.push(...statements.slice(n + 1).map((sql) => ({ sql, ms: 0, skipped: true })));
        setResults([...out]);
        break;
      }
      setResults([...out]);
    }
    const entry: HistoryEntry = {
      at: Date.now(),
      instance: connection.instance,
      database: connection.database,
      sql: text,
      ok: !out.some((r) => r.error),
      ms: Math.round(performance.now() - started),
    };
    const nextHistory = [entry, ...history].slice(0, 100);
    setHistory(nextHistory);
    localStorage.setItem(HISTORY_KEY, JSON.stringify(nextHistory));
    setRunning(false);
  };

  return (
    <Page title="Query editor">
      {loadError && <div class="alert alert-error">{loadError}</div>}
      <Panel>
        <div class="toolbar">
          <Field label="Database instance or cluster" id="q-instance">
            <select id="q-instance" value={selected} onChange={(e) => setSelected(e.currentTarget.value)}>
              {instances.length === 0 && <option value="">No databases</option>}
              {instances.map((i) => (
                <option key={i.key} value={i.key}>
                  {i.kind === "cluster" ? "Cluster " : ""}
                  {i.identifier} ({i.engine} {i.version}, {i.status}
                  {i.dataApi ? "" : ", Data API not enabled"})
                </option>
              ))}
            </select>
          </Field>
          <div class="toolbar-status">
            {connection ? (
              <>
                <span class="connected">
                  Connected as <strong>{connection.username}</strong> to <strong>{connection.database || "(default)"}</strong>
                </span>
                <Button onClick={() => setConnecting(true)}>Change</Button>
                <Button onClick={() => saveConnection(null)}>Disconnect</Button>
              </>
            ) : (
              <Button kind="primary" onClick={() => setConnecting(true)} disabled={!db || db.status !== "available" || !db.dataApi}>
                Connect to database
              </Button>
            )}
          </div>
        </div>
        {db && !db.dataApi && (
          <Notice kind="warning">
            The RDS Data API is not enabled on the cluster {db.identifier}: enable it from <a href={clusterLink(db.identifier)}>the cluster's page</a> to query it here.
          </Notice>
        )}
        {instances.length === 0 && !loadError && (
          <Empty>
            No PostgreSQL, MySQL or MariaDB database in this region. <a href={href("/rds/launch")}>Create database</a>
          </Empty>
        )}
      </Panel>
      {connection && (
        <Panel
          title="SQL"
          actions={
            <>
              <span class="muted small">Ctrl+Enter to run</span>
              <Button onClick={() => replaceSql("")}>Clear</Button>
              <Button kind="primary" busy={running} onClick={() => run()}>
                Run
              </Button>
            </>
          }
        >
          <CodeEditor value={sql} revision={revision} language={connection.engine} label="SQL editor" onChange={setSql} onRun={run} />
        </Panel>
      )}
      {results.length > 0 && (
        <Panel title="Results">
          <div class="results">
            {results.map((r, i) => (
              <ResultView key={i} result={r} index={i} />
            ))}
          </div>
        </Panel>
      )}
      <Panel title="History" actions={history.length > 0 && <Button onClick={() => { setHistory([]); localStorage.removeItem(HISTORY_KEY); }}>Clear history</Button>}>
        {history.length === 0 ? (
          <p class="muted">Queries you run appear here.</p>
        ) : (
          <table class="table history" aria-label="Query history">
            <thead>
              <tr>
                <th>Time</th>
                <th>Database</th>
                <th>SQL</th>
                <th>Result</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {history.slice(0, 20).map((h) => (
                <tr key={h.at}>
                  <td class="nowrap">{formatDate(h.at)}</td>
                  <td class="nowrap">
                    {h.instance}/{h.database}
                  </td>
                  <td>
                    {/* The whole script, scrollable: a cut-off query can't be told from another. */}
                    <pre class="history-sql" tabIndex={0} aria-label="SQL">
                      {h.sql}
                    </pre>
                  </td>
                  <td class={h.ok ? "ok" : "bad"}>
                    {h.ok ? "Succeeded" : "Failed"} · {h.ms} ms
                  </td>
                  <td>
                    <Button kind="link" onClick={() => replaceSql(h.sql)} disabled={!connection}>
                      Load
                    </Button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
      {connecting && db && (
        <ConnectDialog
          target={db}
          onClose={() => setConnecting(false)}
          onConnected={(c) => {
            saveConnection(c);
            setConnecting(false);
          }}
        />
      )}
    </Page>
  );
}
