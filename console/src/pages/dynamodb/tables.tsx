// The DynamoDB table list, with each table's keys, status, item count and size.
import { DescribeTableCommand, paginateListTables, type TableDescription } from "@aws-sdk/client-dynamodb";
import { aws, collect } from "../../aws";
import { href } from "../../router";
import { ListPage, Status, formatBytes, useLiveList } from "../../ui/kit";

export function keyOf(table: TableDescription, type: "HASH" | "RANGE"): string {
  const name = table.KeySchema?.find((k) => k.KeyType === type)?.AttributeName;
  if (!name) return "";
  const attr = table.AttributeDefinitions?.find((a) => a.AttributeName === name);
  return `${name} (${attr?.AttributeType || "?"})`;
}

export function capacityMode(table: TableDescription): string {
  return table.BillingModeSummary?.BillingMode === "PAY_PER_REQUEST" ? "On-demand" : "Provisioned";
}

/** Every table name in the region, following ListTables' pages. */
export function listTableNames(): Promise<string[]> {
  return collect(paginateListTables({ client: aws().dynamodb }, {}), (page) => page.TableNames);
}

async function describeTables(): Promise<TableDescription[]> {
  const names = await listTableNames();
  const described = await Promise.all(names.map((n) => aws().dynamodb.send(new DescribeTableCommand({ TableName: n }))));
  return described.map((d) => d.Table as TableDescription);
}

export function DynamoTables() {
  const { items: tables, error, load } = useLiveList(
    describeTables,
    (t) => t.TableStatus !== "ACTIVE" || !!t.GlobalSecondaryIndexes?.some((g) => g.IndexStatus !== "ACTIVE"),
  );
  return (
    <ListPage
      title="Tables"
      create="Create table"
      createHref={href("/dynamodb/create")}
      empty="No tables in this region."
      error={error}
      count={tables?.length}
      onRefresh={load}
    >
      {tables && (
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
    </ListPage>
  );
}
