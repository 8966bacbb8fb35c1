// Home: every service with its resources in the selected region and account, at a glance.
import { DescribeTableCommand } from "@aws-sdk/client-dynamodb";
import { paginateListSecrets } from "@aws-sdk/client-secrets-manager";
import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";
import { aws, collect, errorText, fogbankHealth } from "../aws";
import { href } from "../router";
import { settings } from "../settings";
import { Empty, LinkButton, Page, Panel, Status } from "../ui/kit";
import { listTableNames } from "./dynamodb/tables";
import { listCaches, summarize } from "./elasticache/list";
import { instanceRole } from "./rds/clusters";
import { listDatabases } from "./rds/instances";

interface Resource {
  name: string;
  link: string;
  status?: string;
  detail?: string;
}

interface Card {
  service: string;
  title: string;
  link: string;
  state?: string;
  resources?: Resource[];
  error?: string;
  actions?: ComponentChildren;
}

const TITLES: Record<string, string> = {
  dynamodb: "DynamoDB",
  rds: "RDS",
  "rds-data": "RDS Data API",
  secretsmanager: "Secrets Manager",
  elasticache: "ElastiCache",
  iam: "IAM",
  sts: "STS",
  backup: "AWS Backup",
  neptunedata: "Neptune data API",
  kms: "KMS",
  cloudwatch: "CloudWatch",
};

/**
 * The services of the course, in its order. `health` names the entry of /_fogbank/health that says
 * its state; when the health document has none, `known` is what this console knows of it; `page` is
 * its console page, once there is one.
 */
const COURSE: { title: string; health: string; known: string; page?: string }[] = [
  { title: "RDS", health: "rds", known: "running", page: "/rds" },
  { title: "Aurora", health: "aurora", known: "not implemented" },
  { title: "DynamoDB", health: "dynamodb", known: "running", page: "/dynamodb" },
  { title: "DynamoDB Streams", health: "dynamodbstreams", known: "not implemented" },
  { title: "ElastiCache", health: "elasticache", known: "running", page: "/elasticache" },
  { title: "DocumentDB", health: "docdb", known: "not implemented" },
  { title: "Neptune", health: "neptune", known: "not implemented" },
  { title: "AWS Backup", health: "backup", known: "not implemented" },
];

