// The DynamoDB table list, with each table's keys, status, item count and size.
import { DescribeTableCommand, ListTablesCommand, type TableDescription } from "@aws-sdk/client-dynamodb";
import { useEffect, useState } from "preact/hooks";
import { aws, errorText } from "../../aws";
import { href } from "../../router";
import { Button, Empty, ErrorBox, LinkButton, Page, Status, formatBytes, usePoll } from "../../ui/kit";

export function keyOf(table: TableDescription, type: "HASH" | "RANGE"): string {
  const name = table.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
  if (!name) return "";
  const attr = table.AttributeDefinitions?.find((a) => a.AttributeName === name);
  return `${name} (${attr?.AttributeType || "?"})`;
}

export function capacityMode(table: TableDescription): string {
  return table.BillingModeSummary?.BillingMode === "PAY_PER_REQUEST" ? "On-demand" : "Provisioned";
}

export function DynamoTables() {
  const [tables, setTables] = useState<TableDescription[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = async () => {
    try {
      const client = aws().dynamodb;
      const names: string[] = [];
      let start: string | undefined;
      do {
        const page = await client.send(new ListTablesCommand({ ExclusiveStartTableName: start }));
        names.push(...(page.TableNames || []));
        start = page.LastEvaluatedTableName;
      } while (start);
      const described = await Promise.all(names.map((n) => client.send(new DescribeTableCommand({ TableName: n }))));
      setTables(described.map((d) => d.Table as TableDescription));
      setError(null);
    } catch (e) {
      setError(errorText(e));
    }
  };
  useEffect(() => {
    load();
  }, []);
  const busy = (tables || []).some((t) => t.TableStatus !== "ACTIVE" || t.GlobalSecondaryIndexes?.some((g) => g.IndexStatus !== "ACTIVE"));
  usePoll(load, 2000, busy);

  return (
    <Page
      title="Tables"
      actions={
        <>
          <Button onClick={load}>Refresh</Button>
          <LinkButton kind="primary" href={href("/dynamodb/create")}>
            Create table
          </LinkButton>
        </>
      }
    >
      <ErrorBox error={error} />
      {tables && tables.length === 0 && (
        <Empty>
          No tables in this region. <a href={href("/dynamodb/create")}>Create table</a>
        </Empty>
      )}
      {tables && tables.length > 0 && (
        <table class="table" aria-label="DynamoDB tables">
          <thead>
            <tr>
              <th>Name</th>
              <th>Status</th>
              <th>Partition key</th>
              <th>Sort key</th>
              <th>Indexes</th>
              <th>Capacity mode</th>
              <th class="num">Items</th>
              <th class="num">Size</th>
            </tr>
          </thead>
          <tbody>
            {tables.map((t) => (
              <tr key={t.TableName}>
                <td>
                  <a href={href(`/dynamodb/tables/${encodeURIComponent(t.TableName || "")}`)}>{t.TableName}</a>
                </td>
                <td>
                  <Status value={t.TableStatus} />
                </td>
                <td>{keyOf(t, "HASH")}</td>
                <td>{keyOf(t, "RANGE") || "–"}</td>
                <td>{(t.GlobalSecondaryIndexes?.length || 0) + (t.LocalSecondaryIndexes?.length || 0)}</td>
                <td>{capacityMode(t)}</td>
                <td class="num">{t.ItemCount ?? 0}</td>
                <td class="num">{formatBytes(t.TableSizeBytes)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Page>
  );
}
