// Copyable connection examples for an instance's endpoint.
import type { DBInstance } from "@aws-sdk/client-rds";
import { CodeBlock } from "../../ui/kit";

export function ConnectionExamples(props: { db: DBInstance }) {
  const db = props.db;
  const host = db.Endpoint?.Address || "";
  const port = db.Endpoint?.Port || "";
  const user = db.MasterUsername || "";
  const isPg = (db.Engine || "").includes("postgres");
  const name = db.DBName || (isPg ? "postgres" : "");
  const examples: [string, string][] = isPg
    ? [
        ["psql", `psql "host=${host} port=${port} dbname=${name} user=${user}"`],
        [
          "Python (psycopg)",
          `import psycopg\n\nconn = psycopg.connect(host="${host}", port=${port}, dbname="${name}",\n                       user="${user}", password="YOUR_PASSWORD")\nwith conn.cursor() as cur:\n    cur.execute("SELECT version()")\n    print(cur.fetchone())`,
        ],
        ["JDBC URL", `jdbc:postgresql://${host}:${port}/${name}`],
      ]
    : [
        ["mysql", `mysql -h ${host} -P ${port} -u ${user} -p${name ? " " + name : ""}`],
        [
          "Python (PyMySQL)",
          `import pymysql\n\nconn = pymysql.connect(host="${host}", port=${port}, user="${user}",\n                       password="YOUR_PASSWORD"${name ? `, database="${name}"` : ""})\nwith conn.cursor() as cur:\n    cur.execute("SELECT VERSION()")\n    print(cur.fetchone())`,
        ],
        ["JDBC URL", `jdbc:mysql://${host}:${port}/${name}`],
      ];
  examples.push([
    "AWS CLI (RDS Data API)",
    `aws rds-data execute-statement --endpoint-url ${window.location.origin} \\\n  --resource-arn ${db.DBInstanceArn} \\\n  --secret-arn <secret ARN with username and password> \\\n  ${name ? `--database ${name} ` : ""}--sql "SELECT 1"`,
  ]);
  return (
    <div class="examples">
      {examples.map(([label, text]) => (
        <CodeBlock key={label} label={label} text={text} />
      ))}
    </div>
  );
}
