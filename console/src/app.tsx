// The frame (top bar, navigation, region) and the routes to each page.
import { useEffect, useState } from "preact/hooks";
import { aws } from "./aws";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { DynamoTables } from "./pages/dynamodb/tables";
import { CreateTable } from "./pages/dynamodb/create";
import { TableDetail } from "./pages/dynamodb/detail";
import { ExploreItems } from "./pages/dynamodb/explore";
import { ClusterDetail } from "./pages/elasticache/cluster";
import { CreateCache } from "./pages/elasticache/create";
import { GroupDetail } from "./pages/elasticache/group";
import { ElastiCacheList } from "./pages/elasticache/list";
import { ServerlessDetail } from "./pages/elasticache/serverless";
import { Home } from "./pages/home";
import { QueryEditor } from "./pages/query/editor";
import { RdsInstances } from "./pages/rds/instances";
import { LaunchInstance } from "./pages/rds/launch";
import { DBClusterDetail } from "./pages/rds/cluster";
import { ModifyCluster } from "./pages/rds/cluster-modify";
import { InstanceDetail } from "./pages/rds/detail";
import { ModifyInstance } from "./pages/rds/modify";
import { SettingsPage } from "./pages/settings";
import { SecretsPage } from "./pages/secrets";
import { href, match, route } from "./router";
import { REGIONS, saveSettings, settings } from "./settings";

const ROUTES: [string, (p: Record<string, string>) => preact.JSX.Element][] = [
  ["/", () => <Home />],
  ["/rds", () => <RdsInstances />],
  ["/rds/launch", () => <LaunchInstance />],
  ["/rds/instances/:id", (p) => <InstanceDetail id={p.id} />],
  ["/rds/instances/:id/modify", (p) => <ModifyInstance id={p.id} />],
  ["/rds/clusters/:id", (p) => <DBClusterDetail id={p.id} />],
  ["/rds/clusters/:id/modify", (p) => <ModifyCluster id={p.id} />],
  ["/query", () => <QueryEditor />],
  ["/dynamodb", () => <DynamoTables />],
  ["/dynamodb/create", () => <CreateTable />],
  ["/dynamodb/tables/:name", (p) => <TableDetail name={p.name} />],
  ["/dynamodb/tables/:name/items", (p) => <ExploreItems name={p.name} />],
  ["/elasticache", () => <ElastiCacheList />],
  ["/elasticache/create", () => <CreateCache />],
  ["/elasticache/clusters/:id", (p) => <ClusterDetail id={p.id} />],
  ["/elasticache/groups/:id", (p) => <GroupDetail id={p.id} />],
  ["/elasticache/serverless/:id", (p) => <ServerlessDetail id={p.id} />],
  ["/secrets", () => <SecretsPage />],
  ["/settings", () => <SettingsPage />],
];

const NAV: [string, string][] = [
  ["Home", "/"],
  ["RDS databases", "/rds"],
  ["Query editor", "/query"],
  ["DynamoDB tables", "/dynamodb"],
  ["ElastiCache", "/elasticache"],
  ["Secrets", "/secrets"],
  ["Settings", "/settings"],
];

function Account() {
  const [account, setAccount] = useState<string>("");
  useEffect(() => {
    aws()
      .sts.send(new GetCallerIdentityCommand({}))
      .then((r) => setAccount(r.Account || ""))
      .catch(() => setAccount(""));
  }, [settings.value.accessKeyId]);
  return <span class="account" title="Account (from the access key)">Account {account || "…"}</span>;
}

export function App() {
  const path = route.value;
  let page: preact.JSX.Element | null = null;
  for (const [pattern, view] of ROUTES) {
    const params = match(pattern, path);
    if (params) {
      page = view(params);
      break;
    }
  }
  const section = "/" + (path.split("?")[0].split("/")[1] || "");
  return (
    <div class="shell">
      <a class="skip" href="#main" onClick={(e) => { e.preventDefault(); document.getElementById("main")?.focus(); }}>
        Skip to content
      </a>
      <header class="topbar">
        <a class="brand" href={href("/")}>
          <span class="logo" aria-hidden="true">◆</span> Fogbank <span class="brand-sub">console</span>
        </a>
        <div class="topbar-right">
          <Account />
          <label class="region">
            <span>Region</span>
            <select
              aria-label="Region"
              value={settings.value.region}
              onChange={(e) => saveSettings({ ...settings.value, region: e.currentTarget.value })}
            >
              {REGIONS.map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
        </div>
      </header>
      <div class="body">
        <nav class="sidenav" aria-label="Services">
          {NAV.map(([label, to]) => (
            <a key={to} href={href(to)} class={section === to || (to === "/rds" && path.startsWith("/rds")) ? "active" : ""}>
              {label}
            </a>
          ))}
        </nav>
        <main id="main" tabIndex={-1} key={`${settings.value.region} ${path}`}>
          {page || (
            <section class="page">
              <h1>Page not found</h1>
              <p>
                <a href={href("/")}>Go to the home page</a>
              </p>
            </section>
          )}
        </main>
      </div>
    </div>
  );
}
