// Copyable connection examples for an endpoint: an instance's, or a cluster's writer and reader endpoints.
import type { DBInstance } from "@aws-sdk/client-rds";
import { CodeBlock } from "../../ui/kit";

/** Where to connect and as whom: what the examples are written for. */
export interface Endpoint {
  engine: string;
  host: string;
  port: number | string;
  user: string;
  dbName?: string;
  /** The ARN the RDS Data API takes (a DB instance's or a cluster's); no Data API example without it. */
  arn?: string;
  /** Said in the examples' titles when a page shows several endpoints ("reader endpoint"). */
  label?: string;
  /** Only the command-line client's line (a second endpoint of the same database). */
  brief?: boolean;
}

export function instanceEndpoint(db: DBInstance): Endpoint {
  return { engine: db.Engine || "", host: db.Endpoint?.Address || "", port: db.Endpoint?.Port || "", user: db.MasterUsername || "", dbName: db.DBName, arn: db.DBClusterIdentifier ? undefined : db.DBInstanceArn };
}

function examplesFor(e: Endpoint): [string, string][] {
  const { host, port, user } = e;
  const isPg = e.engine.includes("postgres");
  const name = e.dbName || (isPg ? "postgres" : "");
  const suffix = e.label ? ` (${e.label})` : "";
  const examples: [string, string][] = isPg
    ? [
        [`psql${suffix}`, `psql "host=${host} port=${port} dbname=${name} user=${user}"`],
        [
          `Python (psycopg)${suffix}`,
          `import psycopg\n\nconn = psycopg.connect(host="${host}", port=${port}, dbname="${name}",\n                       user="${user}", password="YOUR_PASSWORD")\nwith conn.cursor() as cur:\n    cur.execute("SELECT version()")\n    print(cur.fetchone())`,
        ],
        [`JDBC URL${suffix}`, `jdbc:postgresql://${host}:${port}/${name}`],
      ]
    : [
        [`mysql${suffix}`, `mysql -h ${host} -P ${port} -u ${user} -p${name ? " " + name : ""}`],
        [
          `Python (PyMySQL)${suffix}`,
          `import pymysql\n\nconn = pymysql.connect(host="${host}", port=${port}, user="${user}",\n                       password="YOUR_PASSWORD"${name ? `, database="${name}"` : ""})\nwith conn.cursor() as cur:\n    cur.execute("SELECT VERSION()")\n    print(cur.fetchone())`,
        ],
        [`JDBC URL${suffix}`, `jdbc:mysql://${host}:${port}/${name}`],
      ];
  if (e.brief) return examples.slice(0, 1);
  if (e.arn)
    examples.push([
      "AWS CLI (RDS Data API)",
      `aws rds-data execute-statement --endpoint-url ${window.location.origin} \\\n  --resource-arn ${e.arn} \\\n  --secret-arn <secret ARN with username and password> \\\n  ${name ? `--database ${name} ` : ""}--sql "SELECT 1"`,
    ]);
  return examples;
}

export function ConnectionExamples(props: { endpoints: Endpoint[] }) {
  return (
    <div class="examples">
      {props.endpoints.flatMap(examplesFor).map(([label, text]) => (
        <CodeBlock key={label} label={label} text={text} />
      ))}
    </div>
  );
}