function CourseServices(props: { health: Record<string, { state: string }> | null }) {
  return (
    <Panel title="Services of the course">
      <table class="table" aria-label="Services of the course">
        <thead>
          <tr>
            <th>Service</th>
            <th>State</th>
          </tr>
        </thead>
        <tbody>
          {COURSE.map((c) => {
            const state = props.health?.[c.health]?.state || c.known;
            return (
              <tr key={c.title} data-service={c.health}>
                <td>{c.page && state !== "not implemented" ? <a href={href(c.page)}>{c.title}</a> : <strong>{c.title}</strong>}</td>
                <td>{props.health ? <Status value={state} /> : <span class="muted">…</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </Panel>
  );
}

async function dynamoTables(): Promise<Resource[]> {
  const client = aws().dynamodb;
  const names = await listTableNames();
  return Promise.all(
    names.map(async (name) => {
      const { Table } = await client.send(new DescribeTableCommand({ TableName: name }));
      return {
        name,
        link: `/dynamodb/tables/${encodeURIComponent(name)}`,
        status: Table?.TableStatus,
        detail: `${Table?.ItemCount ?? 0} items`,
      };
    }),
  );
}

/** The Databases list's rows: a cluster, then its instances, then the instances of no cluster. */
async function rdsInstances(): Promise<Resource[]> {
  return (await listDatabases()).map((row) =>
    row.instance
      ? {
          name: row.instance.DBInstanceIdentifier || "",
          link: `/rds/instances/${encodeURIComponent(row.instance.DBInstanceIdentifier || "")}`,
          status: row.instance.DBInstanceStatus,
          detail: `${row.instance.Engine} ${row.instance.EngineVersion}${row.cluster ? `, ${instanceRole(row.instance, row.cluster).toLowerCase()}` : ""}`,
        }
      : {
          name: row.cluster.DBClusterIdentifier || "",
          link: `/rds/clusters/${encodeURIComponent(row.cluster.DBClusterIdentifier || "")}`,
          status: row.cluster.Status,
          detail: `${row.cluster.Engine} ${row.cluster.EngineVersion}, cluster`,
        },
  );
}

async function caches(): Promise<Resource[]> {
  // Home's links are paths; the list's are hash hrefs ("#/elasticache/...").
  return (await listCaches()).map((row) => {
    const line = summarize(row);
    return { ...line, link: line.link.replace(/^#/, "") };
  });
}

async function secrets(): Promise<Resource[]> {
  const list = await collect(paginateListSecrets({ client: aws().secrets }, {}), (p) => p.SecretList);
  return list.map((s) => ({ name: s.Name || "", link: "/secrets" }));
}

const LOADERS: Record<string, [string, () => Promise<Resource[]>, ComponentChildren?]> = {
  rds: ["/rds", rdsInstances, <LinkButton href={href("/rds/launch")}>Create database</LinkButton>],
  dynamodb: ["/dynamodb", dynamoTables, <LinkButton href={href("/dynamodb/create")}>Create table</LinkButton>],
  elasticache: ["/elasticache", caches, <LinkButton href={href("/elasticache/create")}>Create cache</LinkButton>],
  secretsmanager: ["/secrets", secrets],
};

export function Home() {
  const [cards, setCards] = useState<Card[]>([]);
  const [loading, setLoading] = useState(true);
  const [health, setHealth] = useState<Record<string, { state: string }> | null>(null);
  useEffect(() => {
    let cancelled = false;
    (async () => {
      const health = await fogbankHealth().catch(() => ({ services: {} as Record<string, { state: string; operations: number }> }));
      if (!cancelled) setHealth(health.services);
      const names = Object.keys(health.services);
      const ordered = [...names.filter((n) => n in LOADERS), ...names.filter((n) => !(n in LOADERS))];
      const result = await Promise.all(
        ordered.map(async (service): Promise<Card> => {
          const state = health.services[service]?.state;
          const loader = LOADERS[service];
          const card: Card = { service, title: TITLES[service] || service, link: loader?.[0] || "", state };
          if (!loader || state === "not implemented") return card;
          card.actions = loader[2];
          try {
            card.resources = await loader[1]();
          } catch (e) {
            card.error = errorText(e);
          }
          return card;
        }),
      );
      if (!cancelled) {
        setCards(result);
        setLoading(false);
      }
    })();
    return () => {
      cancelled = true;
    };
  }, [settings.value.region]);

  const main = cards.filter((c) => c.resources || c.error);
  const others = cards.filter((c) => !(c.resources || c.error));
  return (
    <Page title="Home">
      <p class="lead">
        Your local AWS in <strong>{settings.value.region}</strong>. Every action below is an AWS API call to this
        Fogbank — what you do here, an SDK or the AWS CLI can do too.
      </p>
      <CourseServices health={health} />
      {loading && <p class="muted">Loading services…</p>}
      <div class="cards">
        {main.map((card) => (
          <div class="card" key={card.service} data-service={card.service}>
            <div class="card-head">
              <h2>
                <a href={href(card.link)}>{card.title}</a>
              </h2>
              <span class="count">{card.resources?.length ?? 0}</span>
            </div>
            {card.error && <div class="alert alert-error">{card.error}</div>}
            {card.resources && card.resources.length === 0 && <Empty>No resources in this region yet.</Empty>}
            <ul class="resources">
              {card.resources?.slice(0, 8).map((r) => (
                <li key={r.name}>
                  <a href={href(r.link)}>{r.name}</a>
                  <span class="muted">{r.detail}</span>
                  {r.status && <Status value={r.status} />}
                </li>
              ))}
              {card.resources && card.resources.length > 8 && (
                <li>
                  <a href={href(card.link)}>and {card.resources.length - 8} more…</a>
                </li>
              )}
            </ul>
            <div class="card-foot">{card.actions}</div>
          </div>
        ))}
      </div>
      {others.length > 0 && (
        <div class="other-services">
          <h2>Other services</h2>
          <ul>
            {others.map((c) => (
              <li key={c.service}>
                <strong>{c.title}</strong> <Status value={c.state === "not implemented" ? "not implemented" : c.state || "running"} />
              </li>
            ))}
          </ul>
        </div>
      )}
    </Page>
  );
}
